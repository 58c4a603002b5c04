from functools import wraps

from django.http import Http404

from core import roles


def hr_required(view):
    """HR-only pages answer 404 to everyone else, like any object they may not see."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not roles.is_hr(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not roles.is_staff_member(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
