"""The surface's colour bar tells the truth: at the height where its axis shows a value,
the bar has the colour the image gives that value (pixels of the painted plot)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gd_visualizer.qt.views._style import LABEL_PT, apply_plot_style, make_plot, scale_plot_text
from gd_visualizer.qt.views.colourbar import ColourBar

LEVELS = (-2.0, 3.0)


@pytest.fixture
def plot_with_bar(qtbot):
    apply_plot_style()
    box = QWidget()  # (qtbot closes it; pyqtgraph's plot does not take a second close)
    qtbot.addWidget(box)
    plot = make_plot("barTest", "colour bar")
    QVBoxLayout(box).addWidget(plot)
    item = plot.getPlotItem()
    image = pg.ImageItem(axisOrder="row-major")
    item.addItem(image)
    cmap = pg.colormap.get("viridis")
    bar = ColourBar(image, cmap, "log₁₀(J − J_min)")
    bar.insert_beside(item)
    bar.setLevels(LEVELS)
    item.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
    box.resize(520, 360)
    box.show()
    qtbot.waitUntil(lambda: bar.bar.rect().height() > 100)
    yield plot, image, bar, cmap
    del box  # (held until the test's end: qtbot keeps no reference)


def _pixel(plot, item, point: QPointF) -> np.ndarray:
    """The painted colour (RGB) under ``point`` of ``item``."""
    at = plot.mapFromScene(item.mapToScene(point))
    colour = plot.grab().toImage().pixelColor(at)
    return np.array([colour.red(), colour.green(), colour.blue()])


def _bar_colour_at(plot, bar, value: float) -> np.ndarray:
    """The bar's colour at the height where its axis puts ``value``: an unlinked axis
    spans its range over its own height, the low end at the bottom (pyqtgraph's rule)."""
    lo, hi = bar.levels()
    y = bar.axis.rect().height() * (hi - value) / (hi - lo)
    on_bar = bar.bar.mapFromItem(bar.axis, QPointF(0, y))
    return _pixel(plot, bar.bar, QPointF(bar.bar.rect().center().x(), on_bar.y()))


@pytest.mark.parametrize("value", [-1.5, 0.0, 1.2, 2.6])
def test_the_bar_shows_the_image_colour_of_each_value(plot_with_bar, value):
    plot, image, bar, cmap = plot_with_bar
    image.setImage(np.full((4, 4), value, dtype=np.float32), autoLevels=False)
    image.setRect(0, 0, 1, 1)
    seen = _pixel(plot, image, QPointF(2, 2))  # the image's middle (in its pixels)
    expected = cmap.map((value - LEVELS[0]) / (LEVELS[1] - LEVELS[0]))[:3]
    assert np.abs(seen.astype(int) - expected).max() <= 3  # the image: the map at the value
    on_bar = _bar_colour_at(plot, bar, value)
    assert np.abs(on_bar.astype(int) - seen).max() <= 8  # (a 256-step table, ± a pixel)


def test_high_values_are_at_the_top(plot_with_bar):
    plot, _image, bar, cmap = plot_with_bar
    r = bar.bar.rect()
    top = _pixel(plot, bar.bar, QPointF(r.center().x(), r.top() + 3))
    bottom = _pixel(plot, bar.bar, QPointF(r.center().x(), r.bottom() - 3))
    assert np.abs(top.astype(int) - cmap.map(1.0)[:3]).max() <= 8  # viridis: yellow
    assert np.abs(bottom.astype(int) - cmap.map(0.0)[:3]).max() <= 8  # dark purple


def test_levels_set_the_image_and_the_axis(plot_with_bar):
    _plot, image, bar, _cmap = plot_with_bar
    bar.setLevels((0.5, 4.0))
    assert bar.levels() == (0.5, 4.0)
    assert tuple(image.getLevels()) == (0.5, 4.0)
    assert tuple(bar.axis.range) == (0.5, 4.0)


@pytest.mark.parametrize("factor", [1.0, 1.6, 2.5])
def test_the_label_grows_with_the_text_and_stays_in_its_axis(qtbot, plot_with_bar, factor):
    plot, _image, bar, _cmap = plot_with_bar
    plot.colorbar = bar  # (as the surface view: scale_plot_text scales its texts too)
    scale_plot_text(plot, factor)
    text = bar.label_axis.label
    assert text.font().pointSizeF() == pytest.approx(LABEL_PT * factor, abs=0.5)
    margin = text.document().documentMargin()  # (the text item's box is its text and this)

    def inside() -> bool:  # once the plot's layout has run
        glyphs = text.sceneBoundingRect().adjusted(margin, margin, -margin, -margin)
        axis = bar.label_axis.sceneBoundingRect()
        return axis.left() - 1.5 <= glyphs.left() and glyphs.right() <= axis.right() + 1.5

    qtbot.waitUntil(inside, timeout=3000)
