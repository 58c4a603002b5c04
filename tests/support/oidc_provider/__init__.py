"""A real OpenID Connect provider for the tests: django-oauth-toolkit in its own small Django
project, run in a second process on a free port (``OIDCProvider``; fixture ``oidc_provider``).

Not a mock: Candor's allauth fetches its discovery document, sends the browser to its
authorization endpoint (a login form), exchanges the code at its token endpoint (PKCE, client
secret), checks the RS256-signed ID token against its JWKS and reads its userinfo endpoint.
"""
