"""The trainer that the app, the exporter and the benchmark share."""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence

import numpy as np

from .history import CostTrend, CostWindow, History, HistoryView, cost_trend
from .logistic import (
    GradientKernel,
    check_lambd,
    check_loss,
    l2_regularization,
    local_rate_limit,
    loss_gradients,
    stable_learning_rate,
)
from .multiclass import SoftmaxModel
from .optimizers import Optimizer, make_optimizer
from .verdict import Facts, judge

__all__ = ["STATUSES", "Trainer"]

#: the verdicts of :attr:`Trainer.status`
STATUSES = ("converged", "descending", "oscillating", "diverged")

#: |z| beyond which σ is saturated: a(1 - a) < 1e-6, so the L2 and L1 losses have no slope
SATURATED_Z = 14.0


class Trainer:
    """Gradient descent on logistic regression, k iterations at a time.

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

    **Other losses, regularization, optimizers, mini-batches.**  ``loss`` (one of
    :data:`~gd_visualizer.core.logistic.LOSSES`), ``lambd`` (the course's L2
    regularization, J += (λ/2m)‖w‖²), ``optimizer`` (one of
    :data:`~gd_visualizer.core.optimizers.OPTIMIZERS`, with ``beta1``, ``beta2``,
    ``epsilon``) and ``batch_size`` are fixed for the trainer's life.  With the
    defaults (cross-entropy, λ = 0, "gd", all m samples) the trainer is the
    fused batch gradient descent described above.  Otherwise:

    * every recorded state still carries the cost and gradient of the *full*
      data (with the regularization), so runs stay comparable, and the verdict
      ("converged": full ‖(dw, db)‖ ≤ tolerance; "diverged": non-finite or a
      rising lower envelope of the full cost) keeps its meaning;
    * an update uses the gradient of one mini-batch: update ``i`` (from the
      state of iteration i) uses the samples :meth:`batch_indices` ``(i)``.
      Each epoch (⌈m/batch_size⌉ updates) visits the samples in a fresh order,
      drawn by ``numpy.random.default_rng([seed, epoch])``, in consecutive
      batches; the last batch of an epoch is the smaller remainder (as in the
      course's ``random_mini_batches``).  A batch size ≥ m (or None) is the
      full batch, in the original sample order.  The regularization gradient
      of a batch uses the full m, (λ/m)·w, so that a batch gradient estimates
      the full one;
    * the gradient of that batch at each recorded state (the one used for the
      update from it) is kept beside the history: :meth:`batch_gradients`;
    * the optimizer's state (v, s, t) is kept beside the history too, so that
      :meth:`rewind` continues exactly as the run went;
    * :attr:`guaranteed_rate` and :attr:`local_rate_limit` are derived for
      full-batch gradient descent on the cross-entropy: for another loss,
      optimizer or a mini-batch they are nan (no claim);
    * :attr:`separable` is only reported when λ = 0: with λ > 0 the optimum is
      finite whatever the data.

    **Three classes or more.**  With ``classes`` K > 2, Y holds class indices 0 … K-1
    and the trainer runs softmax regression (cross-entropy only; λ regularizes W) on
    θ = (W row by row, b), K·(n_x + 1) entries (see
    :func:`~gd_visualizer.core.multiclass.pack_theta`).  Its history stores θ as the
    two-class model's (w, b): ``w`` = θ[:-1] and ``b`` = θ[-1], so the optimizers,
    mini-batches, rewinds and verdicts are the same code; :attr:`n_x` is then
    K·(n_x + 1) - 1 (the length of that ``w``) and :attr:`n_features` the data's n_x.
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
        loss: str = "cross_entropy",
        lambd: float = 0.0,
        optimizer: str = "gd",
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        batch_size: int | None = None,
        seed: int = 0,
        classes: int = 2,
    ) -> None:
        tolerance = float(tolerance)
        if not (math.isfinite(tolerance) and tolerance >= 0):
            raise ValueError(f"tolerance must be a finite number >= 0, got {tolerance!r}")
        self._loss = check_loss(loss)
        self._lambd = check_lambd(lambd)
        batch_size = _check_batch_size(batch_size)
        self._seed = _check_seed(seed)
        self._kernel = GradientKernel(X, Y)
        self.n_features, self.m = self._kernel.n_x, self._kernel.m
        self._softmax = self._softmax_model(classes)
        self.n_x = self.n_features if self._softmax is None else self._softmax.size - 1
        self._optimizer: Optimizer = make_optimizer(optimizer, self.n_x, beta1, beta2, epsilon)
        self._batch_size = self.m if batch_size is None else min(batch_size, self.m)
        # the general path (see the docstring), or the original fused batch gradient descent
        self._general = (
            self._loss != "cross_entropy"
            or self._lambd != 0.0
            or self._optimizer.name != "gd"
            or self._batch_size < self.m
            or self._softmax is not None
        )
        self._binary = bool(np.all((self._kernel.Y == 0.0) | (self._kernel.Y == 1.0)))
        self._epoch_order: tuple[int, np.ndarray] | None = None  # (epoch, its sample order)
        # beside each entry: the batch gradient (dw, db), then the optimizer's state
        extra = self.n_x + 1 + Optimizer.state_size(self.n_x) if self._general else 0
        self.history = History(self.n_x, history_capacity, extra=extra)
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

    def _softmax_model(self, classes: int) -> SoftmaxModel | None:
        """Softmax regression's view of the data for K > 2 classes (None for two)."""
        try:
            K = operator.index(classes)
        except TypeError:
            raise ValueError(f"classes must be an integer >= 2, got {classes!r}") from None
        if K < 2:
            raise ValueError(f"classes must be an integer >= 2, got {classes!r}")
        if K == 2:
            return None
        if self._loss != "cross_entropy":
            raise ValueError(f"softmax regression uses the cross-entropy, not {self._loss!r}")
        return SoftmaxModel(self._kernel.X, self._kernel.Y, K)  # (checks the labels)

    # -- data and settings -------------------------------------------------------
    @property
    def classes(self) -> int:
        """K: 2 for logistic regression, more for softmax regression."""
        return 2 if self._softmax is None else self._softmax.K

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
    def loss(self) -> str:
        return self._loss

    @property
    def lambd(self) -> float:
        """λ of the L2 regularization J += (λ/2m)‖w‖²."""
        return self._lambd

    @property
    def optimizer(self) -> str:
        """The optimizer's name (one of ``OPTIMIZERS``)."""
        return self._optimizer.name

    @property
    def beta1(self) -> float:
        return self._optimizer.beta1

    @property
    def beta2(self) -> float:
        return self._optimizer.beta2

    @property
    def epsilon(self) -> float:
        return self._optimizer.epsilon

    @property
    def batch_size(self) -> int:
        """Samples per update: m for batch gradient descent."""
        return self._batch_size

    @property
    def seed(self) -> int:
        """Seeds the order of the samples in each epoch of mini-batches."""
        return self._seed

    @property
    def _rates_apply(self) -> bool:
        """Are the stability bounds meaningful: full-batch GD on the cross-entropy?"""
        return (
            self._loss == "cross_entropy"
            and self._optimizer.name == "gd"
            and self._batch_size == self.m
            and self._softmax is None
        )

    @property
    def guaranteed_rate(self) -> float:
        """8/λmax(X̃X̃ᵀ/m): every rate below it is guaranteed to decrease J.

        Sufficient, not necessary: larger rates often converge too (see
        :attr:`local_rate_limit`).  Computed once.  With λ > 0 it is 2/L with
        L = λmax/4 + λ/m.  nan (no guarantee claimed) for another loss, another
        optimizer or mini-batches.
        """
        if self._stable_rate is None:
            rate = stable_learning_rate(self.X, self._lambd) if self._rates_apply else math.nan
            self._stable_rate = rate
        return self._stable_rate

    @property
    def stable_learning_rate(self) -> float:
        """The same as :attr:`guaranteed_rate` (the name the GUI and exporter use)."""
        return self.guaranteed_rate

    @property
    def local_rate_limit(self) -> float:
        """2/λmax(H) with H the Hessian at the current (w, b); inf where H = 0.

        Below it gradient descent contracts near the current state.  O(n_x²·m),
        computed on demand and cached until the state changes.  nan where
        :attr:`guaranteed_rate` is.
        """
        if not self._rates_apply:
            return math.nan
        cache = self._local_cache
        if cache is None or cache[0] != self._version:
            limit = local_rate_limit(self.X, self._w, self._b, self._lambd)
            cache = (self._version, limit)
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
    def batch_dw(self) -> np.ndarray:
        """The mini-batch dw the next update uses (= :attr:`dw` for the full batch)."""
        return (self._bdw if self._general else self._dw).reshape(-1, 1).copy()

    @property
    def batch_db(self) -> float:
        """The mini-batch db the next update uses (= :attr:`db` for the full batch)."""
        return self._bdb if self._general else self._db

    def batch_gradients(self, start: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """``(batch_dws (k, n_x), batch_dbs (k,))``, aligned with :meth:`view` ``(start)``.

        Entry i: the gradient of the mini-batch used for the update from entry i
        (for the newest entry, the one the next update will use), with the
        regularization.  For the full batch they equal ``dws`` and ``dbs``.
        """
        if not self._general:
            v = self.history.view(start)
            return v.dws, v.dbs
        extra = self.history.extra_view(start)
        return extra[:, : self.n_x].copy(), extra[:, self.n_x].copy()

    def batch_indices(self, iteration: int) -> np.ndarray:
        """The samples (column indices of X) of the batch used by update ``iteration``.

        Update i belongs to epoch i // n_b (n_b = ⌈m/batch_size⌉ batches per
        epoch) and takes batch i % n_b of that epoch's order; the last batch of
        an epoch holds the remaining m - (n_b - 1)·batch_size samples.
        """
        m, size = self.m, self._batch_size
        if size >= m:
            return np.arange(m)
        n_b = -(-m // size)  # ⌈m / batch_size⌉
        epoch, j = divmod(int(iteration), n_b)
        if self._epoch_order is None or self._epoch_order[0] != epoch:
            order = np.random.default_rng([self._seed, epoch]).permutation(m)
            self._epoch_order = (epoch, order)
        return self._epoch_order[1][j * size : (j + 1) * size]

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

        The same holds for the L2 and L1 losses (along a separating direction
        every sample's |a - y| falls strictly towards 0), but not with L2
        regularization: with λ > 0, J grows as ‖w‖² far out, so it has a finite
        minimum and this stays False.
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
        if self._softmax is not None:
            return self._softmax.accuracy(np.append(self._w, self._b))
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
        self._optimizer.reset()
        self._set_state(0, self._w0.copy(), self._b0)
        self._start_cost = self._cost
        self._peak_cost, self._peak_iteration = self._cost, 0
        if not self._state_finite():
            self._nonfinite_reason = "the cost at the start point is not finite"
        self._window.clear()
        self._window.push(self._cost)
        self._window_rate = self._learning_rate
        if self._general:
            self._record_general()
        else:
            self._record()

    def _set_state(self, iteration: int, w: np.ndarray, b: float) -> None:
        self._iteration = iteration
        self._w = w
        self._b = b
        with np.errstate(over="ignore", invalid="ignore"):
            self._dw, self._db, self._cost, maybe_separated = self._full_pass(w, b)
            if self._general:
                self._bdw, self._bdb = self._batch_pass(iteration, w, b, self._dw, self._db)
        self._version += 1
        if self._converged_at is None and self._state_finite():
            if self.gradient_norm <= self._tolerance:
                self._converged_at = iteration
        if self._separable_at is None and maybe_separated:
            if self._all_correct(w, b):
                self._separable_at = iteration

    def _full_pass(self, w: np.ndarray, b: float) -> tuple[np.ndarray, float, float, bool]:
        """``(dw, db, J, maybe_separated)`` over all m samples, with the regularization.

        ``maybe_separated`` is False when some sample is surely misclassified (or
        separability does not apply, λ > 0); when True, :meth:`_all_correct` decides.
        """
        if self._softmax is not None:
            dtheta, cost, right = self._softmax.gradients(np.append(w, b), self._lambd)
            return dtheta[:-1], float(dtheta[-1]), cost, right and not self._lambd
        if self._loss == "cross_entropy":  # the fused kernel (its perceptron loss for free)
            dw, db, cost = self._kernel(w, b)
            maybe_separated = self._kernel.perceptron_loss == 0.0
        else:
            X, Y = self._kernel.X, self._kernel.Y
            dw, db, cost, z = loss_gradients(w, b, X, Y, self._loss)
            maybe_separated = self._binary and bool(np.all((z > 0.0) == (Y > 0.5)))
        if self._lambd:
            dJ, ddw = l2_regularization(w, self._lambd, self.m)  # J += (λ/2m)‖w‖², dw += (λ/m)w
            cost, dw = cost + dJ, dw + ddw
            maybe_separated = False  # with λ > 0, J has a minimum
        return dw, db, cost, maybe_separated

    def _batch_pass(
        self, iteration: int, w: np.ndarray, b: float, dw: np.ndarray, db: float
    ) -> tuple[np.ndarray, float]:
        """The gradient of update ``iteration``'s mini-batch at (w, b).

        ``(dw, db)`` of the full data are returned as they are for the full batch.
        """
        if self._batch_size >= self.m:
            return dw, db
        idx = self.batch_indices(iteration)
        if self._softmax is not None:
            dtheta = self._softmax.gradients(np.append(w, b), self._lambd, idx)[0]
            return dtheta[:-1], float(dtheta[-1])
        Xb, Yb = self._kernel.X[:, idx], self._kernel.Y[idx]
        bdw, bdb, _, _ = loss_gradients(w, b, Xb, Yb, self._loss)
        if self._lambd:  # (λ/m)·w with the full m: the batch gradient estimates the full one
            bdw = bdw + l2_regularization(w, self._lambd, self.m)[1]
        return bdw, bdb

    def _all_correct(self, w: np.ndarray, b: float) -> bool:
        """Every sample on its side (z > 0 exactly for y = 1), as :meth:`accuracy` counts."""
        if self._softmax is not None:
            return self._softmax.accuracy(np.append(w, b)) == 1.0
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

    def _record_general(self) -> None:
        """Record the state, and beside it the batch gradient and the optimizer's state."""
        self._record()
        extra = np.concatenate([self._bdw, [self._bdb], self._optimizer.state()])
        self.history.set_last_extra(extra)

    def run(self, k: int = 1) -> int:
        """Apply up to k updates (fewer when the budget is reached or a value
        becomes non-finite); return how many were applied."""
        if self._general:
            return self._run_general(k)
        done = 0
        kernel = self._kernel
        win = self._window
        buf, size = win.buf, win.size
        tol = self._tolerance
        # (one errstate for the whole batch: entering it costs about as much as the
        # kernel itself at m = 10³)
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                while done < k and self._nonfinite_reason is None:
                    if self._iteration >= self._num_iterations:
                        break
                    lr = self._learning_rate
                    self.history.set_last_rate(lr)
                    if lr != self._window_rate:  # a new rate: judge its dynamics afresh
                        win.clear()
                        win.push(self._cost)
                        self._window_rate = lr
                    w = self._w - lr * self._dw  # w = w - α dw
                    b = self._b - lr * self._db  # b = b - α db
                    dw, db, cost = kernel(w, b)
                    if not (
                        math.isfinite(cost)
                        and math.isfinite(b)
                        and math.isfinite(db)
                        and _finite(w)
                        and _finite(dw)
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

    def _run_general(self, k: int) -> int:
        """:meth:`run` for another loss, regularization, optimizer or mini-batches.

        Per update: the optimizer's step from the current batch gradient, then a
        full pass (the recorded cost and gradient) and a batch pass (the next
        update's gradient) at the new state.
        """
        done = 0
        opt = self._optimizer
        try:
            while done < k and self._nonfinite_reason is None:
                if self._iteration >= self._num_iterations:
                    break
                lr = self._learning_rate
                self._begin_update(lr)
                before = opt.state()
                it = self._iteration + 1
                with np.errstate(over="ignore", invalid="ignore"):
                    delta_w, delta_b = opt.step(self._bdw, self._bdb, lr)
                    w = self._w - delta_w  # w := w - Δw (Δw = α·dw for "gd")
                    b = self._b - delta_b  # b := b - Δb
                    dw, db, cost, maybe_separated = self._full_pass(w, b)
                    bdw, bdb = self._batch_pass(it, w, b, dw, db)
                if not np.isfinite(np.concatenate((w, dw, bdw, (cost, b, db, bdb)))).all():
                    opt.set_state(before)  # the update is undone, the optimizer's too
                    self._nonfinite_reason = (
                        f"the cost became non-finite at iteration {it:,} "
                        f"(learning rate {lr:g}); kept the last finite state"
                    )
                    break
                self._iteration = it
                self._w, self._b, self._dw, self._db, self._cost = w, b, dw, db, cost
                self._bdw, self._bdb = bdw, bdb
                self._record_general()
                done += 1
                self._window.push(cost)
                self._note(it, maybe_separated)
        finally:
            self._version += 1
        return done

    def _begin_update(self, lr: float) -> None:
        """The rate of the coming update: recorded, and a fresh cost window when it changed."""
        self.history.set_last_rate(lr)
        if lr != self._window_rate:  # a new rate: judge its dynamics afresh
            self._window.clear()
            self._window.push(self._cost)
            self._window_rate = lr

    def _note(self, it: int, maybe_separated: bool) -> None:
        """The verdict's bookkeeping for the new state of iteration ``it``."""
        if self._cost > self._peak_cost:
            self._peak_cost, self._peak_iteration = self._cost, it
        if self._converged_at is None and self.gradient_norm <= self._tolerance:
            self._converged_at = it
        if self._separable_at is None and maybe_separated and self._all_correct(self._w, self._b):
            self._separable_at = it

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
        if self._general:  # the optimizer's state at that entry (its batch gradient is recomputed)
            self._optimizer.set_state(self.history.extra(index)[self.n_x + 1 :])
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
        status, text, reason = judge(
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
        if status == "converged" and self._loss != "cross_entropy":
            stuck = self._saturated_misclassified()
            if stuck:  # a vanishing gradient there is σ' ≈ 0, not a minimum
                text += (
                    f"; on a plateau: {stuck:,} of {self.m:,} samples are misclassified with "
                    f"σ saturated, where the {self._loss.upper()} loss has almost no slope, "
                    "so this need not be a minimum"
                )
        return status, text, reason

    def _saturated_misclassified(self) -> int:
        """How many samples are on the wrong side with |z| > SATURATED_Z (a(1 - a) < 1e-6)."""
        with np.errstate(over="ignore", invalid="ignore"):
            z = self._w @ self._kernel.X + self._b
        wrong = (z > 0.0) != (self._kernel.Y > 0.5)
        return int(np.count_nonzero(wrong & (np.abs(z) > SATURATED_Z)))


def _finite(v: np.ndarray) -> bool:
    """Every entry finite (for a few entries, in Python: a fifth of numpy's call cost)."""
    if v.size <= 16:
        return all(map(math.isfinite, v.tolist()))
    return bool(np.isfinite(v).all())


def _check_batch_size(batch_size: int | None) -> int | None:
    """None (all samples) or an integer >= 1, else ValueError."""
    if batch_size is None:
        return None
    message = f"batch_size must be None or an integer >= 1, got {batch_size!r}"
    try:
        size = operator.index(batch_size)
    except TypeError:
        raise ValueError(message) from None
    if isinstance(batch_size, bool) or size < 1:
        raise ValueError(message)
    return int(size)


def _check_seed(seed: int) -> int:
    """An integer >= 0 (numpy's seed sequences take no negative numbers), else ValueError."""
    try:
        value = operator.index(seed)
    except TypeError:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}") from None
    if isinstance(seed, bool) or value < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    return int(value)


def replay(trainer: Trainer, rates: Sequence[float]) -> None:
    """Update ``trainer`` once per rate, each with its rate, then restore its own rate and
    budget: a recorded run trained again (deterministic, so to the last bit)."""
    rate, budget = trainer.learning_rate, trainer.num_iterations
    trainer.num_iterations = max(budget, trainer.iteration + len(rates))
    for lr in rates:
        trainer.learning_rate = float(lr)
        if trainer.run(1) == 0:
            break  # stopped on a non-finite value, as the run did
    trainer.learning_rate = rate
    trainer.num_iterations = budget
