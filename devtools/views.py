"""The baseline of `make bench`: a trivial view returning a fixed page (mounted only by bench settings)."""

from django.http import HttpResponse
from django.views.decorators.http import require_GET

FIXED_PAGE = (
    "<!doctype html><html lang=en><head><meta charset=utf-8><title>Fixed page</title></head>"
    "<body><main><h1>Fixed page</h1>"
    + "<p>The same bytes on every request.</p>" * 40
    + "</main></body></html>"
)


@require_GET
def fixed_page(request):
    return HttpResponse(FIXED_PAGE)
