"""The desktop app (PySide6 + pyqtgraph)."""

import pyqtgraph as pg

# white plots with dark ink read well on slides and printed notes
pg.setConfigOptions(background="w", foreground="k", antialias=False, imageAxisOrder="row-major")

from .main_window import MainWindow  # noqa: E402 - after the global options

__all__ = ["MainWindow"]
