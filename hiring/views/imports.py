"""CSV import pages (HR): upload and preview, then confirm exactly what was previewed."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from hiring import predicates
from hiring.forms import ImportUploadForm
from hiring.services import imports
from hiring.views.common import only_if


@login_required
@only_if(predicates.can_open_application)
@require_http_methods(["GET", "POST"])
def import_upload(request):
    """Upload → preview. The preview carries the file's text back in a signed hidden field,
    so what is confirmed is exactly what was previewed; it is checked again on confirm."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    plan = token = None
    if request.method == "POST" and form.is_valid():
        try:
            text = imports.decode(form.cleaned_data["file"].read())
        except ValueError as exc:
            form.add_error("file", str(exc))
        else:
            plan = imports.plan_import(text)
            if plan.ok:
                token = imports.sign(text, request.user)
    return render(
        request,
        "hiring/import.html",
        {"form": form, "plan": plan, "token": token, "default_language": settings.LANGUAGE_CODE},
    )


def _decisions(post) -> tuple[dict[int, str], set[int]]:
    """HR's decisions on the preview's cool-down rows: ``override_<line>`` (a reason to open the
    application anyway) and ``remove_<line>`` (leave the row out)."""
    overrides, removed = {}, set()
    for key, value in post.items():
        prefix, _, line = key.partition("_")
        if not line.isdigit():
            continue
        if prefix == "override":
            overrides[int(line)] = value
        elif prefix == "remove" and value:
            removed.add(int(line))
    return overrides, removed


@login_required
@only_if(predicates.can_open_application)
@require_POST
def import_confirm(request):
    token = request.POST.get("token", "")
    try:
        text = imports.unsign(token, request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("hiring:import_upload")
    overrides, removed = _decisions(request.POST)
    try:
        plan = imports.applications_import(text=text, by=request.user, overrides=overrides, removed=removed)
    except imports.ImportRefused as exc:
        # Cool-down rows without a decision: the same preview, with HR's entries kept, to finish.
        return render(
            request,
            "hiring/import.html",
            {
                "form": ImportUploadForm(),
                "plan": exc.plan,
                "token": token if exc.plan.ok else None,
                "refused": True,
                "default_language": settings.LANGUAGE_CODE,
            },
        )
    note = f"; {plan.removed} row(s) left out" if plan.removed else ""
    messages.success(
        request,
        f"Imported: {plan.new_candidates} new candidate(s), {plan.new_applications} new application(s); "
        f"{plan.unchanged} row(s) were already there and were left unchanged{note}.",
    )
    return redirect("candidates:candidate_list")
