"""Space, Right and R act on the run wherever the keyboard focus is.

A focused spin box or text field normally takes those keys (Space typed into the
Samples box blanked it).  This filter lets the window's shortcuts have them instead,
except Right inside a text whose cursor is not at its end, so numbers can still be
typed and edited.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit, QWidget

RUN_KEYS = (Qt.Key.Key_Space, Qt.Key.Key_R, Qt.Key.Key_Right)


def _editing_inside(widget: QObject) -> bool:
    """Whether Right would move a text cursor that is not at the end of its text."""
    edit = widget.lineEdit() if isinstance(widget, QAbstractSpinBox) else widget
    return isinstance(edit, QLineEdit) and edit.cursorPosition() < len(edit.text())


class RunKeys(QObject):
    """An event filter for a window's widgets (see :func:`route_run_keys`)."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.ShortcutOverride:
            return False
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if mods != Qt.KeyboardModifier.NoModifier or event.key() not in RUN_KEYS:
            return False
        if event.key() == Qt.Key.Key_Right and _editing_inside(obj):
            return False
        event.ignore()  # not overridden: the window's shortcut takes the key
        return True


def route_run_keys(window: QWidget) -> RunKeys:
    """Give the run's shortcuts precedence over every widget inside ``window``."""
    keys = RunKeys(window)
    for child in window.findChildren(QWidget):
        child.installEventFilter(keys)
    return keys
