"""CSV import pages (HR): upload and preview, then confirm exactly what was previewed."""

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
    return render(request, "hiring/import.html", {"form": form, "plan": plan, "token": token})


@login_required
@only_if(predicates.can_open_application)
@require_POST
def import_confirm(request):
    try:
        text = imports.unsign(request.POST.get("token", ""), request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("hiring:import_upload")
    try:
        plan = imports.applications_import(text=text, by=request.user)
    except imports.ImportRefused as exc:
        return render(
            request,
            "hiring/import.html",
            {"form": ImportUploadForm(), "plan": exc.plan, "token": None, "refused": True},
        )
    messages.success(
        request,
        f"Imported: {plan.new_candidates} new candidate(s), {plan.new_applications} new application(s); "
        f"{plan.unchanged} row(s) were already there and were left unchanged.",
    )
    return redirect("candidates:candidate_list")
