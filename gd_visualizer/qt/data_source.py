"""Where the training data come from: built-in datasets, CSV files (loaded on a
thread, cancellable) and the standardization toggle."""

from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ..core import (
    DATASETS,
    REAL_DATASETS,
    Dataset,
    DatasetError,
    LoadCancelled,
    inspect_csv,
    load_csv,
    make_dataset,
)
from ..model import TrainingData
from .threads import background_thread, start_background

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CsvChoice:
    path: str
    features: tuple[str, str] | None = None
    label: str | None = None
    classes: tuple[str, ...] | None = None  # two, or three (softmax regression)
    ask: bool = False  # only read the columns, for the column picker


class CsvLoader(QObject):
    """Loads one CSV file in its own thread (file loading never blocks a frame)."""

    loaded = Signal(object, object)  # (CsvChoice, Dataset)
    failed = Signal(object, str)  # (CsvChoice, message)
    needsColumns = Signal(object, object)  # (CsvChoice, column info)
    finished = Signal()

    def __init__(self, choice: CsvChoice, cancel: threading.Event) -> None:
        super().__init__()
        self.choice = choice
        self.cancel = cancel
        self.outcome = "running"  # then: loaded, columns, failed or cancelled

    @Slot()
    def run(self) -> None:
        c = self.choice
        try:
            if c.ask:
                self.needsColumns.emit(c, inspect_csv(c.path, cancel=self.cancel))
                self.finished.emit()
                return
            try:
                ds = load_csv(
                    c.path,
                    features=c.features,
                    label=c.label,
                    classes=c.classes,
                    cancel=self.cancel,
                )
            except DatasetError as exc:
                if c.classes is None and "choose two of them" in str(exc):
                    self.needsColumns.emit(c, inspect_csv(c.path, cancel=self.cancel))
                else:
                    raise
            else:
                self.outcome = "loaded"
                self.loaded.emit(c, ds)
        except LoadCancelled:
            self.outcome = "cancelled"
        except DatasetError as exc:
            self.outcome = "failed"
            if not self.cancel.is_set():
                self.failed.emit(c, str(exc))
        except Exception as exc:  # never a traceback in the user's face
            self.outcome = "failed"
            log.exception("loading %s failed", c.path)
            self.failed.emit(c, f"{c.path}: could not be loaded ({type(exc).__name__}: {exc})")
        self.finished.emit()


class BuiltinLoader(QObject):
    """Makes a large built-in dataset in its own thread (10⁶ samples take ~0.5 s)."""

    loaded = Signal(object, object)  # (None, Dataset)
    failed = Signal(object, str)
    needsColumns = Signal(object, object)  # never: the same shape as CsvLoader
    finished = Signal()

    def __init__(self, args: tuple) -> None:
        super().__init__()
        self.args = args

    @Slot()
    def run(self) -> None:
        try:
            self.loaded.emit(None, make_dataset(*self.args))
        except DatasetError as exc:
            self.failed.emit(None, str(exc))
        except Exception as exc:  # never a traceback in the user's face
            log.exception("making %s failed", self.args[0])
            self.failed.emit(None, f"{self.args[0]}: {type(exc).__name__}: {exc}")
        self.finished.emit()


class PrepareJob(QObject):
    """Standardizes a large dataset in its own thread (10⁶ samples take ~20 ms)."""

    loaded = Signal(object, object)  # ("prepared", TrainingData)
    failed = Signal(object, str)
    needsColumns = Signal(object, object)  # never: the same shape as CsvLoader
    finished = Signal()

    def __init__(self, dataset: Dataset, standardize: bool, crosses: bool = False) -> None:
        super().__init__()
        self.dataset = dataset
        self.standardize = standardize
        self.crosses = crosses

    @Slot()
    def run(self) -> None:
        try:
            data = TrainingData.from_dataset(self.dataset, self.standardize, self.crosses)
            self.loaded.emit("prepared", data)
        except Exception as exc:  # never a traceback in the user's face
            log.exception("preparing %s failed", self.dataset.name)
            self.failed.emit(None, f"{self.dataset.name}: {type(exc).__name__}: {exc}")
        self.finished.emit()


#: built-in datasets up to this many samples are made (and standardized) at once, in a
#: few ms; larger ones on a thread, so the window never stalls
SYNC_SAMPLES = 20_000


class DataSource(QObject):
    """Turns the user's choice of data into :class:`TrainingData` for the controller."""

    dataReady = Signal(object)  # TrainingData
    csvLoaded = Signal(object, object)  # (CsvChoice, Dataset): a file is ready
    needsColumns = Signal(object, object)  # (CsvChoice, CsvInfo)
    failed = Signal(str, str)  # (message, title)
    busyChanged = Signal(bool)
    loading = Signal(str)  # the path being loaded

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.dataset: Dataset | None = None
        self.standardize = True
        self.crosses = False  # train on x₁², x₂², x₁x₂ too
        self.csv: CsvChoice | None = None  # the file the current dataset came from
        self.csv_datasets: dict[str, tuple[CsvChoice, Dataset]] = {}
        self._loaders: list[tuple[CsvLoader, QThread]] = []
        self._cancel = threading.Event()
        self._closed = False
        self._ticket = 0  # the newest request (built-in or file)

    @property
    def busy(self) -> bool:
        return bool(self._loaders)

    # -- choices ----------------------------------------------------------------------
    def set_builtin(self, name: str, n_samples: int, noise: float | None, seed: int) -> bool:
        if name not in DATASETS:
            return False
        self._ticket += 1
        if n_samples > SYNC_SAMPLES and name not in REAL_DATASETS:
            self._start(BuiltinLoader((name, n_samples, noise, seed)), f"{name} ({n_samples:,})")
            return True
        try:
            ds = make_dataset(name, n_samples, noise, seed)
        except DatasetError as exc:
            self.failed.emit(str(exc), "gd-visualizer")
            return False
        self.csv = None
        self.set_dataset(ds)
        return True

    def use_cached(self, key: str) -> bool:
        """Switch back to a file loaded before (its combo entry was picked)."""
        if key not in self.csv_datasets:
            return False
        self.csv, ds = self.csv_datasets[key]
        self.set_dataset(ds)
        return True

    def set_dataset(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self._emit()

    def set_standardize(self, on: bool) -> None:
        self.standardize = bool(on)
        if self.dataset is not None:
            self._emit()

    def set_crosses(self, on: bool) -> None:
        """Feature crosses on or off: the runs train on the new features from the start."""
        self.crosses = bool(on)
        if self.dataset is not None:
            self._emit()

    def _emit(self) -> None:
        assert self.dataset is not None
        if self.dataset.m > SYNC_SAMPLES:
            job = PrepareJob(self.dataset, self.standardize, self.crosses)
            self._start(job, self.dataset.name)
        else:
            self._ticket += 1
            data = TrainingData.from_dataset(self.dataset, self.standardize, self.crosses)
            self.dataReady.emit(data)

    # -- files ------------------------------------------------------------------------
    def load_csv(self, path: str, choice: CsvChoice | None = None) -> None:
        """Load a CSV file off the GUI thread; the current dataset stays until it succeeds."""
        choice = choice or CsvChoice(str(path))
        self._start(CsvLoader(choice, self._cancel), str(path))

    def _start(self, loader: QObject, what: str) -> None:
        self._ticket += 1
        loader.ticket = self._ticket  # a newer choice wins over a slower, older load
        thread = background_thread("gd-loader")
        loader.moveToThread(thread)
        thread.started.connect(loader.run)
        loader.loaded.connect(self._on_loaded)
        loader.failed.connect(self._on_failed)
        loader.needsColumns.connect(self._on_needs_columns)
        loader.finished.connect(thread.quit)
        thread.finished.connect(self._reap)
        self._loaders.append((loader, thread))
        self.loading.emit(what)
        self.busyChanged.emit(True)
        start_background(thread)

    def choose_columns(self) -> None:
        """Re-read the current file's columns (on a loader thread) for the column picker."""
        if self.csv is not None:
            # (the dialog opens on the columns and classes the file was loaded with)
            self.load_csv(self.csv.path, dataclasses.replace(self.csv, ask=True))

    @Slot()
    def _reap(self) -> None:
        self._loaders = [(lo, th) for lo, th in self._loaders if th.isRunning()]
        self.busyChanged.emit(self.busy)

    def _stale(self) -> bool:
        """Whether the sender's load was overtaken by a newer choice."""
        return getattr(self.sender(), "ticket", self._ticket) < self._ticket

    @Slot(object, object)
    def _on_loaded(self, choice: CsvChoice | None, ds: Dataset) -> None:
        if self._closed or self._stale():
            return
        if choice == "prepared":  # training data standardized on a thread
            self.dataReady.emit(ds)
            return
        if choice is None:  # a built-in dataset made on a thread
            self.csv = None
            self.set_dataset(ds)
            return
        self.csv_datasets[f"file:{choice.path}"] = (choice, ds)
        self.csv = choice
        self.csvLoaded.emit(choice, ds)
        self.set_dataset(ds)

    @Slot(object, str)
    def _on_failed(self, _choice: CsvChoice, message: str) -> None:
        if not self._closed:
            self.failed.emit(message, "Could not open the CSV file")

    @Slot(object, object)
    def _on_needs_columns(self, choice: CsvChoice, info: object) -> None:
        if not self._closed:
            self.needsColumns.emit(choice, info)

    def shutdown(self) -> None:
        """Cancel every load and wait for its thread (a moment at most)."""
        self._closed = True
        self._cancel.set()
        for _loader, thread in self._loaders:
            thread.quit()
            thread.wait()
        self._loaders = []
