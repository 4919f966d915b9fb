"""The trainer that the app, the exporter and the benchmark share."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .history import History, HistoryView
from .logistic import GradientKernel, stable_learning_rate

__all__ = ["Trainer"]


class Trainer:
    """Batch gradient descent on logistic regression, k iterations at a time.

    The trainer holds the data and the parameters, runs :meth:`run` k updates
    at a time with the *current* learning rate (which, like the iteration
    budget, may change between any two iterations) and records every
    iteration in a bounded :class:`History`.  Each forward pass serves twice:
    its cost and gradients are recorded for the state it was computed at and
    then used for the update from that state, so there is exactly one pass
    over the data per iteration.

    Divergence is detected and reported instead of producing NaN: a
    non-finite cost, parameter or gradient (the update is undone), a cost that
    rises for ``rise_patience`` consecutive iterations, or one that stays above
    the starting cost for ``rise_patience`` consecutive iterations.
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
        rise_patience: int = 25,
    ) -> None:
        self._kernel = GradientKernel(X, Y)
        self.n_x, self.m = self._kernel.n_x, self._kernel.m
        self.history = History(self.n_x, history_capacity)
        self.rise_patience = int(rise_patience)
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
        value = float(value)
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"learning rate must be a positive number, got {value!r}")
        self._learning_rate = value
        self.history.set_last_rate(value)

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
    def stable_learning_rate(self) -> float:
        """8/λmax(X̃X̃ᵀ/m): rates below it cannot diverge on this data."""
        if self._stable_rate is None:
            self._stable_rate = stable_learning_rate(self.X)
        return self._stable_rate

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
    def diverged(self) -> bool:
        return self.divergence_reason is not None

    @property
    def finished(self) -> bool:
        return self.diverged or self._iteration >= self._num_iterations

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
        self.divergence_reason: str | None = None
        self._set_state(0, self._w0.copy(), self._b0)
        self._start_cost = self._cost
        if not self._state_finite():
            self.divergence_reason = "the cost at the start point is not finite"
        self._record()

    def _set_state(self, iteration: int, w: np.ndarray, b: float) -> None:
        self._iteration = iteration
        self._w = w
        self._b = b
        with np.errstate(over="ignore", invalid="ignore"):
            self._dw, self._db, self._cost = self._kernel(w, b)
        self._rises = 0
        self._above = 0

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
        """Apply up to k updates (fewer when the budget is reached or the run
        diverges); return how many were applied."""
        done = 0
        kernel = self._kernel
        while done < k and not self.finished:
            lr = self._learning_rate
            self.history.set_last_rate(lr)
            prev_cost = self._cost
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
                self.divergence_reason = (
                    f"the cost became non-finite at iteration {self._iteration + 1} "
                    f"(learning rate {lr:g}); kept the last finite state"
                )
                break
            self._iteration += 1
            self._w, self._b, self._dw, self._db, self._cost = w, b, dw, db, cost
            self._record()
            done += 1
            self._rises = self._rises + 1 if cost > prev_cost else 0
            self._above = self._above + 1 if cost > self._start_cost else 0
            if self._rises >= self.rise_patience:
                self.divergence_reason = (
                    f"the cost rose for {self._rises} iterations in a row (learning rate {lr:g})"
                )
            elif self._above >= self.rise_patience:
                self.divergence_reason = (
                    f"the cost stayed above its starting value for {self._above} "
                    f"iterations (learning rate {lr:g})"
                )
        return done

    def rewind(self, index: int) -> HistoryView:
        """Continue from history entry ``index``: the later entries are removed
        and returned (the abandoned branch, starting at ``index``)."""
        n = len(self.history)
        if index < 0:
            index += n
        branch = self.history.view(index)
        self.history.truncate(index)
        it, _, w, b, _, _, _ = self.history.entry(index)
        self.divergence_reason = None
        self._set_state(it, w, b)
        return branch

    def view(self) -> HistoryView:
        return self.history.view()
