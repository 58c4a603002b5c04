"""allauth adapters: no public sign-up, SSO users matched by verified email, 2FA kept when
a role requires it."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib.auth import get_user_model

from accounts import policy


class AccountAdapter(DefaultAccountAdapter):
    """Accounts come from Admins, SCIM or single sign-on, never from a public sign-up form."""

    def is_open_for_signup(self, request) -> bool:
        """Always False: allauth's sign-up page shows "Sign up closed"."""
        return False

    def get_client_ip(self, request) -> str:
        """The same client address as the login throttle (accounts.throttle.client_ip)."""
        from accounts.throttle import client_ip

        return client_ip(request) or "0.0.0.0"  # noqa: S104 # nosec B104 - a key, not a bind


def provider_vouches_for_emails(sociallogin) -> bool:
    """True if the app's settings say ``"trust_email": true``: the provider is the company's own
    directory, whose addresses are managed by IT (Entra ID sends no ``email_verified`` claim).
    Never set it for a provider where people choose their own address."""
    app = getattr(getattr(sociallogin, "provider", None), "app", None)
    return bool(getattr(app, "settings", None) and app.settings.get("trust_email"))


def match_by_verified_email(sociallogin):
    """The one active local user whose email equals (case-insensitively) a VERIFIED address the
    identity provider sent, or None (none, or more than one: ambiguous, so nobody). Verified:
    the provider's ``email_verified`` claim, or ``provider_vouches_for_emails``."""
    User = get_user_model()
    trusted = provider_vouches_for_emails(sociallogin)
    verified = {
        e.email.strip().lower() for e in sociallogin.email_addresses if e.email and (e.verified or trusted)
    }
    for email in sorted(verified):
        users = list(User.objects.filter(email__iexact=email, is_active=True)[:2])
        if len(users) == 1:
            return users[0]
    return None


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """OpenID Connect sign-in for people who already have a Candor account.

    A first sign-in through the identity provider links the provider's account to the local
    user with the same verified email (``match_by_verified_email``); later ones use the link.
    Unknown people are refused ("Sign up closed") unless CANDOR_SSO_CREATE_USERS is true: then
    an account with no role is made, and an Admin gives it one.
    """

    def pre_social_login(self, request, sociallogin) -> None:
        if sociallogin.is_existing:
            return
        user = match_by_verified_email(sociallogin)
        if user is not None:
            sociallogin.connect(request, user)

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return bool(getattr(settings, "CANDOR_SSO_CREATE_USERS", False))


class MFAAdapter(DefaultMFAAdapter):
    """A user whose role requires two-factor may not remove their last second factor."""

    def can_delete_authenticator(self, authenticator) -> bool:
        if authenticator.type not in policy.SECOND_FACTOR_TYPES:
            return True
        user = authenticator.user
        if not policy.requires_2fa(user):
            return True
        others = (
            type(authenticator)
            .objects.filter(user_id=user.pk, type__in=policy.SECOND_FACTOR_TYPES)
            .exclude(pk=authenticator.pk)
        )
        return others.exists()
