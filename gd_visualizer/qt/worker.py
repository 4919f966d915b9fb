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

from PySide6.QtCore import QObject, Signal, Slot

from ..core import HistoryView, Trainer
from ..core.surface import SurfaceRequest, compute_surface
from ..model import (
    Command,
    Pause,
    Play,
    Reset,
    Resume,
    Rewind,
    RunStatus,
    SetBudget,
    SetData,
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
    """What the GUI draws: immutable copies, never the trainer's own arrays.

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


class TrainingWorker(Mailbox):
    """Runs a :class:`Trainer` in its own thread, paced and steered by commands."""

    def __init__(self) -> None:
        super().__init__()
        self._applied = 0
        self._gui_len = 0
        self._gui_rev = -1
        # worker-thread state
        self._trainer: Trainer | None = None
        self._generation = 0
        self._revision = 0
        self._playing = False
        self._speed = math.inf
        self._credit = 0.0
        self._seconds_per_iteration = 1e-4
        self._lr_pending = False
        self._local_at = -1.0
        self._local_at_time = 0.0
        self._local_rate = math.inf
        #: cleared by the GUI while it draws a frame; the loop does not start a batch
        #: then, so the GUI thread never waits for the GIL in the middle of a frame
        self.gui_idle = threading.Event()
        self.gui_idle.set()
        self.lr_effective_at = 0.0  # perf_counter() of the first update using a new rate

    def _taken(self, snap: Snapshot) -> None:
        # what the GUI's mirror now holds: the next snapshot only needs what follows
        self._gui_len = snap.start + len(snap.history)
        self._gui_rev = snap.revision

    # -- the loop (worker thread) --------------------------------------------------
    @Slot()
    def run(self) -> None:
        while True:
            try:
                self._loop()
                break
            except Exception as exc:  # shown to the user; the loop goes on, paused
                self._playing = False
                self.failed.emit(f"training stopped: {type(exc).__name__}: {exc}")
                try:
                    self._publish()
                except Exception:  # nothing more to report
                    pass
        if self._trainer is not None:
            self._trainer.close()  # the kernel's helper threads end with the worker
        self.finished.emit()

    def _busy(self) -> bool:
        t = self._trainer
        return self._playing and t is not None and not t.finished

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
            trainer = self._trainer
            if self._busy() and trainer is not None:
                if math.isinf(self._speed):
                    k = max(1, int(BATCH_SECONDS / self._seconds_per_iteration))
                else:
                    self._credit = min(
                        self._credit + (now - last_tick) * self._speed, self._speed / 10 + 1
                    )
                    k = int(self._credit)
                last_tick = now
                if k > 0:
                    self.gui_idle.wait(GUI_WAIT_SECONDS)
                    stride = trainer.history.stride
                    t0 = time.perf_counter()
                    done = trainer.run(k)
                    if self._lr_pending and done:
                        self._lr_pending = False
                        self.lr_effective_at = t0  # the first iteration with the new rate
                    batch = time.perf_counter() - t0
                    if done:
                        per = batch / done
                        self._seconds_per_iteration = 0.8 * self._seconds_per_iteration + 0.2 * per
                    self._credit -= done
                    if trainer.history.stride != stride:
                        self._revision += 1
                    changed = True
                    if trainer.finished:
                        self._playing = False
            else:
                last_tick = now
                self._credit = 0.0
            now = time.perf_counter()
            if changed and (now - last_publish >= 1.0 / PUBLISH_HZ or not self._busy()):
                self._publish()
                last_publish = now
            if self._busy():
                # give the GUI thread the GIL; at a slow pace, sleep until the next
                # iteration is due (or a command arrives)
                # (a tight Python loop holds the GIL; resting a fraction of each batch
                # lets the GUI thread draw without waiting for it)
                wait = max(0.0005, REST_FRACTION * batch)
                if not math.isinf(self._speed) and self._credit < 1:
                    wait = max(wait, (1 - self._credit) / self._speed)
                    wait = min(wait, max(0.0005, 1.0 / PUBLISH_HZ - (now - last_publish)))
                with self._cond:
                    if not self._stop and not self._commands:
                        self._cond.wait(wait)

    def _apply(self, command: Command) -> bool:
        """Apply one command; True when the run changed (a snapshot is due)."""
        t = self._trainer
        match command:
            case SetData(X, Y, w, b, lr, n, generation):
                if t is not None:
                    t.close()  # its helper threads end with it
                self._trainer = Trainer(X, Y, w=w, b=b, learning_rate=lr, num_iterations=n)
                self._generation = generation
                self._revision += 1
                self._playing = False
                return True
            case SetSpeed(its):
                self._speed = float(its)
                return False
        if t is None:
            return False
        match command:
            case Play():
                self._playing = not t.finished
            case Pause():
                self._playing = False
            case Step(k):
                self._playing = False
                if t.iteration >= t.num_iterations:
                    t.num_iterations = t.iteration + k
                t.run(k)
            case Reset(w, b, generation):
                t.reset(w, b)
                self._generation = generation
                self._revision += 1
                self._playing = False
            case Rewind(index):
                if 0 <= index < len(t.history) - 1:
                    t.rewind(index)
                    self._revision += 1
            case Resume():
                if t.nonfinite_reason is not None:
                    t.rewind(len(t.history) - 1)  # the last finite state, divergence cleared
                    self._revision += 1
            case SetRate(lr):
                t.learning_rate = lr
                self._lr_pending = True
            case SetBudget(n):
                t.num_iterations = n
                if t.finished:
                    self._playing = False
            case _:
                raise ValueError(f"unknown command {command!r}")
        self._local_at = -1.0
        return True

    def _publish(self) -> None:
        t = self._trainer
        if t is None:
            return
        with self._outbox.lock:
            base_len, base_rev = self._gui_len, self._gui_rev
        start = max(0, base_len - 1) if base_rev == self._revision else 0
        start = min(start, len(t.history) - 1)
        now = time.perf_counter()
        if (
            self._local_at < 0
            or (not self._busy() and self._local_at != t.iteration)
            or (now - self._local_at_time > LOCAL_RATE_SECONDS)
        ):
            self._local_rate = t.local_rate_limit
            self._local_at = t.iteration
            self._local_at_time = now
        status = RunStatus(
            iteration=t.iteration,
            num_iterations=t.num_iterations,
            learning_rate=t.learning_rate,
            playing=self._playing,
            finished=t.finished,
            divergence=t.divergence_reason,
            stopped=t.nonfinite_reason,
            stable_rate=t.stable_learning_rate,
            local_rate=self._local_rate,
            status=t.status,
            converged_at=t.converged_at,
            status_text=t.status_text,
            separable=t.separable,
        )
        snap = Snapshot(
            generation=self._generation,
            revision=self._revision,
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
        )
        self._publish_result(snap)


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
