"""Logistic regression exactly as the course notes define it (numpy only).

Notation follows the notes: ``X`` has shape ``(n_x, m)`` with one example per
column, ``Y`` is ``(1, m)`` of 0/1 labels, ``w`` is ``(n_x, 1)`` and ``b`` a float.

Numerical stability: the cost is computed from ``z`` (never from a clipped
``A``) with the identities ``-log σ(z) = softplus(-z)`` and
``-log(1 - σ(z)) = softplus(z)``, and ``softplus(t) = max(t, 0) + log1p(exp(-|t|))``
never overflows.  One exponential per sample serves both σ and the cost.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from ..heap import made_for_life

__all__ = [
    "COMPILED_MIN",
    "LOSSES",
    "GradientKernel",
    "absolute_error_loss",
    "check_lambd",
    "check_loss",
    "compiled_kernels",
    "compiled_kernels_error",
    "cost_from_z",
    "cross_entropy_loss",
    "forward_backward",
    "hessian",
    "initialize_with_zeros",
    "l1",
    "l2",
    "l2_regularization",
    "local_rate_limit",
    "loss_gradients",
    "optimize",
    "predict",
    "propagate",
    "propagate_loop",
    "sigmoid",
    "softmax",
    "softplus",
    "squared_error_loss",
    "stable_learning_rate",
]


def sigmoid(z: Any) -> Any:
    """σ(z) = 1 / (1 + e^(-z)), elementwise and stable for any finite z.

    Only ``exp(-|z|)`` is evaluated, which lies in (0, 1] and cannot overflow.
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    out = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return out if out.ndim else float(out)


def softplus(t: Any) -> Any:
    """softplus(t) = log(1 + e^t), stable for any finite t."""
    t = np.asarray(t, dtype=float)
    out = np.maximum(t, 0.0) + np.log1p(np.exp(-np.abs(t)))
    return out if out.ndim else float(out)


def cost_from_z(Z: np.ndarray, Y: np.ndarray, axis: int | None = None) -> Any:
    """Cross-entropy cost J computed from the logits Z (the one cost function).

    J = -(1/m) Σ [Y log σ(Z) + (1 - Y) log(1 - σ(Z))]
      = (1/m) Σ [Y softplus(-Z) + (1 - Y) softplus(Z)]

    ``Z`` may carry leading grid dimensions (the cost surface passes a stack of
    logits); the mean is taken over ``axis`` (default: all elements).
    """
    loss = sample_losses(Z, Y, "cross_entropy")
    return float(np.mean(loss)) if axis is None else np.mean(loss, axis=axis)


def forward_backward(
    w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray
) -> tuple[np.ndarray, float, float, np.ndarray, np.ndarray]:
    """One forward and backward pass: ``(dw, db, cost, Z, A)``.

    Z = wᵀX + b;  A = σ(Z);  dZ = A - Y;  dw = (1/m) X dZᵀ;  db = (1/m) Σ dZ.
    The cost comes from the same Z (no second pass over X).
    """
    m = X.shape[1]
    Z = w.T @ X + b  # Z = wᵀX + b, shape (1, m)
    A = sigmoid(Z)
    cost = cost_from_z(Z, Y)
    dZ = A - Y  # dZ = A - Y
    dw = (X @ dZ.T) / m  # dw = (1/m) X dZᵀ
    db = float(np.sum(dZ)) / m  # db = (1/m) Σ dZ
    return dw, db, cost, Z, A


#: the compiled kernel is used from this many samples on (``backend=None``): below, an
#: iteration costs microseconds either way, and loading numba (about 0.5 s once per process
#: with its cache warm, 2.5 s the first time it compiles, on the slower 2-core EPYC) is not
#: worth it, nor worth delaying the app's start for (its first dataset has 100 samples)
COMPILED_MIN = 1000

_compiled_lock = threading.Lock()
_compiled: Any = None  # gd_visualizer.core.kernels once loaded; False if it cannot be
_compiled_error: str | None = None


def compiled_kernels() -> Any | None:
    """The numba kernels (:mod:`gd_visualizer.core.kernels`), or None without numba.

    The first call imports numba and compiles the kernel, or loads it from numba's
    cache (``cache=True``: ``__pycache__`` beside the module, else numba's per-user
    cache directory, or ``NUMBA_CACHE_DIR``); it blocks until then, once per process.
    Any failure (numba missing, or failing to compile here) gives None for the rest of
    the process, and :func:`compiled_kernels_error` says why.
    """
    global _compiled, _compiled_error
    with _compiled_lock:
        if _compiled is None:
            try:
                with made_for_life() as load:  # (numba: objects kept for good, see heap.py)
                    kernels = _load_kernels()
                    # read from numba's cache, it leaves little garbage: not worth a
                    # collection that holds every thread; compiled now, it leaves much
                    load.tidy = bool(kernels.fused_sums.stats.cache_misses)
                _compiled = kernels
            except Exception as exc:  # ImportError without numba; anything else: no compiler
                _compiled, _compiled_error = False, f"{type(exc).__name__}: {exc}"
        return _compiled or None


def _load_kernels() -> Any:
    """Import numba and the kernels, and compile (or load from the cache) both
    specializations the kernel uses: 0/1 labels as uint8, others as float64."""
    from . import kernels

    for y in (np.zeros(2, dtype=np.uint8), np.zeros(2)):
        kernels.fused_sums(
            np.zeros((1, 2)), y, np.zeros(1), 0.0, 0, 2, kernels.scratch(8), np.empty(4)
        )
    return kernels


def compiled_kernels_error() -> str | None:
    """Why :func:`compiled_kernels` gave None (None if it did not, or was not called)."""
    return _compiled_error


class GradientKernel:
    """The trainer's fused forward + backward pass over a fixed (X, Y).

    Computes the same ``(dw, db, cost)`` as :func:`propagate` (within 1e-12
    relative), in one of two ways, chosen at construction and kept
    (:attr:`backend`):

    - ``"numba"``: one pass over X (:func:`gd_visualizer.core.kernels.fused_sums`):
      each block of samples is read from memory once, and its logits, loss and
      gradient sums are computed from the cache.
    - ``"numpy"``: chunks of ``chunk`` samples with preallocated buffers and
      ``out=`` arguments; X is read twice per iteration (Z = wᵀX and
      dw = X dZᵀ) and nothing of size m is allocated.

    ``backend=None`` takes numba from :data:`COMPILED_MIN` samples on when
    :func:`compiled_kernels` has it (loading it then, once per process), numpy
    otherwise; ``"numba"`` raises RuntimeError when it is not available.
    From ``parallel_min`` samples on, the two halves of the data run on two
    threads (both backends release the GIL), always split and summed the
    same way, so results stay deterministic.

    The helper thread (named ``gd-kernel_0``) belongs to this kernel: it is
    started on the first parallel call and ended by :meth:`close` (or when the
    kernel is garbage-collected).  A closed kernel still works: it computes the
    two halves one after the other on the calling thread, with bit-identical
    results.

    For 0/1 labels each call also leaves the perceptron loss
    (1/m) Σ max(0, -(2y - 1)·z) in :attr:`perceptron_loss` (0.0 exactly when no
    sample lies strictly on the wrong side of the boundary; None for other
    labels), at no extra cost: it is the non-log part of the cross-entropy.
    """

    def __init__(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        chunk: int = 32768,
        parallel_min: int = 200_000,
        backend: str | None = None,
    ) -> None:
        self.X = np.ascontiguousarray(X, dtype=np.float64)
        self.Y = np.ascontiguousarray(np.ravel(Y), dtype=np.float64)
        self.n_x, self.m = self.X.shape
        if self.Y.shape != (self.m,):
            raise ValueError(f"Y has {self.Y.size} labels for {self.m} examples")
        self._binary = bool(np.all((self.Y == 0.0) | (self.Y == 1.0)))
        # s = 1 - 2y: relu(s z) is the non-log part of the loss for y in {0, 1}
        self._s = 1.0 - 2.0 * self.Y
        c = max(1, min(int(chunk), self.m))
        self.chunk = c
        self.parallel = self.m >= parallel_min
        parts = 2 if self.parallel else 1
        self._kernels = self._backend_kernels(backend)
        self.backend = "numpy" if self._kernels is None else "numba"
        if self._kernels is None:
            self._buffers = [
                (np.empty(c), np.empty(c), np.empty(c), np.empty(c, dtype=bool))
                for _ in range(parts)
            ]
        else:  # per part: the block scratch and the n_x + 3 sums, reused by every call
            self._buffers = [
                (self._kernels.scratch(), np.empty(self.n_x + 3)) for _ in range(parts)
            ]
            # 0/1 labels as bytes: at m = 10⁶ the pass reads 17 MB instead of 24
            self._y = self.Y.astype(np.uint8) if self._binary else self.Y
            # read-only arrays would be other types to numba, compiled on the first call
            self._x = self.X if self.X.flags.writeable else self.X.copy()
            self._y = self._y if self._y.flags.writeable else self._y.copy()
        self.perceptron_loss: float | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._closed = False
        self._finalizer: weakref.finalize | None = None

    def _backend_kernels(self, backend: str | None) -> Any | None:
        """The compiled kernels for ``backend``, or None for the numpy pass."""
        if backend not in (None, "numba", "numpy"):
            raise ValueError(f"backend must be None, 'numba' or 'numpy', got {backend!r}")
        if backend == "numpy" or (backend is None and self.m < COMPILED_MIN):
            return None
        kernels = compiled_kernels()
        if kernels is None and backend == "numba":
            raise RuntimeError(f"the numba kernel is not available ({compiled_kernels_error()})")
        return kernels

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """End the helper thread and wait for it (idempotent).

        The kernel stays usable: later calls run on the calling thread only.
        """
        with self._pool_lock:
            self._closed = True
            pool, self._pool = self._pool, None
            if self._finalizer is not None:
                self._finalizer.detach()
                self._finalizer = None
        if pool is not None:
            pool.shutdown(wait=True)  # joins the thread

    def _submit(self, *args: Any) -> Future | None:
        """Run ``_part(*args)`` on the helper thread; None once closed."""
        with self._pool_lock:
            if self._closed:
                return None
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gd-kernel")
                # the thread must not outlive the kernel: end it when the kernel is collected
                self._finalizer = weakref.finalize(self, self._pool.shutdown, wait=False)
            return self._pool.submit(self._part, *args)

    def __call__(self, w: np.ndarray, b: float) -> tuple[np.ndarray, float, float]:
        """Return ``(dw, db, cost)`` at (w, b); dw has shape (n_x,)."""
        w = np.asarray(w).ravel()
        if w.dtype != np.float64 or not (w.flags.c_contiguous and w.flags.writeable):
            w = np.array(w, dtype=np.float64)  # the one type the compiled kernel was built for
        if w.shape != (self.n_x,):  # the compiled kernel does not check bounds
            raise ValueError(f"w has {w.size} weights for {self.n_x} features")
        b = float(b)
        m = self.m
        if not self.parallel and self._kernels is not None:  # the common case, lean
            scratch, out = self._buffers[0]
            self._kernels.fused_sums(self._x, self._y, w, b, 0, m, scratch, out)
            n = self.n_x
            db, relu, logs = out[n:].tolist()
            self.perceptron_loss = relu / m if self._binary else None
            return out[:n] / m, db / m, (relu + logs) / m
        if self.parallel:
            half = (m // 2 // self.chunk + 1) * self.chunk
            other = self._submit(w, b, half, m, self._buffers[1])
            dw, db, relu, logs = self._part(w, b, 0, half, self._buffers[0])
            if other is None:  # closed: the second half here, summed the same way
                dw2, db2, relu2, logs2 = self._part(w, b, half, m, self._buffers[1])
            else:
                dw2, db2, relu2, logs2 = other.result()
            dw, db, relu, logs = dw + dw2, db + db2, relu + relu2, logs + logs2
        else:
            dw, db, relu, logs = self._part(w, b, 0, m, self._buffers[0])
        self.perceptron_loss = relu / m if self._binary else None
        return dw / m, db / m, (relu + logs) / m

    def _part(
        self, w: np.ndarray, b: float, lo: int, hi: int, buffers: tuple[np.ndarray, ...]
    ) -> tuple[np.ndarray, float, float, float]:
        """Σ X dZᵀ, Σ dZ, Σ relu, Σ log over examples lo … hi-1, on this kernel's backend."""
        if self._kernels is None:
            return self._sums(w, b, lo, hi, buffers)
        scratch, out = buffers
        self._kernels.fused_sums(self._x, self._y, w, b, lo, hi, scratch, out)
        n = self.n_x
        return out[:n].copy(), float(out[n]), float(out[n + 1]), float(out[n + 2])

    def _sums(
        self, w: np.ndarray, b: float, lo: int, hi: int, buffers: tuple[np.ndarray, ...]
    ) -> tuple[np.ndarray, float, float, float]:
        """Σ X dZᵀ, Σ dZ and the two parts of Σ loss (relu, log) over examples lo … hi-1."""
        X, Y, c = self.X, self.Y, self.chunk
        dw = np.zeros(self.n_x)
        db = 0.0
        relu = 0.0
        logs = 0.0
        for start in range(lo, hi, c):
            stop = min(start + c, hi)
            k = stop - start
            Xc, Yc = X[:, start:stop], Y[start:stop]
            z, e, r, pos = (buf[:k] for buf in buffers)
            np.dot(w, Xc, out=z)  # Z = wᵀX + b
            z += b
            if self._binary:  # loss = relu(s z) + log1p(e^(-|z|))
                np.multiply(z, self._s[start:stop], out=r)
                np.maximum(r, 0.0, out=r)
                relu += float(r.sum())
            else:
                relu += float(np.sum(Yc * np.maximum(-z, 0.0) + (1.0 - Yc) * np.maximum(z, 0.0)))
            np.abs(z, out=e)
            np.negative(e, out=e)
            np.exp(e, out=e)  # e = e^(-|z|), in (0, 1]
            np.log1p(e, out=r)
            logs += float(r.sum())
            np.add(e, 1.0, out=r)
            np.reciprocal(r, out=r)  # r = 1 / (1 + e) = σ(|z|)
            np.multiply(e, r, out=e)  # e / (1 + e) = σ(z) where z < 0
            np.greater_equal(z, 0.0, out=pos)
            np.copyto(e, r, where=pos)  # A = σ(z)
            np.subtract(e, Yc, out=e)  # dZ = A - Y
            dw += Xc @ e  # dw = (1/m) X dZᵀ  (the 1/m in __call__)
            db += float(e.sum())  # db = (1/m) Σ dZ
        return dw, db, relu, logs


def initialize_with_zeros(dim: int) -> tuple[np.ndarray, float]:
    """w = zeros of shape (dim, 1), b = 0.0."""
    return np.zeros((int(dim), 1)), 0.0


# -- the losses: (Z, Y) -> (J, dZ) with dZ = ∂L/∂z per sample, a = σ(z) -----------------


def cross_entropy_loss(Z: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    """The course's loss: J = -(1/m) Σ [y log a + (1 - y) log(1 - a)];  dz = a - y."""
    return cost_from_z(Z, Y), sigmoid(Z) - Y  # the same operations as forward_backward


def squared_error_loss(Z: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    """The L2 loss per sample: J = (1/m) Σ (a - y)²;  dz = 2(a - y)·a(1 - a)."""
    d, s = residual(Z, Y)
    return float(np.mean(d * d)), 2.0 * d * s


def absolute_error_loss(Z: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    """The L1 loss per sample: J = (1/m) Σ |a - y|;  dz = sign(a - y)·a(1 - a)."""
    d, s = residual(Z, Y)
    return float(np.mean(np.abs(d))), np.sign(d) * s


def residual(Z: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(a - y, a(1 - a)) from the logits, with neither overflow nor cancellation.

    With e = e^(-|z|) in (0, 1] and σ(-|z|) = e/(1 + e): a - y = σ(z) - y is
    σ(-|z|) - y for z < 0 and (1 - y) - σ(-|z|) for z ≥ 0 (so a correctly
    classified sample far out keeps its tiny residual), and a(1 - a) = e/(1 + e)².
    """
    Z = np.asarray(Z, dtype=float)
    Y = np.asarray(Y, dtype=float)
    e = np.exp(-np.abs(Z))
    small = e / (1.0 + e)  # σ(-|z|)
    d = np.where(Z >= 0.0, (1.0 - Y) - small, small - Y)  # a - y
    return d, small / (1.0 + e)  # a(1 - a) = e/(1 + e)²


def sample_losses(Z: np.ndarray, Y: np.ndarray, loss: str = "cross_entropy") -> np.ndarray:
    """L(a, y) of every sample (Z may carry leading grid dimensions): the terms whose
    mean over the samples is the cost J of ``loss`` (a key of :data:`LOSSES`)."""
    Z = np.asarray(Z, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if loss == "cross_entropy":
        # softplus(±z) = relu(±z) + log1p(e^(-|z|)): both terms are >= 0, so the sum
        # has no cancellation and J stays exact (and >= 0) as it approaches 0.
        out = Y * np.maximum(-Z, 0.0) + (1.0 - Y) * np.maximum(Z, 0.0)
        out += np.log1p(np.exp(-np.abs(Z)))
        return out
    d, _ = residual(Z, Y)
    return d * d if loss == "l2" else np.abs(d)


#: the losses :func:`propagate` and the trainer know, by name
LOSSES: dict[str, Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]] = {
    "cross_entropy": cross_entropy_loss,
    "l2": squared_error_loss,
    "l1": absolute_error_loss,
}


def check_loss(loss: str) -> str:
    """``loss`` if it names one of :data:`LOSSES`, else ValueError."""
    if not isinstance(loss, str) or loss not in LOSSES:
        allowed = ", ".join(repr(k) for k in LOSSES)
        raise ValueError(f"loss must be one of {allowed}, got {loss!r}")
    return loss


def check_lambd(lambd: float) -> float:
    """The regularization strength λ as a float, if finite and ≥ 0, else ValueError."""
    try:
        value = float(lambd)
    except (TypeError, ValueError):
        raise ValueError(f"lambd must be a finite number >= 0, got {lambd!r}") from None
    if not (math.isfinite(value) and value >= 0.0):
        raise ValueError(f"lambd must be a finite number >= 0, got {lambd!r}")
    return value


def loss_gradients(
    w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray, loss: str = "cross_entropy"
) -> tuple[np.ndarray, float, float, np.ndarray]:
    """``(dw, db, J, Z)`` of one loss, unregularized, in one pass over X.

    ``w`` is (n_x, 1) with ``Y`` (1, m), or (n_x,) with ``Y`` (m,); ``dw`` has
    the shape of ``w``.  ``loss`` must be a key of :data:`LOSSES` (not checked).
    """
    m = X.shape[1]
    Z = w.T @ X + b  # Z = wᵀX + b
    cost, dZ = LOSSES[loss](Z, Y)
    dw = (X @ dZ.T) / m  # dw = (1/m) X dZᵀ
    db = float(np.sum(dZ)) / m  # db = (1/m) Σ dZ
    return dw, db, cost, Z


def l2_regularization(w: np.ndarray, lambd: float, m: int) -> tuple[float, np.ndarray]:
    """L2 regularization as in the course: ``(ΔJ, Δdw)`` to add to J and dw.

    J += (λ/2m)·‖w‖² and dw += (λ/m)·w (b is not regularized).
    """
    return lambd / (2.0 * m) * float(np.sum(w * w)), (lambd / m) * w


def propagate(
    w: np.ndarray,
    b: float,
    X: np.ndarray,
    Y: np.ndarray,
    loss: str = "cross_entropy",
    lambd: float = 0.0,
) -> tuple[dict[str, Any], float]:
    """Vectorized cost and gradient: ``({"dw": (n_x, 1), "db": float}, cost)``.

    ``loss`` is one of :data:`LOSSES`; ``lambd`` ≥ 0 adds the course's L2
    regularization (see :func:`l2_regularization`).
    """
    loss = check_loss(loss)
    lambd = check_lambd(lambd)
    w = np.asarray(w, dtype=float).reshape(-1, 1)
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float).reshape(1, -1)
    if loss == "cross_entropy" and lambd == 0.0:  # the course's own pass
        dw, db, cost, _, _ = forward_backward(w, float(b), X, Y)
        return {"dw": dw, "db": db}, cost
    dw, db, cost, _ = loss_gradients(w, float(b), X, Y, loss)
    if lambd:
        dJ, ddw = l2_regularization(w, lambd, X.shape[1])
        cost, dw = cost + dJ, dw + ddw
    return {"dw": dw, "db": db}, cost


def propagate_loop(
    w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray
) -> tuple[dict[str, Any], float]:
    """The same as :func:`propagate`, with the notes' explicit for-loops.

    One loop over the m examples and one over the n_x features, accumulating
    J, dw and db exactly as in "Wrap up in algorithm"; kept for teaching and
    to measure what vectorization buys.
    """
    w = np.asarray(w, dtype=float).reshape(-1, 1)
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float).reshape(1, -1)
    n_x, m = X.shape
    J = 0.0
    dw = np.zeros((n_x, 1))
    db = 0.0
    for i in range(m):
        z = float(b)
        for j in range(n_x):
            z += w[j, 0] * X[j, i]  # z⁽ⁱ⁾ = wᵀx⁽ⁱ⁾ + b
        a = sigmoid(z)
        y = Y[0, i]
        J += y * softplus(-z) + (1.0 - y) * softplus(z)  # -[y log a + (1-y) log(1-a)]
        dz = a - y  # dz⁽ⁱ⁾ = a⁽ⁱ⁾ - y⁽ⁱ⁾
        for j in range(n_x):
            dw[j, 0] += X[j, i] * dz  # dw_j += x_j⁽ⁱ⁾ dz⁽ⁱ⁾
        db += dz
    return {"dw": dw / m, "db": float(db) / m}, float(J) / m


def optimize(
    w: np.ndarray,
    b: float,
    X: np.ndarray,
    Y: np.ndarray,
    num_iterations: int,
    learning_rate: float,
    print_cost: bool = False,
) -> tuple[dict[str, Any], dict[str, Any], list[float]]:
    """Batch gradient descent as in the course.

    Returns ``(params, grads, costs)``: the final ``{"w", "b"}``, the last
    gradients computed (before the final update), and the cost at iterations
    0, 100, 200, …  The caller's ``w`` is not mutated.
    """
    w = np.array(w, dtype=float).reshape(-1, 1)  # a copy
    b = float(b)
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float).reshape(1, -1)
    costs: list[float] = []
    grads: dict[str, Any] = {"dw": np.zeros_like(w), "db": 0.0}
    for i in range(int(num_iterations)):
        grads, cost = propagate(w, b, X, Y)
        w = w - learning_rate * grads["dw"]  # w = w - α dw
        b = b - learning_rate * grads["db"]  # b = b - α db
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost:f}")
    return {"w": w, "b": b}, grads, costs


def predict(w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    """Predictions of shape (1, m): 1.0 where A = σ(wᵀX + b) > 0.5, else 0.0."""
    w = np.asarray(w, dtype=float).reshape(-1, 1)
    A = sigmoid(w.T @ np.asarray(X, dtype=float) + b)
    return (A > 0.5).astype(float)


def softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise softmax of a 2-D array; stable for large entries."""
    x = np.asarray(x, dtype=float)
    shifted = x - np.max(x, axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=1, keepdims=True)


def l1(yhat: np.ndarray, y: np.ndarray) -> float:
    """L1 loss: Σ |y⁽ⁱ⁾ - ŷ⁽ⁱ⁾|."""
    return float(np.sum(np.abs(np.asarray(y) - np.asarray(yhat))))


def l2(yhat: np.ndarray, y: np.ndarray) -> float:
    """L2 loss: Σ (y⁽ⁱ⁾ - ŷ⁽ⁱ⁾)²."""
    d = np.asarray(y) - np.asarray(yhat)
    return float(np.sum(d * d))


def stable_learning_rate(X: np.ndarray, lambd: float = 0.0) -> float:
    """8/λmax(X̃X̃ᵀ/m): every learning rate below it is guaranteed to decrease J.

    A sufficient bound, not the largest stable rate.  X̃ is X with a row of
    ones for the bias.  Since σ' = a(1 - a) ≤ ¼, the Hessian of J satisfies
    H ⪯ ¼·X̃X̃ᵀ/m everywhere, so the gradient is Lipschitz with L = λmax/4 and
    gradient descent decreases J at every step for α < 2/L = 8/λmax(X̃X̃ᵀ/m),
    from any start.  Larger rates may still converge (often do: near the
    optimum σ' is smaller than ¼; see :func:`local_rate_limit`), only without
    that guarantee.

    For the cross-entropy cost and batch gradient descent only.  With L2
    regularization (``lambd`` = λ > 0) the Hessian gains (λ/m)·I on the w block,
    so L = λmax/4 + λ/m and the bound is 2/L.
    """
    lambd = check_lambd(lambd)
    X = np.asarray(X, dtype=float)
    m = X.shape[1]
    Xt = np.vstack([X, np.ones((1, m))])
    lam = float(np.linalg.eigvalsh(Xt @ Xt.T / m)[-1])
    if lambd == 0.0:
        return 8.0 / lam if lam > 0 else float("inf")
    return 2.0 / (lam / 4.0 + lambd / m)  # α < 2/L, L = λmax/4 + λ/m


def hessian(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """The Hessian of J in θ = (w, b): H = (1/m)·X̃·diag(a(1 - a))·X̃ᵀ, (n_x+1)².

    X̃ is X with a row of ones (the bias is the last coordinate) and a = σ(wᵀX + b);
    a(1 - a) = e/(1 + e)² with e = e^(-|z|), which neither overflows nor cancels.
    """
    X = np.asarray(X, dtype=float)
    n_x, m = X.shape
    w = np.asarray(w, dtype=float).ravel()
    z = w @ X + float(b)  # Z = wᵀX + b
    e = np.exp(-np.abs(z))
    s = e / (1.0 + e) ** 2  # σ'(z) = a(1 - a)
    Xs = X * s
    H = np.empty((n_x + 1, n_x + 1))
    H[:n_x, :n_x] = Xs @ X.T / m  # the blocks of X̃·diag(s)·X̃ᵀ/m, without building X̃
    H[:n_x, n_x] = H[n_x, :n_x] = Xs.sum(axis=1) / m
    H[n_x, n_x] = s.sum() / m
    return H


def local_rate_limit(X: np.ndarray, w: np.ndarray, b: float, lambd: float = 0.0) -> float:
    """2/λmax(H) with H the Hessian of J at (w, b): the local stability limit.

    Below it the gradient-descent map θ ↦ θ - α∇J(θ) contracts near (w, b)
    (its Jacobian I - αH has spectral radius < 1); above it the stiffest
    direction overshoots and grows.  It is at least :func:`stable_learning_rate`
    (H ⪯ ¼·X̃X̃ᵀ/m).  Where a(1 - a) underflows to 0 for every sample
    (separable data, far out) H = 0 and the limit is inf.

    For the cross-entropy cost.  With L2 regularization (``lambd`` = λ > 0) the
    Hessian is H + (λ/m)·diag(1, …, 1, 0) (b is not regularized).
    """
    lambd = check_lambd(lambd)
    H = hessian(X, w, b)
    if lambd:
        n_x, m = np.shape(X)
        H[:n_x, :n_x] += (lambd / m) * np.eye(n_x)  # ∇²[(λ/2m)‖w‖²] = (λ/m)·I on w
    lam = float(np.linalg.eigvalsh(H)[-1])
    if not lam > 0:
        return float("inf")
    with np.errstate(over="ignore"):
        return float(np.float64(2.0) / np.float64(lam))
