"""The Admin's pages for API tokens: list, create (the key is shown once), revoke (POST)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from api import selectors, services
from api.forms import TokenForm
from core import roles
from core.forms import add_validation_error


def _admin_only(view):
    """Token pages answer 404 to everyone but an Admin, like any page not theirs."""

    def wrapper(request, *args, **kwargs):
        if not roles.is_admin(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@login_required
@_admin_only
@require_GET
def token_list(request):
    return render(request, "api/token_list.html", {"tokens": selectors.tokens_for_admin(request.user)})


@never_cache
@login_required
@_admin_only
@require_http_methods(["GET", "POST"])
def token_create(request):
    """The form; after a valid POST, the page shows the key once (never stored, never redirected)."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            token, key = services.token_create(
                by=request.user,
                name=data["name"],
                scope=data["scope"],
                acting_user=data["acting_user"],
                all_jobs=data["all_jobs"],
                jobs=data["jobs"] or (),
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            return render(request, "api/token_created.html", {"token": token, "key": key})
    return render(request, "api/token_form.html", {"form": form})


@login_required
@_admin_only
@require_POST
def token_revoke(request, pk):
    token = selectors.token_for_admin(request.user, pk)
    services.token_revoke(token=token, by=request.user)
    messages.success(request, f"Token “{token.name}” revoked: its next call is refused.")
    return redirect("api:token_list")
