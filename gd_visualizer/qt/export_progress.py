"""The window's export flow: settings, "replace?", a progress dialog, and honest messages."""

from __future__ import annotations

import dataclasses
from dataclasses import replace

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from ..present.files import existing_outputs, plural, shown
from ..present.record import ExportError, ExportSettings, RunRecord, clock_run
from .export_dialog import ExportDialog, ExportRunner


class ExportFlow(QObject):
    """File ▸ Export animation…: asks, runs one :class:`ExportRunner`, reports.

    The window shows ``message`` in its status bar, ``failed`` in an error box and
    remembers the folder from ``folderChosen``.
    """

    message = Signal(str, int)  # status-bar text, timeout in ms
    failed = Signal(str, str)  # message, title
    folderChosen = Signal(str)

    def __init__(self, parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self._parent = parent_widget
        self.runner: ExportRunner | None = None
        self.dialog: QProgressDialog | None = None
        self._replacing = False

    @property
    def busy(self) -> bool:
        return self.runner is not None and not self.runner.done

    def start(self, record: RunRecord, defaults: ExportSettings) -> bool:
        """Ask for the settings and start an export of ``record``; whether one started."""
        if self.busy:
            self.message.emit("An export is already running", 5000)
            return False
        n = len(clock_run(record).history)  # a race's frames walk its longest run
        if n == 0:
            return False
        settings = ExportDialog.ask(self._parent, n, defaults)
        if settings is None:
            return False
        replacing = bool(existing_outputs(settings.out_dir))
        if replacing:
            answer = QMessageBox.question(
                self._parent,
                "Replace the earlier export?",
                f"{shown(settings.out_dir)} already holds an export (frames, animation.png, "
                "animation.gif or run.json). Replace it? It is replaced only once the new export "
                "is complete; "
                "other files in the folder are never touched.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
            settings = replace(settings, overwrite=True)
        self.folderChosen.emit(str(settings.out_dir))
        try:
            runner = ExportRunner(record, settings, self)
        except ExportError as exc:
            self.failed.emit(str(exc), "Export")
            return False
        total = len(runner.job.indices)
        dialog = QProgressDialog("Exporting…", "Cancel", 0, total, self._parent)
        dialog.setObjectName("exportProgress")
        dialog.setWindowTitle("Export animation")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(runner.cancel)
        runner.progressed.connect(self._progressed)
        runner.finished.connect(self._finished)
        runner.failed.connect(self._failed)
        runner.cancelled.connect(self._cancelled)
        self.runner, self.dialog, self._replacing = runner, dialog, replacing
        runner.start()
        return True

    def cancel(self) -> None:
        """Stop a running export (the window is closing); it removes what it wrote."""
        if self.runner is not None:
            self.runner.cancel()
        self._close_dialog()

    @Slot(int, int, str)
    def _progressed(self, done: int, _total: int, message: str) -> None:
        if self.dialog is not None:
            self.dialog.setValue(done)
            self.dialog.setLabelText(message)

    @Slot(str)
    def _finished(self, folder: str) -> None:
        self._close_dialog()
        runner = self.runner
        assert runner is not None
        total = len(runner.job.indices)
        fps = total / runner.seconds if runner.seconds > 0 else float("nan")
        files = ", ".join(runner.job.settings.animations)
        self.message.emit(
            f"Exported {plural(total, 'frame')}, {files} and run.json to "
            f"{shown(folder)} ({fps:.1f} frames/s)",
            15000,
        )

    @Slot(str)
    def _failed(self, message: str) -> None:
        self._close_dialog()
        folder = self.runner.job.folder if self.runner is not None else None
        if self._replacing and not (folder is not None and folder.stuck):
            message += " (the earlier export was kept as it was)"
        self.failed.emit(message, "Export failed")

    @Slot()
    def _cancelled(self) -> None:
        self._close_dialog()
        if self._replacing:
            text = "Export cancelled; the earlier export is as it was"
        else:
            text = "Export cancelled; nothing was left behind"
        self.message.emit(text, 8000)

    def _close_dialog(self) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.reset()
            dialog.close()
            dialog.deleteLater()


def race_record(controller) -> RunRecord:
    """The runs a controller shows, as an export sees them: the selected run leads (its
    heatmap, sigmoid and read-out), every other visible run races beside it."""
    others = tuple(
        _record(r)
        for r in controller.runs
        if r is not controller.run and r.visible and len(r.mirror)
    )
    return dataclasses.replace(_record(controller.run), others=others)


def _record(run) -> RunRecord:
    """One run as an export sees it (copies, never the live mirror)."""
    data = run.data
    assert data is not None
    status = run.status
    return RunRecord(
        dataset=data.dataset,
        X=data.X.copy(),
        Y=data.Y.copy(),
        history=run.mirror.view(),
        standardized=data.standardized,
        divergence=status.divergence if status is not None else None,
        status=status.status if status is not None else "descending",
        optimizer=run.optimizer,
        batch_size=run.batch_size,
        name=run.name,
        colour=run.colour,
        loss=run.race.loss,
        lambd=run.race.lambd,
        crosses=data.crosses is not None,
    )
