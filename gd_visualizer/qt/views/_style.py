"""Colours and markers shared by the views (Okabe–Ito, colour-blind safe)."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

# PlotCurveItem's own: its wide solid lines as separate segments (module-level since 0.13)
from pyqtgraph.graphicsItems.PlotCurveItem import arrayToLineSegments
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QPainter, QPainterPath, QPen, QTransform
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QLabel,
    QLayout,
    QVBoxLayout,
    QWidget,
)

from ...model import RUN_COLOURS

CLASS_COLORS = ("#0072B2", "#E69F00", "#009E73")  # blue, orange, bluish green (Okabe–Ito)
CLASS_SYMBOLS = ("o", "t", "s")  # circle, triangle, square
#: each class's region in the data view, at certainty (probability 1); white at 1/K
REGION_COLORS = ((120, 175, 215), (240, 200, 120), (130, 205, 170))
WRONG_COLOR = "#D55E00"  # vermilion ring around misclassified samples
PATH_COLOR = RUN_COLOURS[0]  # a single run's path
GHOST_COLOR = (120, 120, 120, 110)
LINE_COLOR = "#111111"
#: samples drawn at most per scatter (training always uses all of them)
MAX_DRAWN = 2500


def probability_lut() -> np.ndarray:
    """A blue–white–orange LUT for σ ∈ [0, 1], matching the class colours."""
    cmap = pg.ColorMap([0.0, 0.5, 1.0], [(120, 175, 215), (250, 250, 250), (240, 200, 120)])
    return cmap.getLookupTable(0.0, 1.0, 256)


def drawn_subset(m: int, seed: int = 0) -> np.ndarray | None:
    """Indices of the samples to draw when there are more than MAX_DRAWN (else None)."""
    if m <= MAX_DRAWN:
        return None
    from numpy.random import default_rng  # (loaded by load_random after the first paint)

    rng = default_rng(seed)
    return np.sort(rng.choice(m, MAX_DRAWN, replace=False))


def load_random() -> None:
    """Load numpy.random (8 ms here, up to 20 ms on a slower machine): called a moment
    after the window's first paint, so that neither the first paint nor the first new
    dataset (made, or its drawn samples chosen, on the GUI thread) waits for it."""
    import numpy.random  # noqa: F401


#: the ring around the sample followed through the computation graph
CHOSEN_PEN = ("#000000", 2.5)
#: a click picks the nearest sample within this many pixels
PICK_PIXELS = 14


def move_points(
    scatter: pg.ScatterPlotItem | Marker,
    x: np.ndarray,
    y: np.ndarray,
    shown: np.ndarray | None = None,
) -> None:
    """New positions for a scatter's points (or a marker's one point), drawn as before;
    ``shown``: which of them are drawn (a mask; all when None).

    ``setData`` rebuilds every point and looks its symbol up again (about 1 ms per
    thousand points); when only the positions change (the same number of points, one
    style) they are written in place and the item repaints.  A set of points that changes
    every frame (the misclassified ones) is best kept whole and masked with ``shown``.
    """
    if isinstance(scatter, Marker):
        scatter.setData(x, y)
        return
    data = scatter.data
    if len(data) != len(x):
        scatter.setData(x, y)
        if shown is not None and len(x):
            scatter.data["visible"] = shown
            scatter.invalidate()
        return
    if not len(data):  # empty, and it stays so
        return
    data["x"] = x
    data["y"] = y
    if shown is not None:
        data["visible"] = shown
    scatter.prepareGeometryChange()
    scatter.informViewBoundsChanged()
    scatter.bounds = [None, None]
    scatter.invalidate()
    scatter.sigPlotChanged.emit(scatter)


def clear_line(line: pg.PlotDataItem) -> None:
    """Empty a line (nothing happens when it is empty already: a frame that shows no
    ghost pays nothing for it)."""
    if line.xData is not None and len(line.xData):
        line.setData([], [])


def cache_layer(item: pg.GraphicsObject) -> None:
    """Paint ``item`` from a pixmap while it and the view stand still (the data view's
    samples, the surface's image and contours): redrawn only when they change."""
    item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


class Marker(QGraphicsPathItem):
    """One point of a view (the current point, the start, a ring), drawn by Qt at a fixed
    size in pixels, with pyqtgraph's symbols.

    A one-point ``ScatterPlotItem`` runs pyqtgraph's Python every frame (its paint, its
    bounds, its view checks, a dozen calls); eleven of them were 0.5-1 ms of a ~9 ms frame.
    A marker is a path item that ignores the view's scaling: moving it is ``setPos``, and
    Qt paints it.  It takes ``setData`` and answers ``getData`` as a scatter of one point
    (or none) does.
    """

    def __init__(self, symbol: str = "o", size: float = 10, pen=None, brush=None) -> None:
        super().__init__()
        unit = pg.graphicsItems.ScatterPlotItem.Symbols[symbol]  # centred, 1 px across
        self.setPath(QTransform.fromScale(size, size).map(unit))
        self.setPen(pg.mkPen(pen) if pen is not None else QPen(Qt.PenStyle.NoPen))
        self.setBrush(brush)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setVisible(False)
        self.view: pg.ViewBox | None = None  # (set by add_marker)
        self._at: tuple[float, float] | None = None  # the point asked for, shown or not

    def setData(self, x, y) -> None:  # (ScatterPlotItem's name)
        """At (x[0], y[0]) in the view's coordinates; none when ``x`` is empty.  A point
        that is not finite or is far outside the view is not drawn (as a scatter leaves
        such points out: Qt would map it to pixel coordinates beyond what it can draw);
        it shows once the view's range reaches it (:meth:`follow_range`)."""
        self._at = (float(x[0]), float(y[0])) if len(x) else None
        self.follow_range()

    def follow_range(self, *_) -> None:
        """Show the point asked for if the view's range now holds it (a slot of the view's
        range changes: a view may grow to the point after the point was set)."""
        at = self._at
        if at is None or not self._near_view(*at):
            self.setVisible(False)
            return
        self.setPos(*at)
        self.setVisible(True)

    def _near_view(self, x: float, y: float) -> bool:
        if not (math.isfinite(x) and math.isfinite(y)):
            return False
        if self.view is None:
            return True
        r = self.view.viewRect()
        w, h = max(r.width(), 1e-300), max(r.height(), 1e-300)
        return r.left() - w <= x <= r.right() + w and r.top() - h <= y <= r.bottom() + h

    def getData(self) -> tuple[np.ndarray, np.ndarray]:  # (ScatterPlotItem's name)
        if not self.isVisible():
            return np.empty(0), np.empty(0)
        return np.array([self.pos().x()]), np.array([self.pos().y()])

    def setBrush(self, brush) -> None:
        """A brush as pyqtgraph takes it (a colour, a QBrush); None: not filled."""
        super().setBrush(pg.mkBrush(brush) if brush is not None else QBrush(Qt.BrushStyle.NoBrush))

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)  # as pyqtgraph's symbols
        super().paint(painter, option, widget)


def add_marker(item: pg.PlotItem, marker: Marker) -> Marker:
    """``marker`` in ``item``'s view (its bounds never move the view's range)."""
    item.addItem(marker, ignoreBounds=True)
    marker.view = item.getViewBox()
    marker.view.sigRangeChanged.connect(marker.follow_range)
    return marker


def chosen_pen() -> QPen:
    """The pen of the ring around the chosen sample, wherever it is drawn."""
    return pg.mkPen(CHOSEN_PEN[0], width=CHOSEN_PEN[1])


def chosen_ring() -> Marker:
    """The ring drawn around the chosen sample (the same in every view)."""
    ring = Marker("o", 17, chosen_pen())
    ring.setZValue(20)
    ring.setToolTip("the sample followed in the computation graph (click another to choose)")
    return ring


def nearest_point(
    plot: pg.PlotWidget, event, xs: np.ndarray, ys: np.ndarray, any_button: bool = False
) -> int | None:
    """The index of the point nearest a left click (any click with ``any_button``), if one
    is within PICK_PIXELS."""
    if (not any_button and event.button() != Qt.MouseButton.LeftButton) or len(xs) == 0:
        return None
    item = plot.getPlotItem()
    if not item.sceneBoundingRect().contains(event.scenePos()):
        return None
    return nearest_at(item.vb, event.scenePos(), xs, ys)


def nearest_at(vb: pg.ViewBox, scene_pos, xs: np.ndarray, ys: np.ndarray) -> int | None:
    """The index of the point nearest ``scene_pos``, if one is within PICK_PIXELS."""
    if len(xs) == 0:
        return None
    p = vb.mapSceneToView(scene_pos)
    sx, sy = vb.viewPixelSize()
    with np.errstate(over="ignore", invalid="ignore"):
        d = ((xs - p.x()) / (sx or 1.0)) ** 2 + ((ys - p.y()) / (sy or 1.0)) ** 2
    if not np.isfinite(d).any():
        return None
    k = int(np.nanargmin(d))
    return k if d[k] <= PICK_PIXELS**2 else None


def apply_plot_style() -> None:
    """White plots with dark ink (they read well on slides and printed notes).

    Called by whoever builds plots (the window, the export renderer), never at import.
    """
    pg.setConfigOptions(background="w", foreground="k", antialias=False, imageAxisOrder="row-major")


class Axis(pg.AxisItem):
    """An axis that typesets its label only when the label's text changes.

    pyqtgraph sets the label's HTML again on every range change and style call, changed or
    not: ~200 ``setHtml`` calls for the four plots at start-up (~10 ms).
    """

    def _updateLabel(self) -> None:  # (pyqtgraph's, without the repeated typesetting)
        html = self.labelString()
        if html != getattr(self, "_label_html", None):
            self._label_html = html
            self.label.setHtml(html)
        self._adjustSize()
        self.picture = None
        self.update()


#: the sides a plot shows an axis on (pyqtgraph's top and right axes exist, hidden)
SHOWN = ("left", "bottom")
SIDES = (*SHOWN, "top", "right")


class Title(pg.LabelItem):
    """A plot's title, cut when it is longer than the plot is wide.

    pyqtgraph's label makes its text's width its minimum, again at every resize: a long
    title ("Decision boundary (2,500 of 5,000 shown)") made the plot wider than its widget
    at 1024×768, and pushed the data and the legend out of sight instead of being cut.
    """

    def updateMin(self) -> None:
        super().updateMin()
        self.setMinimumWidth(0)
        self._sizeHint[Qt.SizeHint.MinimumSize] = (0, self._sizeHint[Qt.SizeHint.MinimumSize][1])

    def resizeEvent(self, event) -> None:
        # centred while it fits; a cut title keeps its beginning
        wide = self.itemRect().width() > self.rect().width() + 0.5
        self.opts["justify"] = "left" if wide else "center"
        super().resizeEvent(event)


class Plot(pg.PlotWidget):
    """A plot whose legend (below it) re-flows into fewer columns when it is narrow, and
    whose title is cut when it is longer than the plot is wide (:class:`Title`)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        item = self.getPlotItem()
        item.layout.removeItem(item.titleLabel)
        if item.titleLabel.scene() is not None:
            item.titleLabel.scene().removeItem(item.titleLabel)
        item.titleLabel = Title("", size="11pt", parent=item)
        item.layout.addItem(item.titleLabel, 0, 1)
        item.setTitle(None)  # (hidden until a title is set, as pyqtgraph's)

    def resizeEvent(self, event) -> None:
        # before the plot takes its new size (pyqtgraph also calls this with None)
        fit_legend(self, event.size().width() if event is not None else None)
        super().resizeEvent(event)


def fit_legend(plot: pg.PlotWidget, width: float | None = None) -> None:
    """As many legend columns (of those asked for) as fit the plot's width."""
    item = plot.getPlotItem()
    legend = getattr(item, "outside_legend", None)
    if legend is None:
        return
    width = plot.width() if width is None else width
    room = width - item.getAxis("left").width() - 8
    for cols in range(max(1, legend.max_columns), 0, -1):
        if legend.columnCount != cols:
            legend.setColumnCount(cols)
        need = legend.layout.effectiveSizeHint(Qt.SizeHint.MinimumSize).width()
        if need <= room:
            break
    # LegendItem.updateSize() (run by addItem, setColumnCount…) moves it to (0, 0) of the
    # plot, over the data: give it back to its cell below the axis
    legend.updateSize()
    item.layout.invalidate()
    item.layout.activate()
    # a plot item wider than the view (while the legend was wider) shrinks back to it
    if item.geometry().width() > width:
        rect = item.geometry()
        rect.setWidth(width)
        item.setGeometry(rect)


def new_plot() -> Plot:
    """A bare plot with the app's axes: most of what building a view costs (~7 ms, AMD
    EPYC), so an export builds it in an event-loop turn of its own; ``make_plot`` then
    makes it the app's."""
    apply_plot_style()
    # no context menus (building them was 14 ms of start-up)
    # (pyqtgraph shows every axis it is given: only the shown ones are ours)
    return Plot(enableMenu=False, axisItems={side: Axis(side) for side in SHOWN})


def make_plot(object_name: str, title: str, plot: Plot | None = None) -> Plot:
    """A view's plot: ``plot`` (from :func:`new_plot`), or a new one, made the app's."""
    plot = new_plot() if plot is None else plot
    plot.setObjectName(object_name)
    plot.setTitle(title)
    plot.setMenuEnabled(False)
    plot.setMinimumSize(280, 180)
    item = plot.getPlotItem()
    for side in SIDES:
        axis = item.getAxis(side)
        axis.enableAutoSIPrefix(False)
        # axes overlap the plot area by their ticks, so every data update repaints
        # them; a device-coordinate cache turns that into a blit until they change
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    item.titleLabel.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    # a stray drag or wheel must not pan or zoom away from what the app shows
    item.setMouseEnabled(x=False, y=False)
    item.hideButtons()
    return plot


class NoteLabel(QLabel):
    """Word-wrapped text as tall as its lines at its width, no more and no less.

    A layout asks a wrapped label for one line's height at least, so a layout short of room
    (a view under a docked panel, a dock) laid the next widget over its second line, or
    gave it room it did not use.  This label's height is fixed to what its text needs at
    its width, again whenever the width or the text changes.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)

    def setText(self, text: str) -> None:
        super().setText(text)
        self._fit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        height = self.heightForWidth(self.width())
        if height > 0 and height != self.minimumHeight():
            self.setFixedHeight(height)


def stack(parent: QWidget, plot: pg.PlotWidget, top: QLayout | None = None) -> None:
    """Lay out a view: an optional row of controls above its plot."""
    layout = QVBoxLayout(parent)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    if top is not None:
        layout.addLayout(top)
    layout.addWidget(plot)


def set_legend(
    legend: pg.LegendItem, entries: list[tuple[pg.GraphicsObject, str]], colours: tuple = ()
) -> bool:
    """``legend`` shows ``entries`` (item, name); it is rebuilt only when they (or the
    ``colours`` their samples are drawn in) change: a rebuild lays the legend out again
    (3-5 ms on the GUI thread).  Whether it was."""
    key = [(id(item), name) for item, name in entries] + list(colours)
    if getattr(legend, "entries", None) == key:
        return False
    legend.clear()
    for item, name in entries:
        legend.addItem(item, name)
    legend.entries = key
    return True


def add_legend(item: pg.PlotItem, columns: int = 3) -> pg.LegendItem:
    """A one-row legend below the plot's bottom axis: it never covers data."""
    legend = pg.LegendItem(colCount=columns, labelTextSize=f"{LEGEND_PT * TEXT_SCALE[0]:.0f}pt")
    legend.max_columns = columns
    item.layout.addItem(legend, 4, 1)
    item.outside_legend = legend  # for scale_plot_text and fit_legend
    return legend


#: the user's text size (View ▸ Larger/Smaller text), a factor of the default
TEXT_SCALE = [1.0]
LEGEND_PT = 9
TICK_PT = 9
LABEL_PT = 10
TITLE_PT = 11


def scale_plot_text(plot: pg.PlotWidget, factor: float) -> None:
    """Ticks, axis labels, title and legend of a plot at ``factor`` × their default size."""
    item = plot.getPlotItem()
    for side in ("left", "bottom"):
        axis = item.getAxis(side)
        axis.setStyle(tickFont=_font(TICK_PT * factor))
        axis.label.setFont(_font(LABEL_PT * factor))
        axis.picture = None
        axis.resizeEvent()
        axis.update()
    size = f"{TITLE_PT * factor:.0f}pt"
    item.titleLabel.opts["size"] = size
    plot.setTitle(item.titleLabel.text, size=size)
    colorbar = getattr(plot, "colorbar", None)  # a colour bar beside the plot, if any
    if colorbar is not None:
        colorbar.label_axis.label.setFont(_font(LABEL_PT * factor))
        for axis in (colorbar.axis, colorbar.label_axis):
            axis.setStyle(tickFont=_font(TICK_PT * factor))  # (and sizes the axis anew)
            axis.resizeEvent()
    legend = getattr(item, "outside_legend", None)
    if legend is not None:
        size = f"{LEGEND_PT * factor:.0f}pt"
        legend.opts["labelTextSize"] = size
        for _sample, label in legend.items:
            label.setText(label.text, size=size)
        fit_legend(plot)


def _font(pt: float):
    from PySide6.QtGui import QFont

    f = QFont()
    f.setPointSizeF(pt)
    return f


class RaceLines(pg.GraphicsObject):
    """The other raced runs' lines in one item, each in its run's colour.

    One ``PlotCurveItem`` per run ran pyqtgraph's Python for each line every frame (its
    data checks, its bounds and pixel padding, asked for ~80 times a frame over a view's
    items); with five runs raced beside the shown one, that was ~3 ms of a ~15 ms frame on
    the slower machine.  Here a frame sets each line's path once (pyqtgraph's own
    :func:`~pyqtgraph.arrayToQPath` / ``arrayToLineSegments``,
    non-finite points left out as a curve leaves them out) and one cached rectangle
    answers Qt's bounds queries; the lines are stroked as ``PlotCurveItem`` strokes them.
    Its bounds never move the view's range.
    """

    def __init__(
        self,
        item: pg.PlotItem,
        width: float = 2.0,
        z: float = 0.0,
        dashed: bool = False,
        outline: bool = False,
        connect: str = "all",
    ) -> None:
        super().__init__()
        self._connect = connect  # "pairs": each line is a set of segments
        self._width = width
        self._style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
        #: a dark line under each (a colour stays visible on any part of a colour map)
        self._shadow = pg.mkPen(0, 0, 0, 170, width=width + 2.5) if outline else None
        #: pixels a stroke reaches beyond its points (PlotCurveItem.pixelPadding's rule: a
        #: square cap's corner, half the widest pen's width times √2)
        self._pad = 0.7072 * max(width, self._shadow.widthF() if outline else 0.0) + 1
        self._pens: dict[str, QPen] = {}
        self._samples: dict[str, pg.PlotDataItem] = {}
        self._shown: list[tuple[np.ndarray, np.ndarray, str]] = []
        self._strokes: list[tuple[object, QPen]] = []  # (a QPainterPath or line segments, pen)
        self._points = QRectF()  # the finite points' bounds, in the view's coordinates
        self._rect: QRectF | None = None  # with the pens' reach: made when Qt asks for it
        self.setZValue(z)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, False)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        item.addItem(self, ignoreBounds=True)
        self._view = item.getViewBox()

    def show(self, lines: list[tuple[np.ndarray, np.ndarray, str]]) -> None:
        """Draw ``(x, y, colour)`` per line, in order (a later line over an earlier one)."""
        if not lines and not self._shown:
            return  # nothing shown, nothing to show: no repaint
        strokes, points = [], QRectF()
        for x, y, colour in lines:
            pen = self._pen(colour)
            drawn = [(self._stroke(x, y, pen), pen)]
            if self._shadow is not None:
                drawn.insert(0, (self._stroke(x, y, self._shadow), self._shadow))
            strokes += drawn
            box = _stroke_bounds(drawn[0][0])
            if not box.isNull():
                points = box if points.isNull() else points.united(box)
        self.prepareGeometryChange()
        self._shown, self._strokes, self._points, self._rect = list(lines), strokes, points, None
        self.update()

    def lines(self) -> list[tuple[np.ndarray, np.ndarray, str]]:
        """The ``(x, y, colour)`` lines shown."""
        return list(self._shown)

    def sample(self, colour: str) -> pg.PlotDataItem:
        """An item drawn in a line's style, for a legend entry (never in a view)."""
        if colour not in self._samples:
            self._samples[colour] = pg.PlotDataItem(pen=self._pen(colour))
        return self._samples[colour]

    def _pen(self, colour: str) -> QPen:
        if colour not in self._pens:
            self._pens[colour] = pg.mkPen(colour, width=self._width, style=self._style)
        return self._pens[colour]

    def _stroke(self, x: np.ndarray, y: np.ndarray, pen: QPen):
        """The line as ``PlotCurveItem`` paints it with ``pen``: segments for a wide, solid,
        opaque pen (the raster engine strokes those faster), else a path."""
        if _as_segments(pen):
            return arrayToLineSegments(x, y, connect=self._connect, finiteCheck=True)
        return pg.arrayToQPath(x, y, connect=self._connect, finiteCheck=True)

    def boundingRect(self) -> QRectF:
        """The points' bounds and the pens' reach around them, in pixels of the view as it is
        now (made again when the view's scale changes: :meth:`viewTransformChanged`)."""
        if self._rect is None:
            rect = QRectF(self._points)
            if not rect.isNull():
                px, py = self._view.viewPixelSize()
                rect.adjust(-self._pad * px, -self._pad * py, self._pad * px, self._pad * py)
            self._rect = rect
        return self._rect

    def viewTransformChanged(self) -> None:  # (pyqtgraph calls it when the view zooms)
        self.prepareGeometryChange()
        self._rect = None

    def paint(self, painter: QPainter, option, widget=None) -> None:
        for stroke, pen in self._strokes:
            painter.setPen(pen)
            if isinstance(stroke, QPainterPath):
                painter.drawPath(stroke)
            else:
                painter.drawLines(*stroke.drawargs())


def _stroke_bounds(stroke) -> QRectF:
    """The rectangle of what a stroke draws: a path's own (``arrayToQPath`` leaves the
    non-finite points out; Qt reads it off in C++), or its segments' ends."""
    if isinstance(stroke, QPainterPath):
        return stroke.boundingRect()
    ends = stroke.ndarray()  # (n, 4): x1, y1, x2, y2, the finite segments only
    if not len(ends):
        return QRectF()
    xs, ys = ends[:, 0::2], ends[:, 1::2]
    return QRectF(QPointF(xs.min(), ys.min()), QPointF(xs.max(), ys.max()))


def _as_segments(pen: QPen) -> bool:
    """Whether ``PlotCurveItem`` (segmentedLineMode "auto", no antialiasing) draws a line
    in ``pen`` as separate segments rather than one path."""
    return (
        pen.widthF() > 1.0
        and pen.style() == Qt.PenStyle.SolidLine
        and pen.isSolid()
        and pen.color().alphaF() == 1.0
    )
