"""Forms of the candidate's pages. Validation only: the services act."""

import functools
import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from candidates.forms import EmailAddressField
from candidates.validators import validate_person_name, validate_time_zone
from feedback.portal.services import RATING_COMMENT_MAX_LENGTH, REAPPLY_ANSWER_MAX_LENGTH
from feedback.requests.services import QUESTION_MAX_LENGTH

SCORE_CHOICES = [
    (1, _("1 – Not useful")),
    (2, _("2 – A little useful")),
    (3, _("3 – Useful")),
    (4, _("4 – Very useful")),
    (5, _("5 – Extremely useful")),
]


class QuestionForm(forms.Form):
    question = forms.CharField(
        label=_("Your question"),
        max_length=QUESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per form, in the active language (a lazy plural with "%" would be fixed at import).
        self.fields["question"].help_text = ngettext(
            "Up to %(count)s character. The person who made the decision will answer, usually within a week.",
            "Up to %(count)s characters. "
            "The person who made the decision will answer, usually within a week.",
            QUESTION_MAX_LENGTH,
        ) % {"count": QUESTION_MAX_LENGTH}


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How useful was this feedback?"),
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything you would like to add? (optional)"),
        required=False,
        max_length=RATING_COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@functools.cache
def time_zone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


class ReapplyForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200, validators=[validate_person_name])
    # The one email rule (candidates.emails): tidied, and look-alike addresses refused in words.
    email = EmailAddressField(
        label=_("Email"),
        help_text=_(
            "We write to the address we have for you. If you give a new one, we will use it, "
            "or check it with you first."
        ),
    )
    # A text field with suggestions (a <datalist> in the template): a <select> of
    # 600 zones is slow to render and hard to use on a phone.
    time_zone = forms.CharField(
        label=_("Your time zone"),
        required=False,
        max_length=64,
        validators=[validate_time_zone],
        widget=forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off"}),
        help_text=_(
            "For example Europe/Berlin or America/New_York, so that we write to you in your morning."
        ),
    )

    def __init__(self, *args, points=(), jobs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.points = list(points)
        if len(jobs) > 1:
            self.fields["job"] = forms.TypedChoiceField(
                label=_("Which role?"),
                choices=[(job.pk, job.title) for job in jobs],
                coerce=int,
                widget=forms.RadioSelect,
            )
        for point in self.points:
            self.fields[f"point_{point.pk}"] = forms.CharField(
                label=_("%(criterion)s: what have you worked on since? (optional)")
                % {"criterion": point.criterion.name},
                required=False,
                max_length=REAPPLY_ANSWER_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def point_fields(self):
        """(point, bound field) pairs, for the template to show each old point beside its answer."""
        return [(point, self[f"point_{point.pk}"]) for point in self.points]

    def answers(self) -> dict[int, str]:
        return {point.pk: self.cleaned_data.get(f"point_{point.pk}", "") for point in self.points}
