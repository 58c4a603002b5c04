"""Registering kinds of email: callables or dotted paths, refused when incomplete."""

import pytest

from outbox.errors import DeliveryError
from outbox.kinds import KINDS, DeliveryKind, delivery_kind, register_kind


def build_probe(row):
    return f"built {row}"


@pytest.fixture
def registry():
    """The registry as the apps left it, restored after the test."""
    saved = dict(KINDS)
    yield KINDS
    KINDS.clear()
    KINDS.update(saved)


def test_a_kind_registered_with_callables_or_dotted_paths_gives_the_same_hooks(registry):
    register_kind(DeliveryKind(name="probe", model="auth.User", builder=build_probe))
    by_path = DeliveryKind(
        name="probe-path", model="auth.User", builder="outbox.tests.test_kinds.build_probe"
    )
    register_kind(by_path)
    assert delivery_kind("probe").hook("builder") is build_probe
    assert delivery_kind("probe-path").hook("builder") is build_probe
    assert delivery_kind("probe").hook("skip") is None
    assert delivery_kind("probe").model_class.__name__ == "User"


def test_registering_a_name_again_replaces_the_kind(registry):
    register_kind(DeliveryKind(name="probe", model="auth.User", builder=build_probe))
    register_kind(DeliveryKind(name="probe", model="auth.Group", builder=build_probe))
    assert delivery_kind("probe").model == "auth.Group"


def test_a_kind_without_a_model_or_builder_is_refused(registry):
    with pytest.raises(ValueError, match="needs a name, a model and a builder"):
        register_kind(DeliveryKind(name="probe", model="", builder=build_probe))
    with pytest.raises(ValueError):
        register_kind(DeliveryKind(name="probe", model="auth.User", builder=""))
    assert "probe" not in registry


def test_an_unknown_kind_is_an_engine_error():
    with pytest.raises(DeliveryError, match="Unknown kind of delivery: 'nothing-of-the-sort'"):
        delivery_kind("nothing-of-the-sort")


def test_the_engine_names_no_app():
    """Apps register their kinds; nothing under outbox/ but examples in docstrings names one."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for path in root.glob("*.py"):
        code = "\n".join(
            line for line in path.read_text().splitlines() if "import" in line or "apps.get_model" in line
        )
        for app in ("feedback", "hiring", "candidates"):
            assert app not in code, f"{path.name} imports {app}"
