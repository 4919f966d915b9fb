"""Parameter space: J over a 2-D slice of (w1, w2, b), contours and the descent path."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QWidget

from ...core.surface import SurfaceResult, slice_spec
from ...model import TrainingData
from ...present.lesson import step_arrow
from ...present.scene import (
    ColourScale,
    Scene,
    colour_scale,
    param_labels,
    slice_note,
    slice_titles,
    surface_title,
)
from ._style import (
    GHOST_COLOR,
    PATH_COLOR,
    Marker,
    NoteLabel,
    Plot,
    RaceLines,
    add_marker,
    cache_layer,
    clear_line,
    make_plot,
    move_points,
    stack,
)
from .colourbar import ColourBar

#: at most this many path vertices are drawn (the path is thinned evenly)
MAX_PATH_POINTS = 4000


def thin(n: int, limit: int) -> np.ndarray | slice:
    """Indices that keep at most ``limit`` of n points, always the first and last."""
    if n <= limit:
        return slice(None)
    # evenly spaced and strictly increasing (n > limit), the last one n - 1
    return np.arange(limit) * (n - 1) // (limit - 1)


def on_pixels(x: np.ndarray, y: np.ndarray, pixel: tuple[float, float]) -> np.ndarray:
    """Indices of the vertices a polyline through (x, y) needs at this ``pixel`` size
    (data units per pixel, x and y): about one per pixel of the path's length.

    A vertex is kept where the path's length so far, in pixels, passes a whole number;
    a vertex left out is then less than a pixel along the path from the last one kept,
    so the line drawn moves by less than a pixel.  The first and last are kept, and
    so is everything from a non-finite vertex on.  A converging path ends in thousands
    of vertices within a pixel or two; stroking them (under a wide outline) was most
    of the surface's paint.
    """
    n = len(x)
    keep = np.ones(n, bool)
    px, py = pixel
    if n > 2 and px > 0 and py > 0 and np.isfinite(px) and np.isfinite(py):
        with np.errstate(invalid="ignore", over="ignore"):
            length = np.cumsum(np.hypot(np.diff(x) / px, np.diff(y) / py))
            whole = np.floor(length)
        # vertex k + 1 is kept when the length up to it reaches a new whole pixel
        keep[1:-1] = ~(whole[:-1] == np.concatenate(([0.0], whole[:-2])))
    return np.flatnonzero(keep)


def path_vertices(
    x: np.ndarray, y: np.ndarray, n: int, pixel: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` vertices of a path as drawn: at most MAX_PATH_POINTS of them,
    and no two in a row within one pixel (see :func:`on_pixels`)."""
    sel = thin(n, MAX_PATH_POINTS)
    x, y = x[:n][sel], y[:n][sel]
    keep = on_pixels(x, y, pixel)
    return x[keep], y[keep]


class SurfaceView(QWidget):
    """The cost surface with the descent path; click (while not training) to set the start.

    The slice chooser and a click are intents (``sliceChanged``, ``startPicked``); what
    is drawn comes from the scene, so the path is always in the shown slice.
    """

    name = "surface"
    half = 0  # drawn in the first half of a frame
    sliceChanged = Signal(str)
    throughEndToggled = Signal(bool)
    startPicked = Signal(float, float)  # (x, y) in the slice's parameters

    def __init__(self, parent: QWidget | None = None, plot: Plot | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot("costSurfacePlot", "Cost surface", plot)
        self.combo = QComboBox()
        self.combo.setObjectName("sliceCombo")
        self._model = (2, 2)  # (features, classes) whose slices the chooser lists
        for key, title in slice_titles(2).items():
            self.combo.addItem(title, key)
        self.combo.setToolTip(
            "Which two parameters span the surface; the third is held at its value at the "
            "iteration shown (or at the end)"
        )
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.currentIndexChanged.connect(self._on_combo)
        self.through_end = QCheckBox("held at the end")
        self.through_end.setObjectName("sliceThroughEndCheck")
        self.through_end.setToolTip(
            "Hold the third parameter at its value at the last iteration instead of "
            "following the iteration shown"
        )
        self.through_end.toggled.connect(self.throughEndToggled)
        self.hint = NoteLabel("click the surface to choose the start point")
        self.hint.setStyleSheet("color: #666;")
        # hidden while training (a click cannot choose the start then), its line kept: the
        # plots would otherwise move at every Play and Pause
        policy = self.hint.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.hint.setSizePolicy(policy)
        top = QHBoxLayout()
        self.slice_label = QLabel("Slice:")
        top.addWidget(self.slice_label)
        top.addWidget(self.combo)
        top.addStretch(1)
        top.addWidget(self.through_end)
        self.note = NoteLabel()
        self.note.setObjectName("sliceNote")
        self.note.setStyleSheet("color: #555;")
        stack(self, self.plot, top)
        self.layout().addWidget(self.note)
        self.layout().addWidget(self.hint)
        item = self.plot.getPlotItem()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        item.addItem(self.image)
        self.colorbar = ColourBar(self.image, pg.colormap.get("viridis"), "log₁₀(J − J_min)")
        self.colorbar.insert_beside(item)
        self.plot.colorbar = self.colorbar  # scale_plot_text scales its ticks too
        self.scale: ColourScale | None = None  # fixed for a run (see present.colour_scale)
        self._scale_for: object = None
        self._rescale = False
        self.contours = pg.PlotDataItem(connect="pairs", pen=pg.mkPen(255, 255, 255, 150, width=1))
        item.addItem(self.contours)
        # the surface changes a few times a second at most; the path moves every frame
        cache_layer(self.image)
        cache_layer(self.contours.curve)
        self.ghost = pg.PlotDataItem(
            pen=pg.mkPen(GHOST_COLOR, width=2, style=pg.QtCore.Qt.PenStyle.DashLine)
        )
        item.addItem(self.ghost)
        # the other raced runs: each path in its colour, its current point a dot
        self.race_paths = RaceLines(item, width=2, z=1, outline=True)
        # the other raced runs' points, one marker each in its run's colour (made as runs
        # are raced, then kept; a colour is set only when it changes)
        self.race_points: list[Marker] = []
        self._race_colours: list[str | None] = []
        self.path = pg.PlotDataItem(pen=pg.mkPen(PATH_COLOR, width=2), name="descent path")
        self.path.setShadowPen(pg.mkPen(0, 0, 0, 170, width=4.5))
        self.path.setZValue(2)  # the selected run over the others
        self._path_colour = PATH_COLOR
        item.addItem(self.path)
        self.start = add_marker(
            item, Marker("o", 12, pg.mkPen("w", width=2), pg.mkBrush(0, 0, 0, 160))
        )
        self.minimum = add_marker(item, Marker("+", 14, pg.mkPen("w", width=2)))
        self.minimum.setToolTip("the lowest J on this slice")
        self.optimum = add_marker(item, Marker("d", 13, pg.mkPen("k", width=1.5), "w"))
        self.optimum.setToolTip("the minimum of J, found by the run (‖∇J‖ ≤ 1e-6)")
        self.current = add_marker(item, Marker("star", 16, pg.mkPen("k", width=1), "#FF3030"))
        self.current.setZValue(10)  # the selected run's point over every other run's
        # the step −α∇J from the shown point, at its true length (the head shows the way)
        self.step_line = pg.PlotDataItem(pen=pg.mkPen("#FFFFFF", width=2.5), name="step")
        self.step_head = pg.ArrowItem(
            angle=0, headLen=13, tipAngle=32, pen=pg.mkPen("k", width=1), brush="#FFFFFF"
        )
        self.step_line.setToolTip("the next step −α∇J from the shown point (true length)")
        self.step_head.setZValue(self.current.zValue() + 1)  # over the star it leaves from
        self.step_line.setZValue(self.current.zValue() - 1)
        self.start.setZValue(3)
        item.addItem(self.step_line)
        item.addItem(self.step_head)
        item.disableAutoRange()
        self.picking_enabled = True
        self._spec = slice_spec("w1-w2", 2)
        self.extent: tuple[float, float, float, float] | None = None
        item.scene().sigMouseClicked.connect(self._on_click)
        self._set_labels()

    def hide_controls(self) -> None:
        """For exports: no slice chooser and no hint above the plot (nor their room)."""
        policy = self.hint.sizePolicy()
        policy.setRetainSizeWhenHidden(False)
        self.hint.setSizePolicy(policy)
        for w in (self.slice_label, self.combo, self.hint, self.through_end, self.note):
            w.hide()

    # -- slice ---------------------------------------------------------------------
    def slice_key(self) -> str:
        """The slice drawn now."""
        return self._spec.key

    def _on_combo(self, _index: int) -> None:
        self.sliceChanged.emit(self.combo.currentData())

    def _show_slice(self, key: str) -> None:
        if key == self._spec.key and self.combo.currentData() == key:
            return
        self._spec = slice_spec(key, *self._model)
        with QSignalBlocker(self.combo):
            self.combo.setCurrentIndex(max(0, self.combo.findData(key)))
        self._set_labels()
        self.image.clear()  # the old slice's surface is not this one's
        self.contours.setData([], [])
        self.minimum.setData([], [])

    def _set_labels(self) -> None:
        xl, yl, _ = param_labels(self._spec)
        item = self.plot.getPlotItem()
        item.setLabel("bottom", xl)
        item.setLabel("left", yl)

    # -- drawing -------------------------------------------------------------------
    def bind(self, data: TrainingData) -> None:
        """New data: the old surface and ghosts are gone until the new ones arrive; the
        slices are those of its features (every pair of w₁ … w₅, b with crosses)."""
        model = (data.X.shape[0], data.classes)
        if model != self._model:
            self._model = model
            titles = slice_titles(*model)
            with QSignalBlocker(self.combo):
                self.combo.clear()
                for key, title in titles.items():
                    self.combo.addItem(title, key)
            key = self._spec.key if self._spec.key in titles else next(iter(titles))
            self._spec = data.slice_spec(key)
            with QSignalBlocker(self.combo):
                self.combo.setCurrentIndex(max(0, self.combo.findData(key)))
            self._set_labels()
        self.image.clear()
        self.contours.setData([], [])
        self.minimum.setData([], [])
        self.scale = None
        self.show_ghost(None, None)

    def draw(self, scene: Scene) -> None:
        self._show_slice(scene.spec.key)
        if scene.run_id != self._scale_for:  # a new run, slice or freeze: a new scale
            self._scale_for = scene.run_id
            self.scale = None
        elif self.scale is not None and not self.scale.holds(scene.cost):
            self._rescale = True  # the path left the range: anew with the next surface
        if self.through_end.isChecked() != scene.through_end:
            with QSignalBlocker(self.through_end):
                self.through_end.setChecked(scene.through_end)
        if self.note.isVisibleTo(self):
            self.note.setText(slice_note(scene.spec, scene.through_end))
        if scene.hold is not None and self.extent != scene.hold.extent:
            self.set_extent(scene.hold.extent)
        if scene.ghost_path is None:
            self.show_ghost(None, None)
        else:
            self.show_ghost(*scene.ghost_path)
        if scene.colour != self._path_colour:
            self._path_colour = scene.colour
            self.path.setPen(pg.mkPen(scene.colour, width=2.5))
        self.show_path(scene.path_x, scene.path_y, scene.index)
        self.show_race(scene)
        self.show_step(*step_arrow(scene))
        if scene.optimum is None:
            move_points(self.optimum, [], [])
        else:
            move_points(self.optimum, [scene.optimum[0]], [scene.optimum[1]])

    def set_extent(self, extent: tuple[float, float, float, float]) -> None:
        x0, x1, y0, y1 = (float(np.clip(v, -1e300, 1e300)) for v in extent)
        self.extent = extent
        item = self.plot.getPlotItem()
        item.setXRange(x0, x1, padding=0)
        item.setYRange(y0, y1, padding=0)

    def show_surface(self, result: SurfaceResult) -> None:
        req = result.request
        if req.spec.key != self._spec.key:
            return  # computed for another slice
        xs, ys = req.xs, req.ys
        if self.scale is None or self._rescale:
            self.scale = colour_scale(result.J)
            self._rescale = False
        scale = self.scale
        image = scale.map(result.J).astype(np.float32)
        self.image.setImage(image, autoLevels=False)
        self.colorbar.setLevels((scale.lo, scale.hi))
        j, i = np.unravel_index(int(np.nanargmin(result.J)), result.J.shape)
        self.minimum.setData([xs[i]], [ys[j]])
        dx = (xs[-1] - xs[0]) / max(1, len(xs) - 1)
        dy = (ys[-1] - ys[0]) / max(1, len(ys) - 1)
        self.image.setRect(xs[0] - dx / 2, ys[0] - dy / 2, xs[-1] - xs[0] + dx, ys[-1] - ys[0] + dy)
        self.contours.setData(result.contour_x, result.contour_y)
        title = surface_title(self._spec, req.fixed, result.sampled, req.X.shape[1])
        self.plot.setTitle(title)  # (a long title is cut, never widens the plot)

    def show_path(self, px: np.ndarray, py: np.ndarray, index: int) -> None:
        """The path over history entries; entries after ``index`` are not drawn."""
        n = index + 1
        self.path.setData(*path_vertices(px, py, n, self._pixel()))
        if n:
            move_points(self.start, [px[0]], [py[0]])
            move_points(self.current, [px[index]], [py[index]])
        else:
            move_points(self.start, [], [])
            move_points(self.current, [], [])

    def show_race(self, scene: Scene) -> None:
        """The other raced runs: each path up to its shown entry, and where it is."""
        pixel = self._pixel()
        self.race_paths.show(
            [
                (*path_vertices(t.path_x, t.path_y, t.index + 1, pixel), t.colour)
                for t in scene.traces
            ]
        )
        item = self.plot.getPlotItem()
        while len(self.race_points) < len(scene.traces):
            dot = add_marker(item, Marker("o", 11, pg.mkPen("k", width=1)))
            dot.setZValue(5)
            self.race_points.append(dot)
            self._race_colours.append(None)
        for k, dot in enumerate(self.race_points):
            if k >= len(scene.traces):
                dot.setData([], [])
                continue
            t = scene.traces[k]
            if self._race_colours[k] != t.colour:
                dot.setBrush(t.colour)
                self._race_colours[k] = t.colour
            dot.setData([t.path_x[t.index]], [t.path_y[t.index]])  # hidden if not finite

    def show_step(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """The arrow from (x0, y0) to (x1, y1); none where the step is not finite."""
        if not all(np.isfinite((x0, y0, x1, y1))) or (x0, y0) == (x1, y1):
            self.step_line.setData([], [])
            self.step_head.hide()
            return
        self.step_line.setData([x0, x1], [y0, y1])
        # the head's angle is in screen space: map the step through the view's scale
        vb = self.plot.getPlotItem().vb
        sx, sy = vb.viewPixelSize()
        angle = np.degrees(np.arctan2(-(y1 - y0) / (sy or 1.0), (x1 - x0) / (sx or 1.0)))
        self.step_head.setStyle(angle=180.0 + angle)
        self.step_head.setPos(x1, y1)
        self.step_head.show()

    def show_ghost(self, gx: np.ndarray | None, gy: np.ndarray | None) -> None:
        if gx is None or len(gx) == 0:
            clear_line(self.ghost)
        else:
            self.ghost.setData(*path_vertices(gx, gy, len(gx), self._pixel()))

    def _pixel(self) -> tuple[float, float]:
        """Data units per screen pixel, x and y (a path is drawn to this precision)."""
        vb = self.plot.getPlotItem().vb
        if vb.getViewWidget() is None:  # not on a view yet: every vertex is kept
            return 0.0, 0.0
        sx, sy = vb.viewPixelSize()
        return float(sx), float(sy)

    def _on_click(self, event) -> None:
        if not self.picking_enabled or event.button() != pg.QtCore.Qt.MouseButton.LeftButton:
            return
        item = self.plot.getPlotItem()
        if not item.sceneBoundingRect().contains(event.scenePos()):
            return
        p = item.vb.mapSceneToView(event.scenePos())
        self.startPicked.emit(float(p.x()), float(p.y()))
