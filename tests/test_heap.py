"""The collector's pauses kept off the window (gd_visualizer/heap.py): what is frozen is
never walked again, loads of long-lived objects run without collections, and the app
freezes its objects once its window is up."""

from __future__ import annotations

import gc
import threading
import weakref

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
    yield
    heap.thaw()
    with heap._lock:
        heap._starting = False
        heap._loading = 0
        heap._pause_or_resume()
    gc.enable()


def _cycle() -> weakref.ref:
    return weakref.ref(Node())


def test_a_frozen_cycle_is_not_collected_until_thawed():
    """The claim behind the freeze: a full collection no longer walks what was frozen
    (a cycle made before it survives gc.collect), and thaw gives it back."""
    ref = _cycle()
    heap.freeze_long_lived()
    assert heap.freezing()
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


def test_overlapping_loads_in_two_threads_resume_once_both_end():
    inside, release = threading.Event(), threading.Event()
    states = []

    def other() -> None:
        with heap.made_for_life():
            inside.set()
            release.wait(10)

    t = threading.Thread(target=other)
    t.start()
    assert inside.wait(10)
    with heap.made_for_life():
        pass
    states.append(gc.isenabled())  # the other thread's load still runs
    release.set()
    t.join(10)
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
        kept = _cycle()
    assert gc.get_freeze_count() > frozen
    gc.collect()
    assert kept() is not None


def test_the_start_pauses_collection_until_the_window_is_up():
    with heap.starting():
        assert not gc.isenabled()
        with heap.made_for_life():  # a load during the start keeps it paused after it
            pass
        assert not gc.isenabled()
        heap.freeze_long_lived()  # the window is up
        assert gc.isenabled()
    assert gc.isenabled()


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
    monkeypatch.setattr(logistic, "_load_kernels", lambda: seen.append(gc.isenabled()) or "k")
    assert logistic.compiled_kernels() == "k"
    assert seen == [False]
    assert gc.isenabled()


def test_the_app_window_freezes_what_it_keeps_a_moment_after_it_is_shown(qtbot):
    from gd_visualizer.qt import MainWindow, open_window

    w = MainWindow(restore_settings=False)
    qtbot.addWidget(w)
    open_window(w)
    assert w.isVisible()
    assert not heap.freezing()  # not before its first paint and deferred loads
    qtbot.waitUntil(heap.freezing, timeout=5000)
    assert gc.get_freeze_count() > 10_000  # modules, classes, the window's widgets
    w.close()
