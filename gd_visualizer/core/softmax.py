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
    "one_hot",
    "softmax_columns",
    "softmax_predict",
    "softmax_propagate",
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
    # log A = Z - logsumexp(Z) = (Z - c) - log Σ e^(Z - c), per column
    log_A = shifted - np.log(s)
    cost = -float(np.sum(Y * log_A)) / m  # J = -(1/m) Σ Σ Y log A
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
