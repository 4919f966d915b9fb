"""The desktop app (PySide6 + pyqtgraph).

Importing this package builds nothing: ``MainWindow`` is loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .main_window import MainWindow, open_window

__all__ = ["MainWindow", "open_window"]


def __getattr__(name: str):
    if name in __all__:
        from . import main_window

        return getattr(main_window, name)
    raise AttributeError(name)
