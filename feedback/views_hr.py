from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.permissions import hr_required


@login_required
@hr_required
@require_GET
def hr_home(request):
    return render(request, "feedback/hr_home.html", {})
