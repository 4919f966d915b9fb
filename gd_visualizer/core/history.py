"""The recorded history of a gradient-descent run, bounded in memory."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["History", "HistoryView"]


@dataclass(frozen=True)
class HistoryView:
    """An immutable copy of the recorded run.

    Entry i holds the state *before* update i: the iteration number, the cost
    J(w, b), the parameters, the gradients there, and the learning rate used
    for update i (for the last entry, the rate that the next update will use).
    So ``weights[i + 1] = weights[i] - learning_rates[i] * dws[i]`` wherever the
    history is not thinned (``stride == 1``).
    """

    iterations: np.ndarray  # (k,) int64
    costs: np.ndarray  # (k,)
    weights: np.ndarray  # (k, n_x)
    biases: np.ndarray  # (k,)
    dws: np.ndarray  # (k, n_x)
    dbs: np.ndarray  # (k,)
    learning_rates: np.ndarray  # (k,)
    stride: int = 1

    def __len__(self) -> int:
        return len(self.iterations)


class History:
    """A growing record of a run that keeps at most ``capacity`` entries.

    Every iteration is kept until ``capacity`` entries are stored; then every
    second entry is dropped and from then on only every ``stride``-th iteration
    is recorded (the stride doubles at each thinning), so the history always
    spans the whole run at uniform spacing.  The newest state is always the
    last entry, even when its iteration is not a multiple of the stride.
    """

    def __init__(self, n_x: int, capacity: int = 100_000) -> None:
        if capacity < 4 or capacity % 2:
            raise ValueError("capacity must be an even number >= 4")
        self.capacity = int(capacity)
        self.n_x = int(n_x)
        self._iterations = np.empty(capacity + 1, dtype=np.int64)
        self._costs = np.empty(capacity + 1)
        self._weights = np.empty((capacity + 1, n_x))
        self._biases = np.empty(capacity + 1)
        self._dws = np.empty((capacity + 1, n_x))
        self._dbs = np.empty(capacity + 1)
        self._rates = np.empty(capacity + 1)
        self._count = 0
        self._tail_extra = False  # is the last entry off the stride grid?
        self.stride = 1

    def __len__(self) -> int:
        return self._count

    def _arrays(self) -> tuple[np.ndarray, ...]:
        return (
            self._iterations,
            self._costs,
            self._weights,
            self._biases,
            self._dws,
            self._dbs,
            self._rates,
        )

    def clear(self) -> None:
        self._count = 0
        self._tail_extra = False
        self.stride = 1

    def append(
        self,
        iteration: int,
        cost: float,
        w: np.ndarray,
        b: float,
        dw: np.ndarray,
        db: float,
        learning_rate: float,
    ) -> None:
        if self._tail_extra:  # the previous newest state was off the grid
            self._count -= 1
            self._tail_extra = False
        if self._count >= self.capacity:
            self._thin()
        i = self._count
        self._iterations[i] = iteration
        self._costs[i] = cost
        self._weights[i] = np.ravel(w)
        self._biases[i] = b
        self._dws[i] = np.ravel(dw)
        self._dbs[i] = db
        self._rates[i] = learning_rate
        self._count += 1
        self._tail_extra = iteration % self.stride != 0

    def _thin(self) -> None:
        keep = slice(0, self._count, 2)
        n = len(range(*keep.indices(self._count)))
        for a in self._arrays():
            a[:n] = a[keep]
        self._count = n
        self.stride *= 2

    def set_last_rate(self, learning_rate: float) -> None:
        """Record the rate actually used for the update from the last entry."""
        if self._count:
            self._rates[self._count - 1] = learning_rate

    def truncate(self, index: int) -> None:
        """Keep entries 0 … index (to continue a run from an earlier state)."""
        if not 0 <= index < self._count:
            raise IndexError(f"history index {index} out of range 0..{self._count - 1}")
        self._count = index + 1
        self._tail_extra = int(self._iterations[index]) % self.stride != 0

    def entry(self, index: int) -> tuple[int, float, np.ndarray, float, np.ndarray, float, float]:
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(f"history index {index} out of range 0..{self._count - 1}")
        return (
            int(self._iterations[index]),
            float(self._costs[index]),
            self._weights[index].copy(),
            float(self._biases[index]),
            self._dws[index].copy(),
            float(self._dbs[index]),
            float(self._rates[index]),
        )

    def view(self, start: int = 0) -> HistoryView:
        """An immutable copy of entries ``start`` … end."""
        n = self._count
        return HistoryView(
            iterations=self._iterations[start:n].copy(),
            costs=self._costs[start:n].copy(),
            weights=self._weights[start:n].copy(),
            biases=self._biases[start:n].copy(),
            dws=self._dws[start:n].copy(),
            dbs=self._dbs[start:n].copy(),
            learning_rates=self._rates[start:n].copy(),
            stride=self.stride,
        )
