"""One message per worker in the hand-over window: a SIGKILL resends at most one (issue 13).

The only resend the engine cannot rule out happens when a worker dies after the
receiver took a message (the end of SMTP ``DATA`` written, or a webhook's body) and
before its row was marked sent: the row is claimed again after its lease and the same
bytes go out again. With several pool processes, each could be inside that window when
the whole worker is killed, so one fault could resend one message per process.

This gate lets one process of a worker at a time be inside the window: a process takes
it just before handing a message over (``enter``) and gives it back once the row is
marked (``leave``). The rest of each send (building, connecting, ``MAIL``/``RCPT``, the
``DATA`` command) stays parallel. The gate is an exclusive ``flock`` on a file named
after the worker's main process (the pool processes' parent), so it spans the pool and
nothing else; the kernel releases it when a holder dies, so a killed process never
leaves it held.

Setting ``CANDOR_SEND_HANDOVER_GATE`` (default true) turns it off; the bound is then
one message per sending process per fault (docs/sending.md).
"""

import fcntl
import os
import tempfile

from django.conf import settings

# Per process: a file descriptor opened in a parent and inherited over fork would share the
# parent's lock (flock is per open file), so the descriptor is reopened in each process.
_state = {"fd": None, "path": None, "pid": None, "held": False}


def _lock_path() -> str:
    directory = getattr(settings, "CANDOR_SEND_HANDOVER_DIR", "") or tempfile.gettempdir()
    return os.path.join(directory, f"candor-handover-{os.getuid()}-{os.getppid()}.lock")


def enabled() -> bool:
    return bool(getattr(settings, "CANDOR_SEND_HANDOVER_GATE", True))


def enter(*, blocking: bool = True) -> bool:
    """Hold the gate; True once held (at once when already held by this process, or disabled).

    Blocks while another process of the same worker is between hand-over and marking
    (one receiver's answer plus one UPDATE: milliseconds in normal running). With
    ``blocking=False`` it returns False instead of waiting.
    """
    if _state["pid"] != os.getpid():
        _state.update(fd=None, path=None, pid=os.getpid(), held=False)
    if _state["held"] or not enabled():
        return True
    path = _lock_path()
    if _state["fd"] is None or _state["path"] != path:
        if _state["fd"] is not None:
            os.close(_state["fd"])
        _state["fd"] = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        _state["path"] = path
    try:
        fcntl.flock(_state["fd"], fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    _state["held"] = True
    return True


def leave() -> None:
    """Give the gate back (no-op when not held): call once the handed-over rows are marked."""
    if not _state["held"] or _state["pid"] != os.getpid():
        return
    _state["held"] = False
    fcntl.flock(_state["fd"], fcntl.LOCK_UN)


def held() -> bool:
    """Whether this process holds the gate (tests)."""
    return _state["held"]
