"""The read-out's accuracy: counted on the GUI thread on small data, on the task worker on
large data, and always shown with the entry it belongs to."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ..model import TrainingData
from ..present import scene as present
from .tasks import TaskInbox, TaskResult

#: up to this many samples the accuracy is counted on the GUI thread (≤ 0.2 ms); above, on
#: the task worker: at 10⁶ the count held the window 2-17 ms while the trainer and surface
#: threads ran (each of its numpy calls waits to take the GIL back; AMD EPYC, measured)
IN_PLACE = 100_000
#: the task's name on the task worker
TASK = "accuracy"


class Entry(NamedTuple):
    """A history entry's parameters on some data, as the read-out shows it."""

    data: TrainingData
    w: np.ndarray
    b: float
    iteration: int

    def same(self, other: Entry | None) -> bool:
        return (
            other is not None
            and other.data is self.data
            and other.b == self.b
            and np.array_equal(other.w, self.w)
        )


class ReadoutAccuracy:
    """What the read-out's accuracy says for the entry shown, and the counting behind it.

    On large data one count at a time runs on the task worker; meanwhile the text is the
    last count of the same data marked with its iteration ("94.0 % (it. 1,500)"), or
    "…" before the first.  A count never replaces a text for another entry unmarked.
    """

    def __init__(self, inbox: TaskInbox, show: Callable[[str], None], report) -> None:
        self._inbox = inbox
        self._show = show  # sets the read-out's text
        self._report = report  # (message, ms) to the status bar
        self._shown: Entry | None = None  # the entry the read-out shows
        self._asked: Entry | None = None  # the count in flight
        self._last: tuple[Entry, float] | None = None  # the last count, and its value
        self._failed: TrainingData | None = None  # the data whose count failed
        inbox.on(TASK, self._take)

    def text(self, data: TrainingData, w: np.ndarray, b: float, iteration: int) -> str:
        """The text for an entry about to be shown (asks for its count when needed)."""
        entry = self._shown = Entry(data, np.array(w, dtype=float), float(b), iteration)
        if data.X.shape[1] <= IN_PLACE:
            return present.accuracy_text(data.accuracy(entry.w, entry.b))
        if self._failed is data:
            return present.NOT_COUNTED
        if self._last is not None and entry.same(self._last[0]):
            return present.accuracy_text(self._last[1])
        if self._asked is None:
            self._ask(entry)
        return self._meanwhile()

    def _ask(self, entry: Entry) -> None:
        self._asked = entry
        self._inbox.submit(TASK, entry.data.accuracy, entry.w, entry.b)

    def _meanwhile(self) -> str:
        last, shown = self._last, self._shown
        if last is None or shown is None or last[0].data is not shown.data:
            return present.COUNTING
        return present.accuracy_text(last[1], last[0].iteration)

    def _take(self, result: TaskResult) -> None:
        asked, self._asked = self._asked, None
        shown = self._shown
        if asked is None:
            return
        if result.error is not None:  # said once; the data's accuracy reads "—"
            self._failed = asked.data
            self._report(f"Counting the accuracy failed: {result.error}", 15000)
        else:
            self._last = (asked, float(result.value))
        if shown is None or shown.data.X.shape[1] <= IN_PLACE:
            return  # (the read-out shows data counted in place now)
        if shown.data is self._failed:
            self._show(present.NOT_COUNTED)
        elif shown.same(asked):
            self._show(present.accuracy_text(self._last[1]))
        else:  # the read-out moved on meanwhile: its entry is counted next
            self._ask(shown)
            self._show(self._meanwhile())
