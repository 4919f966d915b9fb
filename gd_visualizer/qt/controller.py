"""The controller: the run's state machine, its worker threads and the surface policy.

It is the only writer of the run (:class:`~gd_visualizer.model.Run`) and of the view
state (:class:`~gd_visualizer.model.ViewState`): play, pause, step, reset, scrub,
branch, pick a start point, use a stable rate, change the data or the settings.
Parameters flow in to the training worker as typed commands; snapshots flow out
into the run's mirror; a generation counter drops anything from before a reset or a
data change, surfaces included.
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from ..core.surface import SurfaceResult
from ..model import (
    MAX_ITERATIONS,
    Pause,
    Play,
    Reset,
    Resume,
    Rewind,
    Run,
    SetBudget,
    SetData,
    SetRate,
    SetSpeed,
    Step,
    TrainingData,
    ViewState,
)
from ..present import scene as present
from .tasks import TaskWorker
from .worker import Snapshot, SurfaceWorker, TrainingWorker

log = logging.getLogger(__name__)

#: while training, the cost surface is recomputed at most this often (seconds)
SURFACE_INTERVAL = 0.2
#: "Use a stable rate" sets this fraction of the guaranteed bound
STABLE_FRACTION = 0.9


class RunController(QObject):
    """Owns the run's state and the threads that compute it."""

    frameDue = Signal()  # new training results: draw at the next frame
    sceneChanged = Signal()  # the user changed what is shown: draw now
    surfaceReady = Signal(object)  # a fresh SurfaceResult for the shown slice and data
    extentChanged = Signal(object)  # the surface's extent (x0, x1, y0, y1)
    playingChanged = Signal(bool)
    message = Signal(str, int)  # status-bar text, timeout in ms (0: until replaced)
    errorOccurred = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.run = Run()
        self.view = ViewState()
        self.last: Snapshot | None = None
        self._play_seq = 0  # the command that last set playing/paused
        self._resume_seq = 0  # the last Resume command posted
        # surface policy state
        self._surface_token = 0
        self._surface_valid_from = 0
        self._surface_extent: tuple[float, float, float, float] | None = None
        self._surface_key: str | None = None
        self._surface_fixed: float | None = None
        self._surface_requested = 0.0
        self._running = True
        self.worker, self.thread = self._start(TrainingWorker(), "gd-training")
        self.worker.ready.connect(self._on_snapshot)
        self.surface_worker, self.surface_thread = self._start(SurfaceWorker(), "gd-surface")
        self.surface_worker.ready.connect(self._on_surface)
        self.view.events.slice_key.connect(self._on_view_changed)
        self.view.events.log_scale.connect(lambda *_: self.sceneChanged.emit())
        self.view.events.through_end.connect(self._on_view_changed)
        self.view.events.sample.connect(lambda *_: self.sceneChanged.emit())
        self.tasks, self.tasks_thread = self._start(TaskWorker(), "gd-tasks")

    def _start(self, worker: QObject, name: str) -> tuple:
        thread = QThread()
        thread.setObjectName(name)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.finished.connect(thread.quit)
        worker.failed.connect(self._on_failed)
        thread.start()
        return worker, thread

    # -- the run as the window reads it -------------------------------------------------
    @property
    def mirror(self):
        return self.run.mirror

    @property
    def generation(self) -> int:
        return self.run.generation

    @property
    def playing(self) -> bool:
        return self.run.playing

    def shown_index(self) -> int | None:
        return self.view.shown_index(len(self.run.mirror))

    def scene(self, index: int | None = None) -> present.Scene | None:
        """What the panels draw for the shown entry (or ``index``)."""
        n = len(self.run.mirror)
        if index is None:
            index = self.shown_index()
        if index is None or index >= n:
            return None
        return present.make_scene(
            self.run.mirror,
            index,
            self.view.slice_key,
            self.view.log_scale,
            self.run.ghosts,
            tight=not self.run.playing,
            run_id=self.run.generation,
            through_end=self.view.through_end,
            converged=self.run.status is not None and self.run.status.status == "converged",
            sample=self.view.sample,
        )

    # -- data and settings ---------------------------------------------------------------
    def set_data(self, data: TrainingData) -> None:
        """Train on new data from the zero start point (paused)."""
        self._set_playing(False)
        self.view.shown = None
        self.view.sample = 0
        self._forget_surface()
        self.run.set_data(data)
        self.last = None
        w, b = self.run.start
        self.worker.post(
            SetData(
                data.X,
                data.Y,
                w.copy(),
                b,
                self.run.learning_rate,
                self.run.budget,
                self.run.generation,
            )
        )

    def set_learning_rate(self, lr: float) -> None:
        self.run.set_settings(learning_rate=lr)
        self.worker.post(SetRate(float(lr)))

    def set_budget(self, n: int) -> None:
        self.run.set_settings(budget=n)
        self.worker.post(SetBudget(int(n)))

    def set_speed(self, its: float) -> None:
        self.run.set_settings(speed=its)
        self.worker.post(SetSpeed(float(its)))

    def set_slice(self, key: str) -> None:
        self.view.slice_key = key

    def set_log_scale(self, on: bool) -> None:
        self.view.log_scale = bool(on)

    def select_sample(self, index: int) -> None:
        """The sample followed through the computation graph (ringed in every view)."""
        data = self.run.data
        if data is None or not 0 <= int(index) < data.X.shape[1]:
            return
        self.view.sample = int(index)

    def set_slice_through_end(self, on: bool) -> None:
        """Freeze the surface's third parameter at the last entry (or follow the shown one)."""
        self.view.through_end = bool(on)

    def _on_view_changed(self, *_args) -> None:
        self._forget_surface()
        self.update_surface(force=True)
        self.sceneChanged.emit()

    # -- the state machine ------------------------------------------------------------
    def _set_playing(self, playing: bool) -> None:
        if playing != self.run.playing:
            self.run.set_playing(playing)
            self.playingChanged.emit(playing)

    def toggle_play(self) -> None:
        if self.run.playing:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        last = self.last
        status = last.status if last is not None else None
        resuming = last is not None and self._resume_seq > last.seq
        if status is not None and status.stopped is not None and not resuming:
            self.message.emit(
                "The run stopped on non-finite values: lower the learning rate "
                "('Use a stable rate') to continue, or Reset",
                8000,
            )
            return
        n = len(self.run.mirror)
        at_end = self.view.shown is None or self.view.shown >= n - 1
        if last is not None and at_end and last.iteration >= self.run.budget:
            # the budget is used up: Play extends it so the button always does something
            budget = min(MAX_ITERATIONS, 2 * max(1, last.iteration))
            if budget <= last.iteration:
                self.message.emit("The iteration budget is at its maximum", 5000)
                return
            self.set_budget(budget)
        self._branch_if_scrubbed()
        self._set_playing(True)
        self._play_seq = self.worker.post(Play())

    def pause(self) -> None:
        self._set_playing(False)
        self._play_seq = self.worker.post(Pause())

    def step(self) -> None:
        self._branch_if_scrubbed()
        self._set_playing(False)
        self._play_seq = self.worker.post(Step(1))

    def reset(self) -> None:
        """Back to the start point: history and ghosts cleared."""
        self._restart(None, None)

    def _restart(self, w: np.ndarray | None, b: float | None) -> None:
        """Back to the start point (a new one when given): history and ghosts cleared."""
        self._set_playing(False)
        self.view.shown = None
        self.run.restart(w, b)
        self.last = None
        self._forget_surface()
        self.worker.post(Reset(w, b, self.run.generation))
        self.sceneChanged.emit()

    def scrub(self, index: int) -> None:
        """Show history entry ``index`` (the newest follows the run again)."""
        n = len(self.run.mirror)
        if self.run.playing:
            self.pause()
        self.view.shown = None if index >= n - 1 else int(index)
        self.update_surface()
        self.sceneChanged.emit()

    def _branch_if_scrubbed(self) -> None:
        """Continue from the entry shown; the abandoned branch stays as a ghost."""
        mirror = self.run.mirror
        i = self.view.shown
        self.view.shown = None
        if i is None or i >= len(mirror) - 1:
            return
        self.run.add_ghost(mirror.view(i))
        self.worker.post(Rewind(i))

    def pick_start(self, x: float, y: float) -> None:
        """A click on the surface (paused): the start point moves there in the slice."""
        if self.run.playing or not len(self.run.mirror):
            return
        mirror = self.run.mirror
        theta = np.array([*mirror.weights[0], mirror.biases[0]], dtype=float)
        spec = present.SLICES[self.view.slice_key]
        theta[spec.x_param], theta[spec.y_param] = x, y
        self._restart(theta[:-1].copy(), float(theta[-1]))
        self.message.emit(
            f"Start point set to w = ({theta[0]:.3g}, {theta[1]:.3g}), b = {theta[2]:.3g}",
            5000,
        )

    def stable_rate(self) -> float | None:
        """The rate "Use a stable rate" applies: below the guaranteed bound."""
        if self.last is None or not math.isfinite(self.last.status.stable_rate):
            return None
        return STABLE_FRACTION * self.last.status.stable_rate

    def use_stable_rate(self) -> float | None:
        """Set a guaranteed-stable rate; a run stopped on non-finite values continues
        from its last finite state at the next Play."""
        lr = self.stable_rate()
        if lr is None:
            return None
        self.set_learning_rate(lr)
        if self.last is not None and self.last.status.stopped is not None:
            self._resume_seq = self.worker.post(Resume())
        self.message.emit(f"Learning rate set to {lr:.4g} (guaranteed stable)", 5000)
        return lr

    # -- the surface policy ---------------------------------------------------------------
    def _forget_surface(self) -> None:
        """Surfaces asked for so far are stale: the data, start or slice changed."""
        self._surface_valid_from = self._surface_token + 1
        self._surface_extent = None
        self._surface_fixed = None
        self._surface_key = None

    def update_surface(self, index: int | None = None, force: bool = False) -> None:
        """Ask for a new surface when the slice, its extent or the fixed value moved."""
        data = self.run.data
        mirror = self.run.mirror
        n = len(mirror)
        if n == 0 or data is None or data.X.size == 0:
            return
        if index is None:
            index = self.shown_index()
        spec = present.SLICES[self.view.slice_key]
        px, py = present.slice_path(mirror, spec)
        at = n - 1 if self.view.through_end else index
        fixed = float(np.append(mirror.weights[at], mirror.biases[at])[spec.fixed_param])
        previous = None if (force or self._surface_key != spec.key) else self._surface_extent
        extent = present.surface_extent(px[: index + 1], py[: index + 1], previous)
        changed_extent = extent != self._surface_extent or self._surface_key != spec.key
        span = extent[1] - extent[0]
        # while training, the slice follows in steps of 1 % of the extent; when the run
        # stands still it shows exactly the third parameter of the entry on screen
        step = present.SURFACE_STEP * span if self.run.playing else 1e-9 * span
        moved = self._surface_fixed is None or abs(fixed - self._surface_fixed) > step
        if not (changed_extent or moved or force):
            return
        now = time.perf_counter()
        if self.run.playing and not (changed_extent or force):
            if now - self._surface_requested < SURFACE_INTERVAL:
                return  # while training, the slice follows at a bounded rate
        self._surface_requested = now
        self._surface_key = spec.key
        self._surface_fixed = fixed
        if changed_extent:
            self._surface_extent = extent
            self.extentChanged.emit(extent)
        self._surface_token += 1
        req = present.surface_request(data, spec, extent, fixed, token=self._surface_token)
        # the surface worker computes one grid at a time; only the newest request waits
        self.surface_worker.request(req)

    @property
    def surface_extent(self) -> tuple[float, float, float, float] | None:
        return self._surface_extent

    @property
    def surface_key(self) -> str | None:
        return self._surface_key

    def is_current(self, result: SurfaceResult) -> bool:
        """Whether a surface was asked for the data, start and slice shown now (a
        surface computed for the previous dataset or slice is never drawn)."""
        req = result.request
        return req.token >= self._surface_valid_from and req.spec.key == self.view.slice_key

    # -- results -------------------------------------------------------------------------
    @Slot()
    def _on_snapshot(self) -> None:
        try:
            self._apply_snapshot()
        except Exception as exc:  # no exception escapes a slot
            log.exception("applying a snapshot failed")
            self.errorOccurred.emit(f"showing the run failed: {type(exc).__name__}: {exc}")

    def _apply_snapshot(self) -> None:
        snap: Snapshot | None = self.worker.take()
        if snap is None or snap.generation != self.run.generation:
            return  # from before a reset or a data change
        self.last = snap
        self.run.apply(snap.start, snap.revision, snap.history, snap.status)
        if snap.seq >= self._play_seq:
            self._set_playing(snap.playing)  # the worker stops by itself at the end
        self.frameDue.emit()

    @Slot()
    def _on_surface(self) -> None:
        try:
            self._take_surface()
        except Exception as exc:  # no exception escapes a slot
            log.exception("taking a surface failed")
            self.errorOccurred.emit(f"cost surface failed: {type(exc).__name__}: {exc}")

    def _take_surface(self) -> None:
        result: SurfaceResult | None = self.surface_worker.take()
        if result is not None and self.is_current(result):
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
            (self.tasks, self.tasks_thread),
        ):
            worker.stop()
            thread.quit()
            thread.wait()
