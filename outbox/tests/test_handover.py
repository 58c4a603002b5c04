"""The hand-over gate: one process of a worker at a time between hand-over and marking (issue 13).

A SIGKILL of a worker can then resend at most one message, whatever its concurrency: the
pool processes (children of one worker) share one gate, a dead holder frees it, and the
engine gives it back as soon as the handed-over rows are marked.
"""

import multiprocessing
import os
import signal

import pytest

from outbox import handover

FORK = multiprocessing.get_context("fork")


def _hold_until_told(entered, release):
    assert handover.enter()
    entered.set()
    release.wait(30)
    handover.leave()


def _hold_and_die(entered):
    handover.enter()
    entered.set()
    os.kill(os.getpid(), signal.SIGKILL)


def _try_enter(result):
    result.put(handover.enter(blocking=False))
    handover.leave()


def _attempt():
    result = FORK.Queue()
    child = FORK.Process(target=_try_enter, args=(result,))
    child.start()
    child.join(30)
    return result.get(timeout=5)


def test_a_second_pool_process_waits_while_one_is_in_the_window():
    entered, release = FORK.Event(), FORK.Event()
    holder = FORK.Process(target=_hold_until_told, args=(entered, release))
    holder.start()
    try:
        assert entered.wait(30)
        assert _attempt() is False  # a sibling (same worker) must wait
    finally:
        release.set()
        holder.join(30)
    assert _attempt() is True  # given back once the holder marked its rows


def test_a_killed_holder_never_leaves_the_gate_closed():
    entered = FORK.Event()
    holder = FORK.Process(target=_hold_and_die, args=(entered,))
    holder.start()
    holder.join(30)
    assert entered.is_set() and holder.exitcode == -signal.SIGKILL
    assert _attempt() is True


def test_each_worker_has_its_own_gate():
    """The lock file is named after the pool's parent: two workers never wait for each other."""
    assert str(os.getppid()) in os.path.basename(handover._lock_path())


def test_the_gate_can_be_turned_off(settings):
    settings.CANDOR_SEND_HANDOVER_GATE = False
    entered, release = FORK.Event(), FORK.Event()
    holder = FORK.Process(target=_hold_until_told, args=(entered, release))
    holder.start()
    try:
        assert entered.wait(30)
        assert _attempt() is True
    finally:
        release.set()
        holder.join(30)


@pytest.fixture(autouse=True)
def _released():
    yield
    handover.leave()
