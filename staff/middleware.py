"""Ends staff sessions that timed out or were signed out everywhere (``staff.sessions``).

Placed right after Django's ``AuthenticationMiddleware``. A session that must end is signed
out before the view runs, so the request goes on as an anonymous visitor (pages that need a
sign-in send it to the login page). Only the user id and the reason are logged.
"""

import logging

from django.contrib import auth
from django.contrib.auth import SESSION_KEY

from staff import services, sessions

logger = logging.getLogger(__name__)


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            user_id = session[SESSION_KEY]
            reason = sessions.end_reason(session, user_id)
            if reason is not None:
                auth.logout(request)
                logger.info("staff session ended: user=%s reason=%s", user_id, reason)
                if reason in (sessions.IDLE, sessions.ABSOLUTE):
                    services.session_timed_out(user_id=user_id, reason=reason)
        return self.get_response(request)
