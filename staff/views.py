"""People pages (Admin only), SCIM tokens (Admin only), and each user's own security page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.audit import audit_for
from core.forms import add_validation_error
from staff import selectors, services, sessions
from staff.forms import PersonCreateForm, RolesForm, ScimTokenForm, SearchForm
from staff.permissions import admin_required

User = get_user_model()
PAGE_SIZE = 50


def _person_or_404(pk):
    return get_object_or_404(User, pk=pk)


@login_required
@admin_required
@require_http_methods(["GET", "POST"])
def people(request):
    """Everyone with an account, their roles, state and last sign-in.

    Filters in the URL are role keys and states only (``?role=hr&state=active&page=2``); the
    free-text search is a POST, so names and emails never land in a URL or an access log.
    """
    if request.method == "POST":
        form = SearchForm(request.POST)
        valid = form.is_valid()
        data = form.cleaned_data if valid else {}
        page_number = 1
    else:
        form = SearchForm(request.GET)
        valid = form.is_valid()
        data = form.cleaned_data if valid else {}
        page_number = request.GET.get("page") or 1
    people_qs = selectors.people(
        role=data.get("role", ""), state=data.get("state", ""), query=data.get("q", "")
    )
    page = Paginator(people_qs, PAGE_SIZE).get_page(page_number)
    context = {"form": form, "page": page, "role": data.get("role", ""), "state": data.get("state", "")}
    return render(request, "staff/people.html", context)


@login_required
@admin_required
@require_http_methods(["GET", "POST"])
def person_create(request):
    """A local account: no password (they set one through the password reset email, or sign in
    by SSO)."""
    form = PersonCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.staff_create(
                by=request.user,
                email=form.cleaned_data["email"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                role_names=form.cleaned_data["roles"],
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(
                request,
                "Account created without a password: they set one with “Forgot your password?” on the "
                "sign-in page, or sign in by single sign-on.",
            )
            return redirect("staff:person", pk=person.pk)
    return render(request, "staff/person_create.html", {"form": form})


def _person_context(request, person, roles_form=None):
    return {
        "person": person,
        "roles_form": roles_form or RolesForm(initial={"roles": sorted(selectors.role_names_of(person))}),
        "is_self": person.pk == request.user.pk,
        "audit": audit_for(person)[:20],
    }


@login_required
@admin_required
@require_GET
def person(request, pk):
    person = _person_or_404(pk)
    return render(request, "staff/person.html", _person_context(request, person))


@login_required
@admin_required
@require_POST
def person_roles(request, pk):
    person = _person_or_404(pk)
    form = RolesForm(request.POST)
    if form.is_valid():
        try:
            added, removed = services.staff_set_roles(
                by=request.user, user=person, role_names=form.cleaned_data["roles"]
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            if added or removed:
                messages.success(request, "Roles saved.")
            else:
                messages.info(request, "No change to the roles.")
            return redirect("staff:person", pk=person.pk)
    return render(request, "staff/person.html", _person_context(request, person, form), status=400)


def _refusal(request, person, exc: ValidationError):
    text = " ".join(sum(exc.message_dict.values(), []) if hasattr(exc, "error_dict") else exc.messages)
    messages.error(request, text)
    context = _person_context(request, person)
    context["refusal"] = text
    return render(request, "staff/person.html", context, status=400)


@login_required
@admin_required
@require_POST
def person_deactivate(request, pk):
    """Deactivate: their sessions end at once and their records keep their name."""
    person = _person_or_404(pk)
    try:
        changed = services.staff_deactivate(by=request.user, user=person)
    except ValidationError as exc:
        return _refusal(request, person, exc)
    if person.pk == request.user.pk:
        return redirect("staff:signed_out")
    if changed:
        messages.success(request, "Deactivated. Their sessions have ended; what they wrote keeps their name.")
    return redirect("staff:person", pk=person.pk)


@login_required
@admin_required
@require_POST
def person_reactivate(request, pk):
    person = _person_or_404(pk)
    if services.staff_reactivate(by=request.user, user=person):
        messages.success(request, "Reactivated: they can sign in again.")
    return redirect("staff:person", pk=person.pk)


@login_required
@admin_required
@require_POST
def person_end_sessions(request, pk):
    """Sign this person out everywhere (a forced sign-out when it is someone else)."""
    person = _person_or_404(pk)
    services.sessions_end(by=request.user, user=person)
    if person.pk == request.user.pk:
        logout(request)
        return redirect("staff:signed_out")
    messages.success(request, "All their sessions have ended.")
    return redirect("staff:person", pk=person.pk)


@never_cache
@login_required
@admin_required
@require_http_methods(["GET", "POST"])
def scim_tokens(request):
    """SCIM tokens: create (the token is shown on this answer only) and list."""
    form = ScimTokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = services.scim_token_create(by=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            created = {"token": token, "raw": raw}
            form = ScimTokenForm()
    context = {
        "form": form,
        "created": created,
        "tokens": selectors.scim_tokens(),
        "scim_base": settings.CANDOR_BASE_URL.rstrip("/") + reverse("scim:root"),
    }
    return render(request, "staff/scim_tokens.html", context)


@login_required
@admin_required
@require_POST
def scim_token_revoke(request, pk):
    token = get_object_or_404(selectors.scim_tokens(), pk=pk)
    if services.scim_token_revoke(by=request.user, token=token):
        messages.success(request, f"Token “{token.name}” revoked: it is refused from now on.")
    return redirect("staff:scim_tokens")


@login_required
@require_GET
def security(request):
    """Your account's security: this session's times, and "sign out everywhere"."""
    session = request.session
    context = {
        "idle_minutes": sessions.idle_seconds() / 60,
        "absolute_hours": sessions.absolute_seconds() / 3600,
        "started": session.get(sessions.STARTED),
    }
    return render(request, "staff/security.html", context)


@login_required
@require_POST
def signout_everywhere(request):
    """End every session of the signed-in user, this one included."""
    services.sessions_end(by=request.user, user=request.user)
    logout(request)
    return redirect("staff:signed_out")


@require_GET
def signed_out(request):
    return render(request, "staff/signed_out.html")
