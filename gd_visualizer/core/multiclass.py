"""Softmax (multinomial logistic) regression for K classes, in the course's layout (numpy only).

``X`` is ``(n_x, m)`` with one example per column, ``W`` is ``(K, n_x)``, ``b`` is
``(K, 1)`` and ``Y`` is one-hot ``(K, m)``: column i is 1 in the row of example i's class.

    Z = W X + b                          (K, m): one score per class and example
    A = softmax(Z), column by column     A_ki = e^(Z_ki) / Σ_j e^(Z_ji)
    J = -(1/m) Σ_i Σ_k Y_ki log A_ki     cross-entropy
    dZ = A - Y;  dW = (1/m) dZ Xᵀ;  db = (1/m) Σ_i dZ_:i

Numerical stability: every exponential is taken of Z - max_k Z (≤ 0, so it cannot
overflow), and log A comes from Z minus the column's log-sum-exp, never from the log of
a clipped A; the cost stays exact when a probability underflows to 0.

With K = 2 this is the course's logistic regression on z = z₁ - z₀
(see ``tests/test_softmax.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "SoftmaxModel",
    "one_hot",
    "pack_theta",
    "softmax_accuracy",
    "softmax_columns",
    "softmax_cost_grid",
    "softmax_predict",
    "softmax_propagate",
    "softmax_scores",
    "theta_entry",
    "theta_names",
    "theta_size",
    "unpack_theta",
]


def _shape_error(name: str, expected: str, got: np.ndarray) -> ValueError:
    return ValueError(f"{name} must have shape {expected}, got {got.shape}")


def _as_matrix(value: Any, name: str, expected: str) -> np.ndarray:
    """A 2-D float64 array, or a ValueError naming the shape expected and the one given."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim != 2:
        raise _shape_error(name, expected, arr)
    return arr


def _check_model(W: Any, b: Any, X: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """W (K, n_x), b (K, 1) and X (n_x, m) as float arrays whose shapes agree."""
    X = _as_matrix(X, "X", "(n_x, m)")
    n_x, m = X.shape
    if m < 1:
        raise ValueError(f"X must hold at least one example (column), got shape {X.shape}")
    W = _as_matrix(W, "W", f"(K, n_x) = (K, {n_x})")
    if W.shape[1] != n_x or W.shape[0] < 1:
        raise _shape_error("W", f"(K, n_x) = (K, {n_x})", W)
    K = W.shape[0]
    b = np.asarray(b, dtype=np.float64)
    if b.shape != (K, 1):
        raise _shape_error("b", f"(K, 1) = ({K}, 1)", b)
    return W, b, X


def _shifted_exp(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(Z - c, e^(Z - c), Σ_k e^(Z - c)) with c = max_k Z per column: no exponent is > 0."""
    shifted = Z - np.max(Z, axis=0, keepdims=True)  # Z - c ≤ 0
    e = np.exp(shifted)  # in (0, 1]; the largest is exactly 1, so s ≥ 1
    s = np.sum(e, axis=0, keepdims=True)
    return shifted, e, s


def softmax_columns(Z: Any) -> np.ndarray:
    """Softmax of each column of a (K, m) array: A_ki = e^(Z_ki) / Σ_j e^(Z_ji).

    Computed as e^(Z - c) / Σ e^(Z - c) with c the column maximum (the same value),
    so it never overflows; every column sums to 1.
    """
    Z = _as_matrix(Z, "Z", "(K, m)")
    _, e, s = _shifted_exp(Z)
    return e / s


def one_hot(labels: Any, K: int) -> np.ndarray:
    """Labels 0 … K-1, shape (1, m) or (m,), as a one-hot float array of shape (K, m).

    Y_ki = 1 where labels_i = k, else 0.  Float labels are accepted when whole
    (a Dataset stores its labels as float64).
    """
    K = int(K)
    raw = np.asarray(labels)
    if raw.ndim == 2 and raw.shape[0] == 1:
        raw = raw[0]
    if raw.ndim != 1:
        raise ValueError(f"labels must have shape (1, m) or (m,), got {np.shape(labels)}")
    if K < 1:
        raise ValueError(f"K must be at least 1, got {K}")
    try:
        values = raw.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"labels must be whole numbers from 0 to {K - 1}") from None
    ok = np.isfinite(values) & (values == np.round(values)) & (values >= 0) & (values < K)
    if not ok.all():
        bad = raw[~ok][0].item()
        raise ValueError(f"labels must be whole numbers from 0 to {K - 1}, got {bad!r}")
    Y = np.zeros((K, raw.size))
    Y[values.astype(np.intp), np.arange(raw.size)] = 1.0  # Y_ki = [labels_i == k]
    return Y


def softmax_propagate(W: Any, b: Any, X: Any, Y: Any) -> tuple[dict[str, np.ndarray], float]:
    """Cost and gradients of softmax regression: ``({"dW": (K, n_x), "db": (K, 1)}, cost)``.

    ``W`` (K, n_x), ``b`` (K, 1), ``X`` (n_x, m), ``Y`` one-hot (K, m); any other
    shape raises ValueError naming the shape expected and the one given.
    """
    W, b, X = _check_model(W, b, X)
    K, m = W.shape[0], X.shape[1]
    Y = np.asarray(Y, dtype=np.float64)
    if Y.shape != (K, m):
        raise _shape_error("Y", f"(K, m) = ({K}, {m})", Y)
    Z = W @ X + b  # Z = W X + b, shape (K, m)
    shifted, e, s = _shifted_exp(Z)
    # -log A = logsumexp(Z) - Z = log Σ e^(Z - c) - (Z - c) ≥ 0, per column
    neg_log_A = np.log(s) - shifted
    cost = float(np.sum(Y * neg_log_A)) / m  # J = -(1/m) Σ Σ Y log A
    A = e / s  # A = softmax(Z), column by column
    dZ = A - Y  # dZ = A - Y
    dW = (dZ @ X.T) / m  # dW = (1/m) dZ Xᵀ
    db = np.sum(dZ, axis=1, keepdims=True) / m  # db = (1/m) Σ dZ over the columns
    return {"dW": dW, "db": db}, cost


def softmax_predict(W: Any, b: Any, X: Any) -> np.ndarray:
    """Predicted classes, shape (1, m) of int: argmax_k of Z = W X + b (= argmax_k A)."""
    W, b, X = _check_model(W, b, X)
    Z = W @ X + b  # softmax is increasing in each score: argmax A = argmax Z
    return np.argmax(Z, axis=0).reshape(1, -1)


# -- θ: softmax regression's parameters as one vector --------------------------------------
#
# The trainer, its history, the optimizers and the surface slices all work on one
# parameter vector θ.  For K classes and n_x features it is W row by row, then b:
#
#     θ = (W₁₁, …, W₁ₙ, W₂₁, …, W_Kn, b₁, …, b_K),   K·(n_x + 1) entries,
#
# and a history stores it as the binary model's (w, b): w = θ[:-1], b = θ[-1] = b_K.


def theta_size(K: int, n_x: int) -> int:
    """How many parameters softmax regression has: K·(n_x + 1)."""
    return int(K) * (int(n_x) + 1)


def pack_theta(W: Any, b: Any) -> np.ndarray:
    """θ = (W row by row, b) from W (K, n_x) and b (K, 1) (or (K,))."""
    W = np.asarray(W, dtype=np.float64)
    return np.concatenate([W.ravel(), np.asarray(b, dtype=np.float64).ravel()])


def unpack_theta(theta: Any, K: int, n_x: int) -> tuple[np.ndarray, np.ndarray]:
    """W (K, n_x) and b (K, 1) from θ (see :func:`pack_theta`)."""
    theta = np.asarray(theta, dtype=np.float64).ravel()
    if theta.size != theta_size(K, n_x):
        raise ValueError(
            f"θ must have K·(n_x + 1) = {theta_size(K, n_x)} entries, got {theta.size}"
        )
    k = K * n_x
    return theta[:k].reshape(K, n_x), theta[k:].reshape(K, 1)


def theta_names(K: int, n_x: int) -> tuple[str, ...]:
    """θ's entries by name: ("W11", "W12", …, "WKn", "b1", …, "bK") (class first, then
    feature; both counted from 1)."""
    weights = tuple(f"W{k + 1}{j + 1}" for k in range(K) for j in range(n_x))
    return (*weights, *(f"b{k + 1}" for k in range(K)))


def theta_entry(index: int, K: int, n_x: int) -> tuple[int, int | None]:
    """Where θ's entry ``index`` sits: (class row k, feature j), with j None for b_k."""
    if index < K * n_x:
        return divmod(int(index), n_x)
    return int(index) - K * n_x, None


def softmax_scores(theta: Any, X: np.ndarray, K: int) -> np.ndarray:
    """Z = W X + b (K, m) for θ packed as by :func:`pack_theta`."""
    W, b = unpack_theta(theta, K, X.shape[0])
    return W @ X + b


def _softmax_pass(
    W: np.ndarray, b: np.ndarray, X: np.ndarray, Y: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """(dW, db, J, Z) of :func:`softmax_propagate`, without its checks."""
    m = X.shape[1]
    Z = W @ X + b  # Z = W X + b
    shifted, e, s = _shifted_exp(Z)
    # J = -(1/m) Σ Σ Y log A, summed as Y·(-log A) ≥ 0 (never "-0" when every A_y = 1)
    cost = float(np.sum(Y * (np.log(s) - shifted))) / m
    dZ = e / s - Y  # dZ = A - Y
    return (dZ @ X.T) / m, np.sum(dZ, axis=1, keepdims=True) / m, cost, Z


class SoftmaxModel:
    """Softmax regression on fixed data, seen through θ (see :func:`pack_theta`), for
    the trainer: the cost and gradient of all samples or of a batch, with the course's
    L2 regularization on W (b is not regularized, as for two classes)."""

    def __init__(self, X: np.ndarray, labels: np.ndarray, K: int) -> None:
        self.X = np.asarray(X, dtype=np.float64)
        self.K = int(K)
        self.n_x, self.m = self.X.shape
        self.Y = one_hot(labels, self.K)  # (checks that every label is one of 0 … K-1)
        self.labels = np.argmax(self.Y, axis=0)
        self.size = theta_size(self.K, self.n_x)

    def gradients(
        self, theta: np.ndarray, lambd: float = 0.0, idx: np.ndarray | None = None
    ) -> tuple[np.ndarray, float, bool]:
        """(dθ, J, every sample predicted right) over all samples, or the batch ``idx``;
        with λ: J += (λ/2m)·‖W‖² and dW += (λ/m)·W, m always the data's own."""
        W, b = unpack_theta(theta, self.K, self.n_x)
        X, Y = (self.X, self.Y) if idx is None else (self.X[:, idx], self.Y[:, idx])
        dW, db, cost, Z = _softmax_pass(W, b, X, Y)
        right = bool(
            np.all(np.argmax(Z, axis=0) == (self.labels if idx is None else self.labels[idx]))
        )
        if lambd:
            cost += lambd / (2.0 * self.m) * float(np.sum(W * W))
            dW = dW + (lambd / self.m) * W
        return pack_theta(dW, db), cost, right

    def accuracy(self, theta: np.ndarray) -> float:
        """The fraction of samples whose largest score is their class's."""
        return softmax_accuracy(theta, self.X, self.labels, self.K)


def softmax_accuracy(theta: Any, X: np.ndarray, labels: Any, K: int) -> float:
    """The fraction of samples whose largest score is their class's (``labels`` 0 … K-1,
    shape (1, m) or (m,)); nan without samples.  No one-hot Y is built."""
    if X.shape[1] == 0:
        return float("nan")
    with np.errstate(over="ignore", invalid="ignore"):
        Z = softmax_scores(theta, X, K)
    return float(np.mean(np.argmax(Z, axis=0) == np.ravel(labels)))


def softmax_cost_grid(
    X: np.ndarray,
    labels: np.ndarray,
    K: int,
    axes: tuple[int, int],
    xs: np.ndarray,
    ys: np.ndarray,
    theta: np.ndarray,
    max_block: int = 1 << 22,
) -> np.ndarray:
    """J of softmax regression on the grid ``xs × ys`` of two entries of θ (``axes``,
    indices into θ), every other entry at its value in ``theta``.

    Returns shape ``(len(ys), len(xs))`` (row j is ys[j]), each entry the exact float64
    cost -(1/m) Σ_i log A_(y_i) i = (1/m) Σ_i (logsumexp(Z_:i) - Z_(y_i) i) (the
    regularization is :func:`~gd_visualizer.core.surface.l2_grid`'s).
    """
    X = np.asarray(X, dtype=np.float64)
    n_x, n = X.shape
    labels = np.asarray(labels).ravel().astype(np.intp)
    xs = np.asarray(xs, dtype=np.float64)
    ys = np.asarray(ys, dtype=np.float64)
    base_theta = np.asarray(theta, dtype=np.float64).ravel().copy()
    base_theta[list(axes)] = 0.0
    Z0 = softmax_scores(base_theta, X, K)  # (K, n): the held entries' share of Z
    Xt = np.vstack([X, np.ones((1, n))])  # x̃ = (x, 1): b_k multiplies 1
    (ra, ja), (rc, jc) = (theta_entry(a, K, n_x) for a in axes)
    fa = Xt[n_x if ja is None else ja]
    fc = Xt[n_x if jc is None else jc]
    cols = np.arange(n)
    out = np.empty((len(ys), len(xs)))
    rows = max(1, max_block // max(1, len(xs) * K * n))
    for r0 in range(0, len(ys), rows):
        r1 = min(r0 + rows, len(ys))
        Z = np.broadcast_to(Z0, (r1 - r0, len(xs), K, n)).copy()  # (rows, nx, K, n)
        Z[:, :, ra, :] += xs[None, :, None] * fa
        Z[:, :, rc, :] += ys[r0:r1, None, None] * fc
        top = Z.max(axis=2, keepdims=True)
        lse = np.log(np.exp(Z - top).sum(axis=2)) + top[:, :, 0, :]  # logsumexp over classes
        out[r0:r1] = np.mean(lse - Z[:, :, labels, cols], axis=-1)
    return out
