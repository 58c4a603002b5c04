from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from candidates import selectors, services
from candidates.forms import CandidateEditForm, CandidateForm, CandidateSearchForm
from candidates.validators import candidate_languages
from core.forms import add_validation_error
from core.permissions import hr_required

SEARCH_KEY = "candidates.search"
PAGE_SIZE = 25


@login_required
@hr_required
@require_http_methods(["GET", "POST"])
def candidate_list(request):
    """Paginated and searchable. The search words live in the session, not the URL, so names
    and emails never reach URLs or access logs; the search form POSTs them."""
    if request.method == "POST":
        form = CandidateSearchForm(request.POST)
        if form.is_valid() and "clear" not in request.POST:
            request.session[SEARCH_KEY] = form.cleaned_data["q"].strip()
        else:
            request.session.pop(SEARCH_KEY, None)
        return redirect("candidates:candidate_list")
    search = request.session.get(SEARCH_KEY, "")
    page = Paginator(selectors.candidates_for_hr(request.user, search=search), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "candidates/candidate_list.html",
        {"page": page, "search": search, "form": CandidateSearchForm(initial={"q": search})},
    )


@login_required
@hr_required
@require_http_methods(["GET", "POST"])
def candidate_create(request):
    form = CandidateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            candidate = services.candidate_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, "Candidate added. Open an application for them below.")
            return redirect("candidates:candidate_detail", pk=candidate.pk)
    return render(request, "candidates/candidate_form.html", {"form": form})


@login_required
@hr_required
@require_http_methods(["GET", "POST"])
def candidate_edit(request, pk):
    """HR edits a candidate's details through ``services.candidate_update`` (audited; pending
    reminders follow a new time zone). Erased candidates are shown, with the refusal, not a form."""
    candidate = selectors.candidate_for_hr(request.user, pk)
    if candidate.erased:
        messages.error(request, services.ERASED)
        return redirect("candidates:candidate_detail", pk=candidate.pk)
    initial = {field: getattr(candidate, field) for field in services.EDITABLE_FIELDS}
    form = CandidateEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.candidate_update(candidate=candidate, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, "Details saved.")
            return redirect("candidates:candidate_detail", pk=candidate.pk)
    return render(request, "candidates/candidate_edit.html", {"form": form, "candidate": candidate})


@login_required
@hr_required
@require_GET
def candidate_detail(request, pk):
    candidate = selectors.candidate_for_hr(request.user, pk)
    applications = candidate.applications.select_related("job", "current_stage").order_by("-created_at")
    return render(
        request,
        "candidates/candidate_detail.html",
        {
            "candidate": candidate,
            "applications": applications,
            "language_name": dict(candidate_languages()).get(candidate.language, candidate.language),
        },
    )
