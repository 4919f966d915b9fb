"""The read-out's accuracy on large data is counted off the GUI thread (issue 16: at 10⁶
samples the count held the window up to 17 ms), and what it shows is the accuracy of the
entry shown, checked against an independent count."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from gd_visualizer.model import run as run_module
from gd_visualizer.present.scene import percent
from gd_visualizer.qt import MainWindow, drawing

WAIT = 20_000


@pytest.fixture
def counted(monkeypatch):
    """Every accuracy count's thread; a count waits while ``hold`` is clear."""
    threads: list[int] = []
    hold = threading.Event()
    hold.set()
    count = run_module.accuracy

    def spy(w, b, X, Y):
        threads.append(threading.get_ident())
        assert hold.wait(WAIT / 1000)
        return count(w, b, X, Y)

    monkeypatch.setattr(run_module, "accuracy", spy)
    monkeypatch.setattr(drawing, "ACCURACY_IN_PLACE", 10)  # iris's 100 samples are "large"
    return threads, hold


def _expected(w) -> str:
    """The last entry's accuracy, counted here: (wᵀx + b > 0) = y."""
    data, h = w.controller.run.data, w.history
    z = h.weights[-1].ravel() @ data.X + h.biases[-1]
    return percent(float(np.mean((z > 0) == (data.Y.ravel() > 0.5))))


def _acc(w) -> str:
    return w.readout.values["acc"].text()


def test_large_data_is_counted_off_the_gui_thread_and_shows_the_entry_shown(qtbot, counted):
    threads, _hold = counted
    w = MainWindow(dataset="iris", learning_rate=0.5, iterations=25, restore_settings=False)
    qtbot.addWidget(w)
    w.show()
    w.play()
    qtbot.waitUntil(lambda: not w.is_playing and len(w.history) == 26, timeout=WAIT)
    qtbot.waitUntil(lambda: _acc(w) == _expected(w), timeout=WAIT)
    assert threads and threading.get_ident() not in threads
    w.shutdown()


def test_new_data_reads_counting_until_its_accuracy_comes(qtbot, counted):
    _threads, hold = counted
    w = MainWindow(dataset="iris", learning_rate=0.5, iterations=5, restore_settings=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: _acc(w).endswith("%"), timeout=WAIT)
    hold.clear()  # the next count waits
    combo = w.controls.dataset_combo
    combo.setCurrentIndex(combo.findData("moons"))
    # never the last data's accuracy beside the new data's numbers
    qtbot.waitUntil(lambda: w.readout.values["iteration"].text() == "0", timeout=WAIT)
    qtbot.waitUntil(lambda: w.drawer._numbers is not None and _acc(w) == drawing.COUNTING)
    hold.set()
    qtbot.waitUntil(lambda: _acc(w) == _expected(w), timeout=WAIT)
    w.shutdown()
