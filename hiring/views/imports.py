"""CSV import pages (HR): upload and preview, then confirm exactly what was previewed."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

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
    notice = ""
    if request.method == "POST" and form.is_valid():
        try:
            decoded = imports.read_upload(form.cleaned_data["file"])
        except imports.FileRefused as exc:
            form.add_error("file", str(exc))
        else:
            notice = decoded.notice
            plan = imports.plan_import(decoded.text)
            if plan.ok:
                token = imports.sign(decoded.text, request.user)
    return render(
        request,
        "hiring/import.html",
        {**_page_context(), "form": form, "plan": plan, "token": token, "notice": notice},
        status=400 if form.errors or (plan and plan.errors) else 200,
    )


def _page_context() -> dict:
    return {
        "default_language": settings.LANGUAGE_CODE,
        "columns": imports.COLUMNS,
        "limits": imports.LIMITS,
        "template_filename": imports.TEMPLATE_FILENAME,
    }


@login_required
@only_if(predicates.can_open_application)
@require_GET
def import_template(request):
    """The template file: a header row naming every column the import reads."""
    response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{imports.TEMPLATE_FILENAME}"'
    return response


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
                **_page_context(),
                "form": ImportUploadForm(),
                "plan": exc.plan,
                "token": token if exc.plan.ok else None,
                "refused": True,
            },
        )
    note = f"; {plan.removed} row(s) left out" if plan.removed else ""
    if plan.consents_recorded:
        note += f"; consent recorded for {plan.consents_recorded} known candidate(s)"
    messages.success(
        request,
        f"Imported: {plan.new_candidates} new candidate(s), {plan.new_applications} new application(s); "
        f"{plan.unchanged} row(s) were already there and were left unchanged{note}.",
    )
    return redirect("candidates:candidate_list")
