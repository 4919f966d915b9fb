"""The read-out's accuracy on large data is counted off the GUI thread (issue 16: at 10⁶
samples the count held the window up to 17 ms), and its text always belongs to the entry
it names: the entry shown, or an earlier one marked with its iteration, checked against
independent counts."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from gd_visualizer.core import make_dataset
from gd_visualizer.model import TrainingData
from gd_visualizer.model import run as run_module
from gd_visualizer.present.scene import COUNTING, NOT_COUNTED, accuracy_text
from gd_visualizer.qt import MainWindow
from gd_visualizer.qt import accuracy as accuracy_module
from gd_visualizer.qt.accuracy import ReadoutAccuracy
from gd_visualizer.qt.tasks import TaskResult

WAIT = 20_000


def _count(data: TrainingData, w, b) -> float:
    """The accuracy, counted here: (wᵀx + b > 0) = y."""
    z = np.ravel(w) @ data.X + b
    return float(np.mean((z > 0) == (data.Y.ravel() > 0.5)))


# -- the rules, with a task worker played by hand ------------------------------------------
class Inbox:
    """A TaskInbox whose tasks run when the test says."""

    def __init__(self) -> None:
        self.asked: list[tuple] = []
        self.takers: dict = {}

    def on(self, name, taker) -> None:
        self.takers[name] = taker

    def submit(self, name, fn, *args) -> int:
        self.asked.append((name, fn, args))
        return len(self.asked)

    def run_next(self, fail: bool = False) -> None:
        name, fn, args = self.asked.pop(0)
        if fail:
            result = TaskResult(name, 0, error="MemoryError: out of memory")
        else:
            result = TaskResult(name, 0, value=fn(*args))
        self.takers[name](result)


@pytest.fixture
def large(monkeypatch):
    monkeypatch.setattr(accuracy_module, "IN_PLACE", 10)  # 200 samples count as large
    data = TrainingData.from_dataset(make_dataset("moons", n_samples=200, seed=3), True)
    inbox, shown, reports = Inbox(), [], []
    acc = ReadoutAccuracy(inbox, shown.append, lambda text, ms: reports.append(text))
    return data, inbox, acc, shown, reports


W0, W1, W2 = np.array([0.0, 0.0]), np.array([1.0, -0.5]), np.array([-2.0, 1.0])


def test_one_count_at_a_time_and_each_text_names_its_entry(large):
    data, inbox, acc, shown, _reports = large
    assert acc.text(data, W1, 0.2, 10) == COUNTING  # nothing counted for these data yet
    assert acc.text(data, W2, -0.1, 20) == COUNTING
    assert len(inbox.asked) == 1  # the second waits for the first
    inbox.run_next()  # the count for iteration 10 arrives while 20 is shown
    assert shown[-1] == accuracy_text(_count(data, W1, 0.2), 10)  # marked: not 20's
    assert len(inbox.asked) == 1  # and the entry shown is counted next
    inbox.run_next()
    assert shown[-1] == accuracy_text(_count(data, W2, -0.1))
    assert acc.text(data, W2, -0.1, 20) == shown[-1] and not inbox.asked  # kept, not recounted
    assert _count(data, W1, 0.2) != _count(data, W2, -0.1)  # (the texts differ)


def test_new_data_read_counting_never_the_last_datas_accuracy(large):
    data, inbox, acc, _shown, _reports = large
    acc.text(data, W1, 0.2, 10)
    inbox.run_next()
    other = TrainingData.from_dataset(make_dataset("blobs", n_samples=200, seed=4), True)
    assert acc.text(other, W0, 0.0, 0) == COUNTING


def test_a_failed_count_is_said_once_and_not_asked_again(large):
    data, inbox, acc, shown, reports = large
    acc.text(data, W1, 0.2, 10)
    inbox.run_next(fail=True)
    assert shown[-1] == NOT_COUNTED and len(reports) == 1 and "out of memory" in reports[0]
    assert acc.text(data, W2, 0.0, 20) == NOT_COUNTED and not inbox.asked


def test_small_data_are_counted_in_place(monkeypatch):
    data = TrainingData.from_dataset(make_dataset("moons", n_samples=200, seed=3), True)
    inbox = Inbox()
    acc = ReadoutAccuracy(inbox, lambda text: None, lambda text, ms: None)
    assert acc.text(data, W1, 0.2, 10) == accuracy_text(_count(data, W1, 0.2))
    assert not inbox.asked


# -- in the window -------------------------------------------------------------------------
def _acc(w) -> str:
    return w.readout.values["acc"].text()


def test_the_window_counts_large_data_off_its_thread(qtbot, monkeypatch):
    threads: list[int] = []
    count = run_module.accuracy

    def spy(w, b, X, Y):
        threads.append(threading.get_ident())
        return count(w, b, X, Y)

    monkeypatch.setattr(run_module, "accuracy", spy)
    monkeypatch.setattr(accuracy_module, "IN_PLACE", 10)  # iris's 100 samples are "large"
    w = MainWindow(dataset="iris", learning_rate=0.5, iterations=25, restore_settings=False)
    qtbot.addWidget(w)
    w.show()
    w.play()
    qtbot.waitUntil(lambda: not w.is_playing and len(w.history) == 26, timeout=WAIT)
    data, h = w.controller.run.data, w.history
    expected = accuracy_text(_count(data, h.weights[-1], h.biases[-1]))
    qtbot.waitUntil(lambda: _acc(w) == expected, timeout=WAIT)
    assert threads and threading.get_ident() not in threads
    w.shutdown()
