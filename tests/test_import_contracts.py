"""The import contracts in .importlinter really break on an upward import, a dev import or a cycle.

Each test copies the project's Python packages into a temporary folder, adds
one offending module there (the real tree is never touched) and runs
``lint-imports`` on the copy.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "config",
    "core",
    "outbox",
    "candidates",
    "hiring",
    "feedback",
    "accounts",
    "staff",
    "api",
    "integrations",
    "events",
    "devtools",
    "tests",
)
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
DEV_CONTRACT = "Production code never imports devtools or tests"


def _copy_tree(target: Path) -> None:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            target / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.html", "*.json", "*.jsonl", "*.npz", "*.onnx"),
        )
    shutil.copy(ROOT / ".importlinter", target / ".importlinter")


def _lint(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", ".importlinter"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(folder)},
    )


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    if not LINT_IMPORTS.exists():
        pytest.fail(f"lint-imports is not installed next to {sys.executable} (make venv)")
    folder = tmp_path_factory.mktemp("contracts")
    _copy_tree(folder)
    return folder


def test_the_project_keeps_every_contract(tree):
    result = _lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "module, source, broken",
    [
        ("core/upward_probe.py", "from feedback import models\n", "core is not allowed to import feedback"),
        ("outbox/upward_probe.py", "import hiring.models\n", "outbox is not allowed to import hiring"),
        ("hiring/upward_probe.py", "import feedback.models\n", "hiring is not allowed to import feedback"),
        ("feedback/dev_probe.py", "from devtools.bench import seed\n", DEV_CONTRACT),
        ("candidates/dev_probe.py", "from tests.support import smtp\n", DEV_CONTRACT),
    ],
)
def test_an_upward_or_dev_import_breaks_the_contract(tree, module, source, broken):
    probe = tree / module
    probe.write_text(source)
    try:
        result = _lint(tree)
    finally:
        probe.unlink()
    assert result.returncode != 0
    assert broken in result.stdout


def test_a_cycle_inside_an_app_breaks_the_contract(tree):
    first, second = tree / "hiring" / "cycle_a.py", tree / "hiring" / "cycle_b.py"
    first.write_text("from hiring import cycle_b\n")
    second.write_text("from hiring import cycle_a\n")
    try:
        result = _lint(tree)
    finally:
        first.unlink()
        second.unlink()
    assert result.returncode != 0
    assert "No cycles are allowed in hiring" in result.stdout
