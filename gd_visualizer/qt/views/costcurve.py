"""J against iteration, with the current iteration marked."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QWidget

from ...model import TrainingData
from ...present.scene import Scene
from ._style import (
    GHOST_COLOR,
    PATH_COLOR,
    Marker,
    Plot,
    RaceLines,
    add_marker,
    clear_line,
    make_plot,
    move_points,
    set_legend,
    stack,
)

#: pyqtgraph's dynamic range limit, named: a curve's J is clipped to the view's range ± this
#: many view heights when it reaches further (Qt cannot stroke coordinates far beyond its
#: pixel range)
RANGE_LIMIT = 1e6
#: a long curve is drawn as each pixel column's lowest and highest J (peak
#: downsampling, two vertices per pixel; pyqtgraph's default keeps five samples per
#: pixel, ten vertices, which the raster engine strokes for nothing)
PEAKS = {"autoDownsampleFactor": 1.0, "dynamicRangeLimit": RANGE_LIMIT}


def peaks(
    x: np.ndarray,
    y: np.ndarray,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    pixels: float,
) -> tuple[np.ndarray, np.ndarray]:
    """A curve as the cost plot draws it in a view of ``x_range`` × ``y_range`` that is
    ``pixels`` wide (x ascending): the part in the x-range (and one downsampled point beyond
    either edge), each pixel column's highest and lowest y, and, when the curve reaches more
    than ``RANGE_LIMIT`` view heights beyond the view, its finite y clipped there.

    These are ``PlotDataItem``'s clip-to-view, "peak" downsampling (:data:`PEAKS`) and
    dynamic range limit, which pyqtgraph applies to the selected run's curve, here for the
    raced runs' curves (:class:`RaceLines`); a test holds the vertices equal.  Not copied:
    pyqtgraph keeps its previous downsampling factor while a new one is within 1 % (a curve
    of 10⁵ points or more may then differ by a vertex pair per hundred columns), and it
    clips with some slack (its hysteresis) where this clips at the limit.
    """
    left, right = x_range
    ds = 1
    with np.errstate(invalid="ignore"):
        fx = x if np.isfinite(x).all() else x[np.isfinite(x)]
    if len(fx) > 1 and fx[-1] != fx[0] and pixels > 0:
        dx = float(fx[-1] - fx[0]) / (len(fx) - 1)
        scale = abs((right - left) / dx / (pixels * PEAKS["autoDownsampleFactor"]))
        if np.isfinite(scale):
            ds = int(max(1.0, scale))
    if len(x) > 1:
        if np.issubdtype(x.dtype, np.integer):  # (a float key would convert the whole array)
            left, right = math.ceil(left), math.ceil(right)
        lo = min(max(int(np.searchsorted(x, left)) - ds, 0), len(x))
        hi = min(max(int(np.searchsorted(x, right)) + ds, lo), len(x))
        x, y = x[lo:hi], y[lo:hi]
    if ds > 1:
        n = len(x) // ds
        start = ds // 2
        x = np.repeat(x[start : start + n * ds : ds], 2)
        blocks = y[: n * ds].reshape(n, ds)
        y = np.stack([blocks.max(axis=1), blocks.min(axis=1)], axis=1).reshape(2 * n)
    bottom, top = min(y_range), max(y_range)
    h = top - bottom
    if len(y) and h > 0:
        with np.errstate(invalid="ignore"):
            finite = y[np.isfinite(y)]
        low, high = bottom - RANGE_LIMIT * h, top + RANGE_LIMIT * h
        if len(finite) and (finite.min() < low or finite.max() > high):
            with np.errstate(invalid="ignore"):
                y = np.where(np.isfinite(y), np.clip(y, low, high), y)
    return x, y


class CostCurveView(QWidget):
    """J per iteration; the log-scale box is an intent, the view state decides."""

    name = "cost"
    half = 1  # drawn in the second half of a frame
    logScaleToggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None, plot: Plot | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot("costCurvePlot", "Cost J per iteration", plot)
        self.log_box = QCheckBox("log scale")
        self.log_box.setObjectName("logScaleCheck")
        self.log_box.toggled.connect(self.logScaleToggled)
        self._log = False
        top = QHBoxLayout()
        top.addStretch(1)
        top.addWidget(self.log_box)
        stack(self, self.plot, top)
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "iteration")
        item.setLabel("left", "J(w, b)")
        # long runs: draw only what is visible, peak-downsampled to the pixel width
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")
        self.ghost = pg.PlotDataItem(
            pen=pg.mkPen(GHOST_COLOR, width=2, style=pg.QtCore.Qt.PenStyle.DashLine),
            **PEAKS,
        )
        item.addItem(self.ghost)
        # the other raced runs' curves, each in its run's colour, 1 px wide: the raster
        # engine strokes wider lines (a 2-px curve painted in 1.6 ms, a 1-px one in 0.6 ms,
        # at m = 10⁴ on this machine); the selected run keeps its 2 px
        self.race_curves = RaceLines(item, width=1, z=0.5)  # over the iteration line
        # the runs' names in the plot's corner while runs race: in exports (the window's
        # runs panel is the key there, and a legend would cover a small plot)
        self.legend_races = False
        self.race_legend = pg.LegendItem(offset=(-4, 4), labelTextSize="8pt")
        self.race_legend.setParentItem(item.vb)
        self.race_legend.setBrush(pg.mkBrush(255, 255, 255, 200))
        self.race_legend.hide()
        self.curve = pg.PlotDataItem(pen=pg.mkPen(PATH_COLOR, width=2), **PEAKS)
        self.curve.setZValue(1)  # the selected run over the others
        self._colour = PATH_COLOR
        item.addItem(self.curve)
        self.marker = pg.InfiniteLine(pos=0, angle=90, pen=pg.mkPen("#444444", width=1.2))
        item.addItem(self.marker)
        self.dot = add_marker(item, Marker("o", 9, pg.mkPen("k"), PATH_COLOR))
        self.dot.setZValue(2)
        item.disableAutoRange()
        self._fixed = False
        self.reset_range()

    def bind(self, data: TrainingData) -> None:
        self.reset_range()
        self.plot.getPlotItem().setLabel("left", "J(W, b)" if data.classes > 2 else "J(w, b)")

    def draw(self, scene: Scene) -> None:
        if scene.log_scale != self._log:
            self.set_log(scene.log_scale)
        if scene.hold is not None and not self._fixed:
            self.fix_range(scene.hold.last_iteration, np.array(scene.hold.cost_range))
        if scene.ghost_curve is None:
            self.show_ghost(None, None)
        else:
            self.show_ghost(*scene.ghost_curve)
        if scene.colour != self._colour:
            self._colour = scene.colour
            self.curve.setPen(pg.mkPen(scene.colour, width=2))
            self.dot.setBrush(pg.mkBrush(scene.colour))
        self.show_curve(scene.iterations, scene.costs, scene.index, tight=scene.tight)
        self.show_race(scene)

    def show_race(self, scene: Scene) -> None:
        """The other raced runs' curves (each up to its newest entry)."""
        vb = self.plot.getPlotItem().getViewBox()
        r = vb.viewRect()
        view = (r.left(), r.right()), (r.top(), r.bottom()), vb.width()
        lines = []
        for t in scene.traces:
            costs = np.log10(_positive(t.costs)) if self._log else t.costs
            lines.append((*peaks(t.iterations, costs, *view), t.colour))
        self.race_curves.show(lines)
        entries, colours = [], ()
        if scene.traces and self.legend_races:
            samples = [self.race_curves.sample(t.colour) for t in scene.traces]
            names = [t.name for t in scene.traces]
            entries = [(self.curve, scene.name), *zip(samples, names, strict=True)]
            colours = tuple(t.colour for t in scene.traces)
        if set_legend(self.race_legend, entries, colours):
            self.race_legend.setVisible(bool(entries))

    def reset_range(self) -> None:
        """Forget the axis limits (a new run starts)."""
        self._x_max = 0.0
        self._y_span = None

    def _follow(self, last: float, costs: np.ndarray, tight: bool) -> None:
        """Grow the axes in steps instead of auto-ranging on every frame (each
        range change repaints the axes and the whole plot once more)."""
        item = self.plot.getPlotItem()
        want = max(10.0, last) if tight else max(10.0, 1.5 * last)
        if last > self._x_max or self._x_max == 0.0 or (tight and want != self._x_max):
            self._x_max = want
            item.setXRange(0, self._x_max, padding=0.02)
        c = _positive(costs) if self._log else costs
        lo, hi = float(np.min(c)), float(np.max(c))
        if self._log:
            lo, hi = np.log10(lo), np.log10(hi)
        span = self._y_span
        if span is None or lo < span[0] or hi > span[1] or (hi - lo) < 0.3 * (span[1] - span[0]):
            pad = 0.08 * (hi - lo) if hi > lo else 0.5
            self._y_span = (lo - pad, hi + pad)
            item.setYRange(*self._y_span, padding=0)

    def fix_range(self, last_iteration: float, costs: np.ndarray) -> None:
        """Hold both axes still across frames (used by exports)."""
        self._fixed = True
        item = self.plot.getPlotItem()
        item.disableAutoRange()
        item.setXRange(0, max(1.0, float(last_iteration)), padding=0.02)
        c = _positive(costs) if self._log else costs
        lo, hi = float(np.min(c)), float(np.max(c))
        if self._log:
            lo, hi = np.log10(lo), np.log10(hi)
        pad = 0.05 * (hi - lo) if hi > lo else 0.5
        item.setYRange(lo - pad, hi + pad, padding=0)

    def set_log(self, on: bool) -> None:
        self._log = bool(on)
        with QSignalBlocker(self.log_box):
            self.log_box.setChecked(self._log)
        self.plot.getPlotItem().setLogMode(x=False, y=self._log)
        self._y_span = None

    def show_curve(
        self, iterations: np.ndarray, costs: np.ndarray, index: int, tight: bool = False
    ) -> None:
        """The curve up to the newest iteration, the marker at ``index``; the x-axis
        grows in steps while training and fits the run when ``tight``."""
        if not self._fixed and len(iterations):
            # the range first: the data is clipped to it
            self._follow(float(iterations[-1]), costs, tight)
        self.curve.setData(iterations, _positive(costs) if self._log else costs)
        if len(iterations):
            it = float(iterations[index])
            self.marker.setValue(it)
            c = float(costs[index])
            if self._log:
                c = np.log10(max(c, 1e-300))
            move_points(self.dot, [it], [c])

    def show_ghost(self, iterations: np.ndarray | None, costs: np.ndarray | None) -> None:
        if iterations is None or len(iterations) == 0:
            clear_line(self.ghost)
        else:
            self.ghost.setData(iterations, _positive(costs) if self._log else costs)


def _positive(costs: np.ndarray) -> np.ndarray:
    return np.maximum(costs, 1e-300)
