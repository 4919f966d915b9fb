"""The main window: a shell that lays out the panels and wires them to the controller.

The run's state lives in the model (``controller.run``, ``controller.view``), its rules
in the controller, what each panel draws in the presenter (``present.scene``), where
the data come from in the data source, what is remembered in ``settings``.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QScrollArea,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..core import BUILTIN_DATASETS, Dataset, HistoryView
from ..model import TrainingData
from ..present import scene as present
from ..present.record import ExportSettings, RunRecord
from .controller import RunController
from .controls import Controls
from .csv_dialog import CsvColumnsDialog
from .data_source import CsvChoice, DataSource
from .export_progress import ExportFlow
from .settings import AppSettings, clear_settings, load_settings, save_settings
from .views import PANELS, Readout
from .views._style import apply_plot_style

log = logging.getLogger(__name__)

FRAME_SECONDS = 1 / 60
#: the two halves of a frame are this far apart (ms), so the first can paint in between
HALF_FRAME_MS = 3
#: while training, the read-out's numbers change at most this often (seconds)
READOUT_SECONDS = 0.1

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
<p>Gradient descent is guaranteed not to diverge for α &lt; 8/λ<sub>max</sub>(X̃X̃ᵀ/m),
X̃ = X with a row of ones (sufficient, not necessary).</p>
"""


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
        apply_plot_style()
        self.setWindowTitle("gd-visualizer — gradient descent on logistic regression")
        self._closed = False
        self._settings = load_settings(restore_settings)
        self.controller = RunController(self)
        self.data_source = DataSource(self)
        self.export_flow = ExportFlow(self)
        # drawing is paced by a frame timer: results only mark the views dirty, so a
        # slow paint can never queue up work and starve input or timers
        self._frame_timer = QTimer(self)
        self._frame_timer.setObjectName("frameTimer")
        self._frame_timer.setSingleShot(True)
        self._frame_timer.timeout.connect(self._render)
        self._draw_start = 0.0
        self._frame_index: int | None = None
        self._readout_at = 0.0
        self._frame_work = 0.0  # seconds of drawing and painting per frame (average)
        self._build()
        self._build_menus()
        self._wire()
        self._restore(dataset, learning_rate, iterations)

    # -- construction ------------------------------------------------------------------
    def _build(self) -> None:
        self.panels = {name: cls() for name, cls in PANELS.items()}
        self.readout = Readout()
        self.controls = Controls()
        plots = QWidget()
        self.plots = plots
        grid = QGridLayout(plots)
        grid.setContentsMargins(4, 4, 4, 4)
        grid.setSpacing(6)
        for k, panel in enumerate(self.panels.values()):
            grid.addWidget(panel, k // 2, k % 2)

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
        self.statusBar().showMessage("Ready — press Space to train")
        self.load_progress = QProgressBar()  # busy while a file loads on its thread
        self.load_progress.setObjectName("loadProgress")
        self.load_progress.setRange(0, 0)
        self.load_progress.setMaximumWidth(160)
        self.load_progress.setToolTip("Loading the CSV file…")
        self.load_progress.hide()
        self.statusBar().addPermanentWidget(self.load_progress)

    def _action(self, menu, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.open_action = self._action(
            file_menu, "&Open CSV…", self.open_csv, QKeySequence.StandardKey.Open
        )
        self.export_action = self._action(
            file_menu, "&Export animation…", self.export_animation, "Ctrl+E"
        )
        self.picture_action = self._action(
            file_menu, "Save &picture…", self.save_picture, "Ctrl+Shift+S"
        )
        file_menu.addSeparator()
        self._action(file_menu, "Restore &defaults", self.restore_defaults)
        self._action(file_menu, "&Quit", self.close, "Ctrl+Q")

        run_menu = bar.addMenu("&Run")
        c = self.controller
        self.play_action = self._action(run_menu, "&Play / Pause", c.toggle_play, Qt.Key.Key_Space)
        self.step_action = self._action(run_menu, "&Step", c.step, Qt.Key.Key_Right)
        self.reset_action = self._action(run_menu, "&Reset", c.reset, Qt.Key.Key_R)
        for a in (self.play_action, self.step_action, self.reset_action):
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&About", self._about)

    def _wire(self) -> None:
        c, ctl, src = self.controls, self.controller, self.data_source
        c.play_button.clicked.connect(ctl.toggle_play)
        c.step_button.clicked.connect(ctl.step)
        c.reset_button.clicked.connect(ctl.reset)
        c.learningRateChanged.connect(ctl.set_learning_rate)
        c.iterationsChanged.connect(ctl.set_budget)
        c.speedChanged.connect(ctl.set_speed)
        c.datasetRequested.connect(self._on_dataset_request)
        c.standardizeChanged.connect(src.set_standardize)
        c.open_button.clicked.connect(self.open_csv)
        c.columns_button.clicked.connect(src.choose_columns)
        c.stable_button.clicked.connect(ctl.use_stable_rate)
        self.history_slider.valueChanged.connect(ctl.scrub)
        self.surface_view.sliceChanged.connect(ctl.set_slice)
        self.surface_view.startPicked.connect(ctl.pick_start)
        self.cost_view.logScaleToggled.connect(ctl.set_log_scale)

        ctl.frameDue.connect(self._on_frame_due)
        ctl.sceneChanged.connect(self._render_now)
        ctl.surfaceReady.connect(self.surface_view.show_surface)
        ctl.extentChanged.connect(self.surface_view.set_extent)
        ctl.playingChanged.connect(self._update_buttons)
        ctl.message.connect(self.statusBar().showMessage)
        ctl.errorOccurred.connect(self._show_error)
        ctl.run.settingsChanged.connect(self._on_settings_changed)
        ctl.run.ghostsChanged.connect(self._on_ghosts_changed)

        src.dataReady.connect(self._on_data)
        src.csvLoaded.connect(self._on_csv_loaded)
        src.needsColumns.connect(self._open_columns_dialog)
        src.failed.connect(self._show_error)
        src.busyChanged.connect(self.load_progress.setVisible)
        src.loading.connect(lambda path: self.statusBar().showMessage(f"Loading {path} …"))

        self.export_flow.message.connect(self.statusBar().showMessage)
        self.export_flow.failed.connect(self._show_error)
        self.export_flow.folderChosen.connect(self._remember_export_dir)

    # -- public API ----------------------------------------------------------------------
    @property
    def boundary_view(self):
        return self.panels["boundary"]

    @property
    def surface_view(self):
        return self.panels["surface"]

    @property
    def sigmoid_view(self):
        return self.panels["sigmoid"]

    @property
    def cost_view(self):
        return self.panels["cost"]

    @property
    def dataset(self) -> Dataset:
        """The current dataset as loaded (raw features)."""
        assert self.controller.run.data is not None
        return self.controller.run.data.dataset

    @property
    def training_data(self) -> tuple[np.ndarray, np.ndarray]:
        """The (X, Y) the trainer uses (standardized when that is on)."""
        data = self.controller.run.data
        if data is None:
            return np.empty((2, 0)), np.empty((1, 0))
        return data.X.copy(), data.Y.copy()

    @property
    def history(self) -> HistoryView:
        """The recorded run as drawn: entry i holds the parameters before update i
        and the learning rate used for it."""
        return self.controller.mirror.view()

    @property
    def is_playing(self) -> bool:
        return self.controller.playing

    def play(self) -> None:
        self.controller.play()

    def pause(self) -> None:
        self.controller.pause()

    def step(self) -> None:
        self.controller.step()

    def reset(self) -> None:
        self.controller.reset()

    def toggle_play(self) -> None:
        self.controller.toggle_play()

    def set_dataset(self, dataset: Dataset) -> None:
        """Train on a new dataset (the run restarts from the start point)."""
        self.data_source.set_dataset(dataset)

    @property
    def exporter(self):
        """The running or last export (None until one starts)."""
        return self.export_flow.runner

    @property
    def export_progress(self):
        return self.export_flow.dialog

    # -- settings ------------------------------------------------------------------------
    def _restore(self, dataset: str | None, lr: float | None, iterations: int | None) -> None:
        s = self._settings
        c = self.controls
        if s.geometry is not None:
            self.restoreGeometry(s.geometry)
        with (
            QSignalBlocker(c.dataset_combo),
            QSignalBlocker(c.samples_spin),
            QSignalBlocker(c.noise_spin),
            QSignalBlocker(c.seed_spin),
            QSignalBlocker(c.standardize_check),
        ):
            c.dataset_combo.setCurrentIndex(max(0, c.dataset_combo.findData(s.dataset)))
            c.samples_spin.setValue(s.n_samples)
            c.noise_spin.setValue(s.noise)
            c.seed_spin.setValue(s.seed)
            c.standardize_check.setChecked(s.standardize)
        self.data_source.standardize = s.standardize
        ctl = self.controller
        ctl.run.set_settings(
            learning_rate=lr if lr is not None else s.learning_rate,
            budget=iterations if iterations is not None else s.iterations,
        )
        ctl.set_speed(s.speed)
        ctl.view.slice_key = s.slice
        ctl.view.log_scale = s.log_scale
        if dataset is not None and dataset not in BUILTIN_DATASETS:
            self._set_builtin()  # something to show while the file loads
            self.load_csv_file(dataset)
        else:
            if dataset is not None:
                with QSignalBlocker(c.dataset_combo):
                    c.dataset_combo.setCurrentIndex(c.dataset_combo.findData(dataset))
            self._set_builtin()

    def _current_settings(self) -> AppSettings:
        c, run, view = self.controls, self.controller.run, self.controller.view
        data = c.dataset_combo.currentData()
        return AppSettings(
            dataset=data if data in BUILTIN_DATASETS else self._settings.dataset,
            n_samples=c.samples_spin.value(),
            noise=c.noise_spin.value(),
            seed=c.seed_spin.value(),
            standardize=c.standardize_check.isChecked(),
            learning_rate=c.learning_rate(),
            iterations=c.iterations(),
            speed=c.speed(),
            slice=view.slice_key,
            log_scale=view.log_scale,
            export_dir=self._settings.export_dir,
            geometry=self.saveGeometry(),
        )

    def restore_defaults(self) -> None:
        """File ▸ Restore defaults: forget what was remembered and start afresh."""
        clear_settings()
        self._settings = AppSettings()
        self._restore(None, None, None)
        self.statusBar().showMessage("Settings restored to their defaults", 5000)

    def _remember_export_dir(self, folder: str) -> None:
        self._settings.export_dir = folder

    @Slot()
    def _on_settings_changed(self) -> None:
        run = self.controller.run
        self.controls.set_learning_rate(run.learning_rate)
        self.controls.set_iterations(run.budget)
        self.controls.set_speed(run.speed)

    # -- data ------------------------------------------------------------------------------
    def _on_dataset_request(self) -> None:
        data = self.controls.dataset_combo.currentData()
        if isinstance(data, str) and self.data_source.use_cached(data):
            self.controls.columns_button.setEnabled(True)
        else:
            self._set_builtin()

    def _set_builtin(self) -> None:
        c = self.controls
        name = c.dataset_combo.currentData()
        noise = c.noise_spin.value() or None
        if self.data_source.set_builtin(name, c.samples_spin.value(), noise, c.seed_spin.value()):
            for w in (c.samples_spin, c.noise_spin, c.seed_spin):
                w.setEnabled(name != "iris")
            c.columns_button.setEnabled(False)

    @Slot(object)
    def _on_data(self, data: TrainingData) -> None:
        self.controller.set_data(data)
        for panel in self.panels.values():
            panel.bind(data)
        ds = data.dataset
        info = ds.describe()
        if ds.notes:
            info += " (" + "; ".join(ds.notes) + ")"
        self.controls.data_info.setText(info)
        self._update_buttons()
        self.statusBar().showMessage(f"Loaded {info}", 5000)

    def open_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open CSV", "", "CSV files (*.csv *.tsv *.txt);;All files (*)"
        )
        if path:
            self.load_csv_file(path)

    def load_csv_file(self, path: str, choice: CsvChoice | None = None) -> None:
        """Load a CSV file off the GUI thread; the current dataset stays until it succeeds."""
        self.data_source.load_csv(path, choice)

    @Slot(object, object)
    def _on_csv_loaded(self, choice: CsvChoice, ds: Dataset) -> None:
        key = f"file:{choice.path}"
        c = self.controls
        with QSignalBlocker(c.dataset_combo):
            i = c.dataset_combo.findData(key)
            if i < 0:
                c.dataset_combo.addItem(f"file: {ds.name}", key)
                i = c.dataset_combo.count() - 1
                c.dataset_combo.setItemData(i, choice.path, Qt.ItemDataRole.ToolTipRole)
            c.dataset_combo.setCurrentIndex(i)
        for w in (c.samples_spin, c.noise_spin, c.seed_spin):
            w.setEnabled(False)
        c.columns_button.setEnabled(True)

    @Slot(object, object)
    def _open_columns_dialog(self, choice: CsvChoice, info: object) -> None:
        dialog = CsvColumnsDialog(info, choice, self)
        dialog.setObjectName("csvColumnsDialog")
        dialog.chosen.connect(lambda ch: self.load_csv_file(ch.path, ch))
        dialog.open()  # window-modal, never blocks the event loop
        self._columns_dialog = dialog

    # -- drawing -----------------------------------------------------------------------
    def _on_ghosts_changed(self) -> None:
        if not self.controller.run.ghosts:  # gone at once, even before the next entry
            self.surface_view.show_ghost(None, None)
            self.cost_view.show_ghost(None, None)
        self._render_now()

    @Slot()
    def _on_frame_due(self) -> None:
        if self._closed:
            return
        self._show_verdict()
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
        self._frame_index = self._draw_half(0, None)
        QTimer.singleShot(HALF_FRAME_MS, self, self._render_second)

    def _render_second(self) -> None:
        if self._frame_index is not None and not self._closed:
            self._draw_half(1, self._frame_index)
        QTimer.singleShot(0, self, self._frame_painted)

    @Slot()
    def _render_now(self) -> None:
        """The whole frame at once (after the user scrubbed or changed what is shown)."""
        if self._closed:
            return
        index = self._draw_half(0, None)
        if index is not None:
            self._draw_half(1, index)
        self._update_buttons()

    def _frame_painted(self) -> None:
        """Runs after the paint events the last draw caused: the frame's full cost."""
        self.controller.worker.gui_idle.set()
        work = time.perf_counter() - self._draw_start
        self._frame_work = 0.7 * self._frame_work + 0.3 * work

    def _draw_half(self, half: int, index: int | None) -> int | None:
        """Draw the panels of one half of a frame; returns the entry drawn."""
        try:
            scene = self.controller.scene(index)
            if scene is None:
                return None
            for panel in self.panels.values():
                if panel.half == half:
                    panel.draw(scene)
            if half == 0:
                self.controller.update_surface(index=scene.index)
            else:
                self._draw_numbers(scene)
            return scene.index
        except Exception as exc:  # a view failed: say so, keep the app usable
            log.exception("drawing failed")
            self.statusBar().showMessage(f"Drawing failed: {type(exc).__name__}: {exc}", 15000)
            return None

    def _draw_numbers(self, scene: present.Scene) -> None:
        """The read-out and the scrubber (at 10 Hz while training: numbers changing 60
        times a second cannot be read, and every text change repaints its widget)."""
        now = time.perf_counter()
        if self.controller.playing and now - self._readout_at < READOUT_SECONDS:
            return
        self._readout_at = now
        data = self.controller.run.data
        status = self.controller.run.status
        if data is not None:
            self.readout.set(**present.readout(data, scene, status))
        n = len(self.controller.mirror)
        with QSignalBlocker(self.history_slider):
            self.history_slider.setRange(0, n - 1)
            self.history_slider.setValue(scene.index)
        self.history_label.setText(f"iteration {scene.iteration:,} of {scene.last_iteration:,}")

    def _show_verdict(self) -> None:
        """The trainer's verdict in words, in the status bar, when it changes."""
        status = self.controller.run.status
        if status is None:
            return
        key = (status.status, status.divergence, status.converged_at, status.separable)
        if key == getattr(self, "_verdict_shown", None) and self.controller.playing:
            return
        self._verdict_shown = key
        text = status.status_text or status.divergence or ""
        if status.divergence is not None and not text.lower().startswith("diverged"):
            text = f"Diverged: {text}"
        if text:
            self.statusBar().showMessage(text)

    def _update_buttons(self, *_args) -> None:
        playing = self.controller.playing
        self.controls.play_button.setText("Pause" if playing else "Play")
        self.surface_view.picking_enabled = not playing
        self.surface_view.hint.setVisible(not playing)
        last = self.controller.last
        above = last is not None and last.status.learning_rate > last.status.stable_rate
        diverged = last is not None and last.status.divergence is not None
        self.controls.stable_button.setEnabled(bool(above or diverged))

    # -- export --------------------------------------------------------------------------
    def run_record(self) -> RunRecord:
        """The run on screen, as an export sees it."""
        run = self.controller.run
        assert run.data is not None
        return RunRecord(
            dataset=run.data.dataset,
            X=run.data.X.copy(),
            Y=run.data.Y.copy(),
            history=self.history,
            standardized=run.data.standardized,
            divergence=run.status.divergence if run.status is not None else None,
        )

    def export_animation(self) -> None:
        """File ▸ Export animation…: frames, animation.png and run.json of this run."""
        n = len(self.controller.mirror)
        if n == 0:
            return
        folder = self._settings.export_dir or str(Path.home() / "gd-visualizer-export")
        defaults = ExportSettings(
            out_dir=Path(folder),
            frames=min(60, n),
            slice_key=self.controller.view.slice_key,
            log_scale=self.controller.view.log_scale,
        )
        self.controller.pause()
        self.export_flow.start(self.run_record(), defaults)

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
            self._show_error(f"{path}: could not be written", "Save picture")

    # -- messages ------------------------------------------------------------------------
    @Slot(str)
    @Slot(str, str)
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
        self.export_flow.cancel()
        try:
            save_settings(self._current_settings())
        except Exception:  # settings are a convenience; never block closing
            log.exception("saving settings failed")
        self.controller.shutdown()
        self.data_source.shutdown()
        self.statusBar().clearMessage()  # stops the status bar's message timer
