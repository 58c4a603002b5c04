"""Forms of the webhook pages."""

import ipaddress
from urllib.parse import urlsplit

from django import forms
from django.conf import settings

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
        problem = receiver_url_problem(value)
        if problem:
            raise forms.ValidationError(problem)
        return value


def receiver_url_problem(url: str) -> str:
    """Why a webhook receiver's URL is refused, or "" when it may be used.

    Refused: a user name or password in the URL (shown on HR's pages and never sent: put
    credentials in the receiver's own check of the signature instead), and, unless
    ``CANDOR_WEBHOOK_ALLOW_PRIVATE_HOSTS`` is set, a host that is ``localhost`` or an IP address
    that is loopback, link-local (cloud metadata at 169.254.169.254), private, multicast or
    reserved: Candor's server would otherwise POST into its own network on HR's behalf.
    """
    parts = urlsplit(url)
    if parts.username or parts.password:
        return "Leave the user name and password out of the URL: Candor signs each delivery instead."
    if getattr(settings, "CANDOR_WEBHOOK_ALLOW_PRIVATE_HOSTS", False):
        return ""
    host = (parts.hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return "Use the receiver's public address: Candor does not post to its own machine."
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return ""
    if (
        address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    ):
        return "Use the receiver's public address: Candor does not post to private or internal addresses."
    return ""


class ResendForm(forms.Form):
    confirm_unknown = forms.BooleanField(
        label="I checked with the receiver's owner: this event did not arrive.", required=False
    )
