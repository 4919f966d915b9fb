"""The window's menus and shortcuts; each action becomes an attribute of the window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from ..present.session import lesson_files, lesson_title


def _action(window, menu, text: str, slot, shortcut=None) -> QAction:
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(slot)
    menu.addAction(action)
    return action


def build_menus(w) -> None:
    """File, Run, View and Help for the main window ``w``."""
    bar = w.menuBar()
    file_menu = bar.addMenu("&File")
    w.open_action = _action(w, file_menu, "&Open CSV…", w.open_csv, QKeySequence.StandardKey.Open)
    s = w.sessions
    w.open_session_action = _action(w, file_menu, "Open &session…", s.open_dialog, "Ctrl+Shift+O")
    w.save_session_action = _action(w, file_menu, "Sa&ve session…", s.save_dialog, "Ctrl+S")
    w.reopen_action = _action(w, file_menu, "&Reopen last session", s.reopen_last)
    w.export_action = _action(w, file_menu, "&Export animation…", w.export_animation, "Ctrl+E")
    w.picture_action = _action(w, file_menu, "Save &picture…", w.save_picture, "Ctrl+Shift+S")
    w.save_csv_action = _action(w, file_menu, "Save &data as CSV…", w.editor.save_csv_dialog)
    file_menu.addSeparator()
    _action(w, file_menu, "Restore &defaults", w.restore_defaults)
    _action(w, file_menu, "&Quit", w.close, "Ctrl+Q")

    edit_menu = bar.addMenu("&Edit")
    w.undo_action = _action(w, edit_menu, "&Undo point edit", w.undo_edit, "Ctrl+Z")
    w.redo_action = _action(w, edit_menu, "&Redo point edit", w.redo_edit, "Ctrl+Shift+Z")

    run_menu = bar.addMenu("&Run")
    c = w.controller
    w.play_action = _action(w, run_menu, "&Play / Pause", c.toggle_play, Qt.Key.Key_Space)
    w.step_action = _action(w, run_menu, "&Step", c.step, Qt.Key.Key_Right)
    w.reset_action = _action(w, run_menu, "&Reset", c.reset, Qt.Key.Key_R)
    for a in (w.play_action, w.step_action, w.reset_action):
        a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)

    view_menu = bar.addMenu("&View")
    w.larger_action = _action(
        w, view_menu, "&Larger text", lambda: w.set_text_scale(w.text_scale * 1.15), "Ctrl+="
    )
    w.larger_action.setShortcuts([QKeySequence("Ctrl+="), QKeySequence("Ctrl++")])
    _action(w, view_menu, "&Smaller text", lambda: w.set_text_scale(w.text_scale / 1.15), "Ctrl+-")
    _action(w, view_menu, "&Normal text size", lambda: w.set_text_scale(1.0), "Ctrl+0")
    view_menu.addSeparator()
    w.graph_action = w.graph_dock.toggleViewAction()
    w.graph_action.setText("One step up &close (computation graph)")
    w.graph_action.setShortcut(QKeySequence("Ctrl+G"))
    view_menu.addAction(w.graph_action)
    w.fullscreen_action = _action(w, view_menu, "&Full screen", w.toggle_full_screen, "F11")
    w.fullscreen_action.setCheckable(True)

    lessons_menu = bar.addMenu("&Lessons")
    for path in lesson_files():
        _action(w, lessons_menu, lesson_title(path), lambda _=False, p=str(path): s.open(p))
    lessons_menu.addSeparator()
    _action(w, lessons_menu, "Open a session as a lesson…", s.open_dialog)

    help_menu = bar.addMenu("&Help")
    _action(w, help_menu, "&About", w._about)
