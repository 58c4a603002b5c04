"""Django's LocaleMiddleware, for the candidate's pages only.

The candidate's pages (``/c/…``, feedback.portal.urls) negotiate a language as
``django.middleware.locale.LocaleMiddleware`` does (the language switch's cookie, then the
browser's Accept-Language); a page that knows its candidate then uses the candidate's
language unless they chose one (``feedback.portal.i18n``). Staff pages stay in
``settings.LANGUAGE_CODE`` (English): they are not translated, and Django's own strings
(form errors, month names) in another language would mix languages on one page.
"""

import functools

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.urls import reverse
from django.utils import translation


@functools.cache
def _candidate_prefix() -> str:
    # "/c/" in config/urls.py: read from the URLconf, so a moved mount still matches.
    return reverse("candidate:language")


def is_candidate_path(path_info: str) -> bool:
    prefix = _candidate_prefix()
    return path_info.startswith(prefix.rsplit("/", 2)[0] + "/")


class CandidateLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        if is_candidate_path(request.path_info):
            return super().process_request(request)
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
        return None

    def process_response(self, request, response):
        if is_candidate_path(request.path_info):
            response = super().process_response(request, response)
        else:
            response.headers.setdefault("Content-Language", translation.get_language())
        # Unlike Django's, leave no language active in the thread after the response: a worker
        # thread (or a test) that runs code outside a request gets LANGUAGE_CODE, not the
        # language of the last candidate page it served.
        translation.deactivate()
        return response
