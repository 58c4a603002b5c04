"""The refusal every hiring service raises (or a subclass of it, defined beside its service)."""


class HiringError(Exception):
    """A refusal, written for the person who tried. ``field`` names the form field the message
    belongs next to, if any."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def application_closed_refusal(application, *, what: str) -> str | None:
    """Why ``what`` (e.g. "a scorecard") can no longer be recorded on ``application``, or None.

    Refused: an application whose candidate's data was erased (erasure withdraws their open
    applications, and nothing new may name them), and any closed application (hired, not
    hired, withdrawn). Reads ``application.candidate``. The sentence is for the person who tried.
    """
    if application.candidate.erased_at is not None:
        return (
            "This candidate's personal data has been erased, so nothing more can be recorded "
            f"on their applications ({what} included)."
        )
    if application.status != "active":
        return (
            f"This application is closed ({application.get_status_display()}): "
            f"{what} can no longer be recorded on it."
        )
    return None
