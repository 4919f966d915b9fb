"""One run of gradient descent and the view of it, without Qt.

``Run`` holds the training data, the start point, the settings that steer the
trainer, the recorded history (mirrored from the worker), the abandoned
branches (ghosts) and the worker's last word on the run (``RunStatus``).
``ViewState`` holds what is shown: the history index, the surface slice and
the cost curve's scale.  Both announce changes with psygnal signals; only the
controller assigns to them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
from psygnal import Signal, evented

from ..core import Dataset, HistoryView, Standardization

#: the history's per-entry fields, in order (one place: HistoryView defines them)
HISTORY_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(HistoryView) if f.name != "stride")
#: the largest iteration budget the window offers
MAX_ITERATIONS = 100_000
#: the slices of the cost surface
SLICE_KEYS = ("w1-w2", "w1-b", "w2-b")


def accuracy(w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray) -> float:
    """Fraction of examples with (a > 0.5) = y, i.e. (wᵀx + b > 0) = y."""
    if X.shape[1] == 0:
        return float("nan")
    z = np.asarray(w, dtype=float).ravel() @ X + b
    return float(np.mean((z > 0) == (Y.ravel() > 0.5)))


@dataclass(frozen=True, eq=False)
class TrainingData:
    """The dataset and the (X, Y) the trainer uses (standardized when that is on)."""

    dataset: Dataset
    X: np.ndarray
    Y: np.ndarray
    standardization: Standardization | None = None

    @classmethod
    def from_dataset(cls, dataset: Dataset, standardize: bool) -> TrainingData:
        if standardize:
            std = dataset.standardization()
            return cls(dataset, std.apply(dataset.X), dataset.Y.copy(), std)
        return cls(dataset, dataset.X.copy(), dataset.Y.copy(), None)

    @property
    def standardized(self) -> bool:
        return self.standardization is not None

    @property
    def feature_labels(self) -> tuple[str, str]:
        """Axis labels of the data view: the features, marked when standardized."""
        a, b = self.dataset.feature_names
        if self.standardized:
            return f"{a} (standardized)", f"{b} (standardized)"
        return a, b

    def accuracy(self, w: np.ndarray, b: float) -> float:
        """:func:`accuracy` on the training data (the last answer is kept: the read-out
        asks again for the same entry many times)."""
        key = (tuple(np.asarray(w, dtype=float).ravel()), float(b))
        cached = self.__dict__.get("_accuracy")
        if cached is None or cached[0] != key:
            cached = (key, accuracy(w, b, self.X, self.Y))
            object.__setattr__(self, "_accuracy", cached)
        return cached[1]

    def raw_coefficients(self, w: np.ndarray, b: float) -> tuple[np.ndarray, float] | None:
        """The same boundary in the file's units (None when not standardized)."""
        if self.standardization is None:
            return None
        wr, br = self.standardization.to_raw(w, b)
        return wr.ravel(), br


class RunMirror:
    """The GUI thread's copy of the recorded run, fed by snapshot deltas.

    It reads like a :class:`HistoryView` (``.weights``, ``.costs``, … are
    read-only views of the first ``len(self)`` entries, valid until the next
    :meth:`apply`).
    """

    def __init__(self, n_x: int = 2) -> None:
        self.n_x = n_x
        self.revision = -1
        self.stride = 1
        self._n = 0
        self._arrays: dict[str, np.ndarray] = {}
        self._alloc(256)

    def _alloc(self, cap: int) -> None:
        old = self._arrays
        shapes = {"weights": (cap, self.n_x), "dws": (cap, self.n_x)}
        self._arrays = {
            k: np.zeros(shapes.get(k, (cap,)), dtype=np.int64 if k == "iterations" else float)
            for k in HISTORY_FIELDS
        }
        for k, a in old.items():
            self._arrays[k][: self._n] = a[: self._n]

    def __len__(self) -> int:
        return self._n

    def clear(self) -> None:
        self._n = 0
        self.revision = -1

    def apply(self, start: int, revision: int, history: HistoryView) -> None:
        """Entries from ``start`` on are replaced by ``history`` (all of them when
        the revision changed)."""
        start = start if revision == self.revision else 0
        start = min(start, self._n)
        n = start + len(history)
        cap = len(self._arrays["costs"])
        if n > cap:
            self._alloc(max(n, 2 * cap))
        for key, arr in self._arrays.items():
            arr[start:n] = getattr(history, key)
        self._n = n
        self.revision = revision
        self.stride = history.stride

    def array(self, key: str) -> np.ndarray:
        """A read-only view of the first len(self) entries (valid until the next apply)."""
        a = self._arrays[key][: self._n].view()
        a.flags.writeable = False
        return a

    def __getattr__(self, key: str) -> np.ndarray:
        if key in HISTORY_FIELDS:
            return self.array(key)
        raise AttributeError(key)

    def view(self, start: int = 0) -> HistoryView:
        """A copy of the entries from ``start`` on."""
        n = self._n
        return HistoryView(
            **{k: self._arrays[k][start:n].copy() for k in HISTORY_FIELDS}, stride=self.stride
        )


@dataclass(frozen=True)
class RunStatus:
    """The worker's last word on the run (copied from its newest snapshot)."""

    iteration: int = 0
    num_iterations: int = 0
    learning_rate: float = 0.0
    playing: bool = False
    finished: bool = False
    divergence: str | None = None  # set exactly when the verdict is "diverged"
    stopped: str | None = None  # why training stopped on a non-finite value
    stable_rate: float = math.inf  # guaranteed-stable bound 8/λmax(X̃X̃ᵀ/m)
    local_rate: float = math.inf  # 2/λmax of the Hessian at the newest state
    status: str = "descending"  # converged | descending | oscillating | diverged
    converged_at: int | None = None
    status_text: str = ""
    separable: bool = False

    @property
    def diverged(self) -> bool:
        return self.status == "diverged"


class Run:
    """One run.  Signals say what changed; the controller is the only writer."""

    dataChanged = Signal()
    historyChanged = Signal()
    ghostsChanged = Signal()
    statusChanged = Signal()
    playingChanged = Signal(bool)
    settingsChanged = Signal()

    def __init__(self) -> None:
        self.data: TrainingData | None = None
        #: the settings that steer the trainer
        self.learning_rate = 0.1
        self.budget = 1000
        self.speed = math.inf
        self.start: tuple[np.ndarray, float] = (np.zeros(2), 0.0)
        self.mirror = RunMirror()
        self.ghosts: list[HistoryView] = []
        self.status: RunStatus | None = None
        self.playing = False
        #: bumped at every reset or data change: older snapshots and surfaces are dropped
        self.generation = 0

    @property
    def history(self) -> RunMirror:
        return self.mirror

    def set_data(self, data: TrainingData) -> None:
        self.data = data
        self.generation += 1
        self.start = (np.zeros(data.X.shape[0]), 0.0)
        self.mirror = RunMirror(data.X.shape[0])
        self.ghosts = []
        self.status = None
        self.dataChanged.emit()
        self.ghostsChanged.emit()

    def restart(self, w: np.ndarray | None = None, b: float | None = None) -> None:
        """Back to the start point (a new one when given); history and ghosts cleared."""
        self.generation += 1
        if w is not None and b is not None:
            self.start = (np.asarray(w, dtype=float).ravel().copy(), float(b))
        self.mirror.clear()
        self.ghosts = []
        self.status = None
        self.ghostsChanged.emit()
        self.historyChanged.emit()

    def apply(self, start: int, revision: int, history: HistoryView, status: RunStatus) -> None:
        self.mirror.apply(start, revision, history)
        self.status = status
        self.historyChanged.emit()
        self.statusChanged.emit()

    def add_ghost(self, branch: HistoryView) -> None:
        self.ghosts.append(branch)
        self.ghostsChanged.emit()

    def set_settings(
        self,
        learning_rate: float | None = None,
        budget: int | None = None,
        speed: float | None = None,
    ) -> None:
        if learning_rate is not None:
            self.learning_rate = float(learning_rate)
        if budget is not None:
            self.budget = int(budget)
        if speed is not None:
            self.speed = float(speed)
        self.settingsChanged.emit()

    def set_playing(self, playing: bool) -> None:
        if playing != self.playing:
            self.playing = playing
            self.playingChanged.emit(playing)


@evented
@dataclass
class ViewState:
    """What is shown of the run: every panel draws from this and the run."""

    #: the history index shown; None follows the newest entry
    shown: int | None = None
    slice_key: str = "w1-w2"
    log_scale: bool = False
    #: the surface slices through the last entry (frozen) instead of the one shown
    through_end: bool = False
    #: the sample followed through the computation graph and ringed in every view
    sample: int = 0

    def shown_index(self, n: int) -> int | None:
        """The index drawn for a history of n entries (None when it is empty)."""
        if n == 0:
            return None
        return n - 1 if self.shown is None else min(self.shown, n - 1)
