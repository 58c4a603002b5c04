"""URLs under `make bench` (config.settings.bench): the app's, plus the baseline view."""

from django.urls import path

from config.urls import urlpatterns as app_urlpatterns
from devtools.views import fixed_page

urlpatterns = [
    path("bench/fixed/", fixed_page, name="bench_fixed"),
    *app_urlpatterns,
]
