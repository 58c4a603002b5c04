"""The Admin's security policy page (which roles must use two-factor)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.forms import SecurityPolicyForm
from accounts.models import SecurityPolicy
from core import roles


@login_required
@require_http_methods(["GET", "POST"])
def security_policy(request):
    """GET: the form; POST: save it (accounts.services.set_security_policy). Admins only
    (core.roles.is_admin), everyone else 403."""
    if not roles.is_admin(request.user):
        raise PermissionDenied
    current = SecurityPolicy.objects.filter(pk=1).first() or SecurityPolicy(pk=1)
    form = SecurityPolicyForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        services.set_security_policy(
            request.user,
            require_2fa_for_hr=form.cleaned_data["require_2fa_for_hr"],
            require_2fa_for_admin=form.cleaned_data["require_2fa_for_admin"],
        )
        messages.success(request, "Security policy saved.")
        return redirect("accounts_security_policy")
    return render(request, "account/security_policy.html", {"form": form})


def not_offered(request, *args, **kwargs):
    """allauth pages Candor does not offer (managing email addresses: a staff member's address
    comes from Admins, SCIM or the identity provider, and SSO matches on it): 404."""
    raise Http404("Not offered")
