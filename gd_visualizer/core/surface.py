"""The cost surface J over a 2-D slice of the parameters θ = (w1, …, wn, b): two of them
span the grid, the others are held (for two features: the third one)."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass

import numpy as np

from .logistic import sample_losses
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


@dataclass(frozen=True)
class CompressedSamples:
    """The samples as weighted representatives for the cost surface.

    With many samples, each class is binned on a ``bins × bins`` grid over
    (x1, x2) and every occupied bin becomes one representative at its centroid
    μ with weight n and within-bin covariance C.  The loss of the bin is then
    n·[L(θ·μ̃) + ½·σ'(θ·μ̃)·wᵀCw] (a second-order expansion around the centroid,
    whose first-order term vanishes), so the error is of fourth order in the
    spread of z inside a bin.  Small sample sets are kept exact (C = 0).
    """

    Xt: np.ndarray  # (3, R) representatives in x̃ = (x1, x2, 1)
    y: np.ndarray  # (R,) 0/1
    weight: np.ndarray  # (R,) n / m
    cov: np.ndarray  # (3, R): (cxx, 2·cxy, cyy) per representative
    m: int

    @property
    def exact(self) -> bool:
        return not np.any(self.cov)

    @classmethod
    def build(
        cls, X: np.ndarray, Y: np.ndarray, max_weight: float = 6.0, spread: float = 1.0
    ) -> CompressedSamples:
        """Bins fine enough that |w|·(bin width) ≤ ``spread`` for |w| ≤ ``max_weight``;
        the exact samples when binning would not compress them at least fourfold."""
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(Y, dtype=np.float64).ravel()
        m = X.shape[1]
        lo = X.min(axis=1, keepdims=True)
        hi = X.max(axis=1, keepdims=True)
        span = float(np.max(hi - lo))
        bins = int(np.clip(np.ceil(max(max_weight, 1.0) * span / spread), 8, 2048))
        width = np.where(hi > lo, (hi - lo) / bins, 1.0)
        cell = np.minimum(((X - lo) / width).astype(np.int64), bins - 1)
        key = (y.astype(np.int64) * bins + cell[0]) * bins + cell[1]
        uniq, inv, n = np.unique(key, return_inverse=True, return_counts=True)
        R = len(uniq)
        if 4 * R > m:
            Xt = np.vstack([X, np.ones((1, m))])
            return cls(Xt, y, np.full(m, 1.0 / m), np.zeros((3, m)), m)
        mu = np.vstack([np.bincount(inv, X[0], R), np.bincount(inv, X[1], R)]) / n
        d = X - mu[:, inv]
        cxx = np.bincount(inv, d[0] * d[0], R) / n
        cxy = np.bincount(inv, d[0] * d[1], R) / n
        cyy = np.bincount(inv, d[1] * d[1], R) / n
        yr = (uniq // (bins * bins)).astype(np.float64)
        Xt = np.vstack([mu, np.ones((1, R))])
        return cls(Xt, yr, n / m, np.vstack([cxx, 2 * cxy, cyy]), m)


#: float32 rounds t = θ·x̃ (three products, two sums) with an error of at most about
#: 5·2⁻²⁴·Σ|θ_i x̃_i|; up to this Σ that error stays below 1e-4, i.e. a relative error below
#: 1e-4 in e^(-|t|).  Grid points beyond it are computed in float64.
FLOAT32_REACH = 1e-4 / (5 * 2.0**-24)


def fast_cost_grid(
    samples: CompressedSamples,
    spec: SliceSpec | str,
    xs: np.ndarray,
    ys: np.ndarray,
    fixed: float,
    threads: int = 1,
    block: int = 1 << 16,
) -> np.ndarray:
    """J on the grid ``xs × ys`` like :func:`cost_grid`, fast and within ~1e-4.

    The logits of all grid points come from one matrix product Θ·X̃ (θ = (w1,
    w2, b) per grid point), the loss from one exponential per entry as
    relu(t) + log1p(e^(-|t|)) (log1p: exact as J -> 0, where log(1 + e) would
    round to 0), in blocks sized for the cache, on ``threads`` threads (numpy
    releases the GIL).  Blocks whose logits float32 computes to within 1e-4
    (|θ|·|x̃| up to :data:`FLOAT32_REACH`) run in float32; the others, far from
    the origin where cancellation in θ·x̃ would cost float32 its accuracy, in
    float64.  With exact samples the relative error is then ≤ 1e-3 wherever
    J > 1e-12 (J itself is never rounded to 0).
    """
    from concurrent.futures import ThreadPoolExecutor

    if isinstance(spec, str):
        spec = SLICES[spec]
    xs = np.asarray(xs, dtype=np.float64)
    ys = np.asarray(ys, dtype=np.float64)
    G = len(xs) * len(ys)
    theta = np.empty((G, 3))
    gx, gy = np.meshgrid(xs, ys)  # row-major: row j is ys[j]
    theta[:, spec.x_param] = gx.ravel()
    theta[:, spec.y_param] = gy.ravel()
    theta[:, spec.fixed_param] = fixed
    s = 1.0 - 2.0 * samples.y  # t = s·z: the loss is softplus(t)
    Xs = {np.float64: samples.Xt * s}  # (3, R)
    Xs[np.float32] = Xs[np.float64].astype(np.float32)
    w = {np.float64: samples.weight, np.float32: samples.weight.astype(np.float32)}
    th = {np.float64: theta, np.float32: theta.astype(np.float32)}
    # Σ|θ_i|·max|x̃_i| per grid point: what bounds float32's rounding of t
    reach = np.abs(theta) @ np.abs(samples.Xt).max(axis=1)
    second = None
    if not samples.exact:
        # wᵀCw per representative, as a product with (w1², w1·w2, w2²)
        q = np.column_stack([theta[:, 0] ** 2, theta[:, 0] * theta[:, 1], theta[:, 1] ** 2])
        cw = samples.cov * samples.weight
        second = {
            np.float64: (q, cw),
            np.float32: (q.astype(np.float32), cw.astype(np.float32)),
        }
    R = Xs[np.float64].shape[1]
    rows = max(1, min(G, block // max(1, R)))
    out = np.empty(G)

    local = threading.local()  # each thread's scratch blocks, reused: no page faults per block

    def scratch(dt: type, k: int) -> list[np.ndarray]:
        bufs = getattr(local, "bufs", {})
        local.bufs = bufs
        if dt not in bufs:
            bufs[dt] = [np.empty((rows, R), dtype=dt) for _ in range(2 if second is None else 3)]
        return [b[:k] for b in bufs[dt]]

    def work(g0: int) -> None:
        g1 = min(G, g0 + rows)
        dt = np.float32 if reach[g0:g1].max() <= FLOAT32_REACH else np.float64
        wt = w[dt]
        T, S, *rest = scratch(dt, g1 - g0)
        np.matmul(th[dt][g0:g1], Xs[dt], out=T)  # t = s·(θ·x̃); loss = relu(t) + log1p(e^(-|t|))
        np.maximum(T, 0.0, out=S)
        relu = S @ wt  # every term >= 0: no cancellation near J = 0
        np.abs(T, out=T)
        np.negative(T, out=T)
        np.exp(T, out=T)  # e = exp(-|t|)
        np.log1p(T, out=S)  # log(1 + e), exact for tiny e (log(1.0 + e) would round to 0)
        logsum = S @ wt
        if second is not None:
            # σ'(z) = e / (1 + e)² ; loss += ½ σ' · wᵀCw
            qt, cwt = second[dt]
            V = rest[0]
            np.matmul(qt[g0:g1], cwt, out=V)
            V *= T
            T += 1.0  # only a divisor from here on: its rounding is harmless
            V /= T
            V /= T
            logsum += 0.5 * V.sum(axis=1)
        out[g0:g1] = relu + logsum

    starts = range(0, G, rows)
    if threads > 1 and len(starts) > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(work, starts))
    else:
        for g0 in starts:
            work(g0)
    return out.reshape(len(ys), len(xs))
