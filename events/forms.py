"""Forms of the webhook pages."""

from django import forms

from events.models import EVENT_CHOICES


class SubscriptionForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100, help_text="What this receiver is, for you.")
    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        help_text="Candor POSTs each event here as signed JSON (use https outside a test setup).",
    )
    events = forms.MultipleChoiceField(
        label="Events", choices=EVENT_CHOICES, widget=forms.CheckboxSelectMultiple, required=True
    )
    active = forms.BooleanField(label="Active (uncheck to pause deliveries)", required=False, initial=True)

    def clean_name(self):
        value = self.cleaned_data["name"].strip()
        if "\x00" in value:
            raise forms.ValidationError("Remove the control characters.")
        return value

    def clean_url(self):
        value = self.cleaned_data["url"]
        if not value.lower().startswith(("http://", "https://")):
            raise forms.ValidationError("Enter an http or https URL.")
        return value


class ResendForm(forms.Form):
    confirm_unknown = forms.BooleanField(
        label="I checked with the receiver's owner: this event did not arrive.", required=False
    )
