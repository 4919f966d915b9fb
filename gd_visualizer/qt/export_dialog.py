"""The window's export: a settings dialog, and a job driven in slices by a timer."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from ..present.record import ANIMATION_FILES, VIEW_NAMES, ExportError, ExportSettings, RunRecord

if TYPE_CHECKING:  # the job (frames, encoders) is imported when an export starts
    from .export_job import Progress

#: one timer tick runs export steps for at most this long (a frame is ~16 ms): a step is
#: begun only when the one before, as long again, would still end within it
SLICE_SECONDS = 0.008
_clock = time.perf_counter  # (what a tick's slice is measured with)
#: how the dialog names each animation format (the keys of ANIMATION_FILES)
FORMAT_LABELS = {
    "apng": "Animated PNG (animation.png)",
    "gif": "GIF for slides (animation.gif)",
    "both": "Both (animation.png and animation.gif)",
}


class ExportDialog(QDialog):
    """Folder, frame count, size, frame duration, views and animation format of an export."""

    def __init__(self, max_frames: int, defaults: ExportSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export animation")
        form = QFormLayout(self)
        self.folder = QLineEdit(str(defaults.out_dir))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        form.addRow("Folder", row)
        self.frames = QSpinBox()
        self.frames.setRange(1, max(1, max_frames))
        self.frames.setValue(min(defaults.frames, max_frames))
        self.frames.setToolTip(f"at most one per recorded iteration ({max_frames})")
        form.addRow("Frames", self.frames)
        self.width_spin = QSpinBox()
        self.width_spin.setRange(320, 7680)
        self.width_spin.setValue(defaults.size[0])
        self.height_spin = QSpinBox()
        self.height_spin.setRange(240, 4320)
        self.height_spin.setValue(defaults.size[1])
        size = QHBoxLayout()
        size.addWidget(self.width_spin)
        size.addWidget(self.height_spin)
        form.addRow("Size (px)", size)
        self.frame_ms = QSpinBox()
        self.frame_ms.setRange(10, 60_000)
        self.frame_ms.setSuffix(" ms")
        self.frame_ms.setValue(defaults.frame_ms)
        form.addRow("Frame duration", self.frame_ms)
        self.view_checks = {}
        views = QHBoxLayout()
        for name in VIEW_NAMES:
            box = QCheckBox(name)
            box.setChecked(name in defaults.views)
            views.addWidget(box)
            self.view_checks[name] = box
        form.addRow("Views", views)
        self.format = QComboBox()
        for key in ANIMATION_FILES:
            self.format.addItem(FORMAT_LABELS[key], key)
        self.format.setCurrentIndex(self.format.findData(defaults.format))
        self.format.setToolTip(
            "Slide software plays GIF but not animated PNG; a GIF has 256 colours and "
            "durations in steps of 10 ms (at least 20 ms)"
        )
        form.addRow("Animation", self.format)
        self._defaults = defaults
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.folder.textChanged.connect(self._folder_changed)
        self._folder_changed(self.folder.text())

    def _folder_changed(self, text: str) -> None:
        # an empty folder would mean the current directory: never export there by accident
        self._ok.setEnabled(bool(text.strip()))

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Export into folder", self.folder.text())
        if path:
            self.folder.setText(path)

    def settings(self) -> ExportSettings:
        views = tuple(n for n, b in self.view_checks.items() if b.isChecked()) or VIEW_NAMES
        return ExportSettings(
            out_dir=Path(self.folder.text()).expanduser(),
            frames=self.frames.value(),
            size=(self.width_spin.value(), self.height_spin.value()),
            views=views,
            frame_ms=self.frame_ms.value(),
            slice_key=self._defaults.slice_key,
            log_scale=self._defaults.log_scale,
            format=self.format.currentData(),
        )

    @classmethod
    def ask(
        cls, parent: QWidget, max_frames: int, defaults: ExportSettings
    ) -> ExportSettings | None:
        """Show the dialog; the chosen settings, or None when cancelled."""
        dialog = cls(max_frames, defaults, parent)
        try:
            return dialog.settings() if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()


class ExportRunner(QObject):
    """Runs an :class:`Export` a slice at a time on the GUI thread's event loop.

    Exactly one of ``finished``, ``failed`` or ``cancelled`` is emitted, and it is
    true: ``cancel()`` after the new export was already in place reports ``finished``.
    """

    progressed = Signal(int, int, str)
    finished = Signal(str)  # the output folder
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, run: RunRecord, settings: ExportSettings, parent: QObject | None = None):
        super().__init__(parent)
        from .export_job import Export

        self.job = Export(run, settings)
        self._steps = self.job.steps()
        self._timer = QTimer(self)
        self._timer.setObjectName("exportTimer")
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._tick)
        self.started = time.perf_counter()
        self.seconds = 0.0
        self.done = False

    def start(self) -> None:
        self.started = time.perf_counter()
        self._timer.start()

    def _tick(self) -> None:
        end = _clock() + SLICE_SECONDS
        try:
            while True:
                began = _clock()
                p: Progress = next(self._steps)
                self.progressed.emit(p.done, p.total, p.message)
                if self.done:  # cancelled from a slot of progressed (a modal dialog's events)
                    return
                now = _clock()
                # (steps run 1-18 ms at 4K: one more of the last one's length, begun late
                # in the slice, held the window up to 26 ms; the next tick takes it)
                if now + (now - began) > end:
                    return
        except StopIteration:
            self._finish()
        except ExportError as exc:
            self._stop()
            self.failed.emit(str(exc))
        except Exception as exc:  # shown to the user, never a traceback
            self._stop()
            self.failed.emit(f"export failed: {type(exc).__name__}: {exc}")

    def _finish(self) -> None:
        self._timer.stop()
        self.done = True
        self.seconds = time.perf_counter() - self.started
        self.finished.emit(str(self.job.out_dir))

    def _stop(self) -> None:
        self._timer.stop()
        self._steps.close()  # stops the worker and removes what the job wrote
        self.done = True

    def cancel(self) -> None:
        """Stop the export and remove what it wrote (returns once that is done)."""
        if self.done:
            return
        self._stop()
        if self.job.finished:  # too late: the new export was already in place
            self.seconds = time.perf_counter() - self.started
            self.finished.emit(str(self.job.out_dir))
        else:
            self.cancelled.emit()
