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
from ..core.features import CROSS_NAMES, Crosses
from ..core.multiclass import softmax_accuracy, theta_size
from ..core.surface import SliceSpec, slice_keys, slice_spec
from .commands import LaneSpec

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
    """The dataset and the (X, Y) the trainer uses (standardized when that is on).

    With feature crosses, X has five rows: the two features as the data view shows them,
    then x₁², x₂², x₁x₂ (see :class:`~gd_visualizer.core.features.Crosses`).
    """

    dataset: Dataset
    X: np.ndarray
    Y: np.ndarray
    standardization: Standardization | None = None
    crosses: Crosses | None = None

    @classmethod
    def from_dataset(
        cls, dataset: Dataset, standardize: bool, crosses: bool = False
    ) -> TrainingData:
        # (no samples: nothing to standardize by, the drawing starts empty)
        std = dataset.standardization() if standardize and dataset.m else None
        crosses = crosses and dataset.n_classes <= 2  # (softmax regression: two features)
        shown = std.apply(dataset.X) if std is not None else dataset.X.copy()
        if not crosses:
            return cls(dataset, shown, dataset.Y.copy(), std)
        cross = Crosses.fit(shown, standardize and dataset.m > 0)
        return cls(dataset, cross.features(shown), dataset.Y.copy(), std, cross)

    @property
    def classes(self) -> int:
        """K: 2 for logistic regression, 3 for softmax regression on three classes."""
        return max(2, self.dataset.n_classes)

    @property
    def n_w(self) -> int:
        """The length of a history's w: n_x weights, or for K > 2 classes softmax
        regression's θ = (W, b) but its last entry (see :class:`~gd_visualizer.core.Trainer`)."""
        n_x = self.X.shape[0]
        return n_x if self.classes == 2 else theta_size(self.classes, n_x) - 1

    def slice_keys(self) -> tuple[str, ...]:
        """The cost surface's slices for this model."""
        return slice_keys(self.X.shape[0], self.classes)

    def slice_spec(self, key: str) -> SliceSpec:
        """The slice ``key`` of this model's θ (KeyError if it has none of that name)."""
        return slice_spec(key, self.X.shape[0], self.classes)

    @property
    def shown(self) -> np.ndarray:
        """(2, m): the two features as the data view shows them."""
        return self.X[:2]

    def features(self, points: np.ndarray) -> np.ndarray:
        """What the model sees of points (2, k) given in the data view's units."""
        if self.crosses is None:
            return np.asarray(points, dtype=float)
        return self.crosses.features(points)

    @property
    def weight_names(self) -> tuple[str, ...]:
        """w₁, w₂ (and w₃ … w₅ with the crosses they weigh)."""
        names = ("w₁", "w₂")
        if self.crosses is not None:
            names += tuple(f"w{s} ({c})" for s, c in zip("₃₄₅", CROSS_NAMES, strict=True))
        return names

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
        asks again for the same entry many times).  Any thread may ask."""
        key = (tuple(np.asarray(w, dtype=float).ravel()), float(b))
        cached = self.__dict__.get("_accuracy")
        if cached is None or cached[0] != key:
            if self.classes > 2:  # (no one-hot Y of m columns at each read-out)
                value = softmax_accuracy(np.append(w, b), self.X, self.Y, self.classes)
            else:
                value = accuracy(w, b, self.X, self.Y)
            cached = (key, value)
            object.__setattr__(self, "_accuracy", cached)
        return cached[1]

    def raw_coefficients(self, w: np.ndarray, b: float) -> tuple[np.ndarray, float] | None:
        """The same boundary in the file's units (None when not standardized, or with
        crosses: no line in the file's units)."""
        if self.standardization is None or self.crosses is not None or self.classes > 2:
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


#: the optimizers a run can use, as the runs panel names them
OPTIMIZER_NAMES = {
    "gd": "gradient descent",
    "momentum": "momentum",
    "rmsprop": "RMSProp",
    "adam": "Adam",
}
#: the losses the runs can descend, as the window names them
LOSS_NAMES = {
    "cross_entropy": "cross-entropy",
    "l2": "L2 (squared error)",
    "l1": "L1 (absolute error)",
}
#: each run's colour, in the order runs are added (on the viridis surface they are drawn
#: over a dark outline; black is left out: the selected run's decision boundary is black)
RUN_COLOURS = (
    "#CC0000",  # red
    "#FF8C00",  # dark orange
    "#E040FB",  # magenta
    "#00B8D4",  # cyan
    "#64DD17",  # light green
    "#FFD600",  # yellow
    "#8D6E63",  # brown
    "#F06292",  # pink
)
#: at most this many runs race at once
MAX_RUNS = 8


def run_name(learning_rate: float, optimizer: str = "gd", batch_size: int | None = None) -> str:
    """A run's name from its settings: "α = 0.1", "Adam α = 0.05", "momentum α = 0.1, batch 32"."""
    text = f"α = {learning_rate:.3g}"
    if optimizer != "gd":
        text = f"{OPTIMIZER_NAMES.get(optimizer, optimizer)} {text}"
    batch = batch_text(batch_size)
    return f"{text}, {batch}" if batch else text


def batch_text(batch_size: int | None) -> str:
    """ "SGD", "batch 32", or "" for all m."""
    if batch_size is None:
        return ""
    return "SGD" if batch_size == 1 else f"batch {batch_size}"


def run_method(optimizer: str = "gd", batch_size: int | None = None) -> str:
    """How a run steps, when it is not plain batch gradient descent: "Adam", "momentum,
    batch 32", "SGD"; "" for gradient descent on all m."""
    parts = [] if optimizer == "gd" else [OPTIMIZER_NAMES.get(optimizer, optimizer)]
    if batch_size is not None:
        parts.append(batch_text(batch_size))
    return ", ".join(parts)


def verdict_label(status: RunStatus | None) -> str:
    """A run's verdict in a few words: converged at k / descending / oscillating / diverged."""
    if status is None:
        return "—"
    if status.status == "converged" and status.converged_at is not None:
        return f"converged at {status.converged_at:,}"
    if status.stopped is not None and status.status != "diverged":
        return "stopped (non-finite)"
    return status.status


class Run:
    """One raced run: its settings and its history.  Signals say what changed; the
    controller is the only writer.  The data, the start point, the pace and whether it
    plays belong to the :class:`Race` (every run shares them)."""

    historyChanged = Signal()
    ghostsChanged = Signal()
    statusChanged = Signal()
    settingsChanged = Signal()

    def __init__(
        self,
        race: Race,
        key: int,
        learning_rate: float = 0.1,
        budget: int = 1000,
        optimizer: str = "gd",
        batch_size: int | None = None,
        colour: str = RUN_COLOURS[0],
    ) -> None:
        self.race = race
        self.key = key
        #: the settings that steer the trainer
        self.learning_rate = float(learning_rate)
        self.budget = int(budget)
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.colour = colour
        self.visible = True
        #: bumped when the run starts afresh on its own (new optimizer or batch size)
        self.epoch = 0
        n_x = 2 if race.data is None else race.data.n_w
        self.mirror = RunMirror(n_x)
        self.ghosts: list[HistoryView] = []
        self.status: RunStatus | None = None

    # -- shared by every run of the race -------------------------------------------
    @property
    def data(self) -> TrainingData | None:
        return self.race.data

    @property
    def start(self) -> tuple[np.ndarray, float]:
        return self.race.start

    @property
    def speed(self) -> float:
        return self.race.speed

    @property
    def playing(self) -> bool:
        return self.race.playing

    @property
    def generation(self) -> int:
        return self.race.generation

    # -- its own ----------------------------------------------------------------------
    @property
    def history(self) -> RunMirror:
        return self.mirror

    @property
    def name(self) -> str:
        return run_name(self.learning_rate, self.optimizer, self.batch_size)

    @property
    def method(self) -> str:
        return run_method(self.optimizer, self.batch_size)

    @property
    def verdict(self) -> str:
        return verdict_label(self.status)

    def spec(self) -> LaneSpec:
        """What the training worker needs to race this run."""
        return LaneSpec(
            self.key, self.learning_rate, self.budget, self.optimizer, self.batch_size, self.epoch
        )

    def clear(self) -> None:
        """History, ghosts and verdict gone (a new start or new data)."""
        n_x = 2 if self.race.data is None else self.race.data.n_w
        if self.mirror.n_x != n_x:
            self.mirror = RunMirror(n_x)
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
        optimizer: str | None = None,
        batch_size: int | bool | None = False,
    ) -> None:
        """New settings (``batch_size=None`` means all m; leave it False to keep it)."""
        if learning_rate is not None:
            self.learning_rate = float(learning_rate)
        if budget is not None:
            self.budget = int(budget)
        if optimizer is not None:
            self.optimizer = optimizer
        if batch_size is not False:
            self.batch_size = None if batch_size is None else int(batch_size)
        self.settingsChanged.emit()


class Race:
    """The runs raced on the same data from the same start, one of them selected.

    The sliders and the read-out follow the selected run; every visible run is drawn.
    """

    runsChanged = Signal()  # a run was added, removed, edited, shown or hidden
    selectionChanged = Signal()
    dataChanged = Signal()
    playingChanged = Signal(bool)
    speedChanged = Signal()
    modelChanged = Signal()

    def __init__(self) -> None:
        self.data: TrainingData | None = None
        #: the cost every run descends: its loss and L2 regularization λ
        self.loss = "cross_entropy"
        self.lambd = 0.0
        self.start: tuple[np.ndarray, float] = (np.zeros(2), 0.0)
        self.speed = math.inf
        self.playing = False
        #: bumped at every reset or data change: older snapshots and surfaces are dropped
        self.generation = 0
        self._next_key = 0
        self.runs: list[Run] = []
        self.selected = 0
        self.add_run()

    @property
    def run(self) -> Run:
        """The selected run."""
        return self.runs[self.selected]

    def add_run(
        self,
        learning_rate: float = 0.1,
        budget: int = 1000,
        optimizer: str = "gd",
        batch_size: int | None = None,
    ) -> Run:
        used = {r.colour for r in self.runs}
        colour = next((c for c in RUN_COLOURS if c not in used), RUN_COLOURS[0])
        run = Run(self, self._next_key, learning_rate, budget, optimizer, batch_size, colour)
        self._next_key += 1
        self.runs.append(run)
        self.runsChanged.emit()
        return run

    def remove_run(self, index: int) -> Run:
        run = self.runs.pop(index)
        if self.selected >= len(self.runs) or self.selected > index:
            self.selected = max(0, self.selected - 1)
        self.runsChanged.emit()
        self.selectionChanged.emit()
        return run

    def index_of(self, key: int) -> int | None:
        return next((i for i, r in enumerate(self.runs) if r.key == key), None)

    def select(self, index: int) -> None:
        if index != self.selected and 0 <= index < len(self.runs):
            self.selected = index
            self.selectionChanged.emit()

    def set_visible(self, index: int, visible: bool) -> None:
        self.runs[index].visible = bool(visible)
        self.runsChanged.emit()

    def clock(self) -> Run:
        """The run the scrubber walks along: the one with the most entries among the
        selected and the visible runs (the selected one on ties), so that a run that
        stopped early does not stop the others from being shown."""
        best = self.run
        for r in self.runs:
            if r.visible and len(r.mirror) > len(best.mirror):
                best = r
        return best

    def set_data(self, data: TrainingData, start: tuple[np.ndarray, float] | None = None) -> None:
        """New data: every run starts afresh, from ``start`` (the origin when None)."""
        self.data = data
        self.generation += 1
        if start is None or np.size(start[0]) != data.n_w:
            start = (np.zeros(data.n_w), 0.0)
        self.start = (np.asarray(start[0], dtype=float).ravel().copy(), float(start[1]))
        for run in self.runs:
            run.mirror = RunMirror(data.n_w)
            run.clear()
        self.dataChanged.emit()

    def restart(self, w: np.ndarray | None = None, b: float | None = None) -> None:
        """Back to the start point (a new one when given); histories and ghosts cleared."""
        self.generation += 1
        if w is not None and b is not None:
            self.start = (np.asarray(w, dtype=float).ravel().copy(), float(b))
        for run in self.runs:
            run.clear()

    def set_model(self, loss: str, lambd: float) -> None:
        """Another cost function: every run starts afresh from the start point."""
        self.loss, self.lambd = loss, float(lambd)
        self.restart()
        self.modelChanged.emit()

    def set_speed(self, speed: float) -> None:
        self.speed = float(speed)
        self.speedChanged.emit()

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
