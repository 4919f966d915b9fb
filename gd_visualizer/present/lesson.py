"""What the step-up-close panels say (Qt-free): the computation graph's numbers, the
step arrow, the cut through the current point, the loop against np.dot, the shapes.

Every number comes from :mod:`gd_visualizer.core`; this module only decides how
it is written, so the window and any export write it the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core import LoopComparison, sample_graph
from ..model.run import TrainingData
from .scene import Scene, fmt

#: the parameters a cut can run along, as θ = (w₁, w₂, b) indexes them (two features)
CUT_PARAMS = ("w₁", "w₂", "b")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def cut_params(n_x: int) -> tuple[str, ...]:
    """θ's names for n_x features: w₁ … wₙ, b."""
    return (*(f"w{k + 1}".translate(_SUB) for k in range(n_x)), "b")


#: points on the cut J(θₚ)
CUT_POINTS = 121
#: the loop is timed on at most this many samples (a Python loop over 10⁶ takes seconds)
LOOP_LIMIT = 20_000
#: the loop's animation steps one sample at a time for this many samples, then leaps
ANIMATION_SINGLE = 12
#: the loop's animation has at most this many stops
ANIMATION_STOPS = 120


#: each loss as the graph writes it: L(a, y), then da = ∂L/∂a and dz = ∂L/∂z
LOSS_FORMS = {
    "cross_entropy": ("−[y log a + (1−y) log(1−a)]", "−y/a + (1−y)/(1−a)", "a − y"),
    "l2": ("(a − y)²", "2(a − y)", "da·a(1 − a)"),
    "l1": ("|a − y|", "sign(a − y)", "da·a(1 − a)"),
}
#: the per-example loss curves' names: (y = 1, y = 0)
LOSS_CURVE_NAMES = {
    "cross_entropy": ("−log a", "−log(1 − a)"),
    "l2": ("(1 − a)²", "a²"),
    "l1": ("1 − a", "a"),
}


#: what the per-example loss view says under its plot, per loss
LOSS_NOTES = {
    "cross_entropy": "A confident mistake (a near 1 for y = 0, or near 0 for y = 1) costs without "
    "bound: −log(1 − a) → ∞ as a → 1.  Every sample is on its class's curve.",
    "l2": "A confident mistake costs at most 1: (a − y)² ≤ 1, and its gradient "
    "dz = 2(a − y)·a(1 − a) vanishes as a → 0 or 1 — a run that starts confidently wrong barely "
    "moves (the plateaus of the surface).  This is why logistic regression uses the cross-entropy.",
    "l1": "A confident mistake costs at most 1: |a − y| ≤ 1, and its gradient "
    "dz = sign(a − y)·a(1 − a) vanishes as a → 0 or 1 — a run that starts confidently wrong barely "
    "moves (the plateaus of the surface).  This is why logistic regression uses the cross-entropy.",
}


@dataclass(frozen=True)
class GraphTexts:
    """The computation graph of one step, as text on its nodes and edges."""

    header: str
    nodes: dict[str, str]  # x1, x2, w1, w2, b, z, a, L
    backward: dict[str, str]  # the backward edge into each node: a, z, w1, w2, b
    footer: list[str] = field(default_factory=list)


def chosen_sample(data: TrainingData, scene: Scene) -> int:
    """The sample the graph follows (the first when none was chosen)."""
    i = 0 if scene.sample is None else int(scene.sample)
    return min(max(i, 0), data.X.shape[1] - 1)


def graph_texts(data: TrainingData, scene: Scene, all_samples: bool = False) -> GraphTexts:
    """The numbers of the graph at the shown iteration: sample i's pass, or (with
    ``all_samples``) the average over all m samples and the update it makes."""
    i = chosen_sample(data, scene)
    x = data.X[:, i]
    y = float(data.Y[0, i])
    g = sample_graph(scene.w, scene.b, x, y, scene.loss)
    L_form, da_form, dz_form = LOSS_FORMS[scene.loss]
    m = data.X.shape[1]
    name = data.dataset.class_names[int(y)]
    header = f"sample i = {i + 1:,} of {m:,} ({name}, y = {y:g}) · iteration {scene.iteration:,}"
    nodes = {
        "x1": f"x₁ = {fmt(x[0])}",
        "x2": f"x₂ = {fmt(x[1])}",
        "w1": f"w₁ = {fmt(scene.w[0])}",
        "w2": f"w₂ = {fmt(scene.w[1])}",
        "b": f"b = {fmt(scene.b)}",
        "z": f"z = w₁x₁ + w₂x₂{' + …' if x.size > 2 else ''} + b\n= {fmt(g['z'])}",
        "a": f"a = σ(z)\n= {fmt(g['a'], 6)}",
        "L": f"L = {L_form}\n= {fmt(g['L'])}",
    }
    backward = {
        "a": f"da = {da_form} = {fmt(g['da'])}",
        "z": f"dz = {dz_form} = {fmt(g['dz'])}",
        "w1": f"dw₁ = x₁·dz = {fmt(g['dw'][0, 0])}",
        "w2": f"dw₂ = x₂·dz = {fmt(g['dw'][1, 0])}",
        "b": f"db = dz = {fmt(g['db'])}",
    }
    crossed = _crossed_lines(data, x, scene.w, g["dw"][:, 0])
    if not all_samples:
        return GraphTexts(header, nodes, backward, crossed)
    # all m samples: the same graph for every column, averaged, then one update
    nodes["z"] = f"Z = wᵀX + b  (1, {m:,})\nsample i: {fmt(g['z'])}"
    nodes["a"] = f"A = σ(Z)  (1, {m:,})\nsample i: {fmt(g['a'], 6)}"
    reg = scene.lambd > 0  # J + (λ/2m)‖w‖², dw + (λ/m)·w
    nodes["L"] = f"J = (1/m) Σ L⁽ⁱ⁾{' + (λ/2m)‖w‖²' if reg else ''}\n= {fmt(scene.cost)}"
    dw, db, lr = scene.dw, scene.db, scene.learning_rate
    share = g["dw"][:, 0] / m
    backward["a"] = f"da⁽ⁱ⁾ = {fmt(g['da'])}"
    dZ = "A − Y" if scene.loss == "cross_entropy" else "dA ⊙ A(1 − A)"
    backward["z"] = f"dZ = {dZ}  (1, {m:,});  dz⁽ⁱ⁾ = {fmt(g['dz'])}"
    backward["w1"] = f"dw₁ = (1/m) Σ x₁⁽ⁱ⁾dz⁽ⁱ⁾{' + (λ/m)·w₁' if reg else ''} = {fmt(dw[0])}"
    backward["w2"] = f"dw₂ = (1/m) Σ x₂⁽ⁱ⁾dz⁽ⁱ⁾{' + (λ/m)·w₂' if reg else ''} = {fmt(dw[1])}"
    backward["b"] = f"db = (1/m) Σ dz⁽ⁱ⁾ = {fmt(db)}"
    footer = [
        f"sample i's share of the sums: x₁dz/m = {fmt(share[0])}, "
        f"x₂dz/m = {fmt(share[1])}, dz/m = {fmt(g['db'] / m)}",
        f"w₁ := w₁ − α·dw₁ = {fmt(scene.w[0])} − {fmt(lr)} × {fmt(dw[0])} "
        f"= {fmt(scene.w[0] - lr * dw[0], 6)}",
        f"w₂ := w₂ − α·dw₂ = {fmt(scene.w[1])} − {fmt(lr)} × {fmt(dw[1])} "
        f"= {fmt(scene.w[1] - lr * dw[1], 6)}",
        f"b := b − α·db = {fmt(scene.b)} − {fmt(lr)} × {fmt(db)} = {fmt(scene.b - lr * db, 6)}",
    ]
    if crossed:
        footer.append(f"w₃, w₄, w₅ likewise, with dw₃…dw₅ = {_values(dw[2:])}")
    return GraphTexts(header, nodes, backward, footer)


def _values(v: np.ndarray) -> str:
    return ", ".join(fmt(float(a)) for a in v)


def _crossed_lines(data: TrainingData, x: np.ndarray, w: np.ndarray, dw: np.ndarray) -> list[str]:
    """With feature crosses: the graph draws x₁ and x₂; the crosses' numbers as text."""
    if x.size <= 2:
        return []
    names = ", ".join(data.weight_names[2:])
    return [
        f"crosses (standardized like the features): x₃…x₅ = {_values(x[2:])}",
        f"their weights {names} = {_values(w[2:])}; dw₃…dw₅ = xⱼ·dz = {_values(dw[2:])}",
    ]


def gradient(scene: Scene) -> np.ndarray:
    """∇J at the scene's entry as θ = (w₁, w₂, b) orders it."""
    return np.append(scene.dw, scene.db)


def step_arrow(scene: Scene) -> tuple[float, float, float, float]:
    """The step −α∇J from the shown point, in the slice's coordinates: (x0, y0, x1, y1)."""
    g = gradient(scene)
    spec, lr = scene.spec, scene.learning_rate
    x0, y0 = float(scene.path_x[scene.index]), float(scene.path_y[scene.index])
    return x0, y0, x0 - lr * float(g[spec.x_param]), y0 - lr * float(g[spec.y_param])


def cut_values(scene: Scene, param: int) -> np.ndarray:
    """Where the cut J(θₚ) is evaluated: around the current θₚ, wide enough to show
    the curve's bend (at least ±2, or half the value's size)."""
    centre = float(np.append(scene.w, scene.b)[param])
    half = max(2.0, 0.5 * abs(centre), 4.0 * abs(scene.learning_rate * gradient(scene)[param]))
    return np.linspace(centre - half, centre + half, CUT_POINTS)


def tangent(scene: Scene, param: int, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The tangent of J(θₚ) at the point: slope ∂J/∂θₚ (the gradient's component),
    drawn over the middle half of the cut."""
    centre = float(np.append(scene.w, scene.b)[param])
    quarter = (float(values[-1]) - float(values[0])) / 4
    xs = np.array([centre - quarter, centre + quarter])
    return xs, scene.cost + gradient(scene)[param] * (xs - centre)


def slope_text(scene: Scene, param: int) -> str:
    name = cut_params(scene.w.size)[param]
    d = "db" if param == scene.w.size else f"d{name}"
    return (
        f"J({name}) with the others held · at {name} = {fmt(np.append(scene.w, scene.b)[param])} "
        f"the tangent's slope is {d} = ∂J/∂{name} = {fmt(gradient(scene)[param])}"
    )


def loop_report(c: LoopComparison) -> str:
    """The loop against np.dot, in two lines."""
    on = (
        f"{c.samples:,} samples"
        if c.samples == c.total
        else (f"the first {c.samples:,} of {c.total:,} samples")
    )
    verdict = "agree" if c.agree else "DIFFER"
    return (
        f"Two for-loops (propagate_loop): {_duration(c.loop_seconds)} · "
        f"vectorized (np.dot): {_duration(c.vector_seconds)} · "
        f"{c.speedup:,.0f}× faster, on {on}\n"
        f"They {verdict}: the largest difference in J, dw, db is {c.max_difference:.1e}"
    )


def loop_scope(scene: Scene) -> str:
    """What the loops compute, when the runs descend another cost: the notes' loops are of
    the cross-entropy without λ, and the comparison says so ("" for the course's cost)."""
    if scene.loss == "cross_entropy" and scene.lambd == 0:
        return ""
    other = {"l2": "the L2 loss", "l1": "the L1 loss"}.get(scene.loss, "the cross-entropy")
    reg = f" with λ = {scene.lambd:g}" if scene.lambd else ""
    return (
        f"\n(The notes' loops compute the cross-entropy's J, dw and db without λ, at the shown "
        f"w and b; the runs now descend {other}{reg}.)"
    )


def _duration(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


def shapes_html(n_x: int, m: int) -> str:
    """The shapes of the vectorized pass for this data, and the notes' rank-1 warning."""
    rows = [
        ("X", f"({n_x}, {m:,})", "one example per column"),
        ("w", f"({n_x}, 1)", "a column vector"),
        ("wᵀX", f"(1, {m:,})", "np.dot(w.T, X)"),
        ("b", "scalar", f"broadcast to (1, {m:,}) when added"),
        ("Z, A, dZ", f"(1, {m:,})", "A = σ(Z), dZ = A − Y"),
        ("dw", f"({n_x}, 1)", "(1/m) np.dot(X, dZ.T)"),
        ("db", "scalar", "(1/m) np.sum(dZ)"),
    ]
    body = "".join(
        f"<tr><td><b>{a}</b></td><td>{s}</td><td>{note}</td></tr>" for a, s, note in rows
    )
    return (
        f"<table cellspacing='6'>{body}</table>"
        f"<p>Beware rank-1 arrays: np.random.randn({m:,}) has shape ({m:,},), which is "
        f"neither a row nor a column and transposes to itself; write "
        f"np.random.randn(1, {m:,}) or reshape, and assert the shapes you expect.</p>"
    )


def animation_stops(m: int) -> np.ndarray:
    """The sample counts the loop's animation shows: one at a time at first, then in
    growing leaps to m (so the whole loop plays in a few seconds at any m)."""
    single = np.arange(0, min(m, ANIMATION_SINGLE) + 1)
    if m <= ANIMATION_SINGLE:
        return single
    rest = np.geomspace(ANIMATION_SINGLE, m, ANIMATION_STOPS - ANIMATION_SINGLE)
    return np.unique(np.concatenate([single, np.round(rest).astype(int), [m]]))


def loop_step_text(
    stop: int, m: int, sums: tuple[np.ndarray, float], final: tuple[np.ndarray, float] | None
) -> str:
    """The loop's running sums after ``stop`` samples (and, at the end, np.dot's result)."""
    sw, sb = sums
    text = (
        f"for i = 1 … {stop:,} of {m:,}:  dw₁ += x₁⁽ⁱ⁾dz⁽ⁱ⁾, dw₂ += x₂⁽ⁱ⁾dz⁽ⁱ⁾, db += dz⁽ⁱ⁾\n"
        f"running sums: dw₁ = {fmt(sw[0])}, dw₂ = {fmt(sw[1])}, db = {fmt(sb)}"
    )
    if final is not None:
        dw, db = final
        text += (
            f"\nthen ÷ m: dw = ({fmt(sw[0] / m)}, {fmt(sw[1] / m)}), db = {fmt(sb / m)}\n"
            f"one np.dot: dw = (1/m)·X·dZᵀ = ({fmt(dw[0])}, {fmt(dw[1])}), "
            f"db = (1/m)·Σ dZ = {fmt(db)}"
        )
    return text
