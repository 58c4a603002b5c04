from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import closures, dates, health, roles
from core.forms import ClosureDayForm, add_validation_error
from core.models import ClosureDay
from core.permissions import hr_required


@login_required
@require_GET
def home(request):
    """Send each role to its own home page."""
    if roles.is_hr(request.user):
        return redirect("feedback:hr_home")
    if roles.is_staff_member(request.user):
        return redirect("hiring:my_interviews")
    if roles.is_admin(request.user):
        # Accounts and roles are managed in the app (staff app's People page, by URL name).
        return redirect("staff:people")
    return render(request, "core/no_role.html", status=403)


@require_GET
def healthz(request):
    """Liveness: "ok" while this process answers and reaches its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


@never_cache
@require_GET
def health_ready(request):
    """Readiness for the load balancer, as JSON (``core.health.health_report``).

    200 when the database and the broker answer (``status`` "ok", or "degraded" when the
    worker, beat or the outbox lag); 503 when either is down. Open to anyone, like
    ``healthz``: it holds ages and booleans only, no personal data.
    """
    status, body = health.health_report()
    return JsonResponse(body, status=status)


@login_required
@hr_required
@require_http_methods(["GET", "POST"])
def closure_days(request):
    """Closure days (list and add) and, for reference, the public holidays already counted."""
    form = ClosureDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            closure = closures.closure_day_add(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, f"{closure.day.day} {closure.day:%B %Y} is now a closure day.")
            return redirect("core:closure_days")
    country, subdivision = dates.holiday_region()
    context = {
        "form": form,
        "closure_days": closures.closure_days_upcoming(),
        "holidays": closures.public_holidays_ahead(),
        "country": country,
        "subdivision": subdivision,
    }
    return render(request, "core/closure_days.html", context)


@login_required
@hr_required
@require_POST
def closure_day_remove(request, pk):
    closure = get_object_or_404(ClosureDay, pk=pk)
    closures.closure_day_remove(by=request.user, closure=closure)
    messages.success(request, f"{closure.day.day} {closure.day:%B %Y} is a business day again.")
    return redirect("core:closure_days")
