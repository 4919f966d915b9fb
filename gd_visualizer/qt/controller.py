"""The controller: owns the worker threads and the GUI-side mirror of the run."""

from __future__ import annotations

import weakref

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from ..core import HistoryView
from .worker import Snapshot, SurfaceRequest, SurfaceResult, SurfaceWorker, TrainingWorker

#: every QThread the app starts, so tests can prove none is left running
THREADS: weakref.WeakSet[QThread] = weakref.WeakSet()


class RunMirror:
    """The GUI thread's copy of the recorded run, fed by snapshot deltas."""

    def __init__(self, n_x: int = 2) -> None:
        self.n_x = n_x
        self.revision = -1
        self.stride = 1
        self._n = 0
        self._alloc(256)

    def _alloc(self, cap: int) -> None:
        old = getattr(self, "_arrays", None)
        self._arrays = {
            "iterations": np.zeros(cap, dtype=np.int64),
            "costs": np.zeros(cap),
            "weights": np.zeros((cap, self.n_x)),
            "biases": np.zeros(cap),
            "dws": np.zeros((cap, self.n_x)),
            "dbs": np.zeros(cap),
            "learning_rates": np.zeros(cap),
        }
        if old is not None:
            for k, a in old.items():
                self._arrays[k][: self._n] = a[: self._n]

    def __len__(self) -> int:
        return self._n

    def clear(self) -> None:
        self._n = 0
        self.revision = -1

    def apply(self, snap: Snapshot) -> None:
        h = snap.history
        start = snap.start if snap.revision == self.revision else 0
        start = min(start, self._n)
        n = start + len(h)
        cap = len(self._arrays["costs"])
        if n > cap:
            self._alloc(max(n, 2 * cap))
        for key, arr in self._arrays.items():
            arr[start:n] = getattr(h, key)
        self._n = n
        self.revision = snap.revision
        self.stride = h.stride

    def array(self, key: str) -> np.ndarray:
        """A read-only view of the first len(self) entries (valid until the next apply)."""
        a = self._arrays[key][: self._n]
        a = a.view()
        a.flags.writeable = False
        return a

    def view(self) -> HistoryView:
        n = self._n
        a = self._arrays
        return HistoryView(
            iterations=a["iterations"][:n].copy(),
            costs=a["costs"][:n].copy(),
            weights=a["weights"][:n].copy(),
            biases=a["biases"][:n].copy(),
            dws=a["dws"][:n].copy(),
            dbs=a["dbs"][:n].copy(),
            learning_rates=a["learning_rates"][:n].copy(),
            stride=self.stride,
        )


class TrainingController(QObject):
    """Starts, steers and stops the training and surface workers.

    Parameters flow in through :meth:`TrainingWorker.post`; snapshots flow out
    into :attr:`mirror`; a generation counter drops any snapshot from before a
    reset or a data change.
    """

    snapshotApplied = Signal(object)  # the Snapshot just applied to the mirror
    surfaceReady = Signal(object)  # SurfaceResult
    errorOccurred = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.mirror = RunMirror()
        self.generation = 0
        self.last: Snapshot | None = None
        self._surface_token = 0
        self._surface_pending = False
        self._surface_queued: SurfaceRequest | None = None
        self.worker, self.thread = self._start(TrainingWorker(), "gd-training")
        self.worker.snapshotReady.connect(self._on_snapshot)
        self.surface_worker, self.surface_thread = self._start(SurfaceWorker(), "gd-surface")
        self.surface_worker.resultReady.connect(self._on_surface)
        self._running = True

    def _start(self, worker: QObject, name: str) -> tuple:
        thread = QThread()
        thread.setObjectName(name)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.finished.connect(thread.quit)
        worker.failed.connect(self._on_failed)
        THREADS.add(thread)
        thread.start()
        return worker, thread

    # -- commands --------------------------------------------------------------------
    def set_data(
        self, X: np.ndarray, Y: np.ndarray, w: np.ndarray, b: float, lr: float, n: int
    ) -> None:
        self.generation += 1
        self.mirror = RunMirror(X.shape[0])
        self.last = None
        self.worker.post("data", X, Y, w, b, lr, n, self.generation)

    def reset(self, w: np.ndarray | None = None, b: float | None = None) -> None:
        self.generation += 1
        self.mirror.clear()
        self.last = None
        self.worker.post("reset", w, b, self.generation)

    def play(self) -> int:
        return self.worker.post("play")

    def pause(self) -> int:
        return self.worker.post("pause")

    def step(self, k: int = 1) -> int:
        return self.worker.post("step", int(k))

    def rewind(self, index: int) -> None:
        self.worker.post("rewind", int(index))

    def set_learning_rate(self, lr: float) -> None:
        self.worker.post("lr", float(lr))

    def set_budget(self, n: int) -> None:
        self.worker.post("budget", int(n))

    def set_speed(self, its: float) -> None:
        self.worker.post("speed", float(its))

    def request_surface(self, req: SurfaceRequest) -> int:
        """Ask for a surface; while one is being computed only the newest waits."""
        self._surface_token += 1
        req = SurfaceRequest(self._surface_token, req.X, req.Y, req.spec, req.xs, req.ys, req.fixed)
        if self._surface_pending:
            self._surface_queued = req
        else:
            self._surface_pending = True
            self.surface_worker.request(req)
        return self._surface_token

    # -- results ---------------------------------------------------------------------
    @Slot()
    def _on_snapshot(self) -> None:
        snap = self.worker.take()
        if snap is None or snap.generation != self.generation:
            return  # from before a reset or a data change
        self.mirror.apply(snap)
        self.last = snap
        self.snapshotApplied.emit(snap)

    @Slot()
    def _on_surface(self) -> None:
        result: SurfaceResult | None = self.surface_worker.take()
        if self._surface_queued is not None:
            req, self._surface_queued = self._surface_queued, None
            self.surface_worker.request(req)
        else:
            self._surface_pending = False
        if result is not None:
            self.surfaceReady.emit(result)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.errorOccurred.emit(message)

    def shutdown(self) -> None:
        """Stop both workers and wait for their threads (idempotent)."""
        if not self._running:
            return
        self._running = False
        self.worker.gui_idle.set()
        for worker, thread in (
            (self.worker, self.thread),
            (self.surface_worker, self.surface_thread),
        ):
            worker.stop()
            thread.quit()
            thread.wait()
