"""HR: find a candidate, export everything about them (JSON), erase them."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from candidates.selectors import candidate_for_hr
from core.permissions import hr_required
from feedback.privacy.forms import CandidateSearchForm, EraseForm
from feedback.privacy.selectors import candidates_matching
from feedback.privacy.services import candidate_erase, candidate_export


@login_required
@hr_required
@require_http_methods(["GET", "POST"])
def home(request):
    """Search by name or email. A POST, so that emails stay out of URLs and logs. A search the
    form refuses (a NUL character, one letter, too long) says why next to the field (400)."""
    form = CandidateSearchForm(request.POST if request.method == "POST" else None)
    results = None
    if form.is_valid():
        results = list(candidates_matching(request.user, form.cleaned_data["q"]))
    return render(
        request,
        "feedback/privacy/home.html",
        {"form": form, "query": form.data.get("q", "").replace("\x00", ""), "results": results},
        status=400 if form.errors else 200,
    )


@login_required
@hr_required
@require_GET
def export(request, pk):
    candidate = candidate_for_hr(request.user, pk)
    data = candidate_export(candidate=candidate, by=request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="candidate-{candidate.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@hr_required
@require_http_methods(["GET", "POST"])
def erase(request, pk):
    candidate = candidate_for_hr(request.user, pk)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and not candidate.erased and form.is_valid():
        candidate_erase(candidate=candidate, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, f"Candidate #{candidate.pk} has been erased.")
        return redirect("privacy:home")
    return render(
        request,
        "feedback/privacy/erase.html",
        {"candidate": candidate, "form": form, "applications": candidate.applications.select_related("job")},
        status=400 if form.errors else 200,
    )
