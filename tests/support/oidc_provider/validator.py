"""Claims the test provider puts in ID tokens and userinfo: email (verified) and names."""

from oauth2_provider.oauth2_validators import OAuth2Validator


class EmailClaimsValidator(OAuth2Validator):
    """The user's email with ``email_verified`` (true unless the username ends in
    "-unverified": the tests' way to make an identity whose address is not verified)."""

    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope}

    def get_additional_claims(self, request):
        user = request.user
        return {
            "email": user.email,
            "email_verified": not user.username.endswith("-unverified"),
            "given_name": user.first_name,
            "family_name": user.last_name,
            "name": f"{user.first_name} {user.last_name}".strip(),
            "preferred_username": user.username,
        }
