"""Forms of the HR letter pages. Validation of input only; the services decide."""

from django import forms
from django.conf import settings

from core.languages import organisation_language
from feedback.letters.services import send_time_problem
from feedback.models import LetterTemplate

MAX_BULK = 20000
MAX_ID = 2**63 - 1  # the largest primary key any supported database stores


class LetterEditForm(forms.Form):
    subject = forms.CharField(max_length=300, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    body = forms.CharField(
        label="Letter",
        max_length=20000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 22, "spellcheck": "true"}),
        help_text='Plain text. A blank line starts a paragraph; lines starting with "- " make a list.',
    )
    # The version of the text the editor was loaded with (services.letter_version): a save or an
    # approval from a stale tab is refused instead of overwriting someone else's edit.
    version = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not body.strip():
            # Spaces and line breaks alone would be stored as an empty letter.
            raise forms.ValidationError("Write the letter's text.")
        return body

    def __init__(self, *args, lint_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if lint_url:
            # As HR types, the text goes to the lint endpoint and the findings panel is replaced.
            live = {
                "hx-post": lint_url,
                "hx-trigger": "keyup changed delay:400ms, change",
                "hx-target": "#findings",
                "hx-sync": "closest form:replace",
            }
            for name in ("subject", "body"):
                self.fields[name].widget.attrs.update(live)


class LetterApproveForm(forms.Form):
    WHEN_CHOICES = (
        ("default", "The next business morning"),
        ("chosen", "At a time I choose"),
    )

    when = forms.ChoiceField(label="Send", choices=WHEN_CHOICES, initial="default", widget=forms.RadioSelect)
    send_at = forms.DateTimeField(
        label="Send at (organisation's time zone)",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    override_reason = forms.CharField(
        label="Reason for approving despite the findings",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only needed while the quality check still finds something that blocks approval "
        "(advisory notes never do). It is kept in the audit trail.",
    )
    # The editor's text, posted with the approval (the approve button belongs to the editor's
    # form): what is on the screen is what gets approved. Not rendered here.
    subject = forms.CharField(max_length=300, required=False, widget=forms.HiddenInput)
    body = forms.CharField(max_length=20000, required=False, strip=False, widget=forms.HiddenInput)
    version = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The approve button belongs to the editor's form (id "letter-form"), so the text on the
        # screen is posted with the approval; these fields join that form from where they are.
        for name in ("when", "send_at", "override_reason"):
            self.fields[name].widget.attrs["form"] = "letter-form"

    def clean(self):
        data = super().clean()
        if data.get("when") == "chosen" and not data.get("send_at"):
            self.add_error("send_at", "Choose the date and time to send, or pick the next business morning.")
        elif data.get("when") == "chosen":
            # The service refuses the same (letter_approve); said here next to the field.
            problem = send_time_problem(data["send_at"])
            if problem:
                self.add_error("send_at", problem)
        if data.get("when") != "chosen":
            data["send_at"] = None
        return data


class LetterIdsField(forms.Field):
    """A list of letter ids from checkboxes."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        try:
            ids = sorted({int(v) for v in value})
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError("The selection is not valid.") from exc
        if ids and (ids[0] < 1 or ids[-1] > MAX_ID):
            # No letter has such a number, and the database cannot even compare it.
            raise forms.ValidationError("The selection is not valid.")
        if len(ids) > MAX_BULK:
            raise forms.ValidationError(f"Select at most {MAX_BULK} letters at once.")
        return ids


class BulkApproveForm(forms.Form):
    """Either the letters ticked on the page, or (``scope=all``) every letter in review."""

    SCOPE_CHOICES = (("selected", "The selected letters"), ("all", "Every clean letter in review"))

    scope = forms.ChoiceField(choices=SCOPE_CHOICES, required=False, widget=forms.HiddenInput)
    letters = LetterIdsField(required=False)

    def clean(self):
        data = super().clean()
        data["scope"] = data.get("scope") or "selected"
        if data["scope"] == "selected" and not data.get("letters") and "letters" not in self.errors:
            self.add_error("letters", "Select at least one letter to approve.")
        return data


class LetterTemplateForm(forms.ModelForm):
    language = forms.ChoiceField(
        choices=lambda: list(settings.LANGUAGES),
        initial=organisation_language,
        # Left out (an older form, a script): the organisation's language.
        required=False,
        help_text="The language it is written in. A candidate's letter is drafted from a template of "
        "their language, else from the default template of the organisation's language.",
    )
    make_default = forms.BooleanField(
        label="Use this template for new letters in its language", required=False
    )

    class Meta:
        model = LetterTemplate
        fields = ["name", "language", "subject", "body_text", "body_html"]
        labels = {"body_text": "Letter text", "body_html": "Email HTML layout"}
        widgets = {
            "body_text": forms.Textarea(attrs={"rows": 18}),
            "body_html": forms.Textarea(attrs={"rows": 18, "class": "font-monospace"}),
        }
        help_texts = {
            "body_text": "Drafts each letter. HR then edits the draft.",
            "body_html": "Lays out the edited letter for HTML mail. Must contain {letter}.",
        }

    def clean_language(self):
        # Not posted: the language it has (a new template: the organisation's).
        return self.cleaned_data.get("language") or self.instance.language or organisation_language()
