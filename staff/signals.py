"""Signal receivers of the staff app (connected in StaffConfig.ready)."""

from staff import sessions


def stamp_session_on_sign_in(sender, request, user, **kwargs):
    """Every sign-in (any path that calls ``django.contrib.auth.login``) stamps its session."""
    session = getattr(request, "session", None)
    if session is not None and user is not None:
        sessions.stamp(session, user.pk)
