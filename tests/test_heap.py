"""The collector's pauses kept off the window (gd_visualizer/heap.py): what is frozen is
never walked again, loads of long-lived objects run without collections, and the app
freezes its objects once its window is up."""

from __future__ import annotations

import gc
import threading
import weakref
from contextlib import contextmanager
from types import SimpleNamespace

import pytest

from gd_visualizer import heap


class Node:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture(autouse=True)
def _heap_reset():
    """Every test starts and ends with the collector on, nothing frozen, nothing paused."""
    assert gc.isenabled()
    try:
        yield
        assert gc.isenabled(), "the test left the collector switched off"
    finally:
        heap._reset()
        gc.enable()


def _cycle() -> weakref.ref:
    return weakref.ref(Node())


def test_a_frozen_cycle_is_not_collected_until_thawed():
    """The claim behind the freeze: a full collection no longer walks what was frozen
    (a cycle alive then, dropped after, survives gc.collect), and thaw gives it back."""
    alive = Node()
    ref = weakref.ref(alive)
    heap.freeze_long_lived()
    assert heap.freezing()
    del alive
    gc.collect()
    assert ref() is not None  # frozen: the full collection skipped it
    made_after = _cycle()
    gc.collect()
    assert made_after() is None  # what is made later is collected as before
    heap.thaw()
    assert not heap.freezing()
    gc.collect()
    assert ref() is None


def test_no_collection_runs_while_long_lived_objects_are_made():
    seen = []
    with heap.made_for_life():
        seen.append(gc.isenabled())
        ref = _cycle()
        gc.collect()  # (an explicit collection still runs: only the automatic ones stop)
        assert ref() is None
    assert seen == [False]
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off():
    gc.disable()
    with heap.made_for_life():
        assert not gc.isenabled()
    assert not gc.isenabled()
    gc.enable()


@contextmanager
def _load_in_another_thread():
    """A made_for_life block running in another thread for the ``with`` block's time;
    yields the list it appends its dropped cycle to as it ends."""
    inside, release = threading.Event(), threading.Event()
    made = []

    def load() -> None:
        with heap.made_for_life():
            inside.set()
            release.wait(10)
            made.append(_cycle())

    t = threading.Thread(target=load)
    t.start()
    assert inside.wait(10)
    try:
        yield made
    finally:
        release.set()
        t.join(10)


def test_overlapping_loads_in_two_threads_resume_once_both_end():
    states = []
    with _load_in_another_thread():
        with heap.made_for_life():
            pass
        states.append(gc.isenabled())  # the other thread's load still runs
    states.append(gc.isenabled())
    assert states == [False, True]


def test_what_a_load_makes_is_frozen_once_the_process_freezes():
    with heap.made_for_life():
        before = _cycle()
    gc.collect()
    assert before() is None  # the process does not freeze (tests, the export command)
    heap.freeze_long_lived()
    frozen = gc.get_freeze_count()
    with heap.made_for_life():
        kept = Node()
    assert gc.get_freeze_count() > frozen
    ref = weakref.ref(kept)
    del kept
    gc.collect()
    assert ref() is not None


def test_the_start_pauses_collection_until_the_window_is_up():
    with heap.starting():
        assert not gc.isenabled()
        with heap.made_for_life():  # a load during the start keeps it paused after it
            pass
        assert not gc.isenabled()
        with heap.starting():  # (a nested start ends only its own part)
            pass
        assert not gc.isenabled()
        garbage = _cycle()
        heap.freeze_long_lived()  # the window is up
        assert gc.isenabled()
    assert gc.isenabled()
    assert garbage() is None  # what the start left as garbage was collected, not frozen


@pytest.mark.parametrize("block", [heap.starting, heap.made_for_life])
def test_a_block_that_raises_switches_the_collector_on_again(block):
    with pytest.raises(ZeroDivisionError), block():
        assert not gc.isenabled()
        1 / 0  # noqa: B018
    assert gc.isenabled()


def test_a_load_leaves_no_garbage_frozen():
    """What a load made and dropped while the collector was paused is collected before
    the freeze; what it keeps is frozen."""
    heap.freeze_long_lived()
    with heap.made_for_life():
        dropped = _cycle()
        kept = Node()
    gc.collect()
    assert dropped() is None
    ref = weakref.ref(kept)
    del kept
    gc.collect()
    assert ref() is not None  # frozen


def test_a_load_that_left_little_garbage_is_frozen_without_a_collection():
    heap.freeze_long_lived()
    with heap.made_for_life() as load:
        load.tidy = False  # (numba read from its cache)
        dropped = _cycle()
    gc.collect()
    assert dropped() is not None  # frozen with the rest, as the block chose


def test_a_failed_load_is_not_frozen():
    heap.freeze_long_lived()
    frozen = gc.get_freeze_count()
    with pytest.raises(ImportError), heap.made_for_life():
        raise ImportError("no numba here")
    assert gc.get_freeze_count() == frozen
    assert gc.isenabled()


def test_the_window_up_during_another_threads_load_freezes_once_it_ends():
    with _load_in_another_thread() as made:
        heap.freeze_long_lived()
        assert not gc.isenabled()  # the load still runs
    assert gc.isenabled()
    gc.collect()
    assert made[0]() is None  # its garbage collected at its end, not frozen


def test_an_app_that_does_not_open_leaves_the_collector_on(tmp_path, capsys):
    """Bad input ends the start before any window: the pause ends with it."""
    from gd_visualizer.app import main

    assert main(["--session", str(tmp_path / "missing.gdviz")]) == 2
    assert "missing.gdviz" in capsys.readouterr().err
    assert gc.isenabled()
    assert not heap.freezing()


def test_the_kernels_load_without_collections(monkeypatch):
    from gd_visualizer.core import logistic

    seen = []
    monkeypatch.setattr(logistic, "_compiled", None)
    kernels = SimpleNamespace(fused_sums=SimpleNamespace(stats=SimpleNamespace(cache_misses={})))
    monkeypatch.setattr(logistic, "_load_kernels", lambda: seen.append(gc.isenabled()) or kernels)
    assert logistic.compiled_kernels() is kernels
    assert seen == [False]
    assert gc.isenabled()


def test_the_app_window_freezes_what_it_keeps_a_moment_after_it_is_shown(qtbot):
    from gd_visualizer.qt import MainWindow, open_window

    w = MainWindow(restore_settings=False)
    qtbot.addWidget(w)
    open_window(w)
    assert w.isVisible()
    assert not heap.freezing()  # later: once the window is up and idle
    qtbot.waitUntil(heap.freezing, timeout=5000)
    assert gc.get_freeze_count() > 10_000  # modules, classes, the window's widgets
    w.close()


def test_a_finalizer_that_loads_during_the_freezes_collection_does_not_deadlock():
    """The collection run before a freeze may call finalizers, which may load (made_for_life)
    in turn, on the same thread."""
    ran = []

    class Loads(Node):
        def __del__(self) -> None:
            with heap.made_for_life():
                ran.append(True)

    Loads()  # garbage only the cyclic collector frees
    t = threading.Thread(target=heap.freeze_long_lived, daemon=True)
    t.start()
    t.join(10)
    assert not t.is_alive(), "the freeze waited for itself"
    assert ran == [True]
