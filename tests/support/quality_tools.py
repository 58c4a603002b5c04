"""Judges that nobody here wrote: axe-core, the Nu Html Checker and SpamAssassin.

All three run locally, with nothing fetched at run time:

- axe-core and vnu-jar come from the npm registry (package.json, ``npm ci``) into
  node_modules/.
- axe-core is evaluated in the page through the DevTools protocol
  (``page.evaluate``), which the page's Content-Security-Policy does not govern.
  A ``<script>`` tag added by ``page.add_script_tag`` is inline script and the CSP
  blocks it; ``bypass_csp=True`` would work too, but then the page would not be
  checked as users get it (styles the CSP blocks would count for contrast).
- The Nu checker runs once over a batch of files: a JVM start costs ~2 s.
- SpamAssassin runs with ``-L`` (local tests only: no DNS blocklists, no Razor,
  no Pyzor) on the rules Debian ships in /usr/share/spamassassin; no
  ``sa-update`` is needed, and Bayes learning is switched off in a
  private prefs file so that earlier runs cannot change a score.
"""

from __future__ import annotations

import json
import mailbox
import os
import re
import shutil

# Runs fixed local tools (java, spamassassin) with fixed arguments on our own temp files.
import subprocess  # nosec B404
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings

NODE_MODULES = Path(settings.BASE_DIR) / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
SPAMASSASSIN = shutil.which("spamassassin") or "/usr/bin/spamassassin"
JAVA = shutil.which("java") or "/usr/bin/java"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# axe-core impacts that fail a page (issue 6: "serious or critical").
BLOCKING_IMPACTS = ("serious", "critical")
PHONE_VIEWPORT = {"width": 375, "height": 812}


def _missing(reason: str):
    """Outside CI a missing tool skips the test; in CI nothing may be skipped."""
    if IN_CI:
        pytest.fail(f"CI needs this, and it is missing: {reason}")
    pytest.skip(reason)


def require(*tools: str) -> None:
    """Skip (fail in CI) unless each named tool is installed: "axe", "vnu", "spamassassin"."""
    for tool in tools:
        if tool == "axe" and not AXE_JS.exists():
            _missing(f"{AXE_JS} (run `npm ci`)")
        elif tool == "vnu" and not (VNU_JAR.exists() and Path(JAVA).exists()):
            _missing(f"{VNU_JAR} and java (run `npm ci`; apt-get install default-jre-headless)")
        elif tool == "spamassassin" and not Path(SPAMASSASSIN).exists():
            _missing("spamassassin (apt-get install spamassassin)")


def screenshot_dir(kind: str = "screenshots") -> Path:
    """Where screenshots go: $CANDOR_SCREENSHOT_DIR, else artifacts/<kind>/ (git-ignored)."""
    configured = os.environ.get("CANDOR_SCREENSHOT_DIR")
    folder = Path(configured) if configured else Path(settings.BASE_DIR) / "artifacts" / kind
    if configured and kind != "screenshots":
        folder = folder / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# ---------------------------------------------------------------- axe-core


@cache
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def axe_check(page, *, context: str | None = None) -> list[dict]:
    """Run axe-core on the page as it is now; return violations of impact serious or critical.

    Each violation is axe's own dict (id, impact, help, helpUrl, nodes[].target/html/failureSummary).
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # The trailing expression keeps Playwright from treating the source as a function.
        page.evaluate(_axe_source() + "\n;true")
    violations = page.evaluate(
        """async (context) => {
            const result = await axe.run(context ? document.querySelector(context) : document, {
                resultTypes: ["violations"],
            });
            return result.violations;
        }""",
        context,
    )
    return [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]


def format_axe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary[:300]}")
    return "\n".join(lines)


# ---------------------------------------------------------------- Nu Html Checker


@dataclass(frozen=True)
class HtmlError:
    name: str
    line: int | None
    column: int | None
    message: str
    extract: str

    def __str__(self):
        return f"{self.name}:{self.line}:{self.column}: {self.message} [{self.extract.strip()}]"


# htmx's hx-* attributes are not in the HTML standard, so the checker reports each
# one; browsers ignore unknown attributes and htmx is the project's chosen tool.
# This is the only message ignored, and only for attributes named hx-*. (Writing
# them as data-hx-*, which htmx also reads, would make the filter unnecessary.)
HTMX_ATTRIBUTE = re.compile(r"^Attribute “hx-[a-z-]+” not allowed on element “[a-z0-9]+” at this point\.$")


def vnu_check(
    html_by_name: dict[str, str], *, ignore: tuple[re.Pattern, ...] = (HTMX_ATTRIBUTE,)
) -> list[HtmlError]:
    """Validate many HTML documents in one JVM run; return the errors (warnings ignored)."""
    if not html_by_name:
        return []
    with tempfile.TemporaryDirectory(prefix="candor-vnu-") as tmp:
        paths = {}
        for index, (name, html) in enumerate(html_by_name.items()):
            safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "page"
            path = Path(tmp) / f"{index:02d}-{safe}.html"
            path.write_text(html, encoding="utf-8")
            paths[path.name] = (name, str(path))
        result = subprocess.run(  # nosec B603
            [JAVA, "-jar", str(VNU_JAR), "--format", "json", "--stdout", *(p for _, p in paths.values())],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"vnu gave no JSON (exit {result.returncode}): {result.stderr[:2000]}") from exc
    errors = []
    for message in report.get("messages", []):
        if message.get("type") not in ("error", "non-document-error"):
            continue
        if any(pattern.match(message.get("message", "")) for pattern in ignore):
            continue
        url = message.get("url", "")
        name = paths.get(url.rsplit("/", 1)[-1], (url, ""))[0]
        errors.append(
            HtmlError(
                name=name,
                line=message.get("lastLine"),
                column=message.get("firstColumn"),
                message=message.get("message", ""),
                extract=message.get("extract", ""),
            )
        )
    return errors


# ---------------------------------------------------------------- SpamAssassin

# Deterministic scoring: no learning from earlier runs, no network; report_safe 0
# keeps each message as it is (no wrapping), so each carries one report. (The AWL
# and TxRep plugins are not loaded by Debian's default .pre files: no line needed.)
_SA_PREFS = """\
use_bayes 0
bayes_auto_learn 0
skip_rbl_checks 1
use_razor2 0
use_pyzor 0
report_safe 0
"""
# Marks each message of a batch, to match the reports to the messages: SpamAssassin
# does not keep the input order. No rule looks at a header of this name.
_INDEX_HEADER = b"X-Candor-Check-Index"


@dataclass(frozen=True)
class SpamReport:
    score: float
    rules: list[tuple[float, str, str]]  # (points, rule, description)
    report: str

    def __str__(self):
        hits = ", ".join(f"{rule} {points:+.1f}" for points, rule, _ in self.rules if points)
        return f"{self.score:.1f} points ({hits or 'no scoring rules hit'})"


_SCORE = re.compile(r"Content analysis details:\s+\((-?\d+(?:\.\d+)?) points")
_RULE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+([A-Z0-9_]+)\s+(.*)$")
_INDEX = re.compile(r"^X-Candor-Check-Index: (\d+)\s*$", re.MULTILINE)


def _parse_report(text: str) -> SpamReport:
    match = _SCORE.search(text)
    rules = []
    table = text[match.end() :].split("------------------", 1)[-1]
    for line in table.splitlines():
        rule = _RULE.match(line)
        if rule:
            rules.append((float(rule.group(1)), rule.group(2), rule.group(3).strip()))
        elif rules and not line.strip():
            break
    return SpamReport(score=float(match.group(1)), rules=rules, report=text[match.start() :].strip())


def spamassassin_reports(raw_messages: list[bytes]) -> list[SpamReport]:
    """Score raw RFC 5322 messages with Debian's SpamAssassin, local tests only, in one run.

    One run, because loading the rules costs seconds: the messages go in as an mbox.
    """
    if not raw_messages:
        return []
    with tempfile.TemporaryDirectory(prefix="candor-sa-") as home:
        prefs = Path(home) / "user_prefs"
        prefs.write_text(_SA_PREFS, encoding="ascii")
        box = mailbox.mbox(Path(home) / "in.mbox")
        for index, raw in enumerate(raw_messages):
            box.add(_INDEX_HEADER + f": {index}\n".encode() + raw.replace(b"\r\n", b"\n"))
        box.close()
        with open(Path(home) / "in.mbox", "rb") as mbox_in:
            result = subprocess.run(  # nosec B603
                [SPAMASSASSIN, "-L", "-t", "--mbox", "-p", str(prefs)],
                stdin=mbox_in,
                capture_output=True,
                timeout=300,
                check=False,
                env={**os.environ, "HOME": home},
            )
    output = result.stdout.decode("utf-8", "replace")
    marks = list(_INDEX.finditer(output))
    reports: dict[int, SpamReport] = {}
    for number, mark in enumerate(marks):
        end = marks[number + 1].start() if number + 1 < len(marks) else len(output)
        chunk = output[mark.end() : end]
        if _SCORE.search(chunk):
            reports[int(mark.group(1))] = _parse_report(chunk)
    if len(reports) != len(raw_messages):
        raise RuntimeError(
            f"spamassassin scored {len(reports)} of {len(raw_messages)} messages "
            f"(exit {result.returncode}): {result.stderr[-2000:]!r}"
        )
    return [reports[index] for index in range(len(raw_messages))]


def spamassassin_report(raw_message: bytes) -> SpamReport:
    return spamassassin_reports([raw_message])[0]


def spamassassin_score(raw_message: bytes) -> float:
    return spamassassin_report(raw_message).score
