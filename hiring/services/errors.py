"""The refusal every hiring service raises (or a subclass of it, defined beside its service)."""


class HiringError(Exception):
    """A refusal, written for the person who tried. ``field`` names the form field the message
    belongs next to, if any."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
