"""The presenter: (run, view state, index) -> what every panel draws.

The window and the exporter both call these functions, so a label, an extent,
a grid size or a caption is decided in one place and the exported picture is
the picture shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..core import HistoryView, SliceSpec
from ..core.multiclass import softmax_scores, unpack_theta
from ..core.surface import SurfaceRequest, slice_keys, slice_spec
from ..model.run import RUN_COLOURS, RunStatus, TrainingData

#: cost-surface grid points per axis
SURFACE_GRID = 128
#: the surface's third parameter is followed in steps of this share of the extent
SURFACE_STEP = 0.01
#: the smallest half-width of the surface's square extent
MIN_HALF_EXTENT = 3.0
#: the extent reaches this factor beyond the path
EXTENT_MARGIN = 1.4

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def param_labels(spec: SliceSpec) -> tuple[str, str, str]:
    """The slice's (x, y, held) parameter names as the read-out writes them (w₁, not w1)."""
    return tuple(name.translate(_SUBSCRIPTS) for name in spec.labels)  # type: ignore[return-value]


class HistoryLike(Protocol):
    iterations: np.ndarray
    costs: np.ndarray
    weights: np.ndarray
    biases: np.ndarray
    dws: np.ndarray
    dbs: np.ndarray
    learning_rates: np.ndarray

    def __len__(self) -> int: ...


def theta(history: HistoryLike) -> np.ndarray:
    """(k, n_x + 1): every entry's parameters (w₁, w₂, b)."""
    return np.column_stack([history.weights, history.biases])


def slice_path(history: HistoryLike, spec: SliceSpec) -> tuple[np.ndarray, np.ndarray]:
    """The descent path in the coordinates of the slice ``spec``."""
    return _theta_column(history, spec.x_param), _theta_column(history, spec.y_param)


def _theta_column(history: HistoryLike, k: int) -> np.ndarray:
    """Entry k of θ = (w, b) over the history (a column of :func:`theta`, without
    stacking the whole history every frame)."""
    weights = history.weights
    return weights[:, k] if k < weights.shape[1] else np.asarray(history.biases)


def surface_extent(
    px: np.ndarray,
    py: np.ndarray,
    previous: tuple[float, float, float, float] | None = None,
) -> tuple[float, float, float, float]:
    """The square extent of the surface around the origin that holds the path.

    Kept when the path still fits; otherwise grown to EXTENT_MARGIN times the
    path's reach (and at least 1.5 times the previous extent, so that it grows
    in steps, not every frame).  Non-finite or huge values are clipped to what
    float64 grids can hold.
    """
    return extent_for(path_reach(px, py), previous)


def path_reach(px: np.ndarray, py: np.ndarray) -> float:
    """The largest |value| of a path's finite coordinates (0 for none), at most 1e150."""
    reach = 0.0
    for a in (px, py):
        finite = np.asarray(a, dtype=float)
        finite = finite[np.isfinite(finite)]
        if finite.size:
            reach = max(reach, float(np.max(np.abs(finite))))
    return min(reach, 1e150)


def extent_for(
    reach: float, previous: tuple[float, float, float, float] | None = None
) -> tuple[float, float, float, float]:
    """:func:`surface_extent` of a path whose :func:`path_reach` is ``reach``.  The half
    width returned is never below ``reach``: a path that fitted keeps fitting."""
    if previous is not None and reach <= previous[1]:
        return previous
    half = max(MIN_HALF_EXTENT, EXTENT_MARGIN * reach)
    if previous is not None:
        half = max(half, 1.5 * previous[1])
    half = min(half, 1e152)
    return (-half, half, -half, half)


def surface_request(
    data: TrainingData,
    spec: SliceSpec,
    extent: tuple[float, float, float, float],
    fixed: float,
    token: int = 0,
    loss: str = "cross_entropy",
    lambd: float = 0.0,
    theta: np.ndarray | None = None,
) -> SurfaceRequest:
    """The grid of the surface over ``extent`` with the third parameter at ``fixed`` (with
    more than two features: every held parameter as in ``theta``), of the cost the runs
    descend (``loss``, ``lambd``)."""
    xs = np.linspace(extent[0], extent[1], SURFACE_GRID)
    ys = np.linspace(extent[2], extent[3], SURFACE_GRID)
    theta = None if theta is None else np.asarray(theta, dtype=float).copy()
    return SurfaceRequest(
        token, data.X, data.Y, spec, xs, ys, float(fixed), loss, float(lambd), theta
    )


def slice_titles(n_x: int, classes: int = 2) -> dict[str, str]:
    """The slice chooser's entries for n_x features: "w₁, w₂ (b held)", … ; with more
    features or classes "w₁, w₃ (others held)", "W₁₁, b₂ (others held)"."""
    titles = {}
    for key in slice_keys(n_x, classes):
        spec = slice_spec(key, n_x, classes)
        x, y, held = param_labels(spec)
        titles[key] = f"{x}, {y} ({'others' if spec.n_params > 3 else held} held)"
    return titles


def history_spec(slice_key: str, history: HistoryLike, classes: int = 2) -> SliceSpec:
    """The slice ``slice_key`` of the θ a history records (w then b: n_x + 1 entries, or
    softmax regression's K·(n_x + 1))."""
    n_theta = np.shape(history.weights)[1] + 1
    n_x = n_theta - 1 if classes == 2 else n_theta // classes - 1
    return slice_spec(slice_key, n_x, classes)


def bucket(fixed: float, extent: tuple[float, float, float, float]) -> float:
    """The third parameter rounded to SURFACE_STEP of the extent (one surface per bucket)."""
    step = SURFACE_STEP * (extent[1] - extent[0])
    return round(fixed / step) * step if step > 0 else fixed


def surface_title(spec: SliceSpec, fixed: float, sampled: int = 0, m: int = 0) -> str:
    """The surface's title: the slice, and when J was averaged over a subset, which (on a
    second, smaller line: the title must not widen the plot past a narrow panel)."""
    _, _, fl = param_labels(spec)
    text = "Cost surface J — "
    text += "others held" if spec.n_params != 3 else f"{fl} = {fixed:.4g}"
    if sampled:
        text += f"<br><small>J over {sampled:,} of {m:,} samples</small>"
    return text


@dataclass(frozen=True)
class ColourScale:
    """The cost surface's colours for one run: log₁₀(J − J_ref + ε) between fixed levels.

    Relative to the lowest J seen, on a log scale, so the valley near the minimum is
    resolved (a linear scale paints it one colour); fixed for the run so colours can
    be compared while scrubbing.
    """

    j_ref: float
    eps: float
    lo: float
    hi: float

    def map(self, J: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            d = np.nan_to_num(np.asarray(J, dtype=float) - self.j_ref, nan=np.inf)
            return np.log10(np.clip(d, 0.0, 1e300) + self.eps)

    def holds(self, cost: float) -> bool:
        """Whether a cost is within the scale (else the scale is made anew): not above its
        top, and not clearly below its floor (with crosses the whole slice sinks as the
        held weights move)."""
        below = cost < self.j_ref - 1e-3 * 10.0**self.hi
        return bool(self.map(np.array([cost]))[0] <= self.hi + 1e-9) and not below


def colour_scale(J: np.ndarray) -> ColourScale:
    """The scale for a run from its first surface."""
    finite = np.asarray(J, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return ColourScale(0.0, 1e-12, -12.0, 0.0)
    j_ref = float(finite.min())
    top = float(np.quantile(finite, 0.99))
    eps = max((top - j_ref) * 1e-4, abs(j_ref) * 1e-9, 1e-300)
    lo, hi = float(np.log10(eps)), float(np.log10(min(top - j_ref, 1e300) + eps))
    if not hi > lo:
        hi = lo + 1.0
    return ColourScale(j_ref, eps, lo, hi)


def slice_note(spec: SliceSpec, through_end: bool) -> str:
    """What the slice is, in one line under the surface."""
    _, _, fl = param_labels(spec)
    where = "the last iteration" if through_end else "the iteration shown"
    if spec.n_params != 3:
        return (
            f"The path is projected onto the slice through {where}, every other weight and b "
            "held there; it crosses contours at odd angles where they change."
        )
    return (
        f"The path is projected onto the slice at {fl} of {where}; "
        f"it crosses contours at odd angles where {fl} changes."
    )


@dataclass(frozen=True)
class AxesHold:
    """Axis ranges held still across frames (exports), from the whole run."""

    last_iteration: float
    cost_range: tuple[float, float]  # of J (before any log)
    zmax: float  # the sigmoid's z-axis reaches ±zmax
    extent: tuple[float, float, float, float]


def entry_at(history: HistoryLike, iteration: int) -> int:
    """The last entry of ``history`` at or before ``iteration`` (0 when all are later)."""
    i = int(np.searchsorted(history.iterations, iteration, side="right")) - 1
    return max(0, min(i, len(history) - 1))


@dataclass(frozen=True, eq=False)
class Trace:
    """Another raced run, drawn in its colour beside the selected one at the same iteration."""

    name: str
    colour: str
    index: int  # its entry shown: the last one at or before the selected run's iteration
    iterations: np.ndarray
    costs: np.ndarray
    path_x: np.ndarray  # every entry in the slice's coordinates
    path_y: np.ndarray
    w: np.ndarray
    b: float
    verdict: str = ""
    key: object = None  # the run's key (its row in the runs panel)


def make_trace(
    history: HistoryLike,
    iteration: int,
    spec: SliceSpec,
    name: str,
    colour: str,
    verdict: str = "",
    key: object = None,
) -> Trace:
    """The trace of a raced run shown at ``iteration`` (its history must not be empty)."""
    i = entry_at(history, iteration)
    px, py = slice_path(history, spec)
    return Trace(
        name=name,
        colour=colour,
        index=i,
        iterations=history.iterations,
        costs=history.costs,
        path_x=px,
        path_y=py,
        w=np.array(history.weights[i], dtype=float),
        b=float(history.biases[i]),
        verdict=verdict,
        key=key,
    )


@dataclass(frozen=True)
class Clock:
    """Where the scrubber stands: entry ``index`` of ``length`` in the run it walks along
    (the longest of the race), at ``iteration`` of ``last_iteration``."""

    index: int
    length: int
    iteration: int
    last_iteration: int


@dataclass(frozen=True, eq=False)
class Scene:
    """Everything a panel needs to draw entry ``index`` of a run."""

    index: int
    iteration: int
    last_iteration: int
    w: np.ndarray  # (n_x,)
    b: float
    cost: float
    dw: np.ndarray
    db: float
    learning_rate: float  # the rate of the update from this entry
    iterations: np.ndarray  # every entry (the cost curve shows the run, marked at index)
    costs: np.ndarray
    spec: SliceSpec
    path_x: np.ndarray  # every entry in the slice's coordinates
    path_y: np.ndarray
    ghost_path: tuple[np.ndarray, np.ndarray] | None
    ghost_curve: tuple[np.ndarray, np.ndarray] | None
    log_scale: bool
    tight: bool  # axes fit the run (not playing) rather than growing in steps
    hold: AxesHold | None = None
    run_id: object = None  # changes when the run starts anew (a new colour scale)
    through_end: bool = False  # the surface slices through the last entry
    fixed_end: float = 0.0  # the third parameter at the last entry
    optimum: tuple[float, float] | None = None  # the minimum of J, when the run found it
    sample: int | None = None  # the chosen sample (ringed in the views), if any
    colour: str = RUN_COLOURS[0]  # the run's colour (its path, curve and line)
    name: str = ""  # the run's name (in legends when runs are raced)
    method: str = ""  # how it steps when not plain gradient descent ("Adam, batch 8")
    traces: tuple[Trace, ...] = ()  # the other visible runs of a race
    clock: Clock | None = None  # the scrubber (None: this run's own entries)
    loss: str = "cross_entropy"  # the cost the run descends: its loss …
    lambd: float = 0.0  # … and L2 regularization λ

    @property
    def scrubber(self) -> Clock:
        """The scrubber's position (this run's own when no race sets it)."""
        if self.clock is not None:
            return self.clock
        return Clock(self.index, len(self.iterations), self.iteration, self.last_iteration)

    @property
    def fixed(self) -> float:
        """The third parameter (the one the slice holds): at this entry, or at the last
        one when the slice is frozen there."""
        if self.through_end:
            return self.fixed_end
        return float(np.append(self.w, self.b)[self.spec.fixed_param])


def _ghosts(ghosts: list[HistoryView], spec: SliceSpec):
    if not ghosts:
        return None, None
    xs, ys, its, cs = [], [], [], []
    for g in ghosts:
        gx, gy = slice_path(g, spec)
        xs += [gx, [np.nan]]
        ys += [gy, [np.nan]]
        its += [g.iterations.astype(float), [np.nan]]
        cs += [g.costs, [np.nan]]
    return (
        (np.concatenate(xs), np.concatenate(ys)),
        (np.concatenate(its), np.concatenate(cs)),
    )


def make_scene(
    history: HistoryLike,
    index: int,
    slice_key: str,
    log_scale: bool = False,
    ghosts: list[HistoryView] | None = None,
    tight: bool = True,
    hold: AxesHold | None = None,
    run_id: object = None,
    through_end: bool = False,
    converged: bool = False,
    sample: int | None = None,
    colour: str = RUN_COLOURS[0],
    name: str = "",
    method: str = "",
    traces: tuple[Trace, ...] = (),
    clock: Clock | None = None,
    loss: str = "cross_entropy",
    lambd: float = 0.0,
    classes: int = 2,
) -> Scene:
    """The scene of history entry ``index`` (0 ≤ index < len(history)); ``classes`` K > 2
    for softmax regression's history."""
    spec = history_spec(slice_key, history, classes)
    px, py = slice_path(history, spec)
    ghost_path, ghost_curve = _ghosts(ghosts or [], spec)
    its = history.iterations
    return Scene(
        index=index,
        iteration=int(its[index]),
        last_iteration=int(its[-1]),
        w=np.array(history.weights[index], dtype=float),
        b=float(history.biases[index]),
        cost=float(history.costs[index]),
        dw=np.array(history.dws[index], dtype=float),
        db=float(history.dbs[index]),
        learning_rate=float(history.learning_rates[index]),
        iterations=its,
        costs=history.costs,
        spec=spec,
        path_x=px,
        path_y=py,
        ghost_path=ghost_path,
        ghost_curve=ghost_curve,
        log_scale=log_scale,
        tight=tight,
        hold=hold,
        run_id=(run_id, slice_key, through_end),
        through_end=through_end,
        fixed_end=float(_theta_column(history, spec.fixed_param)[-1]),
        # converged (‖∇J‖ ≤ tolerance): the last entry is the minimum, to the tolerance
        optimum=(float(px[-1]), float(py[-1])) if converged else None,
        sample=sample,
        colour=colour,
        name=name,
        method=method,
        traces=traces,
        clock=clock,
        loss=loss,
        lambd=lambd,
    )


def axes_hold(history: HistoryLike, data: TrainingData, slice_key: str) -> AxesHold:
    """Axis ranges for the whole run (exports keep every frame's axes still)."""
    spec = data.slice_spec(slice_key)
    t = theta(history)
    step = max(1, len(t) // 200)
    sample = np.vstack([t[::step], t[-1:]])
    with np.errstate(over="ignore", invalid="ignore"):
        if data.classes > 2:  # every class's score
            z = np.stack([softmax_scores(row, data.X, data.classes) for row in sample])
        else:
            z = sample[:, :-1] @ data.X + sample[:, -1:]
    z = z[np.isfinite(z)]
    zmax = float(np.max(np.abs(z))) if z.size else 6.0
    costs = np.asarray(history.costs, dtype=float)
    costs = costs[np.isfinite(costs)]
    lo, hi = (float(costs.min()), float(costs.max())) if costs.size else (0.0, 1.0)
    px, py = slice_path(history, spec)
    return AxesHold(
        last_iteration=float(history.iterations[-1]),
        cost_range=(lo, hi),
        zmax=min(1.1 * zmax, 1e300),
        extent=surface_extent(px, py),
    )


def fmt(value: float, digits: int = 4, scale: float = 0.0) -> str:
    """A number as a person reads it: ``digits`` significant digits, and 0 when it is
    below what the shown precision of ``scale`` can tell (−2.2e-18 beside 0.3 is 0)."""
    if not math.isfinite(value):
        return str(value)
    if scale and abs(value) < abs(scale) * 10.0 ** (-digits - 2):
        return "0"
    return f"{value:.{digits}g}"


def caption(data: TrainingData, scene: Scene, status: RunStatus | None = None) -> str:
    """One line over an exported frame (in a race: the scrubber's iteration, how many runs
    race, and whose values it gives)."""
    clock = scene.scrubber
    text = f"{data.dataset.name} · iteration {clock.iteration:,} of {clock.last_iteration:,} · "
    if scene.traces:  # the rate is in the run's name
        text += f"{len(scene.traces) + 1} runs race · {scene.name}: J = {scene.cost:.6g} · "
    else:
        method = f"{scene.method} · " if scene.method else ""
        text += f"J = {scene.cost:.6g} · {method}α = {scene.learning_rate:.4g} · "
    text += params_text(scene)
    if status is not None and scene.index == len(scene.iterations) - 1 and status.status:
        text += f" · {status.status}"
    return text


def percent(fraction: float) -> str:
    """A fraction as a percentage to 0.1 %, with more digits when that would read 100.0 %
    (or 0.0 %) for a fraction that is not exactly 1 (or 0)."""
    value = 100 * fraction
    for digits in range(1, 7):
        text = f"{value:.{digits}f}"
        if fraction in (0.0, 1.0) or float(text) not in (0.0, 100.0) or not math.isfinite(value):
            return f"{text} %"
    return f"{value:.6f} %"


#: the read-out's accuracy while it is counted for new data, and when counting failed
COUNTING = "…"
NOT_COUNTED = "—"


def accuracy_text(value: float, iteration: int | None = None) -> str:
    """The read-out's accuracy: "94.0 %"; counted for an earlier entry than the one shown,
    with that entry's iteration: "94.0 % (it. 1,500)"."""
    text = percent(value)
    return text if iteration is None else f"{text} (it. {iteration:,})"


def params_text(scene: Scene) -> str:
    """The parameters in one line: "w = (…) · b = …", for K classes "W = […] · b = (…)"."""
    if scene.spec.classes > 2:
        W, b = unpack_theta(np.append(scene.w, scene.b), scene.spec.classes, scene.spec.n_x)
        rows = "; ".join(", ".join(f"{v:.3g}" for v in row) for row in W)
        return f"W = [{rows}] · b = ({', '.join(f'{v:.3g}' for v in b.ravel())})"
    return f"w = ({', '.join(f'{v:.4g}' for v in scene.w)}) · b = {scene.b:.4g}"


def verdict_message(status: RunStatus) -> str:
    """The status bar's line for a verdict ("Diverged: …" when it diverged)."""
    text = status.status_text or status.stopped or status.divergence or ""
    if status.diverged and not text.lower().startswith("diverged"):
        text = f"Diverged: {text}"
    return text


def _classes_texts(scene: Scene, gscale: float) -> dict[str, str]:
    """Softmax regression's read-out rows: W and dW a row per class, b and db (empty for
    two classes)."""
    K, n_x = scene.spec.classes, scene.spec.n_x
    if K <= 2:
        return {}
    W, bk = unpack_theta(np.append(scene.w, scene.b), K, n_x)
    dW, dbk = unpack_theta(np.append(scene.dw, scene.db), K, n_x)

    def rows(M: np.ndarray, v: np.ndarray, scale: float = 0.0) -> str:
        def num(x: float) -> str:
            return fmt(float(x), 3, scale)

        pairs = zip(M, v.ravel(), strict=True)
        return "\n".join(f"({', '.join(num(x) for x in r)} | {num(c)})" for r, c in pairs)

    return {"W": rows(W, bk), "dW": rows(dW, dbk, gscale)}


def readout(data: TrainingData, scene: Scene, status: RunStatus | None) -> dict[str, str]:
    """The read-out's texts for a scene, but its accuracy (an O(m) count: see
    :func:`accuracy_text`)."""
    w, b, dw, db = scene.w, scene.b, scene.dw, scene.db
    g = np.abs(np.append(dw, db))
    top = float(np.max(g)) if g.size else 0.0
    # ‖∇J‖ scaled by its largest entry: finite whenever the entries are (1e155² overflows)
    grad = top * math.sqrt(float(np.sum((g / top) ** 2))) if 0 < top < math.inf else top
    gscale = max(float(np.max(np.abs(dw))), abs(db)) if dw.size else abs(db)
    raw = data.raw_coefficients(w, b)
    classes = _classes_texts(scene, gscale)
    if classes:  # softmax regression: W and b by class instead of w and b
        dw, db = np.empty(0), 0.0
    stable = "—"
    if status is not None and math.isfinite(status.stable_rate):  # nan: no such bound
        stable = f"α < {fmt(status.stable_rate, 3)} (always)"
        if math.isfinite(status.local_rate):
            stable += f"\nα < {fmt(status.local_rate, 3)} (here)"
    return {
        "iteration": f"{scene.iteration:,}",
        "cost": f"{scene.cost:.6g}",
        "w1": "" if classes else f"{w[0]:.6g}",
        "w2": "" if classes else f"{w[1]:.6g}",
        "crosses": "" if classes else ", ".join(f"{v:.4g}" for v in w[2:]),
        "b": "" if classes else f"{b:.6g}",
        "dw": ""
        if classes
        else "("
        + ", ".join(("\n" if k == 2 else "") + fmt(float(v), 4, gscale) for k, v in enumerate(dw))
        + ")",
        "db": "" if classes else fmt(db, 4, gscale),
        **(classes or dict.fromkeys(("W", "dW"), "")),
        "grad": fmt(grad),
        "lr": f"{scene.learning_rate:.4g}",
        "raw": "—" if raw is None else f"w = ({raw[0][0]:.4g}, {raw[0][1]:.4g})\nb = {raw[1]:.4g}",
        "stable": stable,
        "status": "—"
        if status is None
        else f"{status.status} (separable)"
        if status.separable
        else status.status,
    }
