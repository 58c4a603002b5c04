"""The API reference page: Swagger UI from drf-spectacular-sidecar's static files (no CDN).

Served under the site's strict Content-Security-Policy with no per-view override:
drf-spectacular's *split* view delivers the page's start-up script as a separate same-origin
file (``/api/docs/?script``) instead of an inline ``<script>``, and our template
(templates/api/swagger_ui.html) moves the stock template's inline ``<style>`` into a static file
(api/static/api/reference.css). Swagger UI draws its icons as ``data:`` images, which the policy
allows (``img-src 'self' data:``), and loads the schema from ``/api/schema/`` (``connect-src
'self'``). "Try it out" sends the session cookie and the CSRF token (read from the csrftoken
cookie), or a pasted API token ("Authorize").
"""

from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.exceptions import NotAuthenticated

from api.permissions import ReferencePermission


class ReferenceView(SpectacularSwaggerSplitView):
    """Signed-in staff and Admins (or a token); anyone else is sent to the login page."""

    permission_classes = [ReferencePermission]
    template_name = "api/swagger_ui.html"
    url_name = "api:schema"
    title = "Candor API reference"

    def handle_exception(self, exc):
        if isinstance(exc, NotAuthenticated) or (
            not self.request.user.is_authenticated and self.request.auth is None
        ):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)
