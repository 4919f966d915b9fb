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
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QProgressBar,
)

from ..core import DATASETS, MULTICLASS_DATASETS, REAL_DATASETS, Dataset, HistoryView
from ..heap import freeze_long_lived
from ..model import TrainingData
from ..present import scene as present
from ..present.record import ExportSettings, RunRecord, clock_run
from .controller import RunController
from .controls import DRAW_CHOICE, Controls
from .csv_dialog import CsvColumnsDialog
from .data_source import CsvChoice, DataSource
from .drawing import HALF_FRAME_MS, FrameDrawer
from .editing import PointEditor
from .export_progress import ExportFlow, race_record
from .guard import guarded
from .keys import route_run_keys
from .layout import add_dock, build_layout, fit_column, show_about
from .menus import build_menus
from .runs import RunsPanel
from .sessions import SessionKeeper
from .settings import (
    AppSettings,
    clear_settings,
    load_settings,
    save_settings,
)
from .step import StepPanel
from .views import PANELS, Readout
from .views._style import apply_plot_style, load_random, scale_plot_text

log = logging.getLogger(__name__)

#: while playing, the status bar's verdict (and its J, ‖∇J‖) is renewed this often (s)
VERDICT_SECONDS = 1.0
#: what the first paint does not need loads this long after the window is shown
LOAD_LATER_MS = 300
#: the app's long-lived objects are frozen this long after its window is shown: after
#: what loads later (open_window)
FREEZE_AFTER_MS = 2 * LOAD_LATER_MS


def open_window(window: MainWindow) -> None:
    """Show the app's window, and once it is up and idle, end the start's pause of the
    garbage collector and freeze what the process keeps for good
    (:func:`gd_visualizer.heap.freeze_long_lived`).

    For the app's own window only: a process that opens many (the tests) would keep their
    reference cycles for good.  It lives here, beside the window, and not in ``app.py``:
    the benchmark, layered below the command lines, opens its windows the same way."""
    window.show()
    QTimer.singleShot(FREEZE_AFTER_MS, window, freeze_long_lived)


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
        self._shown = False
        self._text_scale = 1.0
        self._verdict_shown: tuple | None = None
        self._verdict_at = 0.0
        self._settings = load_settings(restore_settings)
        self.controller = RunController(self)
        self.data_source = DataSource(self)
        self.export_flow = ExportFlow(self)
        self.editor = PointEditor(self)
        self.sessions = SessionKeeper(self)
        self._build()
        self.drawer = FrameDrawer(
            self.controller,
            self.panels,
            self.readout,
            self.history_slider,
            self.history_label,
            self.statusBar().showMessage,
            self,
        )
        self.drawer.extras += [self.step_panel, self.runs_panel]
        build_menus(self)
        self._wire()
        self._keys = route_run_keys(self)
        self._restore(dataset, learning_rate, iterations)

    # -- construction ------------------------------------------------------------------
    def _build(self) -> None:
        self.panels = {name: cls() for name, cls in PANELS.items()}
        self.readout = Readout()
        self.controls = Controls()
        self.runs_panel = RunsPanel(self.controller.race)
        parts = build_layout(self.panels, self.controls, self.readout, self.runs_panel)
        self.plots = parts.plots
        self._column = parts.column
        self.history_slider = parts.history_slider
        self.history_label = parts.history_label
        self.setCentralWidget(parts.central)
        self.resize(1440, 900)
        self.statusBar().showMessage("Ready — press Space to train")
        self.load_progress = QProgressBar()  # busy while a file loads on its thread
        self.load_progress.setObjectName("loadProgress")
        self.load_progress.setRange(0, 0)
        self.load_progress.setMaximumWidth(160)
        self.load_progress.setToolTip("Loading the CSV file…")
        self.load_progress.hide()
        self.statusBar().addPermanentWidget(self.load_progress)
        self.step_panel = StepPanel(self.controller.inbox)
        self.graph_dock = add_dock(self, self.step_panel, "One step up close", "graphDock")
        self.sessions.build(self)  # the lesson banner and the "Reopen last session" button

    def _wire(self) -> None:
        c, ctl, src = self.controls, self.controller, self.data_source

        def g(fn):  # every slot reports its failure instead of raising
            return guarded(fn, self.statusBar().showMessage)

        c.play_button.clicked.connect(g(ctl.toggle_play))
        c.step_button.clicked.connect(g(ctl.step))
        c.reset_button.clicked.connect(g(ctl.reset))
        c.learningRateChanged.connect(g(ctl.set_learning_rate))
        c.iterationsChanged.connect(g(ctl.set_budget))
        c.speedChanged.connect(g(ctl.set_speed))
        c.datasetRequested.connect(g(self._on_dataset_request))
        c.standardizeChanged.connect(g(src.set_standardize))
        c.crossesChanged.connect(g(src.set_crosses))
        c.open_button.clicked.connect(g(self.open_csv))
        c.columns_button.clicked.connect(g(src.choose_columns))
        c.stable_button.clicked.connect(g(ctl.use_stable_rate))
        c.optimizerChanged.connect(g(ctl.set_optimizer))
        c.lossChanged.connect(g(ctl.set_loss))
        c.lambdChanged.connect(g(ctl.set_lambd))
        c.batchSizeChanged.connect(g(ctl.set_batch_size))
        self.runs_panel.steer(ctl, g)
        self.history_slider.valueChanged.connect(g(ctl.scrub))
        self.surface_view.sliceChanged.connect(g(ctl.set_slice))
        self.surface_view.startPicked.connect(g(ctl.pick_start))
        self.surface_view.throughEndToggled.connect(g(ctl.set_slice_through_end))
        self.cost_view.logScaleToggled.connect(g(ctl.set_log_scale))
        self.boundary_view.sampleClicked.connect(g(ctl.select_sample))
        self.boundary_view.addPointRequested.connect(g(self.editor.add_in_view))
        self.boundary_view.removePointRequested.connect(g(self.editor.remove_point))
        self.boundary_view.movePointRequested.connect(g(self.editor.move_in_view))
        self.editor.saved.connect(g(lambda text: self.statusBar().showMessage(text, 8000)))
        self.editor.failed.connect(g(self._show_error))
        self.sigmoid_view.sampleClicked.connect(g(ctl.select_sample))
        self.step_panel.sampleChosen.connect(g(ctl.select_sample))
        self.graph_dock.visibilityChanged.connect(g(lambda shown: shown and self.drawer.draw_now()))

        ctl.frameDue.connect(g(self._on_frame_due))
        ctl.sceneChanged.connect(g(self._on_scene_changed))
        ctl.surfaceReady.connect(g(self.surface_view.show_surface))
        ctl.extentChanged.connect(g(self.surface_view.set_extent))
        ctl.playingChanged.connect(g(self._update_buttons))
        ctl.message.connect(g(self.statusBar().showMessage))
        ctl.errorOccurred.connect(g(self._show_error))
        ctl.settingsChanged.connect(g(self._on_settings_changed))
        ctl.ghostsChanged.connect(g(self._on_ghosts_changed))

        src.dataReady.connect(g(self._on_data))
        src.csvLoaded.connect(g(self._on_csv_loaded))
        src.needsColumns.connect(g(self._open_columns_dialog))
        src.failed.connect(g(self._show_error))
        src.busyChanged.connect(g(self.load_progress.setVisible))
        src.loading.connect(g(lambda path: self.statusBar().showMessage(f"Loading {path} …")))

        self.export_flow.message.connect(g(self.statusBar().showMessage))
        self.export_flow.failed.connect(g(self._show_error))
        self.export_flow.folderChosen.connect(g(self._remember_export_dir))

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
    def runs(self) -> list:
        """The raced runs (each with ``.history``, ``.learning_rate``, ``.optimizer``,
        ``.batch_size``, ``.name``, ``.colour``); ``history`` is the selected one's."""
        return self.controller.runs

    def add_run(
        self, learning_rate: float, optimizer: str = "gd", batch_size: int | None = None
    ) -> int:
        """Race one more run from the same start on the same data; returns its index."""
        return self.controller.add_run(learning_rate, optimizer, batch_size)

    def save_session(self, path: str) -> bool:
        """Write everything on screen to ``path`` (a .gdviz file): the data, every setting,
        every run with its history, the shown iteration.  Problems are shown, not raised."""
        return self.sessions.save(str(path))

    def load_session(self, path: str) -> bool:
        """Open a session file; a bad one is reported (nothing is raised) and the current
        state stays."""
        return self.sessions.open(str(path))

    def reopen_last_session(self) -> bool:
        """File ▸ Reopen last session: what was on screen when the window last closed."""
        return self.sessions.reopen_last()

    def add_point(self, x1: float, x2: float, label: int) -> None:
        """One more sample at (x1, x2), in the units of the dataset's features; the runs
        continue from where they are on the new data."""
        self.editor.add_point(x1, x2, label)

    def remove_point(self, index: int) -> None:
        """Remove sample ``index`` (0-based, in the dataset's order)."""
        self.editor.remove_point(index)

    def undo_edit(self) -> None:
        """Edit ▸ Undo (Ctrl+Z): the data before the last point edit."""
        self.editor.undo()

    def redo_edit(self) -> None:
        self.editor.redo()

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

    # -- view ----------------------------------------------------------------------------
    @property
    def text_scale(self) -> float:
        return self._text_scale

    def set_text_scale(self, factor: float) -> None:
        """Every label, tick and legend at ``factor`` × its default size (0.6 … 3)."""
        factor = min(max(float(factor), 0.6), 3.0)
        self._text_scale = factor
        # a cascading style sheet reaches every widget, those with style sheets of their own
        # too (a font set with setFont does not); at the default size there is none: a
        # window's style sheet restyles (and slows) every widget (10 ms of start-up)
        points = QApplication.font().pointSizeF() * factor
        self.setStyleSheet("" if factor == 1.0 else f"QWidget {{ font-size: {points:.1f}pt; }}")
        for panel in self.panels.values():
            scale_plot_text(panel.plot, factor)
        fit_column(self._column)

    def show_step_panel(self, shown: bool = True) -> None:
        """View ▸ One step up close: the computation graph and its companions."""
        self.graph_dock.setVisible(shown)

    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()
        self.fullscreen_action.setChecked(self.isFullScreen())

    # -- settings ------------------------------------------------------------------------
    def _restore(self, dataset: str | None, lr: float | None, iterations: int | None) -> None:
        s = self._settings
        if s.geometry is not None:
            self.restoreGeometry(s.geometry)
        self.set_text_scale(s.text_scale)
        self.controls.show_data_settings(s)
        self.data_source.standardize = s.standardize
        ctl = self.controller
        ctl.set_learning_rate(lr if lr is not None else s.learning_rate)
        ctl.set_budget(iterations if iterations is not None else s.iterations)
        ctl.set_speed(s.speed)
        ctl.set_slice(s.slice)
        ctl.set_log_scale(s.log_scale)
        if dataset is not None and dataset not in DATASETS:
            self._set_builtin()  # something to show while the file loads
            self.load_csv_file(dataset)
        else:
            if dataset is not None:
                self.controls.show_dataset(dataset)
            self._set_builtin()

    def _current_settings(self) -> AppSettings:
        view = self.controller.view
        return self.controls.data_settings(
            AppSettings(
                dataset=self._settings.dataset,
                slice=view.slice_key,
                log_scale=view.log_scale,
                export_dir=self._settings.export_dir,
                text_scale=self._text_scale,
                geometry=self.saveGeometry(),
            )
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
        self.controls.set_optimizer(run.optimizer, run.batch_size)
        self.controls.set_model(run.race.loss, run.race.lambd)
        self._verdict_shown = None  # the selected run's verdict, now
        self._show_verdict()

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
        if name == DRAW_CHOICE:
            self.editor.start_drawing()
            return
        self.editor.history.clear()
        with QSignalBlocker(c.samples_spin):  # (three classes need a sample each)
            c.samples_spin.setMinimum(3 if name in MULTICLASS_DATASETS else 2)
        noise = c.noise_spin.value() or None
        if self.data_source.set_builtin(name, c.samples_spin.value(), noise, c.seed_spin.value()):
            for w in (c.samples_spin, c.noise_spin, c.seed_spin):
                w.setEnabled(name not in REAL_DATASETS)
            c.columns_button.setEnabled(False)

    @Slot(object)
    def _on_data(self, data: TrainingData) -> None:
        start = self.sessions.start_for(data)
        self.controller.set_data(data, start if start is not None else self.editor.start_for(data))
        # the panels of a frame's first half take the data now, the others a moment later
        # (each turn of the event loop stays short); none draws before it has it.  Until
        # the first frame all take it now: it is drawn whole (FrameDrawer.first_frame), and
        # the first paint had waited for a second binding and drawing (~10 ms of start-up)
        whole = self.drawer.first_frame
        later = [name for name, p in self.panels.items() if p.half != 0 and not whole]
        for name, panel in self.panels.items():
            if name not in later:
                panel.bind(data)
        self.step_panel.bind(data)
        self.controls.set_classes(data.classes)
        self.readout.set_classes(data.classes)
        self.drawer.unbound = set(later)
        if later:
            QTimer.singleShot(HALF_FRAME_MS, self, lambda: self._bind_later(data, later))
        ds = data.dataset
        info = ds.describe()
        if ds.notes:
            info += " (" + "; ".join(ds.notes) + ")"
        self.controls.data_info.setText(info)
        self._update_buttons()
        if self.editor.resume is None and self.sessions.pending is None:
            self.statusBar().showMessage(f"Loaded {info}", 5000)
        self.sessions.after_data()
        self.editor.after_data(self.controller.runs)

    def _bind_later(self, data: TrainingData, names: list[str]) -> None:
        if self._closed or self.controller.run.data is not data:
            return  # newer data came meanwhile: it binds for itself
        for name in names:
            self.panels[name].bind(data)
        self.drawer.unbound = set()
        self.drawer.draw_now()

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
        self.controls.show_file(f"file:{choice.path}", ds.name, choice.path)

    @Slot(object, object)
    def _open_columns_dialog(self, choice: CsvChoice, info: object) -> None:
        dialog = CsvColumnsDialog(info, choice, self)
        dialog.setObjectName("csvColumnsDialog")
        dialog.chosen.connect(lambda ch: self.load_csv_file(ch.path, ch))
        dialog.open()  # window-modal, never blocks the event loop
        self._columns_dialog = dialog

    # -- drawing -----------------------------------------------------------------------
    @property
    def frames_drawn(self) -> int:
        return self.drawer.frames_drawn

    def _on_ghosts_changed(self) -> None:
        if not self.controller.run.ghosts:  # gone at once, even before the next entry
            self.surface_view.show_ghost(None, None)
            self.cost_view.show_ghost(None, None)
        self._on_scene_changed()

    @Slot()
    def _on_scene_changed(self) -> None:
        self.drawer.draw_now()
        self._update_buttons()

    @Slot()
    def _on_frame_due(self) -> None:
        if self._closed:
            return
        self._show_verdict()
        self._update_buttons()
        self.drawer.schedule()

    def _show_verdict(self) -> None:
        """The trainer's verdict in words, in the status bar, when it changes."""
        status = self.controller.run.status
        key = None if status is None else (status.status, status.stopped, status.converged_at)
        now = time.monotonic()
        fresh = now - self._verdict_at < VERDICT_SECONDS  # its numbers change while playing
        if status is None or (key == self._verdict_shown and self.controller.playing and fresh):
            return
        self._verdict_shown, self._verdict_at = key, now
        text = present.verdict_message(status)
        if text:
            self.statusBar().showMessage(text)

    def _update_buttons(self, *_args) -> None:
        playing = self.controller.playing
        self.surface_view.picking_enabled = not playing
        self.surface_view.hint.setVisible(not playing)
        self.controls.show_run_state(playing, self.controller.run.status)

    # -- export --------------------------------------------------------------------------
    def run_record(self) -> RunRecord:
        """The runs on screen, as an export sees them: the selected run leads (its heatmap,
        sigmoid and read-out), every other visible run races beside it."""
        return race_record(self.controller)

    def export_animation(self) -> None:
        """File ▸ Export animation…: frames, the animation (APNG, GIF or both) and run.json
        of the runs shown."""
        if len(self.controller.mirror) == 0:
            return
        record = self.run_record()
        folder = self._settings.export_dir or str(Path.home() / "gd-visualizer-export")
        defaults = ExportSettings(
            out_dir=Path(folder),
            frames=min(60, len(clock_run(record).history)),
            slice_key=self.controller.view.slice_key,
            log_scale=self.controller.view.log_scale,
        )
        self.controller.pause()
        self.export_flow.start(record, defaults)

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
        show_about(self)

    # -- lifecycle -----------------------------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._shown:  # a moment after the first paint, while nothing moves yet
            self._shown = True
            QTimer.singleShot(LOAD_LATER_MS, self, load_random)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop every worker and wait for it; safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        self.drawer.stop()
        self.export_flow.cancel()
        try:
            save_settings(self._current_settings())
            self.sessions.save_last()
        except Exception:  # settings are a convenience; never block closing
            log.exception("saving settings failed")
        self.controller.shutdown()
        self.data_source.shutdown()
        self.editor.shutdown()
        self.statusBar().clearMessage()  # stops the status bar's message timer
