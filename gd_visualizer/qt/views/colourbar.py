"""A colour scale beside an image plot: the colour map, an axis of its values, a label."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter, QPen
from PySide6.QtWidgets import QGraphicsGridLayout

from ._style import Axis

#: the colour bar's width (px), as pyqtgraph's
BAR_WIDTH = 25
#: the width of its value axis (px), as pyqtgraph's
AXIS_WIDTH = 45


class _Gradient(pg.GraphicsWidget):
    """The colours of a colour map, low at the bottom, framed."""

    def __init__(self, cmap: pg.ColorMap) -> None:
        super().__init__()
        lut = cmap.getLookupTable(nPts=256, alpha=True)[::-1]  # (the top row is the highest)
        self._lut = np.ascontiguousarray(lut[:, None, :])  # (256, 1, RGBA)
        self._image = QImage(self._lut.data, 1, 256, 4, QImage.Format.Format_RGBA8888)
        self.setFixedWidth(BAR_WIDTH)

    def paint(self, p: QPainter, *_args) -> None:
        rect = self.rect()
        p.drawImage(rect, self._image, QRectF(0, 0, 1, 256))
        p.setPen(QPen(pg.mkColor("k"), 0))
        p.drawRect(rect)


class ColourBar(pg.GraphicsWidget):
    """A vertical colour scale for ``image``: the colours of ``cmap`` from ``levels()[0]``
    (bottom) to ``levels()[1]`` (top), an axis of the values on its right and ``label``
    on its left.  ``setLevels`` sets the image's levels too.

    pyqtgraph's ``ColorBarItem`` is a whole plot (four axes, a view box, a menu form): it
    was ~10 ms of the window's start and of every export's first frame to build, the
    longest part of the surface view (AMD EPYC, measured); this one is three items.
    """

    def __init__(self, image: pg.ImageItem, cmap: pg.ColorMap, label: str) -> None:
        super().__init__()
        self._image = image
        layout = QGraphicsGridLayout()
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(0)
        self.setLayout(layout)
        self.label_axis = Axis("left")  # the label only: no ticks, no values
        self.label_axis.setTicks([])
        self.label_axis.setStyle(showValues=False, tickLength=0)
        self.label_axis.setLabel(label)
        self.bar = _Gradient(cmap)
        self.axis = Axis("right")
        self.axis.setWidth(AXIS_WIDTH)
        for col, item in enumerate((self.label_axis, self.bar, self.axis)):
            layout.addItem(item, 0, col)
        image.setColorMap(cmap)
        self.values = (0.0, 1.0)
        self.setLevels(self.values)

    def setLevels(self, values: tuple[float, float]) -> None:
        """The values at the bottom and the top of the scale, and the image's levels."""
        self.values = (float(values[0]), float(values[1]))
        self.axis.setRange(*self.values)
        self._image.setLevels(self.values)

    def levels(self) -> tuple[float, float]:
        """The values at the bottom and the top of the scale."""
        return self.values

    def insert_beside(self, item: pg.PlotItem) -> None:
        """Put the scale on the right of ``item``'s data, as pyqtgraph's colour bar."""
        item.layout.addItem(self, 2, 5)  # (row 2: the view box's; column 5: after its axes)
        item.layout.setColumnFixedWidth(4, 5)  # a little room after the plot's right axis
