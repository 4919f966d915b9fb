"""Workers that run off the GUI thread: the trainer and the cost-surface grid.

Both follow the Qt worker-object pattern (a plain ``QObject`` moved to a
``QThread``).  A looping worker never runs its own queued slots, so parameters
reach it through a lock-guarded mailbox that the loop reads between
iterations, and results leave it through a one-slot "latest wins" outbox: the
GUI is signalled only when the slot was empty, and takes the newest result
when it gets round to it — it never waits on the worker and is never flooded.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from ..core import HistoryView, Trainer
from ..core.surface import SurfaceRequest, compute_surface
from ..core.trainer import replay
from ..model import (
    AddLane,
    Command,
    LaneSpec,
    Pause,
    Play,
    RemoveLane,
    Replay,
    Reset,
    ResetLane,
    Resume,
    Rewind,
    RunStatus,
    SetBudget,
    SetData,
    SetModel,
    SetRate,
    SetSpeed,
    Step,
)

#: the worker publishes at most this often (frames per second)
PUBLISH_HZ = 60.0
#: at full speed, one wake-up trains for at most this long before yielding the GIL
BATCH_SECONDS = 0.004
#: the longest a batch waits for the GUI to finish a frame
GUI_WAIT_SECONDS = 0.05
#: after a batch the worker rests this fraction of the batch's duration
REST_FRACTION = 0.25
#: while training, the local rate limit (a Hessian per call) is refreshed this often (s)
LOCAL_RATE_SECONDS = 0.5


class Outbox:
    """A one-slot, latest-wins hand-over from a worker thread to the GUI thread.

    :meth:`put` replaces whatever the GUI has not taken yet and says whether the
    slot was empty (only then does the worker signal, so the GUI's event queue
    never fills up); :meth:`take` empties it.  ``on_take`` runs under the lock.
    """

    def __init__(self, on_take: Callable[[Any], None] | None = None) -> None:
        self.lock = threading.Lock()
        self._value = None
        self._on_take = on_take

    def put(self, value: object) -> bool:
        with self.lock:
            empty = self._value is None
            self._value = value
        return empty

    def take(self) -> Any:
        with self.lock:
            value, self._value = self._value, None
            if value is not None and self._on_take is not None:
                self._on_take(value)
        return value


@dataclass(frozen=True)
class Snapshot:
    """One lane of what the GUI draws: immutable copies, never the trainer's own arrays.

    ``history`` holds the entries from index ``start`` on; the GUI keeps a
    mirror and replaces its entries from ``start`` (a full copy when
    ``revision`` changed: reset, rewind, new data or thinning).
    """

    generation: int
    revision: int
    start: int
    history: HistoryView
    iteration: int
    num_iterations: int
    learning_rate: float
    playing: bool
    finished: bool
    divergence: str | None
    stable_rate: float
    seq: int  # the number of the last command the worker had applied
    status: RunStatus = field(default_factory=RunStatus)
    key: int = 0  # the lane (the run's key)
    epoch: int = 0  # the lane's epoch (see LaneSpec)


@dataclass(frozen=True)
class RaceSnapshot:
    """Every lane at one moment, and whether the race is playing."""

    generation: int
    seq: int
    playing: bool
    lanes: tuple[Snapshot, ...]


class Mailbox(QObject):
    """Base of both workers: commands in through a lock-guarded mailbox, results
    out through a latest-wins :class:`Outbox`, and a stop flag.

    ``coalesce`` keeps only the newest command (the surface worker: only the
    newest request matters); otherwise every command is kept, in order.
    """

    ready = Signal()  # a result waits in the outbox
    failed = Signal(str)
    finished = Signal()

    coalesce = False

    def __init__(self) -> None:
        super().__init__()
        self._cond = threading.Condition()
        self._commands: list[tuple[int, Command | object]] = []
        self._posted = 0
        self._stop = False
        self._outbox = Outbox(on_take=self._taken)

    # -- called from the GUI thread ------------------------------------------------
    def post(self, command: Command | object) -> int:
        """Queue a command for the loop; returns its sequence number."""
        with self._cond:
            self._posted += 1
            if self.coalesce:
                self._commands = []
            self._commands.append((self._posted, command))
            self._cond.notify()
            return self._posted

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()

    def take(self):
        """The newest result, if any (GUI thread)."""
        return self._outbox.take()

    def _taken(self, value: object) -> None:
        """Runs under the outbox lock when the GUI takes a result."""

    # -- worker thread ----------------------------------------------------------------
    def _publish_result(self, value: object) -> None:
        if self._outbox.put(value):
            self.ready.emit()


class Lane:
    """One raced run in the worker: its trainer and what the GUI already holds of it."""

    def __init__(
        self, X, Y, w, b, spec: LaneSpec, loss="cross_entropy", lambd=0.0, classes=2
    ) -> None:
        self.key = spec.key
        self.epoch = spec.epoch
        self.trainer = Trainer(
            X,
            Y,
            w=w,
            b=b,
            learning_rate=spec.learning_rate,
            num_iterations=spec.budget,
            optimizer=spec.optimizer,
            batch_size=spec.batch_size,
            loss=loss,
            lambd=lambd,
            classes=classes,
        )

        self.revision = 0
        # what the GUI's mirror holds (written under the outbox lock)
        self.gui_len = 0
        self.gui_rev = -1
        self.local_at = -1.0
        self.local_at_time = 0.0
        self.local_rate = math.inf

    def spec(self) -> LaneSpec:
        """The lane's settings now (its rate and budget may have changed since it began)."""
        t = self.trainer
        batch = None if t.batch_size >= t.m else t.batch_size
        return LaneSpec(self.key, t.learning_rate, t.num_iterations, t.optimizer, batch, self.epoch)

    def close(self) -> None:
        self.trainer.close()


class TrainingWorker(Mailbox):
    """Races one or more :class:`Trainer` lanes in its own thread, round-robin at one
    pace (iteration k of every lane is reached at the same moment), steered by commands."""

    def __init__(self) -> None:
        super().__init__()
        self._applied = 0
        # worker-thread state
        self._lanes: dict[int, Lane] = {}
        self._X = None
        self._Y = None
        self._classes = 2
        self._w0 = None
        self._b0 = 0.0
        self._loss = "cross_entropy"
        self._lambd = 0.0
        self._generation = 0
        self._playing = False
        self._catch_up = 0  # lanes behind this iteration catch up at once (unpaced)
        self._speed = math.inf
        self._credit = 0.0
        self._seconds_per_iteration = 1e-4  # one iteration of every active lane
        self._lr_pending = False
        #: cleared by the GUI while it draws a frame; the loop does not start a batch
        #: then, so the GUI thread never waits for the GIL in the middle of a frame
        self.gui_idle = threading.Event()
        self.gui_idle.set()
        self.lr_effective_at = 0.0  # perf_counter() of the first update using a new rate

    @property
    def _trainer(self) -> Trainer | None:
        """The first lane's trainer (tests and the benchmark look at one run)."""
        return next(iter(self._lanes.values())).trainer if self._lanes else None

    def _taken(self, snap: RaceSnapshot) -> None:
        # what the GUI's mirrors now hold: the next snapshot only needs what follows
        for s in snap.lanes:
            lane = self._lanes.get(s.key)
            if lane is not None and lane.epoch == s.epoch:
                lane.gui_len = s.start + len(s.history)
                lane.gui_rev = s.revision

    # -- the loop (worker thread) --------------------------------------------------
    @Slot()
    def run(self) -> None:
        while True:
            try:
                self._loop()
                break
            except Exception as exc:  # shown to the user; the loop goes on, paused
                self._playing = False
                self._catch_up = 0
                self.failed.emit(f"training stopped: {type(exc).__name__}: {exc}")
                try:
                    self._publish()
                except Exception:  # nothing more to report
                    pass
        for lane in self._lanes.values():
            lane.close()  # the kernels' helper threads end with the worker
        self.finished.emit()

    def _behind(self) -> list[Lane]:
        """Lanes catching up with the others (a run added or started afresh): they train
        at once, unpaced, while the others wait — playing or not."""
        return [
            ln
            for ln in self._lanes.values()
            if not ln.trainer.finished and ln.trainer.iteration < self._catch_up
        ]

    def _active(self) -> list[Lane]:
        """The lanes that train now: those catching up, else every unfinished one while
        playing."""
        behind = self._behind()
        if behind or not self._playing:
            return behind
        return [ln for ln in self._lanes.values() if not ln.trainer.finished]

    def _busy(self) -> bool:
        return bool(self._active())

    def _train(self, k: int) -> int:
        """Every active lane up to the same iteration, at most k past the slowest."""
        active = self._active()
        if not active:
            return 0
        target = min(ln.trainer.iteration for ln in active) + k
        if active[0].trainer.iteration < self._catch_up:  # catching up: no further
            target = min(target, self._catch_up)
        done = 0
        for lane in active:
            t = lane.trainer
            stride = t.history.stride
            done += t.run(max(0, target - t.iteration))
            if t.history.stride != stride:
                lane.revision += 1
        if self._playing and not any(not ln.trainer.finished for ln in self._lanes.values()):
            self._playing = False
        return done

    def _loop(self) -> None:
        last_publish = 0.0
        last_tick = time.perf_counter()
        batch = 0.0
        while True:
            with self._cond:
                if not self._stop and not self._commands and not self._busy():
                    self._cond.wait()
                if self._stop:
                    return
                commands, self._commands = self._commands, []
            changed = False
            for seq, command in commands:
                changed |= self._apply(command)
                self._applied = seq
            now = time.perf_counter()
            active = self._active()
            if active:
                catching_up = bool(self._behind())
                if math.isinf(self._speed) or catching_up:
                    k = max(1, int(BATCH_SECONDS / self._seconds_per_iteration))
                else:
                    self._credit = min(
                        self._credit + (now - last_tick) * self._speed, self._speed / 10 + 1
                    )
                    k = int(self._credit)
                last_tick = now
                if k > 0:
                    self.gui_idle.wait(GUI_WAIT_SECONDS)
                    t0 = time.perf_counter()
                    before = min(ln.trainer.iteration for ln in active)
                    self._train(k)
                    # the slowest lane's progress (a lane far ahead is no progress)
                    rounds = min(ln.trainer.iteration for ln in active) - before
                    if self._lr_pending and rounds:
                        self._lr_pending = False
                        self.lr_effective_at = t0  # the first iteration with the new rate
                    batch = time.perf_counter() - t0
                    if rounds > 0:
                        per = batch / rounds
                        self._seconds_per_iteration = 0.8 * self._seconds_per_iteration + 0.2 * per
                    if not catching_up:
                        self._credit -= rounds
                    changed = True
            else:
                last_tick = now
                self._credit = 0.0
            now = time.perf_counter()
            # (a publish waits for the end of a batch: one batch early, so that every 60 Hz
            # frame has a new snapshot rather than every other frame at 50 Hz)
            due = 1.0 / PUBLISH_HZ - min(batch, BATCH_SECONDS)
            if changed and (now - last_publish >= due or not self._busy()):
                self._publish()
                last_publish = now
            if self._busy():
                # give the GUI thread the GIL; at a slow pace, sleep until the next
                # iteration is due (or a command arrives)
                # (a tight Python loop holds the GIL; resting a fraction of each batch
                # lets the GUI thread draw without waiting for it)
                wait = max(0.0005, REST_FRACTION * batch)
                if self._playing and not math.isinf(self._speed) and self._credit < 1:
                    wait = max(wait, (1 - self._credit) / self._speed)
                    wait = min(wait, max(0.0005, 1.0 / PUBLISH_HZ - (now - last_publish)))
                with self._cond:
                    if not self._stop and not self._commands:
                        self._cond.wait(wait)

    def _lanes_for(self, key: int | None) -> list[Lane]:
        if key is None:
            return list(self._lanes.values())
        lane = self._lanes.get(key)
        return [] if lane is None else [lane]

    def _new_lane(self, spec: LaneSpec) -> None:
        old = self._lanes.get(spec.key)
        if old is not None:
            old.close()  # its helper threads end with it
        others = [ln.trainer.iteration for k, ln in self._lanes.items() if k != spec.key]
        self._lanes[spec.key] = self._lane(spec)
        # it catches up with the others (at once, even while paused)
        self._catch_up = max([self._catch_up, *others]) if others else 0

    def _lane(self, spec: LaneSpec) -> Lane:
        return Lane(
            self._X, self._Y, self._w0, self._b0, spec, self._loss, self._lambd, self._classes
        )

    def _new_lanes(self, specs: list[LaneSpec], generation: int) -> None:
        """Every lane anew from the start point (new data or a new cost function)."""
        for lane in self._lanes.values():
            lane.close()  # its helper threads end with it
        empty = self._X is None or self._X.shape[1] == 0  # (a drawing with no points yet)
        self._lanes = {} if empty else {spec.key: self._lane(spec) for spec in specs}
        self._generation = generation
        self._playing = False
        self._catch_up = 0

    def _apply(self, command: Command) -> bool:
        """Apply one command; True when the run changed (a snapshot is due)."""
        match command:
            case SetData(X, Y, w, b, lanes, generation, loss, lambd, classes):
                self._X, self._Y, self._w0, self._b0 = X, Y, np.asarray(w, dtype=float), b
                self._classes = classes
                self._loss, self._lambd = loss, lambd
                self._new_lanes(list(lanes), generation)
                return True
            case SetSpeed(its):
                self._speed = float(its)
                return False
        if self._X is None:
            return False
        match command:
            case SetModel(loss, lambd, generation):
                self._loss, self._lambd = loss, lambd
                self._new_lanes([lane.spec() for lane in self._lanes.values()], generation)
            case AddLane(spec) | ResetLane(spec):
                if self._X.shape[1]:
                    self._new_lane(spec)
            case Replay(rates):
                for key, schedule in rates:
                    lane = self._lanes.get(key)
                    if lane is not None:
                        replay(lane.trainer, schedule)
                        lane.revision += 1
            case RemoveLane(key):
                lane = self._lanes.pop(key, None)
                if lane is not None:
                    lane.close()
            case Play():
                self._playing = any(not ln.trainer.finished for ln in self._lanes.values())
            case Pause():
                self._playing = False
            case Step(k):
                self._playing = False
                for lane in self._lanes.values():
                    t = lane.trainer
                    if t.iteration >= t.num_iterations:
                        t.num_iterations = t.iteration + k
                    t.run(k)
            case Reset(w, b, generation):
                if w is not None and b is not None:
                    self._w0, self._b0 = np.asarray(w, dtype=float), float(b)
                for lane in self._lanes.values():
                    lane.trainer.reset(w, b)
                    lane.revision += 1
                self._generation = generation
                self._playing = False
                self._catch_up = 0
            case Rewind(index, key):
                self._rewind(index, key)
            case Resume(key):
                for lane in self._lanes_for(key):
                    t = lane.trainer
                    if t.nonfinite_reason is not None:
                        t.rewind(len(t.history) - 1)  # the last finite state, divergence cleared
                        lane.revision += 1
            case SetRate(lr, key):
                for lane in self._lanes_for(key):
                    lane.trainer.learning_rate = lr
                self._lr_pending = True
            case SetBudget(n, key):
                for lane in self._lanes_for(key):
                    lane.trainer.num_iterations = n
                if not any(not ln.trainer.finished for ln in self._lanes.values()):
                    self._playing = False
            case _:
                raise ValueError(f"unknown command {command!r}")
        for lane in self._lanes.values():
            lane.local_at = -1.0
        return True

    def _rewind(self, index: int, key: int | None) -> None:
        """Lane ``key`` continues from entry ``index``, every other lane from its entry at
        the same iteration (the later entries are dropped)."""
        lanes = self._lanes_for(key) or list(self._lanes.values())[:1]
        if not lanes:
            return
        h = lanes[0].trainer.history
        if not 0 <= index < len(h) - 1:
            return
        iteration = int(h.view(index).iterations[0])
        for lane in self._lanes.values():
            t = lane.trainer
            its = t.history.view().iterations
            i = int(np.searchsorted(its, iteration, side="right")) - 1
            if 0 <= i < len(its) - 1:
                t.rewind(i)
                lane.revision += 1
        self._catch_up = 0

    def _publish(self) -> None:
        if not self._lanes:
            return
        now = time.perf_counter()
        busy = self._busy()
        with self._outbox.lock:
            bases = {k: (ln.gui_len, ln.gui_rev) for k, ln in self._lanes.items()}
        snaps = []
        for key, lane in self._lanes.items():
            t = lane.trainer
            base_len, base_rev = bases[key]
            start = max(0, base_len - 1) if base_rev == lane.revision else 0
            start = min(start, len(t.history) - 1)
            if (
                lane.local_at < 0
                or (not busy and lane.local_at != t.iteration)
                or (now - lane.local_at_time > LOCAL_RATE_SECONDS)
            ):
                lane.local_rate = t.local_rate_limit
                lane.local_at = t.iteration
                lane.local_at_time = now
            status = RunStatus(
                iteration=t.iteration,
                num_iterations=t.num_iterations,
                learning_rate=t.learning_rate,
                playing=self._playing,
                finished=t.finished,
                divergence=t.divergence_reason,
                stopped=t.nonfinite_reason,
                stable_rate=t.stable_learning_rate,
                local_rate=lane.local_rate,
                status=t.status,
                converged_at=t.converged_at,
                status_text=t.status_text,
                separable=t.separable,
            )
            snaps.append(
                Snapshot(
                    generation=self._generation,
                    revision=lane.revision,
                    start=start,
                    history=t.history.view(start),
                    iteration=t.iteration,
                    num_iterations=t.num_iterations,
                    learning_rate=t.learning_rate,
                    playing=self._playing,
                    finished=t.finished,
                    divergence=t.divergence_reason,
                    stable_rate=t.stable_learning_rate,
                    seq=self._applied,
                    status=status,
                    key=key,
                    epoch=lane.epoch,
                )
            )
        self._publish_result(
            RaceSnapshot(self._generation, self._applied, self._playing, tuple(snaps))
        )


class SurfaceWorker(Mailbox):
    """Computes cost-surface grids off the GUI thread; the newest request wins."""

    coalesce = True

    def request(self, req: SurfaceRequest) -> None:
        self.post(req)

    @Slot()
    def run(self) -> None:
        while True:
            with self._cond:
                while not self._stop and not self._commands:
                    self._cond.wait()
                if self._stop:
                    break
                (_, req), self._commands = self._commands[-1], []
            try:
                result = compute_surface(req)
            except Exception as exc:
                self.failed.emit(f"cost surface failed: {type(exc).__name__}: {exc}")
                continue
            self._publish_result(result)
        self.finished.emit()
