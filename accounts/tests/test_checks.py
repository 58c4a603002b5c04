"""The sign-in settings' system checks (accounts/checks.py)."""

from accounts.checks import check_sign_in_deploy_settings, check_sign_in_settings


def test_good_settings_pass(settings):
    settings.CANDOR_REQUIRE_2FA_ROLES = ["HR", "Admin"]
    settings.CANDOR_TRUSTED_PROXY_COUNT = 1
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
    assert check_sign_in_settings() == []
    assert check_sign_in_deploy_settings() == []


def test_a_misspelt_role_or_a_negative_proxy_count_is_an_error(settings):
    settings.CANDOR_REQUIRE_2FA_ROLES = ["Hr"]
    settings.CANDOR_TRUSTED_PROXY_COUNT = -1
    assert [e.id for e in check_sign_in_settings()] == ["accounts.E001", "accounts.E002"]


def test_insecure_passkey_origins_fail_the_deploy_check(settings):
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
    assert [e.id for e in check_sign_in_deploy_settings()] == ["accounts.E003"]
