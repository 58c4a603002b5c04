"""Settings of the accounts part (imported at the end of config/settings/base.py).

Staff sign-in through django-allauth: local passwords (username), OpenID Connect single sign-on,
two-factor (TOTP, passkeys/WebAuthn, recovery codes), password reset by email, and login
throttling through django-axes with Candor's own handler (accounts/throttle.py). Every value is
explained in docs/accounts.md.
"""

import environ

env = environ.Env()

# --- allauth: local accounts ----------------------------------------------------------------
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
# The login form keeps the field names "username" and "password" (accounts/forms.py).
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm"}
ACCOUNT_LOGIN_METHODS = {"username"}
# No public sign-up (AccountAdapter.is_open_for_signup): these only describe the closed form.
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*"]
# Staff addresses come from Admins, SCIM or the identity provider; nothing to confirm by mail.
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = False
# No "remember me" box: the session lasts as Django's (and the sessions part's) settings say.
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Candor] "
# Password reset: a link by email to the account's address (Django's mail backend). An address
# with no account gets no mail, and the page says the same either way (no account enumeration).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_PREVENT_ENUMERATION = True
# Sign-in throttling is axes' job (below); allauth's own login limits are switched off so that
# one mechanism decides. Its other limits (password reset mails, ...) stay on.
ACCOUNT_RATE_LIMITS = {"login": False, "login_failed": False}

# --- Single sign-on (OpenID Connect) ---------------------------------------------------------
# One provider from the environment (Okta, Entra ID, Google Workspace: docs/accounts.md); more
# would be more entries in APPS below. Users are matched by a VERIFIED email address of the
# provider to an existing active account (accounts/adapters.py); unknown people get no account
# unless CANDOR_SSO_CREATE_USERS is true (then with no role: an Admin gives them one).
CANDOR_OIDC_NAME = env("CANDOR_OIDC_NAME", default="Single sign-on")
CANDOR_OIDC_SERVER_URL = env("CANDOR_OIDC_SERVER_URL", default="")
CANDOR_OIDC_CLIENT_ID = env("CANDOR_OIDC_CLIENT_ID", default="")
CANDOR_OIDC_CLIENT_SECRET = env("CANDOR_OIDC_CLIENT_SECRET", default="")
CANDOR_SSO_CREATE_USERS = env.bool("CANDOR_SSO_CREATE_USERS", default=False)
# Local passwords refused for everyone but a break-glass Admin (superuser or Admin role).
CANDOR_REQUIRE_SSO = env.bool("CANDOR_REQUIRE_SSO", default=False)

SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": (
            [
                {
                    "provider_id": "sso",
                    "name": CANDOR_OIDC_NAME,
                    "client_id": CANDOR_OIDC_CLIENT_ID,
                    "secret": CANDOR_OIDC_CLIENT_SECRET,
                    "settings": {
                        "server_url": CANDOR_OIDC_SERVER_URL,
                        # The provider is the company directory: its addresses count as
                        # verified without an email_verified claim (Entra ID sends none).
                        "trust_email": env.bool("CANDOR_OIDC_TRUST_EMAIL", default=False),
                    },
                }
            ]
            if CANDOR_OIDC_CLIENT_ID and CANDOR_OIDC_SERVER_URL
            else []
        ),
    }
}
# Matching by email is done by Candor's adapter (verified addresses only, active users only),
# not by allauth's email authentication, which would also wipe local passwords.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_QUERY_EMAIL = True

# --- Two-factor (allauth.mfa) ----------------------------------------------------------------
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
# Wrong codes slow down like wrong passwords (accounts/forms.py ThrottledAuthenticateForm).
MFA_FORMS = {"authenticate": "accounts.forms.ThrottledAuthenticateForm"}
MFA_TOTP_ISSUER = env("CANDOR_TOTP_ISSUER", default="Candor")
# Browsers allow WebAuthn on http://localhost only; fido2 needs this to accept it (demo only).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env.bool("CANDOR_WEBAUTHN_ALLOW_INSECURE_ORIGIN", default=False)
# Roles whose members must set up a second factor before any other page (accounts/policy.py).
# Comma-separated role names, e.g. "HR,Admin". An Admin can also require it in the app
# (/accounts/security/): either one is enough.
CANDOR_REQUIRE_2FA_ROLES = env.list("CANDOR_REQUIRE_2FA_ROLES", default=[])

# --- Login throttling (django-axes + accounts/throttle.py) -----------------------------------
# The client address: the Nth address from the right of X-Forwarded-For, N = the number of
# proxies in front of Candor that append to it (0: the socket's address, no proxy).
CANDOR_TRUSTED_PROXY_COUNT = env.int("CANDOR_TRUSTED_PROXY_COUNT", default=0)
# allauth's remaining rate limits (password reset mails) read the same address.
ALLAUTH_TRUSTED_PROXY_COUNT = CANDOR_TRUSTED_PROXY_COUNT
# Failures of one username from one address before a delay; the delay starts at
# CANDOR_LOGIN_DELAY_SECONDS and doubles with each further failure, up to the maximum.
AXES_FAILURE_LIMIT = env.int("DJANGO_AXES_FAILURE_LIMIT", default=5)
CANDOR_LOGIN_DELAY_SECONDS = env.int("CANDOR_LOGIN_DELAY_SECONDS", default=30)
CANDOR_LOGIN_MAX_DELAY_SECONDS = env.int("CANDOR_LOGIN_MAX_DELAY_SECONDS", default=3600)
# Failures from one address over all usernames (a password spray) before a delay.
CANDOR_LOGIN_ADDRESS_FAILURE_LIMIT = env.int("CANDOR_LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
# Failures of one username from all addresses before a delay (a distributed attack on one
# person); its delay is capped low, so that someone else's attack never locks a person out long.
CANDOR_LOGIN_USERNAME_FAILURE_LIMIT = env.int("CANDOR_LOGIN_USERNAME_FAILURE_LIMIT", default=30)
CANDOR_LOGIN_USERNAME_MAX_DELAY_SECONDS = env.int("CANDOR_LOGIN_USERNAME_MAX_DELAY_SECONDS", default=300)
# Failures over the whole site within the memory window: past this, every address and
# username+address pair gets a delay after its first failure (a wide attack).
CANDOR_LOGIN_GLOBAL_FAILURE_LIMIT = env.int("CANDOR_LOGIN_GLOBAL_FAILURE_LIMIT", default=1000)
# Failures are forgotten after this many hours without a new one (axes' cool-off).
AXES_COOLOFF_TIME = env.float("CANDOR_LOGIN_MEMORY_HOURS", default=24)
AXES_HANDLER = "accounts.throttle.ThrottleHandler"
AXES_CLIENT_IP_CALLABLE = "accounts.throttle.client_ip"
AXES_USERNAME_CALLABLE = "accounts.throttle.username_of"
AXES_LOCKOUT_CALLABLE = "accounts.throttle.lockout_response"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A refused attempt during a delay is not counted again (the delay grows with real failures).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Never store what was typed into the password field (nor the CSRF token) in the attempt rows'
# request data, and keep usernames and addresses out of axes' log lines (no personal data in
# logs): the attempt rows themselves and the audit trail hold them.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password", "csrfmiddlewaretoken"]
# Origins the sign-in forms may be sent on to besides each provider's server_url origin (a
# provider whose authorization endpoint is elsewhere): the CSP's form-action (accounts/csp.py).
CANDOR_SSO_FORM_ACTION_ORIGINS = env.list("CANDOR_SSO_FORM_ACTION_ORIGINS", default=[])
