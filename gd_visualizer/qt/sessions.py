"""Saving and opening sessions in the window (File ▸ Save session… / Open session…).

What is on screen becomes a :class:`~gd_visualizer.present.session.Session` and back: the
data go through the data source like any other, the runs are trained again with their
recorded rates (off the GUI thread), and the view settings come back once the data are in.
A bad file is reported and changes nothing.
"""

from __future__ import annotations

import logging

import numpy as np
from PySide6.QtCore import QObject, QSignalBlocker, Qt
from PySide6.QtWidgets import QFileDialog, QPushButton

from ..core import DATASETS, REAL_DATASETS
from ..core.surface import slice_keys
from ..model import RUN_COLOURS, TrainingData
from ..model.points import DRAWN
from ..present.session import (
    LESSON_PANELS,
    SUFFIX,
    RunState,
    Session,
    SessionError,
    builtin_data,
    points_data,
    read_session,
    session_dataset,
    write_session,
)
from .layout import add_dock
from .settings import last_session_path
from .views._style import NoteLabel

log = logging.getLogger(__name__)

#: the last session is kept at closing only up to this many history entries in all
LAST_SESSION_ENTRIES = 300_000


class SessionKeeper(QObject):
    """Turns the window into a session and a session into the window."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.pending: Session | None = None  # opened, waiting for its data
        self.lesson: dict = {}  # the open session's lesson (title and text), if any

    def build(self, window) -> None:
        """The lesson banner over the views and the "Reopen last session" button."""
        note = self.note = NoteLabel()
        note.setObjectName("lessonNote")
        note.setTextFormat(Qt.TextFormat.RichText)
        note.setMargin(6)
        note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        # a banner over the views: the note reads across the screen, the views stay whole
        self.dock = add_dock(
            window, note, "Lesson", "lessonDock", Qt.DockWidgetArea.TopDockWidgetArea
        )
        button = self.reopen_button = QPushButton("Reopen last session")
        button.setObjectName("reopenSessionButton")
        button.setToolTip("Open the session this window closed with last time")
        button.clicked.connect(self.reopen_last)
        button.setVisible(last_session_path().is_file())
        window.statusBar().addPermanentWidget(button)

    def show_lesson(self, lesson: dict) -> None:
        """The lesson's note over the views (hidden when the session has none), and the
        step panel's tab it asks for."""
        if not lesson:
            self.dock.hide()
            return
        from html import escape  # (html.entities is large: imported when a lesson opens)

        title = escape(lesson["title"])
        self.note.setText(f"<b>{title}</b><br>{escape(lesson['text'])}")
        self.dock.setWindowTitle(f"Lesson — {lesson['title']}")
        self.dock.show()
        panel = lesson.get("panel")
        if panel is not None:
            self.window.show_step_panel(True)
            self.window.step_panel.setCurrentIndex(LESSON_PANELS.index(panel))

    def reopen_last(self) -> bool:
        """File ▸ Reopen last session: what was on screen when the window last closed."""
        self.reopen_button.hide()
        path = last_session_path()
        if not path.is_file():
            self.window.statusBar().showMessage("There is no last session to reopen", 5000)
            return False
        return self.open(str(path))

    def save_dialog(self) -> None:
        """File ▸ Save session…"""
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Save session", "", f"gd-visualizer sessions (*{SUFFIX})"
        )
        if path:
            self.save(path if path.endswith(SUFFIX) else path + SUFFIX)

    def open_dialog(self) -> None:
        """File ▸ Open session… (and Lessons ▸ Open a session as a lesson…)"""
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Open session", "", f"gd-visualizer sessions (*{SUFFIX});;All files (*)"
        )
        if path:
            self.open(path)

    # -- saving ------------------------------------------------------------------------
    def current(self) -> Session:
        w = self.window
        ctl = w.controller
        race, view = ctl.race, ctl.view
        data = race.data
        if data is None:
            raise SessionError("there is no data to save yet")
        runs = []
        for r in race.runs:
            h = r.mirror.view()
            if h.stride != 1:
                raise SessionError(f"{r.name}: its history was thinned and cannot be replayed")
            runs.append(RunState(r.learning_rate, r.budget, r.optimizer, r.batch_size,
                                 r.visible, h if len(h) else None))  # fmt: skip
        w0, b0 = race.start
        return Session(
            data=self._data_spec(),
            runs=tuple(runs),
            standardize=data.standardized,
            crosses=data.crosses is not None,
            loss=race.loss,
            lambd=race.lambd,
            speed=race.speed,
            slice_key=view.slice_key,
            log_scale=view.log_scale,
            through_end=view.through_end,
            sample=view.sample,
            selected=race.selected,
            shown=view.shown,
            start=(tuple(float(v) for v in w0), float(b0)),
            lesson=self.lesson,
        )

    def _data_spec(self) -> dict:
        """A built-in dataset by its recipe; anything else (a file, edited, drawn) by its
        points, so the session needs nothing beside it."""
        w = self.window
        ds = w.dataset
        c = w.controls
        made = (
            w.data_source.csv is None
            and ds.name in DATASETS
            and ds.name != DRAWN
            and "edited by hand" not in ds.notes
            and c.dataset_combo.currentData() == ds.name
        )
        if made:
            noise = c.noise_spin.value() or None
            samples = ds.m if ds.name in REAL_DATASETS else c.samples_spin.value()
            return builtin_data(ds.name, samples, noise, c.seed_spin.value())
        return points_data(ds)

    def save(self, path: str) -> bool:
        try:
            write_session(path, self.current())
        except SessionError as exc:
            self.window._show_error(str(exc), "Save session")
            return False
        self.window.statusBar().showMessage(f"Session saved to {path}", 8000)
        return True

    # -- opening -----------------------------------------------------------------------
    def open(self, path: str) -> bool:
        """Open ``path``; on any problem say so and keep everything as it is."""
        try:
            s = read_session(path)
            ds = session_dataset(s)
            TrainingData.from_dataset(ds, s.standardize, s.crosses)  # it must be trainable
        except SessionError as exc:
            self.window._show_error(str(exc), "Open session")
            return False
        except (ValueError, OverflowError) as exc:
            self.window._show_error(f"{path}: the data cannot be used ({exc})", "Open session")
            return False
        self._apply(s, ds)
        return True

    def _apply(self, s: Session, ds) -> None:
        w = self.window
        ctl = w.controller
        ctl.pause()
        self._show_data_choice(s)
        self._set_runs(s)
        ctl.set_model(s.loss, s.lambd)
        ctl.set_speed(s.speed)
        src = w.data_source
        src.standardize, src.crosses = s.standardize, s.crosses
        src.csv = None
        w.editor.history.clear()
        self.lesson = s.lesson
        self.pending = s
        src.set_dataset(ds)  # → the window's _on_data → start_for, then after_data

    def _show_data_choice(self, s: Session) -> None:
        c = self.window.controls
        boxes = (c.dataset_combo, c.samples_spin, c.noise_spin, c.seed_spin,
                 c.standardize_check, c.crosses_check)  # fmt: skip
        blockers = [QSignalBlocker(b) for b in boxes]
        d = s.data
        if d["kind"] == "builtin":
            c.dataset_combo.setCurrentIndex(max(0, c.dataset_combo.findData(d["name"])))
            c.samples_spin.setValue(d["samples"])
            c.noise_spin.setValue(d["noise"] or 0.0)
            c.seed_spin.setValue(d["seed"])
        c.standardize_check.setChecked(s.standardize)
        c.crosses_check.setChecked(s.crosses)
        del blockers

    def _set_runs(self, s: Session) -> None:
        ctl = self.window.controller
        race = ctl.race
        race.select(0)
        while len(race.runs) > 1:
            ctl.remove_run(len(race.runs) - 1)
        first, *rest = s.runs
        race.runs[0].set_settings(first.learning_rate, first.budget, first.optimizer,
                                  first.batch_size)  # fmt: skip
        for r in rest:
            ctl.add_run(r.learning_rate, r.optimizer, r.batch_size, r.budget)
        for i, r in enumerate(s.runs):  # colours by position, as the export gives them
            race.runs[i].visible = r.visible
            race.runs[i].colour = RUN_COLOURS[i % len(RUN_COLOURS)]
        race.runsChanged.emit()

    # -- the last session ------------------------------------------------------------------
    def save_last(self) -> None:
        """At closing: keep what was on screen, to be offered at the next launch (silently
        skipped when there is nothing to keep or the histories are too long to write fast)."""
        ctl = self.window.controller
        entries = sum(len(r.mirror) for r in ctl.runs)
        data = ctl.race.data
        if data is None or data.X.shape[1] == 0 or entries > LAST_SESSION_ENTRIES:
            return
        path = last_session_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_session(path, self.current())
        except (SessionError, OSError) as exc:  # (e.g. a thinned history): not kept
            log.warning("the last session was not kept: %s", exc)

    def start_for(self, data: TrainingData) -> tuple[np.ndarray, float] | None:
        """The opened session's start point, when ``data`` are its data."""
        s = self.pending
        if s is None or len(s.start[0]) != data.n_w:
            return None
        return np.array(s.start[0]), s.start[1]

    def after_data(self) -> None:
        """The opened session's data are in: train the runs again, show what it showed."""
        s, self.pending = self.pending, None
        if s is None:
            return
        ctl = self.window.controller
        ctl.replay({r.key: st.rates for r, st in zip(ctl.runs, s.runs, strict=True)})
        view = ctl.view
        if s.slice_key in slice_keys(ctl.n_x, ctl.classes):
            ctl.set_slice(s.slice_key)
        ctl.set_log_scale(s.log_scale)
        ctl.set_slice_through_end(s.through_end)
        ctl.select_sample(s.sample)
        ctl.select_run(s.selected)
        view.shown = s.shown
        self.show_lesson(s.lesson)
        text = f" — {s.lesson['title']}" if s.lesson else ""
        self.window.statusBar().showMessage(f"Session opened{text}", 8000)
