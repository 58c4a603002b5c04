"""The staff login form and the Admin's security policy form."""

from __future__ import annotations

import math

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.mfa.base.forms import AuthenticateForm as MfaAuthenticateForm
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from accounts import throttle
from accounts.models import SecurityPolicy
from core import roles

SSO_REQUIRED_MESSAGE = (
    "Candor requires single sign-on: use the button to sign in with your organisation's "
    "account. Only a break-glass Admin may sign in with a password."
)


def may_use_password(user) -> bool:
    """Whether ``user`` may sign in with a local password: always, unless CANDOR_REQUIRE_SSO;
    then only a break-glass Admin (a superuser or the Admin role, core.roles.is_admin)."""
    if not getattr(settings, "CANDOR_REQUIRE_SSO", False):
        return True
    return roles.is_admin(user)


class LoginForm(AllauthLoginForm):
    """allauth's login form, its fields posted as ``username`` and ``password`` (as Django's
    own form did: password managers, the tests and the throttle's records keep working).

    With CANDOR_REQUIRE_SSO, a correct password of anyone but a break-glass Admin is refused
    with ``SSO_REQUIRED_MESSAGE`` (and audited as a failure).
    """

    def add_prefix(self, field_name: str) -> str:
        return super().add_prefix("username" if field_name == "login" else field_name)

    def clean(self):
        cleaned = super().clean()
        user = getattr(self, "user", None)
        if user is not None and not may_use_password(user):
            from accounts import services
            from accounts.throttle import client_ip

            self.user = None
            services.record_sign_in_failure(
                user.get_username(), address=client_ip(self.request), reason="sso_required"
            )
            raise ValidationError(SSO_REQUIRED_MESSAGE, code="sso_required")
        return cleaned


class SecurityPolicyForm(forms.ModelForm):
    """Which roles must use a second factor (an Admin's page)."""

    class Meta:
        model = SecurityPolicy
        fields = ("require_2fa_for_hr", "require_2fa_for_admin")


class ThrottledAuthenticateForm(MfaAuthenticateForm):
    """allauth's second-factor form, slowed like a password (``throttle.second_factor_wait``).

    While a delay runs, no code is even compared: the form says how long to wait. A wrong code
    counts one failure for the account; a right one clears them.
    """

    def clean_code(self) -> str:
        wait = throttle.second_factor_wait(self.user)
        if wait > 0:
            seconds = math.ceil(wait)
            raise ValidationError(
                f"Too many wrong codes. Wait {seconds} seconds before you try again.",
                code="throttled",
            )
        try:
            code = super().clean_code()
        except ValidationError:
            throttle.second_factor_failed(self.user)
            raise
        throttle.second_factor_passed(self.user)
        return code
