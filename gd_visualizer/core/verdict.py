"""The verdict on a run, in one word and one line, from what the run knows.

converged: ‖∇J‖ ≤ tolerance; descending: still improving (a separable run always is:
J has no minimum); oscillating: J keeps rising and falling without settling; diverged:
non-finite values, or J growing without bound.  Bounded oscillation is not divergence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .history import CostTrend


@dataclass(frozen=True)
class Facts:
    """What a trainer knows about its run when it is judged."""

    nonfinite_reason: str | None
    cost: float
    separable: bool
    gradient_norm: float
    tolerance: float
    converged_at: int | None
    iteration: int
    trend: CostTrend
    peak: float
    peak_iteration: int
    start_cost: float
    learning_rate: float  # the rate of the recent window


def judge(f: Facts) -> tuple[str, str, str | None]:
    """(status, status_text, divergence_reason) of a run from what it knows."""
    if f.nonfinite_reason is not None:
        return "diverged", f"diverged: {f.nonfinite_reason}", f.nonfinite_reason
    J = f.cost
    if f.separable:
        return (
            "descending",
            "separable: 100% of the training samples are classified correctly, so J has "
            "no minimum: the weights grow forever and the cost only approaches 0 "
            f"(J = {_num(J)})",
            None,
        )
    g = f.gradient_norm
    if g <= f.tolerance:
        at = f.converged_at if f.converged_at is not None else f.iteration
        tol = _exp(f"{f.tolerance:g}")
        return "converged", f"converged at iteration {at:,} (‖∇J‖ = {_sci(g)} ≤ {tol})", None
    trend = f.trend
    if trend.kind == "growing":
        reason = (
            f"J has grown from {_num(trend.low)} to {_num(J)} over the last "
            f"{trend.span:,} iterations without coming back "
            f"(learning rate {f.learning_rate:g})"
        )
        return "diverged", f"diverged: {reason}", reason
    peak, peak_it = f.peak, f.peak_iteration
    overshot = (
        peak_it < f.iteration and peak > 2.0 * max(f.start_cost, trend.high) and J > f.start_cost
    )
    if trend.kind == "descending":
        now = f"J = {_num(J)}, ‖∇J‖ = {_sci(g)}"
        if overshot:
            return (
                "descending",
                f"overshot to J = {_num(peak)} at iteration {peak_it:,}, coming back down: {now}",
                None,
            )
        return "descending", f"descending: {now}", None
    over = f"over the last {trend.span:,} iterations"
    if trend.span == 1:
        over = "in the last iteration"
    if trend.falls == 0.0:  # only rises so far: say so
        text = f"oscillating: J rose from {_num(trend.first)} to {_num(trend.last)} {over}"
    else:
        text = (
            f"oscillating: J rises and falls between {_num(trend.low)} and "
            f"{_num(trend.high)} {over}"
        )
    if overshot:
        text += f" (it overshot to J = {_num(peak)} at iteration {peak_it:,})"
    return "oscillating", text, None


def _num(x: float) -> str:
    """Three significant digits, thousands separated: 57,600; 246; 0.31; 8.1e-7."""
    x = float(x)
    if 1e3 <= abs(x) < 1e15:
        return f"{float(f'{x:.3g}'):,.0f}"
    return _exp(f"{x:.3g}")


def _sci(x: float) -> str:
    """Two significant digits in scientific notation: 8.1e-7, 2.3e-3, 1.2e1."""
    return _exp(f"{x:.1e}")


def _exp(s: str) -> str:
    """Drop the exponent's plus sign and leading zeros: 8.1e-07 -> 8.1e-7."""
    return re.sub(r"e([+-])0*(\d)", lambda m: "e" + m[1].replace("+", "") + m[2], s)
