"""Who may use the staff pages: the Admin rule of core.roles."""

from functools import wraps

from django.http import Http404

from core import roles


def admin_required(view):
    """Admin-only pages answer 404 to everyone else (like any page that is not theirs)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not roles.is_admin(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
