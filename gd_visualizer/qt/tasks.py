"""A worker for the panels' side computations (a cost cut, the loop timed against
np.dot): named tasks run off the GUI thread, the newest of each name wins.

A panel submits ``(name, function, arguments)``; a task of the same name that has
not started yet is replaced.  Results wait in a dict by name until the GUI takes
them; ``ready`` is emitted only when the dict was empty, so the GUI's queue never
fills up.  On the GUI thread a :class:`TaskInbox` hands each result to the taker of
its name.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Slot

from .worker import Mailbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TaskResult:
    name: str
    token: int  # the submission it answers (a panel drops answers to older ones)
    value: Any = None
    error: str | None = None


class TaskWorker(Mailbox):
    """Runs the newest task of each name, one at a time, in submission order."""

    def __init__(self) -> None:
        super().__init__()
        self._pending: dict[str, tuple[int, Callable[..., Any], tuple]] = {}
        self._results: dict[str, TaskResult] = {}
        self._results_lock = threading.Lock()

    # -- GUI thread ----------------------------------------------------------------------
    def submit(self, name: str, fn: Callable[..., Any], *args: Any) -> int:
        """Queue ``fn(*args)`` under ``name``; returns its token."""
        with self._cond:
            self._posted += 1
            self._pending.pop(name, None)  # re-inserted last: dicts keep insertion order
            self._pending[name] = (self._posted, fn, args)
            self._cond.notify()
            return self._posted

    def take(self) -> dict[str, TaskResult]:  # type: ignore[override]
        """Every result that arrived since the last call, by name."""
        with self._results_lock:
            results, self._results = self._results, {}
        return results

    # -- worker thread -------------------------------------------------------------------
    @Slot()
    def run(self) -> None:
        while True:
            with self._cond:
                while not self._stop and not self._pending:
                    self._cond.wait()
                if self._stop:
                    break
                name = next(iter(self._pending))
                token, fn, args = self._pending.pop(name)
            try:
                result = TaskResult(name, token, value=fn(*args))
            except Exception as exc:  # reported to the panel that asked
                log.exception("task %s failed", name)
                result = TaskResult(name, token, error=f"{type(exc).__name__}: {exc}")
            with self._results_lock:
                empty = not self._results
                self._results[name] = result
            if empty:
                self.ready.emit()
        self.finished.emit()


class TaskInbox(QObject):
    """The GUI thread's side of a :class:`TaskWorker`: tasks go in, and each result goes
    to the taker of its name (the step panel's tabs, the read-out's accuracy)."""

    def __init__(self, worker: TaskWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self._takers: dict[str, Callable[[TaskResult], None]] = {}
        worker.ready.connect(self._deliver)

    def submit(self, name: str, fn: Callable[..., Any], *args: Any) -> int:
        """Queue ``fn(*args)`` under ``name`` (:meth:`TaskWorker.submit`)."""
        return self.worker.submit(name, fn, *args)

    def on(self, name: str, taker: Callable[[TaskResult], None]) -> None:
        """Hand the results of tasks named ``name`` to ``taker`` (one taker a name)."""
        if name in self._takers:
            raise ValueError(f"task results named {name!r} already have a taker")
        self._takers[name] = taker

    @Slot()
    def _deliver(self) -> None:
        for name, result in self.worker.take().items():
            taker = self._takers.get(name)
            try:
                if taker is not None:
                    taker(result)
            except Exception:  # the other takers still get theirs (a lost one stays busy)
                log.exception("taking the result of task %s failed", name)
