"""A recorded run (or a race of runs) as an export sees it, and its summary (run.json);
Qt-free."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core import Dataset, HistoryView
from ..core.multiclass import softmax_accuracy, unpack_theta
from ..model.run import RUN_COLOURS, TrainingData, accuracy
from .scene import AxesHold, Clock, axes_hold, entry_at

VIEW_NAMES = ("boundary", "surface", "sigmoid", "cost")
#: the animations each export format writes beside the frames, the main one first: an animated
#: PNG (exact colours) plays in browsers; a GIF (256 colours) also plays in slide software
ANIMATION_FILES: dict[str, tuple[str, ...]] = {
    "apng": ("animation.png",),
    "gif": ("animation.gif",),
    "both": ("animation.png", "animation.gif"),
}


class ExportError(Exception):
    """An export that cannot start or cannot finish; the message says why."""


@dataclass(frozen=True)
class ExportSettings:
    out_dir: Path
    frames: int
    size: tuple[int, int] = (1280, 800)
    views: tuple[str, ...] = VIEW_NAMES
    frame_ms: int = 80
    overwrite: bool = False
    slice_key: str = "w1-w2"
    log_scale: bool = False
    format: str = "apng"  # a key of ANIMATION_FILES

    @property
    def animations(self) -> tuple[str, ...]:
        """The animation files this export writes (the main one first)."""
        return ANIMATION_FILES[self.format]


@dataclass(frozen=True)
class RunRecord:
    """Everything an export needs about one run (copies, never live arrays).

    In a race the record is the lead (its heatmap, sigmoid and caption are shown) and
    ``others`` are the other raced runs, trained on the same data from the same start.
    """

    dataset: Dataset
    X: np.ndarray  # as trained (standardized when that was on)
    Y: np.ndarray
    history: HistoryView
    standardized: bool
    divergence: str | None = None
    status: str = "descending"  # the trainer's verdict at the last entry
    extra: dict = field(default_factory=dict)  # more for run.json (dataset settings, …)
    optimizer: str = "gd"
    batch_size: int | None = None  # None: all m samples per update
    name: str = ""
    colour: str = RUN_COLOURS[0]
    others: tuple[RunRecord, ...] = ()
    loss: str = "cross_entropy"  # the cost every raced run descended …
    lambd: float = 0.0  # … with its L2 regularization λ
    crosses: bool = False  # X holds x₁², x₂², x₁x₂ after the two features

    @property
    def diverged(self) -> bool:
        return self.divergence is not None or self.status == "diverged"

    @property
    def classes(self) -> int:
        """K: 2 for logistic regression, more for softmax regression."""
        return max(2, self.dataset.n_classes)

    @property
    def verdict(self) -> str:
        """The status as run.json gives it ("diverged" whenever the run diverged)."""
        return "diverged" if self.diverged else self.status

    @property
    def runs(self) -> tuple[RunRecord, ...]:
        """Every raced run, the lead first (just this one when it races alone)."""
        return (self, *self.others)


def frame_indices(n_entries: int, k: int) -> np.ndarray:
    """K history indices spread evenly from the first entry to the last."""
    if k < 1 or n_entries < 1:
        raise ExportError("an export needs at least one frame and one recorded iteration")
    k = min(k, n_entries)
    if k == 1:
        return np.array([n_entries - 1])
    return np.unique(np.round(np.linspace(0, n_entries - 1, k)).astype(int))


def frame_name(i: int, k: int) -> str:
    """``frame_0001.png`` … (1-based, zero-padded to at least 4 digits)."""
    return f"frame_{i:0{max(4, len(str(k)))}d}.png"


@dataclass(frozen=True)
class RaceFrame:
    """One exported frame: where the clock stands, and the entry each run shows there."""

    clock: Clock
    entries: tuple[int, ...]  # per run of RunRecord.runs, the lead first


def clock_run(run: RunRecord) -> RunRecord:
    """The run the frames walk along: the longest of the race (the first of equals), so a
    run that stopped early (diverged at iteration 20) does not cut the animation short."""
    return max(run.runs, key=lambda r: int(r.history.iterations[-1]))


def race_frames(run: RunRecord, k: int) -> tuple[RaceFrame, ...]:
    """K frames spread evenly over the clock run's entries; at each, every run shows its
    last entry at or before the clock's iteration (see :func:`clock_run`)."""
    if any(len(r.history) == 0 for r in run.runs):
        raise ExportError("an export needs at least one frame and one recorded iteration")
    h = clock_run(run).history
    last = int(h.iterations[-1])
    frames = []
    for i in frame_indices(len(h), k):
        iteration = int(h.iterations[i])
        clock = Clock(int(i), len(h), iteration, last)
        frames.append(RaceFrame(clock, tuple(entry_at(r.history, iteration) for r in run.runs)))
    return tuple(frames)


def race_hold(run: RunRecord, data: TrainingData, slice_key: str) -> AxesHold:
    """Axis ranges held still over the whole export that hold every raced run."""
    holds = [axes_hold(r.history, data, slice_key) for r in run.runs]
    return AxesHold(
        last_iteration=max(h.last_iteration for h in holds),
        cost_range=(min(h.cost_range[0] for h in holds), max(h.cost_range[1] for h in holds)),
        zmax=holds[0].zmax,  # the sigmoid shows the lead only
        extent=max((h.extent for h in holds), key=lambda e: e[1] - e[0]),
    )


def rates_used(history: HistoryView) -> np.ndarray:
    """The rates of the updates made (the last entry's rate is the next update's)."""
    return history.learning_rates[:-1] if len(history) > 1 else history.learning_rates


def run_result(run: RunRecord) -> dict:
    """One run's settings and outcome as run.json gives them: each entry of "runs", and
    the lead's at the top level."""
    h = run.history
    w, b = h.weights[-1], float(h.biases[-1])
    if run.classes > 2:  # softmax regression: θ = (W, b) (see core.multiclass)
        theta = np.append(w, b)
        W, bk = unpack_theta(theta, run.classes, run.X.shape[0])
        params = {"W": W.tolist(), "b": bk.ravel().tolist()}
        score = softmax_accuracy(theta, run.X, run.Y, run.classes)
    else:
        params = {"w": [float(v) for v in w], "b": b}
        score = accuracy(w, b, run.X, run.Y)
    return {
        "name": run.name,
        "colour": run.colour,
        "optimizer": run.optimizer,
        "learning_rate": float(rates_used(h)[-1]),
        "batch_size": run.batch_size,
        **params,
        "cost": float(h.costs[-1]),
        "accuracy": score,
        "iterations": int(h.iterations[-1]),
        "status": run.verdict,
        "diverged": run.diverged,
    }


def animation_keys(animations: tuple[str, ...]) -> dict:
    """run.json's "animation" (the main one) and, when there are more, "animations" (all)."""
    keys: dict = {"animation": animations[0]}
    if len(animations) > 1:
        keys["animations"] = list(animations)
    return keys


def run_summary(run: RunRecord, settings: ExportSettings, frames: tuple[RaceFrame, ...]) -> dict:
    """run.json: the lead's outcome at the top level, every raced run's under "runs" (only
    when others race), and the frames (their iterations: the clock run's).

    "animation" names the main animation (animation.png, or animation.gif when that is the
    only one), as it always has; "animations" lists them all, only when there are two.
    """
    lead = run_result(run)
    ds = run.dataset
    summary = {
        "dataset": {
            "name": ds.name,
            "source": ds.source,
            "samples": ds.m,
            "feature_names": list(ds.feature_names),
            "class_names": list(ds.class_names),
            "standardized": run.standardized,
            **run.extra,
        },
        **{
            k: lead[k]
            for k in ("w", "W", "b", "cost", "accuracy", "iterations", "learning_rate")
            if k in lead
        },
        "learning_rates_used": sorted({float(v) for v in rates_used(run.history)}),
        "diverged": lead["diverged"],
        "status": lead["status"],
        "divergence": run.divergence,
        "history_stride": int(run.history.stride),
        "frames": {
            "count": len(frames),
            "width": settings.size[0],
            "height": settings.size[1],
            "frame_ms": settings.frame_ms,
            "views": [v for v in VIEW_NAMES if v in settings.views],
            "iterations": [f.clock.iteration for f in frames],
            "files": [frame_name(k + 1, len(frames)) for k in range(len(frames))],
        },
        **animation_keys(settings.animations),
    }
    if run.loss != "cross_entropy" or run.lambd != 0.0 or run.crosses or run.classes > 2:
        summary["loss"] = run.loss  # (only then: a plain run's run.json is as it was)
        summary["lambd"] = run.lambd
        summary["crosses"] = run.crosses
    if run.classes > 2:
        summary["classes"] = run.classes
    if run.others:
        summary["runs"] = [run_result(r) for r in run.runs]
    return summary
