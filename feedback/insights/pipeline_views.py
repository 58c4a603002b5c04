"""The hiring manager's pipeline page (``feedback:pipeline``): see ``feedback.insights.pipeline``."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.permissions import staff_required
from feedback.insights.pipeline import can_see_pipeline, manager_pipeline


@login_required
@staff_required
@require_GET
def pipeline(request):
    """Per job the user manages (HR: every open job): stage counts, who is waiting, letters."""
    if not can_see_pipeline(request.user):
        raise Http404
    return render(request, "feedback/insights/pipeline.html", {"jobs": manager_pipeline(request.user)})
