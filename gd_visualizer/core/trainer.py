"""The trainer that the app, the exporter and the benchmark share."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .history import CostTrend, CostWindow, History, HistoryView, cost_trend
from .logistic import GradientKernel, local_rate_limit, stable_learning_rate
from .verdict import Facts, judge

__all__ = ["STATUSES", "Trainer"]

#: the verdicts of :attr:`Trainer.status`
STATUSES = ("converged", "descending", "oscillating", "diverged")


class Trainer:
    """Batch gradient descent on logistic regression, k iterations at a time.

    The trainer holds the data and the parameters, runs :meth:`run` k updates
    at a time with the *current* learning rate (which, like the iteration
    budget, may change between any two iterations) and records every
    iteration in a bounded :class:`History`.  Each forward pass serves twice:
    its cost and gradients are recorded for the state it was computed at and
    then used for the update from that state, so there is exactly one pass
    over the data per iteration.

    Training stops only at the budget or when a value becomes non-finite (the
    update is undone and the last finite state kept).  Meanwhile
    :attr:`status` gives a verdict on the run, computed when it is read:

    * ``"converged"``: ‖(dw, db)‖ ≤ ``tolerance`` at the current state;
    * ``"descending"``: still improving, however slowly (separable data, where
      J has no minimum, is always descending: see :attr:`separable`);
    * ``"oscillating"``: the cost keeps rising and falling without net progress;
    * ``"diverged"``: a non-finite value, or a cost whose lower envelope has
      risen over the last ``window`` iterations (not a bounded oscillation, nor
      an overshoot on its way back down).

    The descending/oscillating/growing judgement looks at the costs since the
    last rate change, at most the last ``window`` of them (a ring buffer kept
    apart from the history's thinning; see :func:`cost_trend`).  With
    cross-entropy the gradient is bounded (|a - y| ≤ 1), so even a far too
    large rate moves the parameters at most linearly: it shows as a huge
    overshoot followed by oscillation or a slow way back, which
    :attr:`status_text` reports as such.

    :meth:`close` ends the kernel's helper thread (used from 2·10⁵ samples);
    the trainer stays usable afterwards and computes on the calling thread
    only, with identical results.
    """

    def __init__(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        w: Sequence[float] | np.ndarray | None = None,
        b: float = 0.0,
        learning_rate: float = 0.01,
        num_iterations: int = 1000,
        history_capacity: int = 100_000,
        tolerance: float = 1e-6,
        window: int = 512,
    ) -> None:
        tolerance = float(tolerance)
        if not (math.isfinite(tolerance) and tolerance >= 0):
            raise ValueError(f"tolerance must be a finite number >= 0, got {tolerance!r}")
        self._kernel = GradientKernel(X, Y)
        self.n_x, self.m = self._kernel.n_x, self._kernel.m
        self.history = History(self.n_x, history_capacity)
        self._tolerance = tolerance
        self._window = CostWindow(window)
        self._version = 0  # bumped at every change of state: keys the lazy caches
        self._verdict_cache: tuple[int, str, str, str | None] | None = None
        self._local_cache: tuple[int, float] | None = None
        self._learning_rate = 0.0
        self._num_iterations = 0
        self.learning_rate = learning_rate
        self.num_iterations = num_iterations
        self._stable_rate: float | None = None
        self.reset(w, b)

    # -- data and settings -------------------------------------------------------
    @property
    def X(self) -> np.ndarray:
        return self._kernel.X

    @property
    def Y(self) -> np.ndarray:
        return self._kernel.Y.reshape(1, -1)

    @property
    def learning_rate(self) -> float:
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        value = float(value)  # any positive rate: no clamping (raw data may need 1e-7)
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"learning rate must be a positive number, got {value!r}")
        self._learning_rate = value
        self.history.set_last_rate(value)
        self._version += 1

    @property
    def num_iterations(self) -> int:
        """The iteration budget; the run is finished when it is reached."""
        return self._num_iterations

    @num_iterations.setter
    def num_iterations(self, value: int) -> None:
        value = int(value)
        if value < 0:
            raise ValueError(f"iteration budget must be >= 0, got {value}")
        self._num_iterations = value

    @property
    def tolerance(self) -> float:
        """Converged means ‖(dw, db)‖ ≤ tolerance."""
        return self._tolerance

    @property
    def guaranteed_rate(self) -> float:
        """8/λmax(X̃X̃ᵀ/m): every rate below it is guaranteed to decrease J.

        Sufficient, not necessary: larger rates often converge too (see
        :attr:`local_rate_limit`).  Computed once.
        """
        if self._stable_rate is None:
            self._stable_rate = stable_learning_rate(self.X)
        return self._stable_rate

    @property
    def stable_learning_rate(self) -> float:
        """The same as :attr:`guaranteed_rate` (the name the GUI and exporter use)."""
        return self.guaranteed_rate

    @property
    def local_rate_limit(self) -> float:
        """2/λmax(H) with H the Hessian at the current (w, b); inf where H = 0.

        Below it gradient descent contracts near the current state.  O(n_x²·m),
        computed on demand and cached until the state changes.
        """
        cache = self._local_cache
        if cache is None or cache[0] != self._version:
            cache = (self._version, local_rate_limit(self.X, self._w, self._b))
            self._local_cache = cache
        return cache[1]

    # -- state ---------------------------------------------------------------
    @property
    def iteration(self) -> int:
        """Number of updates applied so far."""
        return self._iteration

    @property
    def w(self) -> np.ndarray:
        return self._w.reshape(-1, 1).copy()

    @property
    def b(self) -> float:
        return self._b

    @property
    def cost(self) -> float:
        """J at the current (w, b)."""
        return self._cost

    @property
    def dw(self) -> np.ndarray:
        return self._dw.reshape(-1, 1).copy()

    @property
    def db(self) -> float:
        return self._db

    @property
    def gradient_norm(self) -> float:
        """‖(dw, db)‖ at the current state."""
        return math.hypot(*self._dw.tolist(), self._db)  # no overflow for huge gradients

    @property
    def converged_at(self) -> int | None:
        """The first iteration at which ‖(dw, db)‖ ≤ tolerance, or None.

        Checked at every iteration (the start included).  On separable data
        the gradient also shrinks below any tolerance, so this may be set
        while :attr:`status` is "descending".
        """
        return self._converged_at

    @property
    def separable(self) -> bool:
        """True once a state of this run classified 100% of the samples correctly.

        Then the (0/1-labelled) data are linearly separable and J has no
        minimum: scaling that (w, b) up lowers J towards 0 forever.  Checked at
        every iteration, for free: the kernel's perceptron loss is exactly 0
        only when no sample is on the wrong side.  Always False for labels
        other than 0/1.
        """
        return self._separable_at is not None

    @property
    def separable_at(self) -> int | None:
        """The first iteration with 100% training accuracy, or None."""
        return self._separable_at

    @property
    def peak(self) -> tuple[float, int]:
        """The highest cost of the run so far and its iteration."""
        return self._peak_cost, self._peak_iteration

    @property
    def status(self) -> str:
        """One of :data:`STATUSES` (see the class docstring)."""
        return self._verdict()[0]

    @property
    def status_text(self) -> str:
        """The status in one line of words, for a status bar."""
        return self._verdict()[1]

    @property
    def divergence_reason(self) -> str | None:
        """Why the run diverged (not None exactly when :attr:`diverged`)."""
        return self._verdict()[2]

    @property
    def diverged(self) -> bool:
        return self.status == "diverged"

    @property
    def nonfinite_reason(self) -> str | None:
        """Why training stopped on a non-finite value (None while it can go on)."""
        return self._nonfinite_reason

    @property
    def finished(self) -> bool:
        """A non-finite value was met, or the budget is reached."""
        return self._nonfinite_reason is not None or self._iteration >= self._num_iterations

    @property
    def start(self) -> tuple[np.ndarray, float]:
        return self._w0.reshape(-1, 1).copy(), self._b0

    def accuracy(self) -> float:
        """Fraction of training examples classified correctly at (w, b)."""
        z = self._w @ self._kernel.X + self._b
        return float(np.mean((z > 0.0) == (self._kernel.Y > 0.5)))

    # -- running ---------------------------------------------------------------
    def reset(self, w: Sequence[float] | np.ndarray | None = None, b: float | None = None) -> None:
        """Back to a start point (the previous one when not given); history cleared."""
        if w is not None or not hasattr(self, "_w0"):
            w0 = np.zeros(self.n_x) if w is None else np.array(w, dtype=float).ravel()
            if w0.shape != (self.n_x,):
                raise ValueError(f"w must have {self.n_x} entries, got {w0.size}")
            if not np.all(np.isfinite(w0)):
                raise ValueError("w must be finite")
            self._w0 = w0
        if b is not None or not hasattr(self, "_b0"):
            b0 = 0.0 if b is None else float(b)
            if not math.isfinite(b0):
                raise ValueError("b must be finite")
            self._b0 = b0
        self.history.clear()
        self._nonfinite_reason: str | None = None
        self._converged_at: int | None = None
        self._separable_at: int | None = None
        self._set_state(0, self._w0.copy(), self._b0)
        self._start_cost = self._cost
        self._peak_cost, self._peak_iteration = self._cost, 0
        if not self._state_finite():
            self._nonfinite_reason = "the cost at the start point is not finite"
        self._window.clear()
        self._window.push(self._cost)
        self._window_rate = self._learning_rate
        self._record()

    def _set_state(self, iteration: int, w: np.ndarray, b: float) -> None:
        self._iteration = iteration
        self._w = w
        self._b = b
        with np.errstate(over="ignore", invalid="ignore"):
            self._dw, self._db, self._cost = self._kernel(w, b)
        self._version += 1
        if self._converged_at is None and self._state_finite():
            if self.gradient_norm <= self._tolerance:
                self._converged_at = iteration
        if self._separable_at is None and self._kernel.perceptron_loss == 0.0:
            if self._all_correct(w, b):
                self._separable_at = iteration

    def _all_correct(self, w: np.ndarray, b: float) -> bool:
        """Every sample on its side (z > 0 exactly for y = 1), as :meth:`accuracy` counts."""
        with np.errstate(over="ignore", invalid="ignore"):  # z = ±inf is still a side
            z = w @ self._kernel.X + b
        return bool(np.all((z > 0.0) == (self._kernel.Y > 0.5)))

    def _state_finite(self) -> bool:
        return bool(
            math.isfinite(self._cost)
            and math.isfinite(self._b)
            and math.isfinite(self._db)
            and np.all(np.isfinite(self._w))
            and np.all(np.isfinite(self._dw))
        )

    def _record(self) -> None:
        self.history.append(
            self._iteration, self._cost, self._w, self._b, self._dw, self._db, self._learning_rate
        )

    def run(self, k: int = 1) -> int:
        """Apply up to k updates (fewer when the budget is reached or a value
        becomes non-finite); return how many were applied."""
        done = 0
        kernel = self._kernel
        win = self._window
        buf, size = win.buf, win.size
        tol = self._tolerance
        try:
            while done < k and self._nonfinite_reason is None:
                if self._iteration >= self._num_iterations:
                    break
                lr = self._learning_rate
                self.history.set_last_rate(lr)
                if lr != self._window_rate:  # a new rate: judge its dynamics afresh
                    win.clear()
                    win.push(self._cost)
                    self._window_rate = lr
                with np.errstate(over="ignore", invalid="ignore"):
                    w = self._w - lr * self._dw  # w = w - α dw
                    b = self._b - lr * self._db  # b = b - α db
                    dw, db, cost = kernel(w, b)
                if not (
                    math.isfinite(cost)
                    and math.isfinite(b)
                    and math.isfinite(db)
                    and np.all(np.isfinite(w))
                    and np.all(np.isfinite(dw))
                ):
                    self._nonfinite_reason = (
                        f"the cost became non-finite at iteration {self._iteration + 1:,} "
                        f"(learning rate {lr:g}); kept the last finite state"
                    )
                    break
                it = self._iteration + 1
                self._iteration = it
                self._w, self._b, self._dw, self._db, self._cost = w, b, dw, db, cost
                self._record()
                done += 1
                # the verdict's bookkeeping: O(1) per iteration
                buf[win.pos] = cost
                win.pos = (win.pos + 1) % size
                win.count += 1
                if cost > self._peak_cost:
                    self._peak_cost, self._peak_iteration = cost, it
                if self._converged_at is None and math.hypot(*dw.tolist(), db) <= tol:
                    self._converged_at = it
                if (
                    self._separable_at is None
                    and kernel.perceptron_loss == 0.0
                    and self._all_correct(w, b)
                ):
                    self._separable_at = it
        finally:
            self._version += 1
        return done

    def rewind(self, index: int) -> HistoryView:
        """Continue from history entry ``index``: the later entries are removed
        and returned (the abandoned branch, starting at ``index``).

        The verdict is recomputed from what remains: a non-finite divergence is
        cleared, ``converged_at``, ``separable`` and the peak cost keep only what
        happened up to ``index``, and the cost window is refilled from the
        history (when it is not thinned; otherwise it restarts at ``index``).
        """
        n = len(self.history)
        if index < 0:
            index += n
        branch = self.history.view(index)
        self.history.truncate(index)
        it, _, w, b, _, _, _ = self.history.entry(index)
        self._nonfinite_reason = None
        if self._converged_at is not None and self._converged_at > it:
            self._converged_at = None  # the first one was later: none up to it
        if self._separable_at is not None and self._separable_at > it:
            self._separable_at = None
        self._set_state(it, w, b)
        if self._peak_iteration > it:
            kept = self.history.view()
            top = int(np.argmax(kept.costs))
            self._peak_cost = float(kept.costs[top])
            self._peak_iteration = int(kept.iterations[top])
        self._window.clear()
        recent = self.history.view(max(0, index - self._window.size + 1))
        k = len(recent) - 1
        if recent.stride == 1 and k > 0:
            # the trailing stretch run at one rate (rates[i] is the rate of update i)
            rates = recent.learning_rates
            rate = rates[k - 1]
            j = k
            while j > 0 and rates[j - 1] == rate:
                j -= 1
            self._window.extend(recent.costs[j:])
            self._window_rate = float(rate)
        else:
            self._window.push(self._cost)
            self._window_rate = self._learning_rate
        return branch

    def view(self) -> HistoryView:
        return self.history.view()

    def close(self) -> None:
        """End the kernel's helper thread and wait for it (idempotent).

        The trainer stays usable: later iterations run on the calling thread
        only, with identical results.
        """
        self._kernel.close()

    # -- the verdict -------------------------------------------------------------------
    def trend(self) -> CostTrend:
        """What the recent costs do (see :func:`cost_trend`)."""
        return cost_trend(self._window.values(), grow_span=self._window.size)

    def _verdict(self) -> tuple[str, str, str | None]:
        """(status, status_text, divergence_reason), cached until the state changes."""
        cache = self._verdict_cache
        if cache is not None and cache[0] == self._version:
            return cache[1], cache[2], cache[3]
        status, text, reason = self._judge()
        self._verdict_cache = (self._version, status, text, reason)
        return status, text, reason

    def _judge(self) -> tuple[str, str, str | None]:
        return judge(
            Facts(
                nonfinite_reason=self._nonfinite_reason,
                cost=self._cost,
                separable=self._separable_at is not None,
                gradient_norm=self.gradient_norm,
                tolerance=self._tolerance,
                converged_at=self._converged_at,
                iteration=self._iteration,
                trend=self.trend(),
                peak=self._peak_cost,
                peak_iteration=self._peak_iteration,
                start_cost=self._start_cost,
                learning_rate=self._window_rate,
            )
        )
