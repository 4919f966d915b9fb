"""Editing the data by hand: points added and removed (with undo and redo), a drawing that
starts empty, and the edited data saved as CSV.

An edit makes a new dataset and hands it to the data source like any other; the runs then
continue from the selected run's parameters where they were (mapped to the new
standardization), playing if they were, and in unchanged units the old paths stay as ghosts.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QSignalBlocker, Signal
from PySide6.QtWidgets import QFileDialog

from ..core import Dataset
from ..model import TrainingData
from ..model.points import (
    EditHistory,
    drawn_dataset,
    with_point,
    with_point_moved,
    without_point,
)
from ..present.files import shown, whole_file

log = logging.getLogger(__name__)


def csv_text(ds: Dataset) -> str:
    """The dataset as CSV: a header of its feature names and "label", then one row per
    sample with labels 0/1 and every float written to round-trip exactly."""
    header = ",".join(_field(n) for n in (*ds.feature_names, "label"))
    samples = zip(*ds.X.tolist(), ds.Y[0].tolist(), strict=True)
    rows = (f"{x1!r},{x2!r},{int(y)}" for x1, x2, y in samples)
    return "\n".join([header, *rows]) + "\n"


def _field(name: str) -> str:
    """A CSV header field, quoted when it needs to be."""
    if any(c in name for c in ',"\n\r'):
        return '"' + name.replace('"', '""') + '"'
    return name


class PointEditor(QObject):
    """Edits of the window's data, their undo history and CSV saving."""

    saved = Signal(str)  # a message: the file was written
    failed = Signal(str)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.history = EditHistory()
        #: what the next data continues from: (w, b in the file's units, playing, ghosts)
        self.resume: tuple | None = None
        self._writers: list[threading.Thread] = []

    # -- edits -------------------------------------------------------------------------
    def add_point(self, x1: float, x2: float, label: int) -> None:
        """One more sample at (x1, x2) in the dataset's units, of class ``label``."""
        self._apply(with_point(self.window.dataset, x1, x2, label), record=True)

    def remove_point(self, index: int) -> None:
        self._apply(without_point(self.window.dataset, index), record=True)

    def move_point(self, index: int, x1: float, x2: float) -> None:
        """Sample ``index`` to (x1, x2) in the dataset's units."""
        self._apply(with_point_moved(self.window.dataset, index, x1, x2), record=True)

    def _file_units(self, x: float, y: float) -> tuple[float, float]:
        """A point of the data view (standardized when that is on) in the file's units."""
        data = self.window.controller.run.data
        point = np.array([[x], [y]])
        if data is not None and data.standardization is not None:
            point = data.standardization.invert(point)
        return float(point[0, 0]), float(point[1, 0])

    def add_in_view(self, x: float, y: float, label: int) -> None:
        """A click at (x, y) in the data view's units."""
        self.add_point(*self._file_units(x, y), label)

    def move_in_view(self, index: int, x: float, y: float) -> None:
        """A point dragged to (x, y) in the data view's units."""
        self.move_point(index, *self._file_units(x, y))

    def undo(self) -> bool:
        ds = self.history.undo(self.window.dataset)
        if ds is not None:
            self._apply(ds, record=False)
        else:
            self.window.statusBar().showMessage("Nothing to undo", 3000)
        return ds is not None

    def redo(self) -> bool:
        ds = self.history.redo(self.window.dataset)
        if ds is not None:
            self._apply(ds, record=False)
        else:
            self.window.statusBar().showMessage("Nothing to redo", 3000)
        return ds is not None

    def start_drawing(self) -> None:
        """Data ▸ draw: an empty dataset, points added by clicks, in the units drawn (the
        standardization is turned off so the points stay where they are put)."""
        w = self.window
        c = w.controls
        for widget in (c.samples_spin, c.noise_spin, c.seed_spin, c.columns_button):
            widget.setEnabled(False)
        with QSignalBlocker(c.standardize_check):
            c.standardize_check.setChecked(False)
        w.data_source.standardize = False
        w.boundary_view.edit_check.setChecked(True)
        self.history.clear()
        self.resume = None
        w.data_source.set_dataset(drawn_dataset())
        w.statusBar().showMessage(
            "Click in the data view to add points (Shift-click: the other class; right-click "
            "removes one). Standardization is off so the points stay where you put them.",
            15000,
        )

    def save_csv_dialog(self) -> None:
        """File ▸ Save data as CSV…: the data as it is now (drawn or edited points too)."""
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Save data as CSV", "", "CSV files (*.csv)"
        )
        if path:
            if not path.lower().endswith(".csv"):
                path += ".csv"
            self.save_csv(path)

    def _apply(self, ds: Dataset, record: bool) -> None:
        ctl = self.window.controller
        if record:
            self.history.did(self.window.dataset)
        data, mirror = ctl.run.data, ctl.mirror
        w = b = None
        if data is not None and len(mirror):
            w, b = mirror.weights[-1].copy(), float(mirror.biases[-1])
            if data.crosses is None and data.standardization is not None:
                w_raw, b = data.standardization.to_raw(w, b)
                w = w_raw.ravel()
        same_units = data is not None and data.standardization is None
        ghosts = [r.mirror.view() for r in ctl.runs if len(r.mirror)] if same_units else []
        self.resume = (w, b, ctl.playing, ghosts)
        self.window.data_source.set_dataset(ds)

    def start_for(self, data: TrainingData) -> tuple[np.ndarray, float] | None:
        """Where the runs on ``data`` start after an edit (None: not after an edit)."""
        if self.resume is None or self.resume[0] is None:
            return None
        w, b = np.asarray(self.resume[0], dtype=float), float(self.resume[1])
        if w.size != data.X.shape[0]:
            return None
        if data.crosses is None and data.standardization is not None:
            w_std, b = data.standardization.from_raw(w, b)
            w = w_std.ravel()
        if not (np.all(np.isfinite(w)) and np.isfinite(b)):
            return None
        return w, b

    def after_data(self, ghosts_to) -> None:
        """The edit's data is in: the old paths as ghosts, playing again if it was."""
        resume, self.resume = self.resume, None
        if resume is None:
            return
        _, _, playing, ghosts = resume
        for run, ghost in zip(ghosts_to, ghosts, strict=False):
            run.add_ghost(ghost)
        if playing:
            self.window.controller.play()

    # -- CSV ---------------------------------------------------------------------------
    def save_csv(self, path: str | Path) -> None:
        """Write the data as CSV on a thread (the file appears only when complete)."""
        path = Path(path)
        text = csv_text(self.window.dataset)

        def write() -> None:
            try:
                with whole_file(path) as fh:
                    fh.write(text.encode("utf-8"))
            except OSError as exc:
                self.failed.emit(f"{shown(path)}: could not be written ({exc.strerror or exc})")
                return
            self.saved.emit(f"Saved the data ({m:,} samples) to {shown(path)}")

        m = self.window.dataset.m
        thread = threading.Thread(target=write, name="gd-save-csv", daemon=False)
        self._writers.append(thread)
        thread.start()

    def shutdown(self) -> None:
        for thread in self._writers:
            thread.join()
        self._writers.clear()
