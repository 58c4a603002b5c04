from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from core import roles


@login_required
@require_GET
def home(request):
    """Send each role to its own home page."""
    if roles.is_hr(request.user):
        return redirect("feedback:hr_home")
    if roles.is_staff_member(request.user):
        return redirect("hiring:my_interviews")
    if roles.is_admin(request.user):
        return redirect("admin:index")
    return render(request, "core/no_role.html", status=403)


@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
