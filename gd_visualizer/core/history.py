"""The recorded history of a gradient-descent run, bounded in memory."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CostTrend", "CostWindow", "History", "HistoryView", "cost_trend"]


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

    With ``extra`` > 0 each entry also holds a vector of that many floats that
    the owner defines (the trainer keeps the mini-batch gradient and the
    optimizer's state there): written by :meth:`set_last_extra`, thinned and
    truncated with the entries, read by :meth:`extra` and :meth:`extra_view`,
    and not part of :class:`HistoryView`.
    """

    def __init__(self, n_x: int, capacity: int = 100_000, extra: int = 0) -> None:
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
        self._extra = np.zeros((capacity + 1, extra)) if extra > 0 else None
        self._count = 0
        self._tail_extra = False  # is the last entry off the stride grid?
        self.stride = 1

    def __len__(self) -> int:
        return self._count

    def _arrays(self) -> tuple[np.ndarray, ...]:
        arrays = (
            self._iterations,
            self._costs,
            self._weights,
            self._biases,
            self._dws,
            self._dbs,
            self._rates,
        )
        return arrays if self._extra is None else (*arrays, self._extra)

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
        self._weights[i] = np.asarray(w).ravel()  # (the method: a third of np.ravel's cost)
        self._biases[i] = b
        self._dws[i] = np.asarray(dw).ravel()
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

    def set_last_extra(self, values: np.ndarray) -> None:
        """Set the extra vector of the last entry (see the class docstring)."""
        if self._count:
            self._extra_array()[self._count - 1] = values

    def extra(self, index: int) -> np.ndarray:
        """A copy of entry ``index``'s extra vector."""
        extra = self._extra_array()
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(f"history index {index} out of range 0..{self._count - 1}")
        return extra[index].copy()

    def extra_view(self, start: int = 0) -> np.ndarray:
        """A copy of the extra vectors of entries ``start`` … end, shape (k, extra)."""
        return self._extra_array()[start : self._count].copy()

    def _extra_array(self) -> np.ndarray:
        if self._extra is None:
            raise ValueError("this history keeps no extra values (extra=0)")
        return self._extra

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


# -- the recent costs, for the trainer's verdict ------------------------------------------

#: relative size of a cost change that counts as a rise or a fall: the rounding of J
#: (a sum over m samples) is far below it, and a run whose cost changes by less per
#: iteration has no visible dynamics left to judge
COST_NOISE = 1e-12


@dataclass(frozen=True)
class CostTrend:
    """What the recent costs do (see :func:`cost_trend`)."""

    kind: str  # "descending", "oscillating" or "growing"
    low: float  # the smallest and largest cost of the stretch judged
    high: float
    span: int  # how many iterations that stretch covers
    first: float = float("nan")  # its first and last cost
    last: float = float("nan")
    rises: float = 0.0  # the sums of its rises and of its falls (beyond rounding noise)
    falls: float = 0.0


def cost_trend(costs: np.ndarray, grow_span: int = 512) -> CostTrend:
    """Judge a run of consecutive costs (oldest first, one per iteration).

    * ``"growing"``: at least ``grow_span`` costs, whose four quarters have
      strictly increasing minima, the last one above the whole first quarter:
      the lower envelope itself rises, and by more than the fluctuation.
      Bounded oscillation (flat envelope) and recovery from an overshoot
      (falling envelope) are never "growing".
    * ``"descending"``: over the recent half of the costs (all of them when
      fewer than 8), the falls add up to more than three times the rises, so
      the net progress is more than twice all the ground lost.  A monotone
      descent, however slow, is descending; so is an oscillation that has
      settled into descent.
    * ``"oscillating"``: otherwise: the cost rises and falls (or only rises)
      without net progress to show for it.

    Changes smaller than :data:`COST_NOISE` relative to J are ignored.
    """
    c = np.asarray(costs, dtype=np.float64).ravel()
    n = len(c)
    if n == 0:
        return CostTrend("descending", np.nan, np.nan, 0)
    if n >= 2 and n >= grow_span:
        q = np.array_split(c, 4)
        mins = np.array([x.min() for x in q])
        noise = COST_NOISE * abs(mins[-1])
        if np.all(np.diff(mins) > noise) and mins[-1] > q[0].max():
            return CostTrend(
                "growing", float(c.min()), float(c.max()), n - 1, float(c[0]), float(c[-1])
            )
    recent = c if n < 8 else c[n // 2 :]
    d = np.diff(recent)
    tol = COST_NOISE * np.maximum(np.abs(recent[:-1]), np.abs(recent[1:]))
    rises = float(d[d > tol].sum())
    falls = 0.0 - float(d[d < -tol].sum())
    kind = "descending" if rises == 0.0 or falls > 3.0 * rises else "oscillating"
    return CostTrend(
        kind,
        float(recent.min()),
        float(recent.max()),
        len(recent) - 1,
        float(recent[0]),
        float(recent[-1]),
        rises,
        falls,
    )


class CostWindow:
    """The last ``size`` costs of a run, in a ring buffer (independent of thinning).

    The trainer writes :attr:`buf`, :attr:`pos` and :attr:`count` directly in its
    loop (O(1) per iteration); :meth:`values` returns them oldest first.
    """

    def __init__(self, size: int = 512) -> None:
        if size < 8:
            raise ValueError("the cost window needs at least 8 entries")
        self.size = int(size)
        self.buf = np.empty(self.size)
        self.pos = 0  # where the next cost goes
        self.count = 0  # costs pushed since the last clear (may exceed size)

    def __len__(self) -> int:
        return min(self.count, self.size)

    def clear(self) -> None:
        self.pos = 0
        self.count = 0

    def push(self, cost: float) -> None:
        self.buf[self.pos] = cost
        self.pos = (self.pos + 1) % self.size
        self.count += 1

    def extend(self, costs: np.ndarray) -> None:
        for c in np.asarray(costs, dtype=np.float64).ravel()[-self.size :]:
            self.push(float(c))

    def values(self) -> np.ndarray:
        """The stored costs, oldest first (a copy)."""
        if self.count < self.size:
            return self.buf[: self.count].copy()
        return np.concatenate([self.buf[self.pos :], self.buf[: self.pos]])
