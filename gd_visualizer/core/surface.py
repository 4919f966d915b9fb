"""The cost surface J over a 2-D slice of the parameters (w1, w2, b)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .logistic import cost_from_z

__all__ = ["SLICES", "SliceSpec", "cost_grid", "param_index"]

#: parameter names in the order of the vector θ = (w1, w2, b)
PARAMS = ("w1", "w2", "b")


@dataclass(frozen=True)
class SliceSpec:
    """Which two parameters span the surface, and which one is held fixed."""

    key: str
    x_param: int  # index into θ = (w1, w2, b) for the horizontal axis
    y_param: int  # for the vertical axis
    fixed_param: int

    @property
    def labels(self) -> tuple[str, str, str]:
        return PARAMS[self.x_param], PARAMS[self.y_param], PARAMS[self.fixed_param]


SLICES: dict[str, SliceSpec] = {
    "w1-w2": SliceSpec("w1-w2", 0, 1, 2),
    "w1-b": SliceSpec("w1-b", 0, 2, 1),
    "w2-b": SliceSpec("w2-b", 1, 2, 0),
}


def param_index(name: str) -> int:
    return PARAMS.index(name)


def cost_grid(
    X: np.ndarray,
    Y: np.ndarray,
    spec: SliceSpec | str,
    xs: np.ndarray,
    ys: np.ndarray,
    fixed: float,
    max_block: int = 1 << 22,
) -> np.ndarray:
    """J on the grid ``xs × ys`` of the slice, with the third parameter at ``fixed``.

    Returns an array of shape ``(len(ys), len(xs))`` (row-major, row j is
    ``ys[j]``), each entry the exact float64 cost from :func:`cost_from_z`.
    The logits of a grid point are Z = θ_x·x̃_x + θ_y·x̃_y + fixed·x̃_f, with
    x̃ = (x1, x2, 1); rows are computed in blocks of at most ``max_block``
    logits to bound memory.
    """
    if isinstance(spec, str):
        spec = SLICES[spec]
    X = np.asarray(X, dtype=np.float64)
    m = X.shape[1]
    Xt = np.vstack([X, np.ones((1, m))])  # x̃ = (x1, x2, 1)
    y = np.asarray(Y, dtype=np.float64).reshape(1, 1, m)
    xs = np.asarray(xs, dtype=np.float64)
    ys = np.asarray(ys, dtype=np.float64)
    xa, xc = Xt[spec.x_param], Xt[spec.y_param]
    base = fixed * Xt[spec.fixed_param]
    along_x = xs[:, None] * xa[None, :]  # (nx, m)
    out = np.empty((len(ys), len(xs)))
    rows = max(1, max_block // max(1, len(xs) * m))
    for r0 in range(0, len(ys), rows):
        r1 = min(r0 + rows, len(ys))
        Z = along_x[None, :, :] + (ys[r0:r1, None] * xc[None, :] + base)[:, None, :]
        out[r0:r1] = cost_from_z(Z, y, axis=-1)
    return out
