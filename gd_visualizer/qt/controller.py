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
import weakref
from dataclasses import replace

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from ..core import OPTIMIZERS
from ..core.logistic import check_lambd, check_loss
from ..core.surface import SurfaceResult
from ..model import (
    MAX_ITERATIONS,
    MAX_RUNS,
    AddLane,
    Pause,
    Play,
    Race,
    RemoveLane,
    Replay,
    Reset,
    ResetLane,
    Resume,
    Rewind,
    Run,
    SetBudget,
    SetData,
    SetModel,
    SetRate,
    SetSpeed,
    Step,
    TrainingData,
    ViewState,
)
from ..present import scene as present
from .tasks import TaskInbox, TaskWorker
from .threads import background_thread, start_background
from .worker import RaceSnapshot, Snapshot, SurfaceWorker, TrainingWorker

log = logging.getLogger(__name__)

#: while training, the cost surface is recomputed at most this often (seconds)
SURFACE_INTERVAL = 0.2
#: "Use a stable rate" sets this fraction of the guaranteed bound
STABLE_FRACTION = 0.9
#: "Rate sweep" races these multiples of the selected run's rate
SWEEP_FACTORS = (0.1, 1 / 3, 1.0, 3.0, 10.0)


class RunController(QObject):
    """Owns the run's state and the threads that compute it."""

    frameDue = Signal()  # new training results: draw at the next frame
    sceneChanged = Signal()  # the user changed what is shown: draw now
    surfaceReady = Signal(object)  # a fresh SurfaceResult for the shown slice and data
    extentChanged = Signal(object)  # the surface's extent (x0, x1, y0, y1)
    playingChanged = Signal(bool)
    message = Signal(str, int)  # status-bar text, timeout in ms (0: until replaced)
    errorOccurred = Signal(str)
    settingsChanged = Signal()  # the selected run's settings (or which run is selected)
    ghostsChanged = Signal()  # a run's abandoned branches
    runsChanged = Signal()  # runs added, removed, edited, shown or hidden; a new verdict

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.race = Race()
        self._watch(self.race.run)
        self.race.runsChanged.connect(self.runsChanged.emit)
        self.race.selectionChanged.connect(self._on_selection)
        self.race.speedChanged.connect(self.settingsChanged.emit)
        self.view = ViewState()
        self._last: dict[int, Snapshot] = {}  # each run's newest snapshot, by key
        self._play_seq = 0  # the command that last set playing/paused
        self._resume_seq = 0  # the last Resume command posted
        # surface policy state
        self._surface_token = 0
        self._surface_valid_from = 0
        self._surface_extent: tuple[float, float, float, float] | None = None
        self._surface_key: str | None = None
        self._surface_fixed: np.ndarray | None = None  # the held values surfaced
        self._surface_requested = 0.0
        # each run's path reach seen so far, per mirror (see _path_reach)
        self._reaches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
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
        self.inbox = TaskInbox(self.tasks, self)  # (its results, on this thread)

    def _start(self, worker: QObject, name: str) -> tuple:
        thread = background_thread(name)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.finished.connect(thread.quit)
        worker.failed.connect(self._on_failed)
        start_background(thread)
        return worker, thread

    # -- the run as the window reads it -------------------------------------------------
    @property
    def run(self) -> Run:
        """The selected run (the sliders, the read-out and the step panel follow it)."""
        return self.race.run

    @property
    def runs(self) -> list[Run]:
        return self.race.runs

    @property
    def n_x(self) -> int:
        """The features the runs train on (two; five with feature crosses)."""
        data = self.race.data
        return 2 if data is None else data.X.shape[0]

    @property
    def classes(self) -> int:
        """K: 2 for logistic regression, 3 for softmax regression."""
        data = self.race.data
        return 2 if data is None else data.classes

    def slice_spec(self) -> present.SliceSpec:
        """The surface's slice of the runs' θ."""
        return present.slice_spec(self.view.slice_key, self.n_x, self.classes)

    @property
    def last(self) -> Snapshot | None:
        """The selected run's newest snapshot."""
        return self._last.get(self.race.run.key)

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
        """The scrubber's entry (in the race's clock run, see :meth:`Race.clock`)."""
        return self.view.shown_index(len(self.race.clock().mirror))

    def scene(self, index: int | None = None) -> present.Scene | None:
        """What the panels draw for the shown entry of the scrubber (or ``index``): the
        selected run at that iteration, every other visible run beside it."""
        clock = self.race.clock().mirror
        n = len(clock)
        if index is None:
            index = self.shown_index()
        run = self.run
        if index is None or index >= n or not len(run.mirror):
            return None
        k = int(clock.iterations[index])
        spec = self.slice_spec()
        traces = tuple(
            present.make_trace(r.mirror, k, spec, r.name, r.colour, r.verdict, r.key)
            for r in self.race.runs
            if r is not run and r.visible and len(r.mirror)
        )
        return present.make_scene(
            run.mirror,
            present.entry_at(run.mirror, k),
            self.view.slice_key,
            self.view.log_scale,
            run.ghosts,
            tight=not run.playing,
            run_id=run.generation,
            through_end=self.view.through_end,
            converged=run.status is not None and run.status.status == "converged",
            sample=self.view.sample,
            colour=run.colour,
            name=run.name,
            method=run.method,
            traces=traces,
            clock=present.Clock(index, n, k, int(clock.iterations[-1])),
            loss=self.race.loss,
            lambd=self.race.lambd,
            classes=self.classes,
        )

    # -- data and settings ---------------------------------------------------------------
    def set_data(self, data: TrainingData, start: tuple[np.ndarray, float] | None = None) -> None:
        """Train on new data from the zero start point, or ``start`` (paused)."""
        self._set_playing(False)
        self.view.shown = None
        self.view.sample = 0
        self._forget_surface()
        if data.classes > 2 and self.race.loss != "cross_entropy":
            self.race.set_model("cross_entropy", self.race.lambd)  # softmax's only cost
        self.race.set_data(data, start)
        if self.view.slice_key not in data.slice_keys():
            self.view.slice_key = data.slice_keys()[0]  # (the model's parameters changed)
        self._last = {}
        w, b = self.race.start
        race = self.race
        lanes = tuple(r.spec() for r in race.runs)
        command = SetData(data.X, data.Y, w.copy(), b, lanes, race.generation, race.loss)
        self.worker.post(replace(command, lambd=race.lambd, classes=data.classes))

    def set_model(self, loss: str | None = None, lambd: float | None = None) -> None:
        """The cost every run descends: the loss (cross-entropy, L2, L1) and the L2
        regularization λ.  A new cost function: every run starts afresh."""
        race = self.race
        loss = race.loss if loss is None else check_loss(loss)
        lambd = race.lambd if lambd is None else check_lambd(lambd)
        if self.classes > 2:
            loss = "cross_entropy"  # softmax regression's only cost
        if (loss, lambd) == (race.loss, race.lambd):
            return
        self._set_playing(False)
        self.view.shown = None
        race.set_model(loss, lambd)
        self._last = {}
        self._forget_surface()
        self.worker.post(SetModel(loss, lambd, race.generation))
        self.sceneChanged.emit()

    def set_loss(self, loss: str) -> None:
        self.set_model(loss=loss)

    def set_lambd(self, lambd: float) -> None:
        self.set_model(lambd=lambd)

    def set_learning_rate(self, lr: float) -> None:
        """The selected run's learning rate (it changes mid-run, as the slider moves)."""
        run = self.run
        run.set_settings(learning_rate=lr)
        self.worker.post(SetRate(float(lr), run.key))
        self.runsChanged.emit()

    def set_budget(self, n: int) -> None:
        run = self.run
        run.set_settings(budget=n)
        self.worker.post(SetBudget(int(n), run.key))

    def set_speed(self, its: float) -> None:
        self.race.set_speed(its)
        self.worker.post(SetSpeed(float(its)))

    # -- the runs of a race ------------------------------------------------------------
    def _watch(self, run: Run) -> None:
        run.settingsChanged.connect(lambda: run is self.run and self.settingsChanged.emit())
        run.ghostsChanged.connect(self.ghostsChanged.emit)

    def _on_selection(self) -> None:
        self.settingsChanged.emit()
        self.runsChanged.emit()
        self.sceneChanged.emit()

    def add_run(
        self,
        learning_rate: float,
        optimizer: str = "gd",
        batch_size: int | None = None,
        budget: int | None = None,
    ) -> int:
        """A new run raced beside the others from the same start; returns its index.

        It catches up with the others at once (paused or not)."""
        if len(self.race.runs) >= MAX_RUNS:
            raise ValueError(f"at most {MAX_RUNS} runs race at once")
        if not (math.isfinite(learning_rate) and learning_rate > 0):
            raise ValueError(f"the learning rate must be a positive number, got {learning_rate}")
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {optimizer!r}; use one of {', '.join(OPTIMIZERS)}")
        if batch_size is not None and int(batch_size) < 1:
            raise ValueError(f"the batch size must be at least 1, got {batch_size}")
        budget = self.run.budget if budget is None else int(budget)
        batch_size = self._batch(batch_size)
        run = self.race.add_run(float(learning_rate), budget, optimizer, batch_size)
        self._watch(run)
        if self.race.data is not None:
            self.worker.post(AddLane(run.spec()))
        return len(self.race.runs) - 1

    def duplicate_run(self, index: int) -> int:
        r = self.race.runs[index]
        return self.add_run(r.learning_rate, r.optimizer, r.batch_size, r.budget)

    def remove_run(self, index: int) -> None:
        """Remove a run (the last one stays)."""
        if len(self.race.runs) <= 1:
            self.message.emit("The last run stays: a race needs one run", 5000)
            return
        run = self.race.remove_run(index)
        self._last.pop(run.key, None)
        self.worker.post(RemoveLane(run.key))
        self.sceneChanged.emit()

    def select_run(self, index: int) -> None:
        """The run the sliders, the read-out and the step panel follow."""
        self.race.select(index)

    def set_run_visible(self, index: int, visible: bool) -> None:
        self.race.set_visible(index, visible)
        self.update_surface(force=True)
        self.sceneChanged.emit()

    def set_optimizer(self, optimizer: str, batch_size: int | bool | None = False) -> None:
        """The selected run's optimizer (and batch size, None for all m): it starts
        afresh from the start point and catches up with the others."""
        run = self.run
        if batch_size is not False:
            batch_size = self._batch(batch_size)
        run.set_settings(optimizer=optimizer, batch_size=batch_size)
        self._reset_lane(run)

    def _batch(self, batch_size: int | None) -> int | None:
        """A mini-batch size as a run keeps it: None (all m) for m or more samples."""
        data = self.race.data
        if batch_size is None or (data is not None and int(batch_size) >= data.X.shape[1]):
            return None
        return int(batch_size)

    def set_batch_size(self, batch_size: int | None) -> None:
        self.set_optimizer(self.run.optimizer, batch_size)

    def _reset_lane(self, run: Run) -> None:
        run.epoch += 1
        self._last.pop(run.key, None)
        run.clear()
        if self.race.data is not None:
            self.worker.post(ResetLane(run.spec()))
        self.runsChanged.emit()
        self.sceneChanged.emit()

    def replay(self, rates: dict[int, tuple[float, ...]]) -> None:
        """Train the runs (by key) again with these learning rates, one per update (an
        opened session); the worker does it, off the GUI thread."""
        self.worker.post(Replay(tuple(rates.items())))

    def rate_sweep(self) -> list[int]:
        """Runs at α/10, α/3, α, 3α and 10α of the selected run (those not racing yet),
        with its optimizer and batch size; returns the new runs' indices."""
        base = self.run
        have = {(r.learning_rate, r.optimizer, r.batch_size) for r in self.race.runs}
        added = []
        for factor in SWEEP_FACTORS:
            lr = float(f"{base.learning_rate * factor:.3g}")
            if (lr, base.optimizer, base.batch_size) in have:
                continue
            if len(self.race.runs) >= MAX_RUNS:
                self.message.emit(f"At most {MAX_RUNS} runs race at once", 5000)
                break
            added.append(self.add_run(lr, base.optimizer, base.batch_size, base.budget))
        return added

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
        if playing != self.race.playing:
            self.race.set_playing(playing)
            self.playingChanged.emit(playing)

    def toggle_play(self) -> None:
        if self.run.playing:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        data = self.race.data
        if data is not None and data.X.shape[1] == 0:
            self.message.emit("No data yet: click in the data view to add points", 5000)
            return
        lasts = [self._last.get(r.key) for r in self.race.runs]
        resuming = any(s is not None and self._resume_seq > s.seq for s in lasts)
        if lasts and all(s is not None and s.status.stopped is not None for s in lasts):
            if not resuming:
                self.message.emit(
                    "The run stopped on non-finite values: lower the learning rate "
                    "('Use a stable rate') to continue, or Reset",
                    8000,
                )
                return
        n = len(self.race.clock().mirror)
        at_end = self.view.shown is None or self.view.shown >= n - 1
        done = [
            (r, s)
            for r, s in zip(self.race.runs, lasts, strict=True)
            if s is not None and s.status.stopped is None and s.iteration >= r.budget
        ]
        if at_end and done and all(s is None or s.finished for s in lasts):
            # every budget is used up: Play extends them so the button always does something
            extended = False
            for r, s in done:
                budget = min(MAX_ITERATIONS, 2 * max(1, s.iteration))
                if budget > s.iteration:
                    r.set_settings(budget=budget)
                    self.worker.post(SetBudget(budget, r.key))
                    extended = True
            if not extended:
                self.message.emit("The iteration budget is at its maximum", 5000)
                return
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
        self.race.restart(w, b)
        self._last = {}
        self._forget_surface()
        self.worker.post(Reset(w, b, self.race.generation))
        self.sceneChanged.emit()

    def scrub(self, index: int) -> None:
        """Show entry ``index`` of the scrubber (the newest follows the run again)."""
        n = len(self.race.clock().mirror)
        if self.run.playing:
            self.pause()
        self.view.shown = None if index >= n - 1 else int(index)
        self.update_surface()
        self.sceneChanged.emit()

    def _branch_if_scrubbed(self) -> None:
        """Continue from the iteration shown; every run's abandoned branch stays as a ghost."""
        clock = self.race.clock()
        i = self.view.shown
        self.view.shown = None
        if i is None or i >= len(clock.mirror) - 1:
            return
        k = int(clock.mirror.iterations[i])
        for run in self.race.runs:
            if len(run.mirror):
                j = present.entry_at(run.mirror, k)
                if j < len(run.mirror) - 1:
                    run.add_ghost(run.mirror.view(j))
        self.worker.post(Rewind(i, clock.key))

    def pick_start(self, x: float, y: float) -> None:
        """A click on the surface (paused): the start point moves there in the slice."""
        if self.run.playing or not len(self.run.mirror):
            return
        mirror = self.run.mirror
        theta = np.array([*mirror.weights[0], mirror.biases[0]], dtype=float)
        spec = self.slice_spec()
        theta[spec.x_param], theta[spec.y_param] = x, y
        self._restart(theta[:-1].copy(), float(theta[-1]))
        x_name, y_name, _ = present.param_labels(spec)
        self.message.emit(f"Start point set to {x_name} = {x:.3g}, {y_name} = {y:.3g}", 5000)

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
            self._resume_seq = self.worker.post(Resume(self.run.key))
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
        spec = self.slice_spec()
        clock = self.race.clock().mirror
        k = int(clock.iterations[min(index, len(clock) - 1)])
        index = present.entry_at(mirror, k)
        at = n - 1 if self.view.through_end else index
        theta = np.append(mirror.weights[at], mirror.biases[at])
        fixed = float(theta[spec.fixed_param])
        held = theta[list(spec.held)]
        previous = None if (force or self._surface_key != spec.key) else self._surface_extent
        # every visible run's path so far fits the surface
        reach = 0.0
        for run in self.race.runs:
            if (run is self.run or run.visible) and len(run.mirror):
                j = present.entry_at(run.mirror, k) + 1
                reach = max(reach, self._path_reach(run.mirror, spec, j, exact=previous is None))
        extent = present.extent_for(reach, previous)
        changed_extent = extent != self._surface_extent or self._surface_key != spec.key
        span = extent[1] - extent[0]
        # while training, the slice follows in steps of 1 % of the extent; when the run
        # stands still it shows exactly the third parameter of the entry on screen
        step = present.SURFACE_STEP * span if self.run.playing else 1e-9 * span
        moved = self._surface_fixed is None or bool(
            np.max(np.abs(held - self._surface_fixed)) > step
        )
        if not (changed_extent or moved or force):
            return
        now = time.perf_counter()
        if self.run.playing and not (changed_extent or force):
            if now - self._surface_requested < SURFACE_INTERVAL:
                return  # while training, the slice follows at a bounded rate
        self._surface_requested = now
        self._surface_key = spec.key
        self._surface_fixed = held
        if changed_extent:
            self._surface_extent = extent
            self.extentChanged.emit(extent)
        self._surface_token += 1
        req = present.surface_request(
            data, spec, extent, fixed, self._surface_token, self.race.loss, self.race.lambd, theta
        )
        # the surface worker computes one grid at a time; only the newest request waits
        self.surface_worker.request(req)

    def _path_reach(self, mirror, spec, j: int, exact: bool) -> float:
        """The reach of a run's path over its first ``j`` entries (present.path_reach),
        scanning only the entries not seen before.

        Within a revision of its history a run's path only grows, so the reach of what
        was seen is kept (per mirror and slice) and the new entries are scanned: per frame
        that is the entries trained since, not the whole history of every raced run (six
        runs of 50,000 entries took ~7 ms a frame).  A path scrubbed back (``j`` below what
        was seen) answers the reach seen so far: never above the extent already shown,
        which it therefore keeps, as the exact reach would.  ``exact``: the prefix's own
        reach (no extent shown yet to compare with)."""
        key = (spec.key, mirror.revision)
        seen = self._reaches.get(mirror)
        if exact or seen is None or seen[0] != key:
            px, py = present.slice_path(mirror, spec)
            reach = present.path_reach(px[:j], py[:j])
            self._reaches[mirror] = (key, j, reach)
            return reach
        _, n, reach = seen
        if j > n:
            px, py = present.slice_path(mirror, spec)
            reach = max(reach, present.path_reach(px[n:j], py[n:j]))
            self._reaches[mirror] = (key, j, reach)
        return reach

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
        race: RaceSnapshot | None = self.worker.take()
        if race is None or race.generation != self.race.generation:
            return  # from before a reset or a data change
        verdicts = False
        for snap in race.lanes:
            i = self.race.index_of(snap.key)
            if i is None:
                continue  # a run removed meanwhile
            run = self.race.runs[i]
            if snap.epoch != run.epoch:
                continue  # from before the run started afresh
            old = run.status
            self._last[snap.key] = snap
            run.apply(snap.start, snap.revision, snap.history, snap.status)
            verdicts |= old is None or (old.status, old.converged_at) != (
                snap.status.status,
                snap.status.converged_at,
            )
        if race.seq >= self._play_seq:
            self._set_playing(race.playing)  # the worker stops by itself at the end
        if verdicts:
            self.runsChanged.emit()
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
