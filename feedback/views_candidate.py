from django.http import Http404
from django.views.decorators.http import require_GET


@require_GET
def letter_page(request, token):
    raise Http404
