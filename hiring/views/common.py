"""What every hiring page module shares: guarding a page with a predicate, and showing a
service's refusal next to the form field it names."""

from functools import wraps

from django.core.exceptions import ValidationError
from django.http import Http404

from core.forms import add_validation_error


def only_if(predicate):
    """Decorator: the page answers 404 (like any object the user may not see) unless
    ``predicate(request.user)``, one of ``hiring.predicates``. Put it under ``login_required``
    so anonymous users are sent to log in first."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not predicate(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def add_refusal(form, exc) -> None:
    """Put a service's refusal (HiringError or ValidationError) next to the field it names, or
    at the top of the form."""
    if isinstance(exc, ValidationError):
        add_validation_error(form, exc)
        return
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)
