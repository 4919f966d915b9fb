"""The course's computation graphs, forward and backward, number by number (numpy only).

Two graphs of the notes:

* the warm-up J(a, b, c) = 3(a + bc), with u = bc, v = a + u, J = 3v, and its
  backward pass by the chain rule (the notes' ``dvar`` is dJ/dvar);
* one example of logistic regression, x₁, x₂, w₁, w₂, b → z = wᵀx + b →
  a = σ(z) → L(a, y) = −[y log a + (1 − y) log(1 − a)], and back:
  da = −y/a + (1 − y)/(1 − a), dz = a − y, dwⱼ = xⱼ·dz, db = dz.

Besides, what makes a derivative visible: the cost along one parameter through
a point (its slope there is that parameter's gradient), and the two-loop
algorithm timed against the vectorized one on the same data.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from .logistic import propagate, propagate_loop, residual, sample_losses, sigmoid

__all__ = [
    "LoopComparison",
    "compare_loop",
    "cost_cut",
    "loop_partials",
    "loss_curves",
    "sample_graph",
    "sample_graphs",
    "toy_graph",
    "toy_nudge",
]


def toy_graph(a: float = 5.0, b: float = 3.0, c: float = 2.0) -> dict[str, float]:
    """The notes' warm-up graph J(a, b, c) = 3(a + bc): forward values and dJ/d·.

    Forward: u = bc, v = a + u, J = 3v.
    Backward (chain rule): dv = dJ/dv = 3; da = dJ/dv·dv/da = 3; du = dJ/dv·dv/du = 3;
    db = dJ/du·du/db = 3c; dc = dJ/du·du/dc = 3b.  At (5, 3, 2): 11, 33 and 3, 3, 3, 6, 9.
    """
    a, b, c = float(a), float(b), float(c)
    u = b * c  # u = bc
    v = a + u  # v = a + u
    J = 3.0 * v  # J = 3v
    dv = 3.0  # dJ/dv
    da = dv * 1.0  # dJ/da = dJ/dv · dv/da
    du = dv * 1.0  # dJ/du = dJ/dv · dv/du
    db = du * c  # dJ/db = dJ/du · du/db
    dc = du * b  # dJ/dc = dJ/du · du/dc
    return {"a": a, "b": b, "c": c, "u": u, "v": v, "J": J,
            "dv": dv, "da": da, "du": du, "db": db, "dc": dc}  # fmt: skip


def toy_nudge(name: str, a: float, b: float, c: float, h: float = 1e-3) -> tuple[float, float]:
    """J before and after a nudge of ``h`` to one variable of the warm-up graph.

    ``name`` is an input (a, b, c) or an inner node (u, v): a nudged inner node
    feeds the rest of the graph forward as it is.  (J(·+h) − J)/h is then the
    notes' "for a little nudge in v, how much does J change?".
    """
    a, b, c = float(a), float(b), float(c)
    J = toy_graph(a, b, c)["J"]
    if name in ("a", "b", "c"):
        nudged = {"a": (a + h, b, c), "b": (a, b + h, c), "c": (a, b, c + h)}[name]
        return J, toy_graph(*nudged)["J"]
    if name == "u":
        return J, 3.0 * (a + (b * c + h))  # J = 3(a + u), u nudged
    if name == "v":
        return J, 3.0 * ((a + b * c) + h)  # J = 3v, v nudged
    raise ValueError(f"no variable {name!r} in J = 3(a + bc): use a, b, c, u or v")


def _loss_and_da(z: Any, y: Any, loss: str = "cross_entropy") -> tuple[Any, Any]:
    """L(a, y) from z (never log of a rounded a) and da = ∂L/∂a.

    cross-entropy: da = −y/a + (1 − y)/(1 − a) (with 1 − σ(z) = σ(−z): ±inf only where a
    itself rounds to 0 or 1, |z| ≳ 745, as the formula says); L2: L = (a − y)²,
    da = 2(a − y); L1: L = |a − y|, da = sign(a − y).
    """
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    L = sample_losses(z, y, loss)
    if loss == "cross_entropy":
        with np.errstate(divide="ignore"):
            da = -y / sigmoid(z) + (1.0 - y) / sigmoid(-z)
        return L, da
    d = residual(z, y)[0]  # a − y, without cancellation
    return L, 2.0 * d if loss == "l2" else np.sign(d)


def _dz(z: Any, y: Any, loss: str) -> Any:
    """dz = dL/da · da/dz: a − y for the cross-entropy; da · a(1 − a) for the others."""
    d, s = residual(z, y)
    if loss == "cross_entropy":
        return d
    return 2.0 * d * s if loss == "l2" else np.sign(d) * s


def sample_graph(w: Any, b: float, x: Any, y: float, loss: str = "cross_entropy") -> dict[str, Any]:
    """One example's pass through the graph of the notes, forward then backward.

    ``w`` of shape (n_x, 1) or (n_x,), ``x`` of shape (n_x,) or (n_x, 1), ``y`` 0 or 1;
    ``loss`` one of :data:`~gd_visualizer.core.LOSSES`.  Returns z, a, L, da, dz,
    dw (n_x, 1) and db; their mean over the samples is :func:`propagate`'s dw and db.
    """
    w = np.asarray(w, dtype=float).reshape(-1, 1)
    x = np.asarray(x, dtype=float).reshape(-1, 1)
    if w.shape != x.shape:
        raise ValueError(f"w has {w.shape[0]} entries but x has {x.shape[0]}")
    z = float((w.T @ x)[0, 0] + b)  # z = wᵀx + b
    a = float(sigmoid(z))  # a = σ(z)
    L, da = _loss_and_da(z, y, loss)
    dz = float(_dz(z, float(y), loss))  # dz = dL/da · da/dz
    return {"z": z, "a": a, "L": float(L), "da": float(da), "dz": dz,
            "dw": x * dz, "db": dz}  # dwⱼ = xⱼ·dz, db = dz  # fmt: skip


def sample_graphs(
    w: Any, b: float, X: np.ndarray, Y: np.ndarray, loss: str = "cross_entropy"
) -> dict[str, np.ndarray]:
    """:func:`sample_graph` for every column of X at once: arrays of shape (m,),
    and ``dw`` of shape (n_x, m) (column i is sample i's dw⁽ⁱ⁾)."""
    w = np.asarray(w, dtype=float).reshape(-1, 1)
    X = np.asarray(X, dtype=float)
    y = np.asarray(Y, dtype=float).ravel()
    z = (w.T @ X).ravel() + b
    a = sigmoid(z)
    L, da = _loss_and_da(z, y, loss)
    dz = _dz(z, y, loss)
    return {"z": z, "a": a, "L": L, "da": da, "dz": dz, "dw": X * dz, "db": dz}


def loss_curves(a: np.ndarray, loss: str = "cross_entropy") -> tuple[np.ndarray, np.ndarray]:
    """The per-example loss as a function of a: (L(a, 1), L(a, 0)) — −log a and
    −log(1 − a) for the cross-entropy, (1 − a)² and a² for L2, 1 − a and a for L1."""
    a = np.asarray(a, dtype=float)
    if loss == "cross_entropy":
        with np.errstate(divide="ignore"):
            return -np.log(a), -np.log1p(-a)
    if loss == "l2":
        return (1.0 - a) ** 2, a * a
    return 1.0 - a, a


def cost_cut(
    X: np.ndarray,
    Y: np.ndarray,
    w: Any,
    b: float,
    param: int,
    values: np.ndarray,
    loss: str = "cross_entropy",
    lambd: float = 0.0,
) -> np.ndarray:
    """J along one parameter through (w, b), the others held: J(θ with θ[param] = v).

    ``param`` indexes θ = (w₁, …, w_n, b).  The slope of this curve at the point is
    the gradient's component ``param`` (the notes' dw₁ is the slope of J(w₁)).
    ``loss`` and ``lambd`` as in :func:`propagate`.  Memory stays bounded: the values
    are taken a few at a time.
    """
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float).reshape(1, -1)
    w = np.asarray(w, dtype=float).ravel()
    values = np.asarray(values, dtype=float).ravel()
    n_x, m = X.shape
    if not 0 <= param <= n_x:
        raise ValueError(f"param must be 0 … {n_x}, got {param}")
    theta = np.append(w, float(b))
    base = (w @ X + b).reshape(1, -1)  # Z at the point
    row = X[param] if param < n_x else np.ones(m)  # dZ/dθ[param]
    out = np.empty(values.size)
    step = max(1, 2_000_000 // max(m, 1))
    with np.errstate(over="ignore", invalid="ignore"):
        for s in range(0, values.size, step):
            shift = (values[s : s + step] - theta[param])[:, None]
            out[s : s + step] = np.mean(sample_losses(base + shift * row, Y, loss), axis=1)
    if lambd:  # (λ/2m)·‖w‖² with w's entry ``param`` at each value (b is not regularized)
        sq = np.full(values.size, float(w @ w))
        if param < n_x:
            sq += values**2 - w[param] ** 2
        out += lambd / (2.0 * m) * sq
    return out


@dataclass(frozen=True)
class LoopComparison:
    """The two-loop algorithm against the vectorized one, on the same samples."""

    samples: int  # the samples both ran on (the first ``samples`` columns)
    total: int  # the samples of the data
    loop_seconds: float
    vector_seconds: float
    max_difference: float  # the largest |difference| over J, dw and db
    loop: tuple[np.ndarray, float, float]  # (dw, db, J) of the loops
    vector: tuple[np.ndarray, float, float]  # (dw, db, J) of propagate

    @property
    def speedup(self) -> float:
        return self.loop_seconds / self.vector_seconds if self.vector_seconds > 0 else np.inf

    @property
    def agree(self) -> bool:
        """Equal to 1e-12 relative to the size of the numbers compared."""
        dw, db, J = self.vector
        scale = max(1.0, float(np.max(np.abs(dw))), abs(db), abs(J))
        return self.max_difference <= 1e-12 * scale


def compare_loop(
    w: Any, b: float, X: np.ndarray, Y: np.ndarray, limit: int = 20_000
) -> LoopComparison:
    """Run :func:`propagate_loop` and :func:`propagate` on the first ``limit`` samples
    (all when there are fewer), timing each (the vectorized one as the best of
    several runs, it being too quick for one reading)."""
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float).reshape(1, -1)
    w = np.asarray(w, dtype=float).reshape(-1, 1)
    k = min(X.shape[1], int(limit))
    Xs, Ys = np.ascontiguousarray(X[:, :k]), Y[:, :k]
    t0 = time.perf_counter()
    lg, lj = propagate_loop(w, b, Xs, Ys)
    loop_seconds = time.perf_counter() - t0
    vector_seconds = np.inf
    for _ in range(5):
        t0 = time.perf_counter()
        vg, vj = propagate(w, b, Xs, Ys)
        vector_seconds = min(vector_seconds, time.perf_counter() - t0)
    diff = max(
        float(np.max(np.abs(lg["dw"] - vg["dw"]))) if k else 0.0,
        abs(lg["db"] - vg["db"]),
        abs(lj - vj),
    )
    return LoopComparison(
        samples=k,
        total=X.shape[1],
        loop_seconds=loop_seconds,
        vector_seconds=vector_seconds,
        max_difference=diff,
        loop=(lg["dw"], float(lg["db"]), float(lj)),
        vector=(vg["dw"], float(vg["db"]), float(vj)),
    )


def loop_partials(
    w: Any, b: float, X: np.ndarray, Y: np.ndarray, stops: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The loop's running sums after i = stops[k] samples: (Σ dw⁽ⁱ⁾ of shape (k, n_x), Σ db⁽ⁱ⁾).

    What the two-loop algorithm holds in dw₁, dw₂, db after its i-th pass (before
    the final division by m); at i = m it is m times :func:`propagate`'s dw, db.
    """
    g = sample_graphs(w, b, X, Y)
    stops = np.asarray(stops, dtype=int)
    cw = np.vstack([np.zeros((1, g["dw"].shape[0])), np.cumsum(g["dw"], axis=1).T])
    cb = np.concatenate([[0.0], np.cumsum(g["db"])])
    return cw[stops], cb[stops]
