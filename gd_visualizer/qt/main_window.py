"""The main window: four linked views of gradient descent, steered while it trains."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QSettings, QSignalBlocker, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QProgressDialog,
    QScrollArea,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..core import (
    BUILTIN_DATASETS,
    SLICES,
    Dataset,
    DatasetError,
    HistoryView,
    Standardization,
    inspect_csv,
    load_csv,
    make_dataset,
)
from ..present.files import existing_outputs
from ..present.record import ExportError, ExportSettings, RunRecord
from .controller import THREADS, TrainingController
from .controls import MAX_ITERATIONS, Controls
from .csv_dialog import CsvColumnsDialog
from .export_dialog import ExportDialog, ExportRunner
from .views import BoundaryView, CostCurveView, Readout, SigmoidView, SurfaceView
from .worker import Snapshot, SurfaceRequest, SurfaceResult

log = logging.getLogger(__name__)

DEFAULT_DATASET = "iris"
DEFAULT_LR = 0.1
DEFAULT_ITERATIONS = 1000
DEFAULT_SPEED = 200.0
SURFACE_GRID = 128
FRAME_SECONDS = 1 / 60
#: the two halves of a frame are this far apart (ms), so the first can paint in between
HALF_FRAME_MS = 3
#: while training, the read-out's numbers change at most this often (seconds)
READOUT_SECONDS = 0.1
#: while training, the cost surface is recomputed at most this often (seconds)
SURFACE_INTERVAL = 0.2

EQUATIONS_HTML = """
<h3>gd-visualizer</h3>
<p>Logistic regression trained by batch gradient descent, exactly as in the course notes
(X is n<sub>x</sub>×m, one example per column):</p>
<pre>
Z  = wᵀX + b
A  = σ(Z) = 1 / (1 + e^(−Z))
J  = −(1/m) Σ [Y log A + (1 − Y) log(1 − A)]
dZ = A − Y
dw = (1/m) X dZᵀ
db = (1/m) Σ dZ
w  = w − α dw
b  = b − α db
</pre>
<p>Gradient descent cannot diverge for α &lt; 8/λ<sub>max</sub>(X̃X̃ᵀ/m),
X̃ = X with a row of ones.</p>
"""


@dataclass(frozen=True)
class CsvChoice:
    path: str
    features: tuple[str, str] | None = None
    label: str | None = None
    classes: tuple[str, str] | None = None
    ask: bool = False  # only read the columns, for the column picker


class CsvLoader(QObject):
    """Loads one CSV file in its own thread (file loading never blocks a frame)."""

    loaded = Signal(object, object)  # (CsvChoice, Dataset)
    failed = Signal(object, str)  # (CsvChoice, message)
    needsColumns = Signal(object, object)  # (CsvChoice, column info)
    finished = Signal()

    def __init__(self, choice: CsvChoice) -> None:
        super().__init__()
        self.choice = choice

    @Slot()
    def run(self) -> None:
        c = self.choice
        try:
            if c.ask:
                self.needsColumns.emit(c, inspect_csv(c.path))
                self.finished.emit()
                return
            try:
                ds = load_csv(c.path, features=c.features, label=c.label, classes=c.classes)
            except DatasetError as exc:
                if c.classes is None and "choose two of them" in str(exc):
                    self.needsColumns.emit(c, inspect_csv(c.path))
                else:
                    raise
            else:
                self.loaded.emit(c, ds)
        except DatasetError as exc:
            self.failed.emit(c, str(exc))
        except Exception as exc:  # never a traceback in the user's face
            log.exception("loading %s failed", c.path)
            self.failed.emit(c, f"{c.path}: could not be loaded ({type(exc).__name__}: {exc})")
        self.finished.emit()


class MainWindow(QMainWindow):
    """gd-visualizer's window.  ``MainWindow()`` shows the default dataset, ready to train."""

    def __init__(
        self,
        dataset: str | None = None,
        learning_rate: float | None = None,
        iterations: int | None = None,
        restore_settings: bool = True,
    ) -> None:
        super().__init__()
        self.setWindowTitle("gd-visualizer — gradient descent on logistic regression")
        self._settings = QSettings("gd-visualizer", "gd-visualizer")
        self._dataset: Dataset | None = None
        self._std: Standardization | None = None
        self._X = np.empty((2, 0))
        self._Y = np.empty((1, 0))
        self._csv: CsvChoice | None = None
        self._csv_datasets: dict[str, tuple[CsvChoice, Dataset]] = {}
        self._loaders: list[tuple[CsvLoader, QThread]] = []
        self._view_index: int | None = None  # None: follow the newest iteration
        self._ghosts: list[HistoryView] = []
        self._playing = False
        self._play_seq = 0  # the command that last set playing/paused
        self._surface_fixed: float | None = None
        self._surface_extent: tuple[float, float, float, float] | None = None
        self._surface_key: str | None = None
        self._surface_requested = 0.0
        self._closed = False
        self.exporter: ExportRunner | None = None
        # drawing is paced by a frame timer: snapshots only mark the views dirty, so
        # a slow paint can never queue up work and starve input or timers
        self._frame_timer = QTimer(self)
        self._frame_timer.setObjectName("frameTimer")
        self._frame_timer.setSingleShot(True)
        self._frame_timer.timeout.connect(self._render)
        self._draw_start = 0.0
        self._frame_index: int | None = None
        self._readout_at = 0.0
        self._frame_work = 0.0  # seconds of drawing and painting per frame (average)
        self._build()
        self.controller = TrainingController(self)
        self.controller.snapshotApplied.connect(self._on_snapshot)
        self.controller.surfaceReady.connect(self._on_surface)
        self.controller.errorOccurred.connect(self._show_error)
        self._wire()
        self._restore(restore_settings, dataset, learning_rate, iterations)

    # -- construction ------------------------------------------------------------------
    def _build(self) -> None:
        self.boundary_view = BoundaryView()
        self.surface_view = SurfaceView()
        self.sigmoid_view = SigmoidView()
        self.cost_view = CostCurveView()
        self.readout = Readout()
        self.controls = Controls()

        plots = QWidget()
        self.plots = plots
        grid = QGridLayout(plots)
        grid.setContentsMargins(4, 4, 4, 4)
        grid.setSpacing(6)
        grid.addWidget(self.boundary_view, 0, 0)
        grid.addWidget(self.surface_view, 0, 1)
        grid.addWidget(self.sigmoid_view, 1, 0)
        grid.addWidget(self.cost_view, 1, 1)

        self.history_slider = QSlider(Qt.Orientation.Horizontal)
        self.history_slider.setObjectName("historySlider")
        self.history_slider.setRange(0, 0)
        self.history_slider.setToolTip(
            "Replay any recorded iteration; press Play to continue from the one shown"
        )
        self.history_label = QLabel("iteration 0")
        self.history_label.setMinimumWidth(150)
        scrub = QWidget()
        srow = QGridLayout(scrub)
        srow.setContentsMargins(8, 0, 8, 4)
        srow.addWidget(QLabel("History"), 0, 0)
        srow.addWidget(self.history_slider, 0, 1)
        srow.addWidget(self.history_label, 0, 2)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(plots, 1)
        lv.addWidget(scrub)

        panel = QWidget()
        pv = QVBoxLayout(panel)
        pv.setContentsMargins(0, 0, 0, 0)
        pv.addWidget(self.controls)
        pv.addWidget(QLabel("<b>Read-out</b>"))
        pv.addWidget(self.readout)
        pv.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(panel)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(330)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        split = QSplitter()
        split.addWidget(left)
        split.addWidget(scroll)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 0)
        split.setSizes([1100, 340])
        self.setCentralWidget(split)
        self.resize(1440, 900)
        self._build_menus()
        self.statusBar().showMessage("Ready — press Space to train")
        self.load_progress = QProgressBar()  # busy while a file loads on its thread
        self.load_progress.setObjectName("loadProgress")
        self.load_progress.setRange(0, 0)
        self.load_progress.setMaximumWidth(160)
        self.load_progress.setToolTip("Loading the CSV file…")
        self.load_progress.hide()
        self.statusBar().addPermanentWidget(self.load_progress)

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self.open_action = QAction("&Open CSV…", self, shortcut=QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self.open_csv)
        file_menu.addAction(self.open_action)
        self.export_action = QAction("&Export animation…", self, shortcut=QKeySequence("Ctrl+E"))
        self.export_action.triggered.connect(self.export_animation)
        file_menu.addAction(self.export_action)
        self.picture_action = QAction("Save &picture…", self, shortcut=QKeySequence("Ctrl+Shift+S"))
        self.picture_action.triggered.connect(self.save_picture)
        file_menu.addAction(self.picture_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self, shortcut=QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        run_menu = menu.addMenu("&Run")
        self.play_action = QAction("&Play / Pause", self, shortcut=QKeySequence(Qt.Key.Key_Space))
        self.play_action.triggered.connect(self.toggle_play)
        self.step_action = QAction("&Step", self, shortcut=QKeySequence(Qt.Key.Key_Right))
        self.step_action.triggered.connect(self.step)
        self.reset_action = QAction("&Reset", self, shortcut=QKeySequence(Qt.Key.Key_R))
        self.reset_action.triggered.connect(self.reset)
        for a in (self.play_action, self.step_action, self.reset_action):
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            run_menu.addAction(a)

        help_menu = menu.addMenu("&Help")
        about = QAction("&About", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _wire(self) -> None:
        c = self.controls
        c.play_button.clicked.connect(self.toggle_play)
        c.step_button.clicked.connect(self.step)
        c.reset_button.clicked.connect(self.reset)
        c.learningRateChanged.connect(self._on_lr)
        c.iterationsChanged.connect(self._on_iterations)
        c.speedChanged.connect(self.controller.set_speed)
        c.datasetRequested.connect(self._on_dataset_request)
        c.standardizeChanged.connect(self._on_standardize)
        c.open_button.clicked.connect(self.open_csv)
        c.columns_button.clicked.connect(self._choose_columns)
        c.stable_button.clicked.connect(self._use_stable_rate)
        self.history_slider.valueChanged.connect(self._on_scrub)
        self.surface_view.sliceChanged.connect(lambda _k: self._update_surface(force=True))
        self.surface_view.startPicked.connect(self._on_start_picked)
        self.cost_view.log_box.toggled.connect(lambda _on: self._render_now())

    # -- public API ----------------------------------------------------------------------
    @property
    def dataset(self) -> Dataset:
        """The current dataset as loaded (raw features)."""
        assert self._dataset is not None
        return self._dataset

    @property
    def training_data(self) -> tuple[np.ndarray, np.ndarray]:
        """The (X, Y) the trainer uses (standardized when that is on)."""
        return self._X.copy(), self._Y.copy()

    @property
    def history(self) -> HistoryView:
        """The recorded run as drawn: entry i holds the parameters before update i
        and the learning rate used for it."""
        return self.controller.mirror.view()

    @property
    def is_playing(self) -> bool:
        return self._playing

    def set_dataset(self, dataset: Dataset) -> None:
        """Train on a new dataset (the run restarts from the start point)."""
        self._dataset = dataset
        self._apply_training_data()

    # -- dataset -------------------------------------------------------------------------
    def _restore(
        self, restore: bool, dataset: str | None, lr: float | None, iterations: int | None
    ) -> None:
        s = self._settings
        c = self.controls

        def get(key: str, default, kind):
            if not restore:
                return default
            try:
                v = kind(s.value(key, default))
                if isinstance(v, float) and not math.isfinite(v):
                    return default
                return v
            except (TypeError, ValueError):
                return default

        name = get("dataset", DEFAULT_DATASET, str)
        if name not in BUILTIN_DATASETS:
            name = DEFAULT_DATASET
        n = min(max(get("n_samples", 200, int), 2), 1_000_000)
        noise = min(max(get("noise", 0.0, float), 0.0), 5.0)
        seed = min(max(get("seed", 0, int), 0), 2**31 - 1)
        std = get("standardize", "true", str).lower() not in ("false", "0")
        lr0 = get("learning_rate", DEFAULT_LR, float)
        if not 1e-5 <= lr0 <= 1e4:
            lr0 = DEFAULT_LR
        it0 = min(max(get("iterations", DEFAULT_ITERATIONS, int), 1), MAX_ITERATIONS)
        speed = get("speed", DEFAULT_SPEED, float) if restore else DEFAULT_SPEED
        if not (speed >= 1 or math.isinf(speed)):
            speed = DEFAULT_SPEED
        key = get("slice", "w1-w2", str)
        log_scale = get("log_scale", "false", str).lower() in ("true", "1")
        if restore:
            geometry = s.value("geometry")
            if geometry is not None:
                try:
                    self.restoreGeometry(geometry)
                except TypeError:
                    pass
        if lr is not None:
            lr0 = lr
        if iterations is not None:
            it0 = iterations
        with (
            QSignalBlocker(c.dataset_combo),
            QSignalBlocker(c.samples_spin),
            QSignalBlocker(c.noise_spin),
            QSignalBlocker(c.seed_spin),
            QSignalBlocker(c.standardize_check),
        ):
            c.dataset_combo.setCurrentIndex(max(0, c.dataset_combo.findData(name)))
            c.samples_spin.setValue(n)
            c.noise_spin.setValue(noise)
            c.seed_spin.setValue(seed)
            c.standardize_check.setChecked(std)
        c.set_learning_rate(lr0)
        c.set_iterations(it0)
        c.set_speed(speed)
        self.controller.set_speed(c.speed())
        if key in SLICES:
            with QSignalBlocker(self.surface_view.combo):
                self.surface_view.set_slice(key)
            self.surface_view.spec = SLICES[key]
            self.surface_view._set_labels()
        self.cost_view.log_box.setChecked(log_scale)
        if dataset is not None and dataset.lower().endswith(".csv"):
            self._set_builtin()  # something to show while the file loads
            self.load_csv_file(dataset)
        else:
            if dataset is not None:
                with QSignalBlocker(c.dataset_combo):
                    c.dataset_combo.setCurrentIndex(c.dataset_combo.findData(dataset.lower()))
            self._set_builtin()

    def _save_settings(self) -> None:
        s = self._settings
        c = self.controls
        s.setValue("geometry", self.saveGeometry())
        data = c.dataset_combo.currentData()
        if data in BUILTIN_DATASETS:
            s.setValue("dataset", data)
        s.setValue("n_samples", c.samples_spin.value())
        s.setValue("noise", c.noise_spin.value())
        s.setValue("seed", c.seed_spin.value())
        s.setValue("standardize", "true" if c.standardize_check.isChecked() else "false")
        s.setValue("learning_rate", c.learning_rate())
        s.setValue("iterations", c.iterations())
        s.setValue("speed", c.speed())
        s.setValue("slice", self.surface_view.slice_key())
        s.setValue("log_scale", "true" if self.cost_view.log_box.isChecked() else "false")
        s.sync()

    def _on_dataset_request(self) -> None:
        data = self.controls.dataset_combo.currentData()
        if isinstance(data, str) and data in self._csv_datasets:
            self._csv, ds = self._csv_datasets[data]
            self.controls.columns_button.setEnabled(True)
            self.set_dataset(ds)
        else:
            self._set_builtin()

    def _set_builtin(self) -> None:
        c = self.controls
        name = c.dataset_combo.currentData()
        if name not in BUILTIN_DATASETS:
            return
        noise = c.noise_spin.value() or None
        try:
            ds = make_dataset(name, c.samples_spin.value(), noise, c.seed_spin.value())
        except DatasetError as exc:
            self._show_error(str(exc))
            return
        is_iris = name == "iris"
        for w in (c.samples_spin, c.noise_spin, c.seed_spin):
            w.setEnabled(not is_iris)
        self._csv = None
        c.columns_button.setEnabled(False)
        self.set_dataset(ds)

    def _on_standardize(self, _on: bool) -> None:
        if self._dataset is not None:
            self._apply_training_data()

    def _apply_training_data(self) -> None:
        ds = self._dataset
        assert ds is not None
        if self.controls.standardize_check.isChecked():
            self._std = ds.standardization()
            self._X = self._std.apply(ds.X)
        else:
            self._std = None
            self._X = ds.X.copy()
        self._Y = ds.Y.copy()
        self._playing = False
        self._view_index = None
        self._ghosts = []
        self._surface_extent = None
        self._surface_fixed = None
        self.controller.set_data(
            self._X,
            self._Y,
            np.zeros(2),
            0.0,
            self.controls.learning_rate(),
            self.controls.iterations(),
        )
        names = ds.feature_names
        if self._std is not None:
            names = (f"{names[0]} (standardized)", f"{names[1]} (standardized)")
        self.boundary_view.set_data(ds, self._X, names)
        self.sigmoid_view.set_data(self._X, self._Y, ds.class_names)
        self.surface_view.show_ghost(None, None)
        self.cost_view.show_ghost(None, None)
        self.cost_view.reset_range()
        info = ds.describe()
        if ds.notes:
            info += " (" + "; ".join(ds.notes) + ")"
        self.controls.data_info.setText(info)
        self._update_buttons()
        self.statusBar().showMessage(f"Loaded {info}", 5000)

    # -- CSV -------------------------------------------------------------------------------
    def open_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open CSV", "", "CSV files (*.csv *.tsv *.txt);;All files (*)"
        )
        if path:
            self.load_csv_file(path)

    def load_csv_file(self, path: str, choice: CsvChoice | None = None) -> None:
        """Load a CSV file off the GUI thread; the current dataset stays until it succeeds."""
        choice = choice or CsvChoice(str(path))
        loader = CsvLoader(choice)
        thread = QThread()
        thread.setObjectName("gd-csv-loader")
        loader.moveToThread(thread)
        thread.started.connect(loader.run)
        loader.loaded.connect(self._on_csv_loaded)
        loader.failed.connect(self._on_csv_failed)
        loader.needsColumns.connect(self._on_csv_needs_columns)
        loader.finished.connect(thread.quit)
        thread.finished.connect(self._reap_loaders)
        THREADS.add(thread)
        self._loaders.append((loader, thread))
        self.statusBar().showMessage(f"Loading {path} …")
        self.load_progress.show()
        thread.start()

    @Slot()
    def _reap_loaders(self) -> None:
        self._loaders = [(lo, th) for lo, th in self._loaders if th.isRunning()]
        self.load_progress.setVisible(bool(self._loaders))

    @Slot(object, object)
    def _on_csv_loaded(self, choice: CsvChoice, ds: Dataset) -> None:
        if self._closed:
            return
        key = f"file:{choice.path}"
        self._csv_datasets[key] = (choice, ds)
        combo = self.controls.dataset_combo
        with QSignalBlocker(combo):
            i = combo.findData(key)
            if i < 0:
                combo.addItem(f"file: {ds.name}", key)
                i = combo.count() - 1
                combo.setItemData(i, choice.path, Qt.ItemDataRole.ToolTipRole)
            combo.setCurrentIndex(i)
        for w in (self.controls.samples_spin, self.controls.noise_spin, self.controls.seed_spin):
            w.setEnabled(False)
        self._csv = choice
        self.controls.columns_button.setEnabled(True)
        self.set_dataset(ds)

    @Slot(object, str)
    def _on_csv_failed(self, choice: CsvChoice, message: str) -> None:
        if not self._closed:
            self._show_error(message, title="Could not open the CSV file")

    @Slot(object, object)
    def _on_csv_needs_columns(self, choice: CsvChoice, info: object) -> None:
        if not self._closed:
            self._open_columns_dialog(choice, info)

    def _choose_columns(self) -> None:
        if self._csv is None:
            return
        # the file is read again on a loader thread, never on the GUI thread
        self.load_csv_file(self._csv.path, replace(self._csv, ask=True))

    def _open_columns_dialog(self, choice: CsvChoice, info: object) -> None:
        dialog = CsvColumnsDialog(info, choice, self)
        dialog.setObjectName("csvColumnsDialog")
        dialog.chosen.connect(self._on_columns_chosen)
        dialog.open()  # window-modal, never blocks the event loop
        self._columns_dialog = dialog

    @Slot(object)
    def _on_columns_chosen(self, choice: CsvChoice) -> None:
        self.load_csv_file(choice.path, choice)

    # -- running -----------------------------------------------------------------------
    def toggle_play(self) -> None:
        if self._playing:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        last = self.controller.last
        at_end = self._view_index is None or self._view_index >= len(self.controller.mirror) - 1
        if last is not None and at_end and last.iteration >= self.controls.iterations():
            # the budget is used up: Play extends it so the button always does something
            n = min(MAX_ITERATIONS, 2 * last.iteration)
            if n <= last.iteration:
                self.statusBar().showMessage("The iteration budget is at its maximum", 5000)
                return
            self.controls.set_iterations(n)
            self.controller.set_budget(n)
        self._branch_if_scrubbed()
        self._playing = True
        self._play_seq = self.controller.play()
        self._update_buttons()

    def pause(self) -> None:
        self._playing = False
        self._play_seq = self.controller.pause()
        self._update_buttons()

    def step(self) -> None:
        self._branch_if_scrubbed()
        self._playing = False
        self._play_seq = self.controller.step(1)
        self._update_buttons()

    def reset(self) -> None:
        self._playing = False
        self._view_index = None
        self._ghosts = []
        self.surface_view.show_ghost(None, None)
        self.cost_view.show_ghost(None, None)
        self.cost_view.reset_range()
        self.controller.reset()
        self._update_buttons()

    def _branch_if_scrubbed(self) -> None:
        """Continue from the iteration shown; keep the abandoned branch as a ghost."""
        mirror = self.controller.mirror
        i = self._view_index
        self._view_index = None
        if i is None or i >= len(mirror) - 1:
            return
        full = mirror.view()
        self._ghosts.append(
            HistoryView(
                *(
                    getattr(full, k)[i:]
                    for k in (
                        "iterations",
                        "costs",
                        "weights",
                        "biases",
                        "dws",
                        "dbs",
                        "learning_rates",
                    )
                ),
                stride=full.stride,
            )
        )
        self.controller.rewind(i)
        self._draw_ghosts()

    def _on_lr(self, lr: float) -> None:
        self.controller.set_learning_rate(lr)

    def _on_iterations(self, n: int) -> None:
        self.controller.set_budget(n)

    def _use_stable_rate(self) -> None:
        last = self.controller.last
        if last is None:
            return
        lr = 0.9 * last.stable_rate
        self.controls.set_learning_rate(lr)
        self.controller.set_learning_rate(self.controls.learning_rate())
        self.statusBar().showMessage(
            f"Learning rate set to {self.controls.learning_rate():.4g}", 5000
        )

    def _on_start_picked(self, x: float, y: float) -> None:
        if self._playing:
            return
        mirror = self.controller.mirror
        if not len(mirror):
            return
        theta = np.array([*mirror.array("weights")[0], mirror.array("biases")[0]])
        spec = self.surface_view.spec
        theta[spec.x_param], theta[spec.y_param] = x, y
        self._view_index = None
        self._ghosts = []
        self.surface_view.show_ghost(None, None)
        self.cost_view.show_ghost(None, None)
        self.controller.reset(theta[:2].copy(), float(theta[2]))
        self.statusBar().showMessage(
            f"Start point set to w = ({theta[0]:.3g}, {theta[1]:.3g}), b = {theta[2]:.3g}", 5000
        )

    def _on_scrub(self, value: int) -> None:
        n = len(self.controller.mirror)
        if self._playing:
            self.pause()
        self._view_index = None if value >= n - 1 else int(value)
        self._render_now()

    # -- drawing -----------------------------------------------------------------------
    @Slot(object)
    def _on_snapshot(self, snap: Snapshot) -> None:
        if self._closed:
            return
        if snap.seq >= self._play_seq:
            self._playing = snap.playing  # the worker stops by itself at the end
        if snap.divergence:
            self.statusBar().showMessage(
                f"Diverged: {snap.divergence}. Rates below {snap.stable_rate:.3g} are stable "
                "for this data — try 'Use a stable rate'."
            )
        self._update_buttons()
        self._schedule_render()

    def _schedule_render(self) -> None:
        """Draw at most once per frame; when a frame's work (drawing and painting)
        takes longer than a frame, space frames by that cost and a tenth more."""
        if self._frame_timer.isActive() or self._closed:
            return
        since = time.perf_counter() - self._draw_start
        gap = max(FRAME_SECONDS, 1.1 * self._frame_work) - since
        self._frame_timer.start(max(0, int(gap * 1000)))

    def _render(self) -> None:
        """Draw one frame (paced by the frame timer), in two halves a few ms apart.

        Qt paints everything that changed in one go, so the halves (boundary and
        surface; then sigmoid, cost curve and read-out) are separated by a short
        timer that lets the first half paint: no turn of the event loop is long.
        Both halves show the same iteration.
        """
        self._draw_start = time.perf_counter()
        self.controller.worker.gui_idle.clear()  # the trainer waits while we draw
        self._frame_index = self._guarded(self._draw_first, None)
        QTimer.singleShot(HALF_FRAME_MS, self, self._render_second)

    def _render_second(self) -> None:
        if self._frame_index is not None and not self._closed:
            self._guarded(self._draw_second, self._frame_index)
        QTimer.singleShot(0, self, self._frame_painted)

    def _render_now(self) -> None:
        """The whole frame at once (after the user scrubbed or toggled a view)."""
        index = self._guarded(self._draw_first, None)
        if index is not None:
            self._guarded(self._draw_second, index)

    def _guarded(self, draw: Callable[[Any], int | None], index: int | None) -> int | None:
        try:
            return draw(index)
        except Exception as exc:  # a view failed: say so, keep the app usable
            log.exception("drawing failed")
            self.statusBar().showMessage(f"Drawing failed: {type(exc).__name__}: {exc}", 15000)
            return None

    def _frame_painted(self) -> None:
        """Runs after the paint events the last draw caused: the frame's full cost."""
        self.controller.worker.gui_idle.set()
        work = time.perf_counter() - self._draw_start
        self._frame_work = 0.7 * self._frame_work + 0.3 * work

    def _shown_index(self) -> int | None:
        n = len(self.controller.mirror)
        if n == 0:
            return None
        return n - 1 if self._view_index is None else min(self._view_index, n - 1)

    def _draw_first(self, _index: None) -> int | None:
        """The boundary and the surface path at the history entry shown."""
        index = self._shown_index()
        if index is None:
            return None
        mirror = self.controller.mirror
        W = mirror.array("weights")
        B = mirror.array("biases")
        self.boundary_view.show_state(W[index], float(B[index]))
        theta = np.column_stack([W, B])
        spec = self.surface_view.spec
        self.surface_view.show_path(theta[:, spec.x_param], theta[:, spec.y_param], index)
        self._update_surface(index=index)
        return index

    def _draw_second(self, index: int) -> int | None:
        """The sigmoid, the cost curve, and (at 10 Hz while training) the read-out."""
        mirror = self.controller.mirror
        n = len(mirror)
        if index >= n:
            return None  # reset in between: the next frame draws the new run
        its = mirror.array("iterations")
        w = mirror.array("weights")[index]
        b = float(mirror.array("biases")[index])
        self.sigmoid_view.show_state(w, b)
        self.cost_view.show_curve(its, mirror.array("costs"), index, tight=not self._playing)
        now = time.perf_counter()
        if not self._playing or now - self._readout_at >= READOUT_SECONDS:
            # numbers changing 60 times a second cannot be read, and every text change
            # repaints its widget: the read-out and the scrubber follow at 10 Hz
            self._readout_at = now
            self._update_readout(index)
            with QSignalBlocker(self.history_slider):
                self.history_slider.setRange(0, n - 1)
                self.history_slider.setValue(index)
            self.history_label.setText(f"iteration {int(its[index]):,} of {int(its[-1]):,}")
        return index

    def _update_readout(self, index: int) -> None:
        m = self.controller.mirror
        it = int(m.array("iterations")[index])
        cost = float(m.array("costs")[index])
        w = m.array("weights")[index]
        b = float(m.array("biases")[index])
        dw = m.array("dws")[index]
        db = float(m.array("dbs")[index])
        lr = float(m.array("learning_rates")[index])
        z = w @ self._X + b
        acc = float(np.mean((z > 0) == (self._Y[0] > 0.5))) if self._X.size else float("nan")
        raw = "—"
        if self._std is not None:
            wr, br = self._std.to_raw(w, b)
            raw = f"w = ({wr[0, 0]:.4g}, {wr[1, 0]:.4g}), b = {br:.4g}"
        last = self.controller.last
        stable = f"α < {last.stable_rate:.4g}" if last is not None else "—"
        self.readout.set(
            iteration=f"{it:,}",
            cost=f"{cost:.6g}",
            w1=f"{w[0]:.6g}",
            w2=f"{w[1]:.6g}",
            b=f"{b:.6g}",
            dw=f"({dw[0]:.4g}, {dw[1]:.4g})",
            db=f"{db:.4g}",
            grad=f"{math.sqrt(float(dw @ dw) + db * db):.4g}",
            lr=f"{lr:.4g}",
            acc=f"{100 * acc:.1f} %",
            raw=raw,
            stable=stable,
        )

    def _draw_ghosts(self) -> None:
        if not self._ghosts:
            self.surface_view.show_ghost(None, None)
            self.cost_view.show_ghost(None, None)
            return
        spec = self.surface_view.spec
        xs, ys, its, cs = [], [], [], []
        for g in self._ghosts:
            theta = np.column_stack([g.weights, g.biases])
            xs += [theta[:, spec.x_param], [np.nan]]
            ys += [theta[:, spec.y_param], [np.nan]]
            its += [g.iterations.astype(float), [np.nan]]
            cs += [g.costs, [np.nan]]
        self.surface_view.show_ghost(np.concatenate(xs), np.concatenate(ys))
        self.cost_view.show_ghost(np.concatenate(its), np.concatenate(cs))

    def _update_surface(self, index: int | None = None, force: bool = False) -> None:
        """Ask for a new surface when the slice, its extent or the fixed value moved."""
        mirror = self.controller.mirror
        n = len(mirror)
        if n == 0 or self._X.size == 0:
            return
        if index is None:
            index = n - 1 if self._view_index is None else min(self._view_index, n - 1)
        spec = self.surface_view.spec
        theta = np.column_stack([mirror.array("weights"), mirror.array("biases")])
        px, py = theta[: index + 1, spec.x_param], theta[: index + 1, spec.y_param]
        fixed = float(theta[index, spec.fixed_param])
        extent = self._surface_extent
        if force or self._surface_key != spec.key:
            extent = None
        lo_x, hi_x = float(px.min()), float(px.max())
        lo_y, hi_y = float(py.min()), float(py.max())
        if (
            extent is None
            or lo_x < extent[0]
            or hi_x > extent[1]
            or lo_y < extent[2]
            or hi_y > extent[3]
        ):
            half = max(3.0, 1.4 * max(abs(lo_x), abs(hi_x), abs(lo_y), abs(hi_y)))
            if extent is not None:
                half = max(half, 1.5 * max(abs(v) for v in extent))
            extent = (-half, half, -half, half)
        changed_extent = extent != self._surface_extent or self._surface_key != spec.key
        span = extent[1] - extent[0]
        # while training, the slice follows in steps of 1 % of the extent; when the run
        # stands still it shows exactly the third parameter of the iteration on screen
        step = 0.01 * span if self._playing else 1e-9 * span
        moved = self._surface_fixed is None or abs(fixed - self._surface_fixed) > step
        if not (changed_extent or moved or force):
            return
        now = time.perf_counter()
        if (
            self._playing
            and not (changed_extent or force)
            and (now - self._surface_requested < SURFACE_INTERVAL)
        ):
            return  # while training, the slice follows at a bounded rate
        self._surface_requested = now
        if changed_extent:
            self.surface_view.set_extent(extent)
            self._draw_ghosts()
        self._surface_extent = extent
        self._surface_key = spec.key
        self._surface_fixed = fixed
        xs = np.linspace(extent[0], extent[1], SURFACE_GRID)
        ys = np.linspace(extent[2], extent[3], SURFACE_GRID)
        self.controller.request_surface(SurfaceRequest(0, self._X, self._Y, spec, xs, ys, fixed))

    @Slot(object)
    def _on_surface(self, result: SurfaceResult) -> None:
        if self._closed or result.request.spec.key != self.surface_view.spec.key:
            return
        self.surface_view.show_surface(result)

    def _update_buttons(self) -> None:
        c = self.controls
        c.play_button.setText("Pause" if self._playing else "Play")
        self.surface_view.picking_enabled = not self._playing
        self.surface_view.hint.setVisible(not self._playing)
        last = self.controller.last
        c.stable_button.setEnabled(bool(last is not None and last.divergence))

    # -- export --------------------------------------------------------------------------
    def run_record(self) -> RunRecord:
        """The run on screen, as an export sees it."""
        assert self._dataset is not None
        last = self.controller.last
        return RunRecord(
            dataset=self._dataset,
            X=self._X.copy(),
            Y=self._Y.copy(),
            history=self.history,
            standardized=self._std is not None,
            divergence=last.divergence if last is not None else None,
        )

    def export_animation(self) -> None:
        """File ▸ Export animation…: frames, animation.png and run.json of this run."""
        if self.exporter is not None and not self.exporter.done:
            self.statusBar().showMessage("An export is already running", 5000)
            return
        n = len(self.controller.mirror)
        if n == 0:
            return
        folder = self._settings.value("export_dir", str(Path.home() / "gd-visualizer-export"))
        defaults = ExportSettings(
            out_dir=Path(str(folder)),
            frames=min(60, n),
            slice_key=self.surface_view.slice_key(),
            log_scale=self.cost_view.log_box.isChecked(),
        )
        settings = ExportDialog.ask(self, n, defaults)
        if settings is None:
            return
        if existing_outputs(settings.out_dir):
            answer = QMessageBox.question(
                self,
                "Replace the earlier export?",
                f"{settings.out_dir} already holds an export (frames, animation.png or "
                "run.json). Replace it?",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
            settings = replace(settings, overwrite=True)
        self._settings.setValue("export_dir", str(settings.out_dir))
        self.pause()
        try:
            runner = ExportRunner(self.run_record(), settings, self)
        except ExportError as exc:
            self._show_error(str(exc), title="Export")
            return
        total = len(runner.job.indices)
        progress = QProgressDialog("Exporting…", "Cancel", 0, total, self)
        progress.setObjectName("exportProgress")
        progress.setWindowTitle("Export animation")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.canceled.connect(runner.cancel)

        def on_progress(done: int, _total: int, message: str) -> None:
            progress.setValue(done)
            progress.setLabelText(message)

        def close_progress() -> None:
            progress.reset()
            progress.close()
            progress.deleteLater()

        def on_finished(folder: str) -> None:
            close_progress()
            fps = total / runner.seconds if runner.seconds > 0 else float("nan")
            self.statusBar().showMessage(
                f"Exported {total} frames, animation.png and run.json to {folder} "
                f"({fps:.1f} frames/s)",
                15000,
            )

        def on_failed(message: str) -> None:
            close_progress()
            self._show_error(message, title="Export failed")

        def on_cancelled() -> None:
            close_progress()
            self.statusBar().showMessage("Export cancelled; nothing was left behind", 8000)

        runner.progressed.connect(on_progress)
        runner.finished.connect(on_finished)
        runner.failed.connect(on_failed)
        runner.cancelled.connect(on_cancelled)
        self.exporter = runner
        self.export_progress = progress
        runner.start()

    def save_picture(self) -> None:
        """File ▸ Save picture…: the four views as shown, as one PNG."""
        path, _ = QFileDialog.getSaveFileName(self, "Save picture", "", "PNG images (*.png)")
        if not path:
            return
        if not path.lower().endswith(".png"):
            path += ".png"
        if self.plots.grab().save(path, "PNG"):
            self.statusBar().showMessage(f"Saved {path}", 8000)
        else:
            self._show_error(f"{path}: could not be written", title="Save picture")

    # -- messages ------------------------------------------------------------------------
    @Slot(str)
    def _show_error(self, message: str, title: str = "gd-visualizer") -> None:
        log.warning("%s", message)
        self.statusBar().showMessage(message, 15000)
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self
        )
        box.setObjectName("errorDialog")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # window-modal, does not block the event loop
        self.error_box = box

    def _about(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("About gd-visualizer")
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(EQUATIONS_HTML)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # -- lifecycle -----------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop every worker and wait for it; safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        self._frame_timer.stop()
        if self.exporter is not None:
            self.exporter.cancel()
        try:
            self._save_settings()
        except Exception:  # settings are a convenience; never block closing
            log.exception("saving settings failed")
        self.controller.shutdown()
        self.statusBar().clearMessage()  # stops the status bar's message timer
        for _loader, thread in self._loaders:
            thread.quit()
            thread.wait()
        self._loaders = []
