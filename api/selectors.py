"""Reads of the api app: the Admin's token list."""

from django.db.models import QuerySet
from django.http import Http404

from api.models import ApiToken
from core import roles


def tokens_for_admin(user) -> QuerySet[ApiToken]:
    """Every token, newest first, for an Admin; none for anyone else."""
    if not roles.is_admin(user):
        return ApiToken.objects.none()
    return ApiToken.objects.select_related("acting_user", "created_by").prefetch_related("jobs")


def token_for_admin(user, pk) -> ApiToken:
    """One token for an Admin, or 404."""
    token = tokens_for_admin(user).filter(pk=pk).first()
    if token is None:
        raise Http404
    return token
