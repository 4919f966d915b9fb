"""Data space: samples, the probability heatmap σ(wᵀx + b) and the decision line; for three
classes the regions of the predicted class and their boundaries."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QWidget

from ...core import Dataset, sigmoid
from ...core.multiclass import softmax_scores
from ...core.surface import contour_segments
from ...model import TrainingData
from ...present.scene import Scene
from ._style import (
    CLASS_COLORS,
    CLASS_SYMBOLS,
    LINE_COLOR,
    Plot,
    RaceLines,
    add_legend,
    add_marker,
    cache_layer,
    chosen_ring,
    drawn_subset,
    fit_legend,
    make_plot,
    move_points,
    nearest_at,
    nearest_point,
    probability_lut,
    set_legend,
    stack,
)
from .classes import region_boundaries, region_image

GRID = 120


class BoundaryView(QWidget):
    """The decision boundary w₁x₁ + w₂x₂ + b = 0 (the σ = 0.5 contour) over the data."""

    name = "boundary"
    half = 0  # drawn in the first half of a frame
    sampleClicked = Signal(int)  # the index (in the data) of the sample clicked
    #: editing: a click asks for a point at (x, y) in the view's units, of class label
    addPointRequested = Signal(float, float, int)
    removePointRequested = Signal(int)  # editing: the index (in the data) of the sample
    movePointRequested = Signal(int, float, float)  # editing: a sample dragged to (x, y)

    EDIT_TIP = (
        "Click adds a point of the chosen class (Shift-click: the other class); right-click "
        "or Ctrl-click removes the nearest point. Ctrl+Z undoes, Ctrl+Shift+Z redoes."
    )

    def __init__(self, parent: QWidget | None = None, plot: Plot | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot("boundaryPlot", "Decision boundary", plot)
        self.edit_check = QCheckBox("Edit points")
        self.edit_check.setObjectName("editPointsCheck")
        self.edit_check.setToolTip(self.EDIT_TIP)
        self.class_combo = QComboBox()
        self.class_combo.setObjectName("drawClassCombo")
        self.class_combo.addItems(["class 0", "class 1"])
        self.class_combo.setToolTip("The class a click adds (Shift-click adds the other one)")
        self.class_combo.setVisible(False)
        self.edit_check.toggled.connect(self.class_combo.setVisible)
        top = QHBoxLayout()
        top.addWidget(self.edit_check)
        top.addWidget(self.class_combo)
        top.addStretch(1)
        stack(self, self.plot, top)
        item = self.plot.getPlotItem()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(probability_lut())
        self.image.setLevels((0.0, 1.0))
        self.image.setZValue(-10)
        item.addItem(self.image)
        self.legend = add_legend(item, columns=3)
        self.scatters = []
        for k in range(len(CLASS_COLORS)):
            sc = pg.ScatterPlotItem(
                size=7,
                symbol=CLASS_SYMBOLS[k],
                pen=pg.mkPen("#222222", width=0.6),
                brush=pg.mkBrush(CLASS_COLORS[k]),
                name=f"class {k}",
            )
            cache_layer(sc)  # the samples never move while training: painted from a pixmap
            item.addItem(sc)
            self.scatters.append(sc)
        # segments in pairs: the straight boundary is one, a curved one (crosses) many
        self.line = pg.PlotDataItem(
            pen=pg.mkPen(LINE_COLOR, width=2.5), name="boundary σ = 0.5", connect="pairs"
        )
        item.addItem(self.line)
        self.legend.addItem(self.line, "σ = 0.5")
        # the other raced runs' boundaries, each in its run's colour (dashed)
        self.race_lines = RaceLines(item, width=2.2, z=5, dashed=True, connect="pairs")
        self.ring = chosen_ring()
        add_marker(item, self.ring)
        item.scene().sigMouseClicked.connect(self._on_click)
        # editing: a left drag from a point moves it (the view never pans: see make_plot)
        item.vb.mouseDragEvent = self._on_drag
        self._dragged: int | None = None
        self.drag_mark = pg.ScatterPlotItem(
            size=12, symbol="o", pen=pg.mkPen("k", width=1.5, style=Qt.PenStyle.DashLine),
            brush=None,
        )  # fmt: skip
        self.drag_mark.setZValue(21)
        item.addItem(self.drag_mark)
        self._X = np.empty((2, 0))
        self._features = np.asarray  # what the model sees of points in the view's units
        self._idx: np.ndarray | None = None
        item.disableAutoRange()
        self._grid = np.empty((0, 0))
        self._box = (0.0, 1.0, 0.0, 1.0)
        self._classes = 2
        self.plot.getPlotItem().setLabel("bottom", "x1")
        self.plot.getPlotItem().setLabel("left", "x2")

    def bind(self, data: TrainingData) -> None:
        """New training data."""
        self._features = data.features
        if data.classes != self._classes:
            self._classes = data.classes
            # two classes: σ through the blue–white–orange table; more: region colours
            self.image.setLookupTable(probability_lut() if data.classes == 2 else None)
            if data.classes > 2:
                self.edit_check.setChecked(False)
            self.edit_check.setEnabled(data.classes == 2)
            self.edit_check.setToolTip(
                self.EDIT_TIP if data.classes == 2 else "Points are edited on two-class data"
            )
        self.set_data(data.dataset, data.shown, data.feature_labels)

    def draw(self, scene: Scene) -> None:
        self.show_state(scene.w, scene.b)
        self.race_lines.show([(*self.boundary(t.w, t.b), t.colour) for t in scene.traces])
        self.mark_sample(scene.sample)

    def mark_sample(self, index: int | None) -> None:
        """Ring sample ``index`` (None: no ring)."""
        if index is None or not 0 <= index < self._X.shape[1]:
            move_points(self.ring, [], [])
        else:
            move_points(self.ring, [self._X[0, index]], [self._X[1, index]])

    def hide_controls(self) -> None:
        """For exports: no editing controls above the plot."""
        self.edit_check.hide()
        self.class_combo.hide()

    @property
    def editing(self) -> bool:
        return self.edit_check.isChecked()

    def _on_click(self, event) -> None:
        shown = self._X if self._idx is None else self._X[:, self._idx]
        if self.editing:
            self._edit(event, shown)
            return
        k = nearest_point(self.plot, event, shown[0], shown[1])
        if k is not None:
            self.sampleClicked.emit(int(k if self._idx is None else self._idx[k]))

    def _on_drag(self, event, axis=None) -> None:
        """Editing: a left drag that starts on a point moves it (shown as a dashed ring
        until it is dropped); anything else is ignored."""
        if not self.editing or event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        event.accept()
        vb = self.plot.getPlotItem().vb
        if event.isStart():
            shown = self._X if self._idx is None else self._X[:, self._idx]
            k = nearest_at(vb, event.buttonDownScenePos(), shown[0], shown[1])
            self._dragged = None if k is None else int(k if self._idx is None else self._idx[k])
        if self._dragged is None:
            return
        p = vb.mapSceneToView(event.scenePos())
        if event.isFinish():
            self.drag_mark.setData([], [])
            index, self._dragged = self._dragged, None
            self.movePointRequested.emit(index, float(p.x()), float(p.y()))
        else:
            self.drag_mark.setData([p.x()], [p.y()])

    def _edit(self, event, shown: np.ndarray) -> None:
        """Left click adds a point (Shift: of the other class); right or Ctrl-click removes
        the nearest one."""
        mods = event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        if event.button() == Qt.MouseButton.RightButton or ctrl:
            k = nearest_point(self.plot, event, shown[0], shown[1], any_button=True)
            if k is not None:
                self.removePointRequested.emit(int(k if self._idx is None else self._idx[k]))
            return
        item = self.plot.getPlotItem()
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if not item.sceneBoundingRect().contains(event.scenePos()):
            return
        p = item.vb.mapSceneToView(event.scenePos())
        label = self.class_combo.currentIndex()
        if mods & Qt.KeyboardModifier.ShiftModifier:
            label = 1 - label
        self.addPointRequested.emit(float(p.x()), float(p.y()), label)

    def set_data(self, ds: Dataset, X: np.ndarray, feature_names: tuple[str, str]) -> None:
        """New training data (X as trained on: standardized when that is on)."""
        m = X.shape[1]
        idx = drawn_subset(m)
        self._X, self._idx = X, idx
        Xd = X if idx is None else X[:, idx]
        Yd = ds.Y[0] if idx is None else ds.Y[0, idx]
        for k, sc in enumerate(self.scatters):
            sel = Yd == k
            sc.setData(Xd[0, sel], Xd[1, sel])
        for k in range(min(ds.n_classes, self.class_combo.count())):
            self.class_combo.setItemText(k, ds.class_names[k])
        entries = list(zip(self.scatters[: ds.n_classes], ds.class_names, strict=False))
        line = "σ = 0.5" if ds.n_classes <= 2 else "boundaries"
        if set_legend(self.legend, [*entries, (self.line, line)]):
            fit_legend(self.plot)
        item = self.plot.getPlotItem()
        item.setLabel("bottom", feature_names[0])
        item.setLabel("left", feature_names[1])
        note = "" if idx is None else f" ({len(idx):,} of {m:,} shown)"
        self.plot.setTitle(f"Decision boundary{note}")
        x0, x1, y0, y1 = self._box = self._fit_box(X)
        gx = np.linspace(x0, x1, GRID)
        gy = np.linspace(y0, y1, GRID)
        self._xs, self._ys = gx, gy
        mx, my = np.meshgrid(gx, gy)  # row j is gy[j]
        with np.errstate(over="ignore", invalid="ignore"):
            self._grid = self._features(np.vstack([mx.ravel(), my.ravel()]))  # (n_x, GRID²)
        item.setXRange(x0, x1, padding=0)
        item.setYRange(y0, y1, padding=0)

    def _fit_box(self, X: np.ndarray) -> tuple[float, float, float, float]:
        """The box for new data; while editing, the one shown when every point still fits
        (the picture stands still as points are added)."""
        if self.editing and X.shape[1]:
            x0, x1, y0, y1 = self._box
            lo, hi = X.min(axis=1), X.max(axis=1)
            if x0 <= lo[0] and hi[0] <= x1 and y0 <= lo[1] and hi[1] <= y1:
                return self._box
        return data_box(X)

    def _logits(self, w: np.ndarray, b: float) -> np.ndarray:
        """z = wᵀφ(x) + b on the grid, (GRID, GRID), φ the features the model sees; for
        K classes the scores Z = W x + b, (K, GRID, GRID), with θ = (w, b)."""
        with np.errstate(over="ignore", invalid="ignore"):
            if self._classes > 2:
                theta = np.append(np.asarray(w, dtype=float).ravel(), b)
                Z = softmax_scores(theta, self._grid, self._classes)
                return Z.reshape(self._classes, len(self._ys), len(self._xs))
            z = np.asarray(w, dtype=float).ravel() @ self._grid + b
        return z.reshape(len(self._ys), len(self._xs))

    def boundary(self, w: np.ndarray, b: float) -> tuple[np.ndarray, np.ndarray]:
        """The boundary σ = 0.5 (z = 0) in the box, as segment ends in pairs: the line
        w₁x₁ + w₂x₂ + b = 0 for two features, the contour z = 0 for more."""
        w = np.asarray(w, dtype=float).ravel()
        if self._classes > 2:
            return region_boundaries(self._logits(w, b), self._xs, self._ys)
        if w.size == 2:
            return boundary_segment(float(w[0]), float(w[1]), b, self._box)
        z = np.nan_to_num(self._logits(w, b), nan=0.0, posinf=1e300, neginf=-1e300)
        return contour_segments(z, self._xs, self._ys, np.array([0.0]))

    def show_state(self, w: np.ndarray, b: float) -> None:
        if self._classes > 2:
            Z = self._logits(w, b)
            self.image.setImage(region_image(Z), levels=(0, 255), autoLevels=False)
            x0, x1, y0, y1 = self._box
            self.image.setRect(x0, y0, x1 - x0, y1 - y0)
            self.line.setData(*region_boundaries(Z, self._xs, self._ys))
            return
        with np.errstate(over="ignore", invalid="ignore"):
            P = sigmoid(self._logits(w, b)).astype(np.float32)
        P = np.nan_to_num(P, nan=0.5)  # any finite state draws; 0·inf is "undecided"
        self.image.setImage(P, levels=(0.0, 1.0), autoLevels=False)
        x0, x1, y0, y1 = self._box
        self.image.setRect(x0, y0, x1 - x0, y1 - y0)
        self.line.setData(*self.boundary(w, b))


def data_box(X: np.ndarray) -> tuple[float, float, float, float]:
    """The view's box around the samples (8 % margin); around the origin, ±3 at least,
    for fewer than three samples (a drawing that has just begun)."""
    if X.shape[1] < 3:
        pts = np.hstack([X, [[-3.0, 3.0], [-3.0, 3.0]]])
        lo, hi = pts.min(axis=1), pts.max(axis=1)
        pad = np.ones(2)
    else:
        lo, hi = X.min(axis=1), X.max(axis=1)
        pad = np.maximum((hi - lo) * 0.08, 1e-9)
    return (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])


def boundary_segment(
    w1: float, w2: float, b: float, box: tuple[float, float, float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """The part of the line w1·x + w2·y + b = 0 inside the box (empty if none)."""
    x0, x1, y0, y1 = box
    pts = []
    if abs(w2) > 1e-300:
        for x in (x0, x1):
            y = -(w1 * x + b) / w2
            if y0 <= y <= y1:
                pts.append((x, y))
    if abs(w1) > 1e-300:
        for y in (y0, y1):
            x = -(w2 * y + b) / w1
            if x0 <= x <= x1:
                pts.append((x, y))
    if len(pts) < 2:
        return np.empty(0), np.empty(0)
    pts = sorted(set(pts))
    (ax, ay), (bx, by) = pts[0], pts[-1]
    return np.array([ax, bx]), np.array([ay, by])
