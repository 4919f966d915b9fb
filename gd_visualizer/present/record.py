"""A recorded run as an export sees it, and its summary (run.json); Qt-free."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core import Dataset, HistoryView
from ..model.run import accuracy

VIEW_NAMES = ("boundary", "surface", "sigmoid", "cost")


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


@dataclass(frozen=True)
class RunRecord:
    """Everything an export needs about one run (copies, never live arrays)."""

    dataset: Dataset
    X: np.ndarray  # as trained (standardized when that was on)
    Y: np.ndarray
    history: HistoryView
    standardized: bool
    divergence: str | None = None
    status: str = "descending"  # the trainer's verdict at the last entry
    extra: dict = field(default_factory=dict)  # more for run.json (dataset settings, …)

    @property
    def diverged(self) -> bool:
        return self.divergence is not None or self.status == "diverged"


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


def run_summary(run: RunRecord, settings: ExportSettings, indices: np.ndarray) -> dict:
    h = run.history
    w, b = h.weights[-1], float(h.biases[-1])
    used = h.learning_rates[:-1] if len(h) > 1 else h.learning_rates
    ds = run.dataset
    return {
        "dataset": {
            "name": ds.name,
            "source": ds.source,
            "samples": ds.m,
            "feature_names": list(ds.feature_names),
            "class_names": list(ds.class_names),
            "standardized": run.standardized,
            **run.extra,
        },
        "w": [float(v) for v in w],
        "b": b,
        "cost": float(h.costs[-1]),
        "accuracy": accuracy(w, b, run.X, run.Y),
        "iterations": int(h.iterations[-1]),
        "learning_rate": float(used[-1]),
        "learning_rates_used": sorted({float(v) for v in used}),
        "diverged": run.diverged,
        "status": "diverged" if run.diverged else run.status,
        "divergence": run.divergence,
        "history_stride": int(h.stride),
        "frames": {
            "count": len(indices),
            "width": settings.size[0],
            "height": settings.size[1],
            "frame_ms": settings.frame_ms,
            "views": [v for v in VIEW_NAMES if v in settings.views],
            "iterations": [int(h.iterations[i]) for i in indices],
            "files": [frame_name(k + 1, len(indices)) for k in range(len(indices))],
        },
        "animation": "animation.png",
    }
