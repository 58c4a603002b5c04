"""Where `make demo` listens, and the address its links use: one home for both.

Read by ``scripts/run_demo.py`` (which starts the web server there) and by
``config/settings/local.py`` (``CANDOR_BASE_URL``, the base of every link in an email
or printed by ``manage.py seed_demo``), so the two never disagree. Plain Python: the
launcher imports it before Django is set up.
"""

from collections.abc import Mapping
from urllib.parse import urlsplit

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def demo_listen_address(environ: Mapping[str, str]) -> tuple[str, int]:
    """(host, port) the demo's web server listens on: ``CANDOR_DEMO_HOST`` (default 127.0.0.1)
    and ``CANDOR_DEMO_PORT`` (default 8000). Raises ValueError for a port that is not a number."""
    host = environ.get("CANDOR_DEMO_HOST", "").strip() or DEFAULT_HOST
    port = environ.get("CANDOR_DEMO_PORT", "").strip()
    try:
        return host, int(port) if port else DEFAULT_PORT
    except ValueError:
        raise ValueError(f"CANDOR_DEMO_PORT must be a port number, not {port!r}.") from None


def demo_url(environ: Mapping[str, str]) -> str:
    """The demo's address as a browser reaches it, without a trailing slash, e.g.
    ``http://127.0.0.1:8000``. A server listening on every interface (0.0.0.0, ::) is
    reached on this machine at 127.0.0.1; an IPv6 address is bracketed."""
    host, port = demo_listen_address(environ)
    # Naming the wildcard addresses to replace them, not binding to them.
    if host in ("0.0.0.0", "::"):  # noqa: S104 # nosec B104
        host = DEFAULT_HOST
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _is_this_machine(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in ("localhost", "0.0.0.0", "::", "::1") or host.startswith("127.")  # noqa: S104 # nosec B104


def demo_base_url(environ: Mapping[str, str]) -> str:
    """``CANDOR_BASE_URL`` for the demo's settings, without a trailing slash.

    A ``CANDOR_BASE_URL`` naming another machine (a tunnel or proxy in front of the demo) is
    kept. One naming this machine (``localhost``, ``127.x``), or none, is replaced by the
    demo's own address (``demo_url``): the port the demo really listens on, so that
    ``CANDOR_DEMO_PORT=8001 make demo`` links to port 8001 even with a ``.env`` copied from
    ``.env.example`` (whose ``CANDOR_BASE_URL`` is ``http://localhost:8000``).
    """
    explicit = environ.get("CANDOR_BASE_URL", "").strip().rstrip("/")
    if explicit and not _is_this_machine(explicit):
        return explicit
    return demo_url(environ)
