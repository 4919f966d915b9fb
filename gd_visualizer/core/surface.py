"""The cost surface J over a 2-D slice of the parameters θ = (w1, …, wn, b): two of them
span the grid, the others are held (for two features: the third one)."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass

import numpy as np

from .logistic import compiled_kernels, compiled_kernels_error, sample_losses
from .multiclass import softmax_cost_grid, theta_names

__all__ = [
    "SLICES",
    "SliceSpec",
    "SurfaceRequest",
    "SurfaceResult",
    "compute_surface",
    "contour_segments",
    "cost_grid",
    "param_index",
    "param_names",
    "slice_keys",
    "slice_minimum",
    "slice_spec",
    "surface_levels",
]

#: parameter names in the order of the vector θ = (w1, w2, b)
PARAMS = ("w1", "w2", "b")


@dataclass(frozen=True)
class SliceSpec:
    """Which two parameters span the surface, and which are held: for two features the
    third one (``fixed_param``); with more, every other one (the first is ``fixed_param``)."""

    key: str
    x_param: int  # index into θ = (w1, …, wn, b) for the horizontal axis
    y_param: int  # for the vertical axis
    fixed_param: int
    n_params: int = 3  # len(θ)
    classes: int = 2  # K > 2: θ is softmax regression's (W row by row, b)

    @property
    def n_x(self) -> int:
        """The number of features."""
        return self.n_params // self.classes - 1 if self.classes > 2 else self.n_params - 1

    @property
    def n_weights(self) -> int:
        """θ's first n_weights entries are weights (regularized); the rest are biases."""
        return self.n_params - (self.classes if self.classes > 2 else 1)

    @property
    def labels(self) -> tuple[str, str, str]:
        names = param_names(self.n_x, self.classes)
        held = names[self.fixed_param] if self.n_params == 3 else "the others"
        return names[self.x_param], names[self.y_param], held

    @property
    def held(self) -> tuple[int, ...]:
        """The indices of the parameters the slice holds."""
        return tuple(k for k in range(self.n_params) if k not in (self.x_param, self.y_param))


def param_names(n_x: int, classes: int = 2) -> tuple[str, ...]:
    """θ's names for n_x features: ("w1", …, "wn", "b"); for K > 2 classes softmax
    regression's ("W11", …, "WKn", "b1", …, "bK")."""
    if classes > 2:
        return theta_names(classes, n_x)
    return (*(f"w{k + 1}" for k in range(n_x)), "b")


def slice_keys(n_x: int = 2, classes: int = 2) -> tuple[str, ...]:
    """Every slice of θ for n_x features: "w1-w2", "w1-b", "w2-b" for two; every pair for
    more (b last)."""
    if n_x == 2 and classes == 2:
        return ("w1-w2", "w1-b", "w2-b")
    names = param_names(n_x, classes)
    return tuple(f"{a}-{c}" for i, a in enumerate(names) for c in names[i + 1 :])


def slice_spec(key: str, n_x: int = 2, classes: int = 2) -> SliceSpec:
    """The slice called ``key`` ("w1-w3", "w2-b", "W11-b2" …) for n_x features and
    ``classes`` classes (KeyError if none); one object per slice."""
    return _slice_spec(key, int(n_x), int(classes))


@functools.cache
def _slice_spec(key: str, n_x: int, classes: int) -> SliceSpec:
    names = param_names(n_x, classes)
    a, sep, c = key.partition("-")
    if not sep or a not in names or c not in names or a == c:
        raise KeyError(key)
    x, y = sorted((names.index(a), names.index(c)))
    fixed = next(k for k in range(len(names)) if k not in (x, y))
    return SliceSpec(key, x, y, fixed, len(names), classes if classes > 2 else 2)


SLICES: dict[str, SliceSpec] = {key: slice_spec(key, 2) for key in slice_keys(2)}


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
    loss: str = "cross_entropy",
    lambd: float = 0.0,
    theta: np.ndarray | None = None,
) -> np.ndarray:
    """J on the grid ``xs × ys`` of the slice, with the third parameter at ``fixed``.

    ``loss`` and ``lambd`` as in :func:`~gd_visualizer.core.propagate` (the cost the
    trainer descends: the loss's mean plus (λ/2m)·‖w‖²).  With more than two features,
    ``theta`` gives every held parameter's value (its entries on the axes are ignored).

    Returns an array of shape ``(len(ys), len(xs))`` (row-major, row j is
    ``ys[j]``), each entry the exact float64 cost (the mean of :func:`sample_losses`).
    The logits of a grid point are Z = θ_x·x̃_x + θ_y·x̃_y + fixed·x̃_f, with
    x̃ = (x1, x2, 1); rows are computed in blocks of at most ``max_block``
    logits to bound memory.
    """
    if isinstance(spec, str):
        spec = SLICES[spec]
    X = np.asarray(X, dtype=np.float64)
    m = X.shape[1]
    if spec.classes > 2:  # softmax regression (cross-entropy only)
        if theta is None:
            raise ValueError("a slice of softmax regression needs theta")
        J = softmax_cost_grid(X, Y, spec.classes, (spec.x_param, spec.y_param), xs, ys, theta)
        return J + l2_grid(spec, xs, ys, fixed, lambd, m, theta) if lambd else J
    Xt = np.vstack([X, np.ones((1, m))])  # x̃ = (x1, x2, 1)
    y = np.asarray(Y, dtype=np.float64).reshape(1, 1, m)
    xs = np.asarray(xs, dtype=np.float64)
    ys = np.asarray(ys, dtype=np.float64)
    xa, xc = Xt[spec.x_param], Xt[spec.y_param]
    held = _held_values(spec, fixed, theta)
    base = sum((v * Xt[k] for k, v in held.items()), np.zeros(m))
    along_x = xs[:, None] * xa[None, :]  # (nx, m)
    out = np.empty((len(ys), len(xs)))
    rows = max(1, max_block // max(1, len(xs) * m))
    for r0 in range(0, len(ys), rows):
        r1 = min(r0 + rows, len(ys))
        Z = along_x[None, :, :] + (ys[r0:r1, None] * xc[None, :] + base)[:, None, :]
        out[r0:r1] = np.mean(sample_losses(Z, y, loss), axis=-1)
    if lambd:
        out += l2_grid(spec, xs, ys, fixed, lambd, m, theta)
    return out


def _held_values(spec: SliceSpec, fixed: float, theta: np.ndarray | None) -> dict[int, float]:
    """Each held parameter's value: ``fixed`` for the one of a 3-parameter slice, else
    from ``theta``."""
    if theta is None:
        if spec.n_params != 3:
            raise ValueError("a slice of more than three parameters needs theta")
        return {spec.fixed_param: float(fixed)}
    theta = np.asarray(theta, dtype=float).ravel()
    return {k: float(theta[k]) for k in spec.held}


def l2_grid(
    spec: SliceSpec,
    xs: np.ndarray,
    ys: np.ndarray,
    fixed: float,
    lambd: float,
    m: int,
    theta: np.ndarray | None = None,
) -> np.ndarray:
    """(λ/2m)·‖w‖² on the grid of the slice (b is not regularized; each weight is an
    axis or held)."""
    n_w = spec.n_weights
    gx, gy = np.meshgrid(np.asarray(xs, float), np.asarray(ys, float))  # row j is ys[j]
    sq = np.zeros_like(gx)
    values = {spec.x_param: gx, spec.y_param: gy, **_held_values(spec, fixed, theta)}
    for index, value in values.items():
        if index < n_w:
            sq = sq + np.square(value)
    return lambd / (2.0 * max(m, 1)) * sq


def contour_segments(
    J: np.ndarray, xs: np.ndarray, ys: np.ndarray, levels: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Contour lines of a grid by marching squares, as line segments.

    Returns ``(x, y)`` arrays of even length: points 2k and 2k+1 are the ends
    of one segment (draw with ``connect="pairs"``).  Each end lies on a grid
    edge where J crosses the level, placed by linear interpolation.
    """
    J = np.asarray(J, dtype=np.float64)
    xs = np.asarray(xs, dtype=np.float64)
    ys = np.asarray(ys, dtype=np.float64)
    out_x: list[np.ndarray] = []
    out_y: list[np.ndarray] = []
    # corners of each cell: a=(j,i) b=(j,i+1) c=(j+1,i+1) d=(j+1,i)
    a, b, c, d = J[:-1, :-1], J[:-1, 1:], J[1:, 1:], J[1:, :-1]
    X0, X1 = np.meshgrid(xs[:-1], ys[:-1])[0], np.meshgrid(xs[1:], ys[:-1])[0]
    Y0, Y1 = np.meshgrid(xs[:-1], ys[:-1])[1], np.meshgrid(xs[:-1], ys[1:])[1]
    for level in np.atleast_1d(levels):
        # crossing points on the four edges (NaN where the edge is not crossed)
        with np.errstate(divide="ignore", invalid="ignore"):
            tb = (level - a) / (b - a)  # bottom edge a->b
            tr = (level - b) / (c - b)  # right edge b->c
            tt = (level - d) / (c - d)  # top edge d->c
            tl = (level - a) / (d - a)  # left edge a->d
        edges = [
            ((a < level) != (b < level), X0 + tb * (X1 - X0), Y0),
            ((b < level) != (c < level), X1, Y0 + tr * (Y1 - Y0)),
            ((d < level) != (c < level), X0 + tt * (X1 - X0), Y1),
            ((a < level) != (d < level), X0, Y0 + tl * (Y1 - Y0)),
        ]
        crossed = np.stack([e[0] for e in edges])  # (4, ny-1, nx-1)
        px = np.stack([e[1] for e in edges])
        py = np.stack([e[2] for e in edges])
        count = crossed.sum(axis=0)
        # two crossings: one segment; four (saddle): pair bottom-left and top-right edges
        two = count == 2
        if np.any(two):
            idx = np.argsort(~crossed[:, two], axis=0, kind="stable")[:2]
            cols = np.arange(idx.shape[1])
            sx, sy = px[:, two], py[:, two]
            seg_x = np.column_stack([sx[idx[0], cols], sx[idx[1], cols]]).ravel()
            seg_y = np.column_stack([sy[idx[0], cols], sy[idx[1], cols]]).ravel()
            out_x.append(seg_x)
            out_y.append(seg_y)
        four = count == 4
        if np.any(four):
            sx, sy = px[:, four], py[:, four]
            out_x.append(np.column_stack([sx[0], sx[3], sx[1], sx[2]]).ravel())
            out_y.append(np.column_stack([sy[0], sy[3], sy[1], sy[2]]).ravel())
    if not out_x:
        return np.empty(0), np.empty(0)
    return np.concatenate(out_x), np.concatenate(out_y)


@dataclass(frozen=True)
class SurfaceRequest:
    token: int
    X: np.ndarray
    Y: np.ndarray
    spec: SliceSpec
    xs: np.ndarray
    ys: np.ndarray
    fixed: float
    loss: str = "cross_entropy"
    lambd: float = 0.0
    theta: np.ndarray | None = None  # every held value (needed beyond two features)

    @property
    def held(self) -> tuple[float, ...]:
        """Where the slice is: the held parameters' values (equal for equal grids)."""
        if self.theta is None:
            return (float(self.fixed),)
        return tuple(float(self.theta[k]) for k in self.spec.held)


@dataclass(frozen=True)
class SurfaceResult:
    request: SurfaceRequest
    J: np.ndarray  # (len(ys), len(xs))
    contour_x: np.ndarray  # segment ends, in pairs
    contour_y: np.ndarray
    levels: np.ndarray
    sampled: int = 0  # J was averaged over this many of the samples (0: over all of them)


def surface_levels(J: np.ndarray, j_min: float | None = None, n: int = 12) -> np.ndarray:
    """``n`` contour levels J_min + d_k, the offsets d_k spaced geometrically.

    The offsets run from the 1% quantile of J - J_min on the grid (so about 1%
    of the grid lies inside the innermost contour: around an interior minimum
    it is a small closed curve) to the 95% quantile (the top of the colour
    scale).  Geometric spacing follows the valley: for a quadratic bowl each
    contour is a constant factor wider than the last, and on a surface that
    spans many decades (separable data) every decade gets its share.
    ``j_min`` defaults to the grid's minimum; pass the optimum's cost to place
    the levels relative to it.  Non-finite entries are ignored.  Always at
    least one level, increasing, every one above J_min.
    """
    J = np.asarray(J, dtype=np.float64)
    finite = J[np.isfinite(J)]
    if finite.size == 0:
        return np.array([0.0 if j_min is None else float(j_min)])
    lo = float(finite.min()) if j_min is None else float(j_min)
    d = finite - lo
    d = d[d > 0]
    if d.size == 0 or n < 1:
        return np.array([lo])
    d_hi = float(np.quantile(d, 0.95))
    # not below rounding noise of J, nor more than 9 decades under the top
    floor = max(d_hi * 1e-9, 64 * np.finfo(float).eps * abs(lo))
    d_lo = max(float(np.quantile(d, 0.01)), floor)
    if n == 1 or not d_hi > d_lo:
        return np.array([lo + max(d_hi, d_lo)])
    return lo + np.geomspace(d_lo, d_hi, int(n))


def slice_minimum(J: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> tuple[float, float, float]:
    """The grid point of the smallest finite J: ``(x, y, J)``.

    ``J`` has shape ``(len(ys), len(xs))`` as returned by :func:`cost_grid`.
    """
    J = np.asarray(J, dtype=np.float64)
    if J.shape != (len(ys), len(xs)):
        raise ValueError(f"J has shape {J.shape}, expected {(len(ys), len(xs))}")
    masked = np.where(np.isfinite(J), J, np.inf)
    k = int(np.argmin(masked))
    if not np.isfinite(masked.flat[k]):
        raise ValueError("J has no finite value")
    j, i = divmod(k, J.shape[1])
    return float(xs[i]), float(ys[j]), float(J[j, i])


#: the exact grid (other losses, crosses) averages J over at most this many samples
GENERAL_SAMPLES = 4000
#: … and softmax regression's over at most this many (K exponentials per sample)
SOFTMAX_SAMPLES = 1000
#: beyond this magnitude of data or parameters the fast float32 grid is not used
FLOAT32_SAFE = 1e30


def compute_surface(req: SurfaceRequest, exact: bool = False) -> SurfaceResult:
    """The surface of a request: fast (compressed samples, float32) unless ``exact``.

    Data or grids beyond what float32 holds (|x| or |θ| over 1e30) take the exact
    float64 path; a J that overflows even float64 is reported as inf (never NaN).
    """
    reach = max(abs(float(v)) for v in (req.xs[0], req.xs[-1], req.ys[0], req.ys[-1]))
    reach = max(reach, abs(float(req.fixed)))
    big = req.X.size and float(np.max(np.abs(req.X))) > FLOAT32_SAFE
    general = req.loss != "cross_entropy" or req.X.shape[0] != 2 or req.spec.classes > 2
    sampled = 0
    if exact or big or reach > FLOAT32_SAFE or general:
        # (the fast grid knows the cross-entropy of two features only: the rest is exact —
        # over a fixed random subset of the samples when there are many, so that a grid
        # takes about a second, not minutes)
        X, Y, m = req.X, req.Y, req.X.shape[1]
        most = SOFTMAX_SAMPLES if req.spec.classes > 2 else GENERAL_SAMPLES
        if general and not exact and m > most:
            keep = np.sort(np.random.default_rng(0).choice(m, most, replace=False))
            X, Y, sampled = X[:, keep], Y[:, keep], most
        with np.errstate(over="ignore", invalid="ignore"):
            J = cost_grid(X, Y, req.spec, req.xs, req.ys, req.fixed, loss=req.loss, theta=req.theta)
        if req.lambd:  # (λ/2m)·‖w‖² with the data's own m
            J = J + l2_grid(req.spec, req.xs, req.ys, req.fixed, req.lambd, m, req.theta)
        J = np.where(np.isnan(J), np.inf, J)
    else:
        samples = CompressedSamples.build(req.X, req.Y, max_weight=reach)
        J = fast_cost_grid(samples, req.spec, req.xs, req.ys, req.fixed)
        if req.lambd:
            J = J + l2_grid(req.spec, req.xs, req.ys, req.fixed, req.lambd, req.X.shape[1])
    levels = surface_levels(J)
    cx, cy = contour_segments(J, req.xs, req.ys, levels)
    return SurfaceResult(req, J, cx, cy, levels, sampled)


# -- fast grids ---------------------------------------------------------------------------


#: up to this many samples the fast grid uses the samples themselves (exact, no cells)
EXACT_MAX = 1024
#: cells as coarse as |w_k|·(cell width along x_k) ≤ SPREAD for both features at every grid
#: point; with the expansion to fourth order the relative error stays below 2e-4 (measured
#: where it is largest: dense cells where J is tiny; tests/test_fast_surface.py), ~1e-5
#: typically.  (The remainder is of sixth order in the spread for symmetric cells; the
#: time goes as 1/SPREAD².)
SPREAD = 1.2
#: the fine cells are this many times narrower than the cells the largest weight needs
FINE = 6
#: the coarsenings a grid point can use: fine cells per cell along a feature (each divides
#: the one two places on, so that coarse cells merge from finer ones)
LEVELS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096)
#: a grid uses at most this many levels per feature (the coarsest of them for all coarser)
MAX_LEVELS = 6
#: the product path computes e^t in float32 (which holds e^88) for logits up to this
PRODUCT_REACH = 80.0
#: float32 rounds t = θ·x̃ (three products, two sums) with an error of at most about
#: 5·2⁻²⁴·Σ|θ_i x̃_i|; up to this Σ that error would stay below 1e-4.  (The fast grid no
#: longer rounds logits: its exponents are float64, rounded only after the cancellation.)
FLOAT32_REACH = 1e-4 / (5 * 2.0**-24)

#: the moments (a, b) of a cell, E[d1^a d2^b] about its centroid, of orders 2, 3, 4
_MOMENTS = tuple((a, k - a) for k in (2, 3, 4) for a in range(k, -1, -1))
#: ... and the raw sums a cell is merged by: every (a, b) with a + b ≤ 4
_RAW = tuple((a, k - a) for k in range(5) for a in range(k, -1, -1))
#: which derivative each moment of _MOMENTS goes with: L'' (0), L''' (1) or L'''' (2)
_ORDER_OF = np.array([a + b - 2 for a, b in _MOMENTS])


def _taylor(a: int, b: int) -> float:
    """The coefficient of w1^a·w2^b·E[d1^a·d2^b] in E[δ^k]/k!, δ = w1·d1 + w2·d2."""
    import math

    return math.comb(a + b, a) / math.factorial(a + b)


def _binomial(n: int, k: int) -> int:
    import math

    return math.comb(n, k)


def _raw_sums(
    idx: np.ndarray,
    size: int,
    n: np.ndarray,
    d0: np.ndarray,
    d1: np.ndarray,
    moments: np.ndarray | None = None,
) -> np.ndarray:
    """Σ n·E[(d + δ)^(a, b)] per group ``idx`` for every (a, b) in _RAW: members of weight
    n at offset (d0, d1) from the group's corner with central moments ``moments`` (rows as
    _MOMENTS; points when None).  The offsets are bounded by the group's width: no
    cancellation."""
    pow0 = [np.ones_like(d0), d0]
    pow1 = [np.ones_like(d1), d1]
    for _ in range(3):
        pow0.append(pow0[-1] * d0)
        pow1.append(pow1[-1] * d1)
    central = {(0, 0): None}
    if moments is not None:
        central.update({p: moments[i] for i, p in enumerate(_MOMENTS)})
    out = np.empty((len(_RAW), size))
    for r, (a, b) in enumerate(_RAW):
        term = pow0[a] * pow1[b] * n
        for (i, j), m in central.items():
            if m is None or i > a or j > b:
                continue
            term = term + (_binomial(a, i) * _binomial(b, j)) * (pow0[a - i] * pow1[b - j] * m * n)
        out[r] = np.bincount(idx, term, size)
    return out


def _central(S: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The weight, the centroid's offset (u0, u1) from the corner and the central moments
    (rows as _MOMENTS) from the raw sums ``S`` (rows as _RAW) about the corner."""
    n = S[0]
    raw = {p: S[i] / n for i, p in enumerate(_RAW)}
    u0, u1 = raw[(1, 0)], raw[(0, 1)]
    pow0 = [np.ones_like(u0), -u0]
    pow1 = [np.ones_like(u1), -u1]
    for _ in range(3):
        pow0.append(pow0[-1] * -u0)
        pow1.append(pow1[-1] * -u1)
    out = np.empty((len(_MOMENTS), len(n)))
    for r, (a, b) in enumerate(_MOMENTS):
        acc = np.zeros_like(n)
        for i in range(a + 1):
            for j in range(b + 1):
                acc += (_binomial(a, i) * _binomial(b, j)) * pow0[a - i] * pow1[b - j] * raw[(i, j)]
        out[r] = acc
    out[0] = np.maximum(out[0], 0.0)  # variances (rounding of a single point's: 0)
    out[2] = np.maximum(out[2], 0.0)
    return n, u0, u1, out


def _fine_moments(
    idx: np.ndarray, size: int, d0: np.ndarray, d1: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each fine cell's count, centroid offset (u0, u1) and moments (rows as _MOMENTS) from
    its samples' offsets (d0, d1) from its corner: the covariance from six sums over the
    samples; the third moments 0 and the fourth from the covariance as for a normal
    distribution.  A fine cell is at least FINE times narrower than the cells a grid
    uses, so its own third and fourth moments make up at most (1/FINE)³ of a merged
    cell's, itself a correction of relative size ~1e-3: the closure costs nothing
    measurable and saves nine passes over the samples."""
    n = np.bincount(idx, minlength=size).astype(np.float64)
    u0 = np.bincount(idx, d0, size) / n
    u1 = np.bincount(idx, d1, size) / n
    c20 = np.maximum(np.bincount(idx, d0 * d0, size) / n - u0 * u0, 0.0)
    c11 = np.bincount(idx, d0 * d1, size) / n - u0 * u1
    c02 = np.maximum(np.bincount(idx, d1 * d1, size) / n - u1 * u1, 0.0)
    zero = np.zeros(size)
    moments = np.stack([
        c20, c11, c02, zero, zero, zero, zero,
        3 * c20 * c20, 3 * c20 * c11, c20 * c02 + 2 * c11 * c11, 3 * c02 * c11, 3 * c02 * c02,
    ])  # fmt: skip
    return n, u0, u1, moments


def _compact(key: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The occupied keys (ascending) and each key's index among them; without a sort when
    the key space is small."""
    if size <= 4 * len(key) + (1 << 16):
        counts = np.bincount(key, minlength=size)
        occupied = np.flatnonzero(counts)
        index = np.zeros(size, dtype=np.int64)
        index[occupied] = np.arange(len(occupied))
        return occupied, index[key]
    return np.unique(key, return_inverse=True)


@dataclass(frozen=True, eq=False)
class Cells:
    """Weighted representatives of the samples: centroid, class, weight n/m and central
    moments (rows as _MOMENTS) of each cell; ``cell`` its index on a grid of cells of ``d``
    fine cells."""

    Xt: np.ndarray  # (3, R): x̃ = (x1, x2, 1) of the centroids
    y: np.ndarray  # (R,) 0/1
    weight: np.ndarray  # (R,) n / m
    moments: np.ndarray | None  # (12, R), or None for points
    cell: np.ndarray | None = None  # (2, R) int64
    d: tuple[int, int] = (1, 1)


def _fingerprint(X: np.ndarray, Y: np.ndarray) -> tuple[float, ...]:
    """A cheap checksum of the data (one pass): sums, the Gram matrix, the labels'."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(Y, dtype=np.float64).ravel()
    return (*X.sum(axis=1), *(X @ X.T).ravel(), float(y.sum()), *(X @ y))


#: the CompressedSamples of the last few data sets (see CompressedSamples.build)
_BUILT: dict[tuple, tuple] = {}
_BUILT_LOCK = threading.Lock()
_BUILT_MAX = 4


@dataclass(frozen=True, eq=False)
class CompressedSamples:
    """The samples as weighted representatives for the cost surface.

    Few samples (up to :data:`EXACT_MAX`) are kept as they are: the grid is then exact.
    Many are binned per class on a fine grid over (x1, x2), each occupied fine cell
    summarized by its weight, centroid and central moments up to the fourth.  A grid
    point with weights (w1, w2) uses cells merged from those, as coarse as
    |w_k|·(cell width along x_k) ≤ :data:`SPREAD` allows for each feature: few cells
    where |w| is small, long ones across the axis whose weight is small.  The loss of a
    cell is n·[L(t) + L''(t)·E[δ²]/2 + L'''(t)·E[δ³]/6 + L''''(t)·E[δ⁴]/24] with t the
    centroid's logit and δ = w·(x - μ) (the first-order term vanishes), so the error is
    of fifth order in the spread of z inside a cell.  The merged cells are kept here (the
    data do not change between frames).
    """

    Xt: np.ndarray  # (3, R) fine representatives in x̃ = (x1, x2, 1)
    y: np.ndarray  # (R,) 0/1
    weight: np.ndarray  # (R,) n / m
    moments: np.ndarray | None  # (12, R) central moments (rows as _MOMENTS); None: points
    m: int
    cell: np.ndarray | None = None  # (2, R) the fine cell of each representative
    bins: tuple[int, int] = (1, 1)  # fine cells along x1, x2
    lo: np.ndarray | None = None  # (2,) the corner of the fine grid
    width: np.ndarray | None = None  # (2,) the fine cells' widths
    spread: float = SPREAD
    levels: dict | None = None  # (d1, d2) -> Cells, filled as grids need them

    def __post_init__(self) -> None:
        if self.levels is None:
            object.__setattr__(self, "levels", {})

    @property
    def exact(self) -> bool:
        """True when the grid is computed from the samples themselves."""
        return self.cell is None

    @classmethod
    def build(
        cls,
        X: np.ndarray,
        Y: np.ndarray,
        max_weight: float = 6.0,
        spread: float = SPREAD,
        cache: bool = True,
    ) -> CompressedSamples:
        """The representatives of (X, Y) for grids with |w_k| ≤ ``max_weight``.

        The last few results are kept (``cache``): the same arrays with the same contents
        (by a checksum) and a ``max_weight`` in the same power of two give the same
        object, whose merged cells are then already there.
        """
        key = None
        if cache:
            top = np.ceil(np.log2(max(float(max_weight), 1.0)))
            key = (id(X), id(Y), np.shape(X), np.shape(Y), float(top), float(spread))
            with _BUILT_LOCK:
                hit = _BUILT.get(key)
            if hit is not None:
                xref, yref, fingerprint, samples = hit
                if xref() is X and yref() is Y and fingerprint == _fingerprint(X, Y):
                    return samples
        samples = cls._build(X, Y, max_weight, spread)
        if key is not None:
            import weakref

            try:
                entry = (weakref.ref(X), weakref.ref(Y), _fingerprint(X, Y), samples)
            except TypeError:  # (not arrays: nothing to know them by)
                return samples
            with _BUILT_LOCK:
                _BUILT.pop(key, None)
                _BUILT[key] = entry
                while len(_BUILT) > _BUILT_MAX:
                    _BUILT.pop(next(iter(_BUILT)))
        return samples

    @staticmethod
    def clear_cache() -> None:
        """Forget the kept representatives (a benchmark's cold start)."""
        with _BUILT_LOCK:
            _BUILT.clear()

    @classmethod
    def _build(
        cls, X: np.ndarray, Y: np.ndarray, max_weight: float, spread: float
    ) -> CompressedSamples:
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(Y, dtype=np.float64).ravel()
        m = X.shape[1]
        if m <= EXACT_MAX:
            Xt = np.vstack([X, np.ones((1, m))])
            return cls(Xt, y, np.full(m, 1.0 / max(m, 1)), None, m)
        lo = X.min(axis=1)
        span = X.max(axis=1) - lo
        # fine cells for a max_weight rounded up to a power of two (so that a growing
        # extent rarely needs new ones): FINE of them per cell at the largest weight
        top = 2.0 ** np.ceil(np.log2(max(float(max_weight), 1.0)))
        B = np.clip(np.ceil(FINE * top * span / spread), 1, LEVELS[-1]).astype(np.int64)
        width = np.where(span > 0, span / B, 1.0)
        c = np.minimum(((X - lo[:, None]) / width[:, None]).astype(np.int64), B[:, None] - 1)
        key = (y.astype(np.int64) * B[0] + c[0]) * B[1] + c[1]
        uniq, inv = _compact(key, int(2 * B[0] * B[1]))
        d0, d1 = X - (lo[:, None] + c * width[:, None])  # within the fine cell: [0, width)
        n, u0, u1, moments = _fine_moments(inv, len(uniq), d0, d1)
        cell = np.vstack([(uniq // B[1]) % B[0], uniq % B[1]])
        mu = lo[:, None] + cell * width[:, None] + np.vstack([u0, u1])
        Xt = np.vstack([mu, np.ones((1, len(uniq)))])
        yr = (uniq // (B[0] * B[1])).astype(np.float64)
        return cls(
            Xt, yr, n / m, moments, m, cell, (int(B[0]), int(B[1])), lo, width, float(spread)
        )

    def level(self, w: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """For weights w: the coarsest level along x1 and along x2 (the number of fine
        cells per cell with |w|·(cell width) ≤ spread); 0 when exact."""
        a = np.abs(np.atleast_1d(np.asarray(w, dtype=np.float64)))
        if self.exact:
            zero = np.zeros(a.shape, dtype=np.int64)
            return zero, zero
        levels = np.asarray(LEVELS)
        out = []
        for k in (0, 1):
            with np.errstate(divide="ignore", invalid="ignore"):
                need = np.floor(self.spread / (a * self.width[k]))
            need = np.nan_to_num(need, nan=1.0, posinf=float(LEVELS[-1]))
            pos = np.searchsorted(levels, need, side="right") - 1
            out.append(levels[np.clip(pos, 0, None)])
        return out[0], out[1]

    def cells(self, d0: int, d1: int) -> Cells:
        """The cells of ``d0 × d1`` fine cells (the samples themselves when exact)."""
        key = (int(d0), int(d1))
        got = self.levels.get(key)
        if got is not None:
            return got
        fine = Cells(self.Xt, self.y, self.weight, self.moments, self.cell, (1, 1))
        if self.exact or key == (1, 1):
            got = fine
        else:  # merge from the smallest level already there whose cells nest in these
            source = fine
            for (a0, a1), c in list(self.levels.items()):
                if d0 % a0 == 0 and d1 % a1 == 0 and len(c.y) < len(source.y):
                    source = c
            got = self._merge(source, key)
        self.levels[key] = got
        return got

    def _merge(self, src: Cells, d: tuple[int, int]) -> Cells:
        B0 = -(-self.bins[0] // d[0])
        B1 = -(-self.bins[1] // d[1])
        c0 = src.cell[0] * src.d[0] // d[0]
        c1 = src.cell[1] * src.d[1] // d[1]
        key = (src.y.astype(np.int64) * B0 + c0) * B1 + c1
        uniq, inv = _compact(key, int(2 * B0 * B1))
        h0, h1 = d[0] * self.width[0], d[1] * self.width[1]
        v0 = src.Xt[0] - (self.lo[0] + c0 * h0)
        v1 = src.Xt[1] - (self.lo[1] + c1 * h1)
        raw = _raw_sums(inv, len(uniq), src.weight, v0, v1, src.moments)
        n, u0, u1, moments = _central(raw)
        cell = np.vstack([(uniq // B1) % B0, uniq % B1])
        mu0 = self.lo[0] + cell[0] * h0 + u0
        mu1 = self.lo[1] + cell[1] * h1 + u1
        Xt = np.vstack([mu0, mu1, np.ones(len(uniq))])
        return Cells(Xt, (uniq // (B0 * B1)).astype(np.float64), n, moments, cell, d)


def fast_cost_grid(
    samples: CompressedSamples,
    spec: SliceSpec | str,
    xs: np.ndarray,
    ys: np.ndarray,
    fixed: float,
    threads: int = 1,
    block: int = 1 << 16,
    backend: str | None = None,
) -> np.ndarray:
    """J on the grid ``xs × ys`` like :func:`cost_grid`, fast and within ~1e-4.

    The grid is cut into tiles of columns × rows whose points use the same cells (see
    :class:`CompressedSamples`).  On a tile the logit of cell r at column i, row j is
    t = a_ir + b_jr (the column's parameter times its feature, plus the row's and the
    held one's), so e^t = e^(a_ir)·e^(b_jr): one float32 product per entry instead of an
    exponential.  The exponents are float64 (a cancellation in a + b costs nothing),
    balanced so that neither factor overflows.  Then the loss log1p(e^t) (exact for tiny
    e^t), the derivatives L'', L''', L'''' from σ' = e^t/(1+e^t)², and the sums over the
    cells as matrix products.  A cell whose t exceeds :data:`PRODUCT_REACH` on a tile but
    is ≥ 0 on all of it uses softplus(t) = t + log1p(e^(-t)) (t summed in float64); cells
    with t on both sides are computed directly in float64 (tiles are halved first while
    many cells are like that).  Blocks of about ``block`` entries run on ``threads``
    threads; the result does not depend on it.  (The elementwise work releases the GIL,
    numpy's matrix-vector products hold it: on the 2-core machine two threads gained
    nothing measurable, hence one by default.)  The relative error is ≤ 1e-3 wherever
    J > 1e-12 (J itself is never rounded to 0): ~1e-6 with exact samples, ~1e-5 typically
    and 2e-4 at most measured with cells (tests/test_fast_surface.py).

    ``backend``: the cells' higher-order terms with numpy (``"numpy"``) or in one compiled
    pass (``"numba"``, :func:`gd_visualizer.core.kernels.surface_corrections`, 3× faster);
    None takes numba when it loads (it does for the trainer from
    :data:`~gd_visualizer.core.logistic.COMPILED_MIN` samples on, and cells are used only
    beyond :data:`EXACT_MAX`).  Both agree within float32 rounding.
    """
    if backend not in (None, "numpy", "numba"):
        raise ValueError(f"unknown backend {backend!r}")
    if isinstance(spec, str):
        spec = SLICES[spec]
    xs = np.asarray(xs, dtype=np.float64).ravel()
    ys = np.asarray(ys, dtype=np.float64).ravel()
    nx, ny = len(xs), len(ys)
    out = np.zeros((ny, nx))
    if nx == 0 or ny == 0:
        return out
    fixed = float(fixed)
    # w_k at (row j, column i) = col[i]·row[j] for the weights w1, w2 (on an axis or held);
    # the level of each column (row) for the weight it carries (1 for the others)
    weights, col_levels, row_levels = [], [], []
    one_x, one_y = np.ones(nx, dtype=np.int64), np.ones(ny, dtype=np.int64)
    for k in (0, 1):
        if spec.x_param == k:
            weights.append((xs, np.ones(ny)))
            col_levels.append(samples.level(xs)[k])
            row_levels.append(one_y)
        elif spec.y_param == k:
            weights.append((np.ones(nx), ys))
            col_levels.append(one_x)
            row_levels.append(samples.level(ys)[k])
        else:
            weights.append((np.full(nx, fixed), np.ones(ny)))
            col_levels.append(np.repeat(samples.level(fixed)[k], nx))
            row_levels.append(one_y)
    # at most MAX_LEVELS levels per feature (the coarsest cells are few: the finest of
    # them serve all coarser points)
    for k in (0, 1):
        used = np.unique(np.concatenate([col_levels[k], row_levels[k]]))
        if len(used) > MAX_LEVELS:
            cap = used[MAX_LEVELS - 1]
            col_levels[k] = np.minimum(col_levels[k], cap)
            row_levels[k] = np.minimum(row_levels[k], cap)
    Q = compiled = None
    if not samples.exact and backend != "numpy":
        compiled = compiled_kernels()
        if compiled is None and backend == "numba":
            raise RuntimeError(f"numba is not available: {compiled_kernels_error()}")
    if not samples.exact:  # per point: E[δ^k]/k! = Σ Q[(a, b)]·E[d1^a d2^b], as _MOMENTS
        w1 = weights[0][1][:, None] * weights[0][0][None, :]  # (ny, nx)
        w2 = weights[1][1][:, None] * weights[1][0][None, :]
        p1, p2 = [np.ones_like(w1)], [np.ones_like(w2)]
        for _ in range(4):
            p1.append(p1[-1] * w1)
            p2.append(p2[-1] * w2)
        Q = np.stack([_taylor(a, b) * p1[a] * p2[b] for a, b in _MOMENTS])  # (12, ny, nx)
        # where even the fine cells are too wide (|w|·width > spread: a max_weight below the
        # grid's, or the cap on the fine cells) the expansion beyond second order would
        # diverge: there the cells count with their covariance only
        wide = (np.abs(w1) * samples.width[0] > samples.spread) | (
            np.abs(w2) * samples.width[1] > samples.spread
        )
        Q[3:, wide] = 0.0
    col_key = np.stack(col_levels, axis=1)  # (nx, 2)
    row_key = np.stack(row_levels, axis=1)
    # fine levels first: coarser cells then merge from them, cheaper than from the fine ones
    pairs = sorted(
        (
            (tuple(int(v) for v in np.maximum(c, r)), c, r)
            for c in np.unique(col_key, axis=0)
            for r in np.unique(row_key, axis=0)
        ),
        key=lambda p: p[0][0] * p[0][1],
    )
    items: list = []
    tiles: list = []
    for (d0, d1), c, r in pairs:
        cols = np.flatnonzero(np.all(col_key == c, axis=1))
        rows = np.flatnonzero(np.all(row_key == r, axis=1))
        q = None if Q is None else Q[:, rows[:, None], cols[None, :]]
        cells = samples.cells(d0, d1)
        _plan_tile(items, tiles, spec, xs, ys, fixed, cols, rows, q, cells, block, compiled)
    if threads > 1 and len(items) > 1:
        from concurrent.futures import ThreadPoolExecutor

        def share(k: int) -> None:  # every threads-th item: about equal shares
            for run in items[k::threads]:
                run()

        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(share, range(threads)))
    else:
        for run in items:
            run()
    for cols, rows, res in tiles:
        out[np.ix_(rows, cols)] = res
    return out


def _plan_tile(
    items: list, tiles: list, spec: SliceSpec, xs: np.ndarray, ys: np.ndarray, fixed: float,
    cols: np.ndarray, rows: np.ndarray, Q: np.ndarray | None, cells: Cells, block: int,
    compiled=None,
) -> None:  # fmt: skip
    """Append the work of the tile of columns ``cols`` × rows ``rows`` (blocks of about
    ``block`` entries) to ``items`` and its result array to ``tiles``; ``Q`` its points'
    Taylor coefficients (12, nJ, nI), None with exact samples; ``compiled``: the numba
    kernels for the higher-order terms (None: numpy)."""
    s = 1.0 - 2.0 * cells.y  # t = s·z: the loss is softplus(t)
    PA = xs[cols][:, None] * (s * cells.Xt[spec.x_param])  # (nI, R): t = PA[i] + PB[j]
    PB = ys[rows][:, None] * (s * cells.Xt[spec.y_param]) + s * (fixed * cells.Xt[spec.fixed_param])
    hi = PA.max(axis=0) + PB.max(axis=0)
    lo = PA.min(axis=0) + PB.min(axis=0)
    low = hi <= PRODUCT_REACH  # e^t fits
    flip = ~low & (lo >= 0.0)  # e^(-t) fits, and t + log1p(e^(-t)) has no cancellation
    both = ~(low | flip)
    R = len(s)
    if 8 * np.count_nonzero(both) > R and len(cols) * len(rows) > 64:
        h = len(cols) // 2 if len(cols) >= len(rows) else len(rows) // 2
        halves = (
            ((slice(None), slice(None, h)), (slice(None), slice(h, None)))
            if len(cols) >= len(rows)
            else ((slice(None, h), slice(None)), (slice(h, None), slice(None)))
        )
        for along_rows, along_cols in halves:
            q = None if Q is None else Q[:, along_rows, along_cols]
            sub = (cols[along_cols], rows[along_rows], q)
            _plan_tile(items, tiles, spec, xs, ys, fixed, *sub, cells, block, compiled)
        return
    nI, nJ = len(cols), len(rows)
    res = np.zeros((nJ, nI))
    tiles.append((cols, rows, res))
    w = cells.weight
    M = None
    if Q is not None:  # n·moments; δ in t = s·z: the odd ones change sign with s
        M = cells.moments * w
        M[3:7] *= s
    direct = None
    if both.any():
        sel = np.flatnonzero(both)
        parts = [PA[:, sel], PB[:, sel], w[sel]] + ([] if M is None else [M[:, sel]])
        direct = tuple(np.ascontiguousarray(v) for v in parts)
        ok = np.flatnonzero(~both)
        PA, PB, w, flip = PA[:, ok], PB[:, ok], w[ok], flip[ok]
        M = None if M is None else M[:, ok]
    if flip.any():  # Σ n·t over the flipped cells, in float64; then e^(-t) for e^t
        wf = w[flip]
        res += (PA[:, flip] @ wf)[None, :] + (PB[:, flip] @ wf)[:, None]
        sign = np.where(flip, -1.0, 1.0)
        PA, PB = PA * sign, PB * sign
        if M is not None:
            M[3:7] *= sign  # L'''(t) = -L'''(-t); the others are even
    # the product path: e^t = A[i]·B[j], each factor at most e^(PRODUCT_REACH / 2); the
    # exponents are exact in float64, rounded to float32 (a relative error ≤ 1e-5 in e^t)
    Ro = PA.shape[1]
    if Ro:
        shift = 0.5 * (PA.max(axis=0) - PB.max(axis=0))
        A = np.exp((PA - shift).astype(np.float32, order="C"))  # (the product runs along r)
        B = np.exp((PB + shift).astype(np.float32, order="C"))
        wo = w.astype(np.float32)
        if M is None:
            Mo = None
        elif compiled is not None:  # a moment per row, read along r
            Mo = np.ascontiguousarray(M, dtype=np.float32)
        else:  # a moment per column, for numpy's matrix products
            Mo = np.ascontiguousarray(M.T, dtype=np.float32)
    ncol = max(1, min(nI, block // max(1, R)))
    nrow = max(1, min(nJ, block // max(1, ncol * R)))
    local = threading.local()

    def run(j0: int, i0: int) -> None:
        j1, i1 = min(nJ, j0 + nrow), min(nI, i0 + ncol)
        nb, ni = j1 - j0, i1 - i0
        N = nb * ni
        part = res[j0:j1, i0:i1]
        q = None if Q is None else Q[:, j0:j1, i0:i1]
        if Ro:
            bufs = getattr(local, "bufs", None)
            if bufs is None or bufs[0].size < nrow * ncol * Ro:
                bufs = local.bufs = [np.empty(nrow * ncol * Ro, np.float32) for _ in range(2)]
            E = bufs[0][: N * Ro].reshape(N, Ro)
            S = bufs[1][: N * Ro].reshape(N, Ro)
            np.multiply(A[None, i0:i1], B[j0:j1, None], out=E.reshape(nb, ni, Ro))
            np.log1p(E, out=S)  # exact for tiny e^t (log(1.0 + e) would round to 0)
            part += (S @ wo).reshape(nb, ni)
            if q is not None:
                if compiled is not None:
                    G = np.empty((N, len(_MOMENTS)), dtype=np.float32)
                    compiled.surface_corrections(E, Mo, G)
                else:
                    G = _corrections(E, S, Mo)
                part += np.einsum("jik,kji->ji", G.reshape(nb, ni, len(_MOMENTS)), q)
        if direct is not None:
            _direct(part, direct, i0, i1, j0, j1, q)

    for i0 in range(0, nI, ncol):
        for j0 in range(0, nJ, nrow):
            items.append(functools.partial(run, j0, i0))


def _corrections(E: np.ndarray, S: np.ndarray, M: np.ndarray) -> np.ndarray:
    """Σ_r L^(k)(t_r)·n_r·moment_r for every moment of _MOMENTS with its derivative
    (columns of the result, one row per point), from E = e^t and ``M`` the moments, one
    column each: L'' = σ' = e/(1+e)², L''' = σ'·(1-e)/(1+e) = σ'·(2/(1+e) - 1),
    L'''' = σ'·(1 - 6σ').  One matrix product per derivative (the moments that share it
    read it once), one reciprocal instead of three divisions.  Overwrites E and S."""
    G = np.empty((E.shape[0], len(_MOMENTS)), dtype=np.float32)
    np.add(E, 1.0, out=S)
    np.reciprocal(S, out=S)  # 1/(1+e)
    E *= S
    E *= S  # L''
    np.matmul(E, M[:, 0:3], out=G[:, 0:3])
    S *= 2.0
    S -= 1.0
    S *= E  # L'''
    np.matmul(S, M[:, 3:7], out=G[:, 3:7])
    np.multiply(E, -6.0, out=S)
    S += 1.0
    S *= E  # L''''
    np.matmul(S, M[:, 7:12], out=G[:, 7:12])
    return G


def _direct(part, direct, i0, i1, j0, j1, q) -> None:
    """Add the loss of cells whose logits span both signs and beyond PRODUCT_REACH, in
    float64: relu(t) + log1p(e^(-|t|)) (and the corrections)."""
    PA, PB, w, *rest = direct
    T = PA[None, i0:i1] + PB[j0:j1, None]  # (nb, ni, R)
    e = np.abs(T)
    positive = T >= 0
    T += e  # 2·relu(t): every term ≥ 0, no cancellation near J = 0
    part += 0.5 * (T @ w)
    np.negative(e, out=e)
    np.exp(e, out=e)  # e^(-|t|)
    part += np.log1p(e) @ w
    if q is not None:
        (M,) = rest
        u = e + 1.0
        L2 = e / u / u
        L3 = L2 * (1.0 - e) / u  # σ'·(1 - 2σ(t)) = σ'·tanh(-t/2): the sign of -t
        np.negative(L3, out=L3, where=positive)
        L4 = L2 * (1.0 - 6.0 * L2)
        for k, L in enumerate((L2, L2, L2, L3, L3, L3, L3, L4, L4, L4, L4, L4)):
            part += q[k] * (L @ M[k])
