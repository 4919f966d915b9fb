"""Every sample on the sigmoid: (zᵢ = wᵀxᵢ + b, aᵢ = σ(zᵢ)), coloured by its true class;
for three classes each sample's softmax(zᵢ) as a stacked bar instead."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from ...core import sigmoid
from ...model import TrainingData
from ...present.scene import Scene
from ._style import (
    CLASS_COLORS,
    CLASS_SYMBOLS,
    WRONG_COLOR,
    Plot,
    add_legend,
    add_marker,
    chosen_ring,
    drawn_subset,
    fit_legend,
    make_plot,
    move_points,
    nearest_point,
    set_legend,
    stack,
)
from .classes import SoftmaxBars

CURVE_POINTS = 400


class SigmoidView(QWidget):
    name = "sigmoid"
    half = 1  # drawn in the second half of a frame
    sampleClicked = Signal(int)  # the index (in the data) of the sample clicked

    def __init__(self, parent: QWidget | None = None, plot: Plot | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot("sigmoidPlot", "Every sample on the sigmoid", plot)
        stack(self, self.plot)
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "z = wᵀx + b")
        item.setLabel("left", "a = σ(z)")
        self.legend = add_legend(item, columns=3)
        self.half_line = pg.InfiniteLine(
            pos=0.5, angle=0, pen=pg.mkPen("#888", style=pg.QtCore.Qt.PenStyle.DashLine)
        )
        item.addItem(self.half_line)
        self.zero_line = pg.InfiniteLine(
            pos=0.0, angle=90, pen=pg.mkPen("#bbb", style=pg.QtCore.Qt.PenStyle.DotLine)
        )
        item.addItem(self.zero_line)
        self.curve = pg.PlotDataItem(pen=pg.mkPen("#333", width=2))
        item.addItem(self.curve)
        self.scatters = []
        for k in range(2):
            sc = pg.ScatterPlotItem(
                size=7,
                symbol=CLASS_SYMBOLS[k],
                pen=pg.mkPen("#222", width=0.5),
                brush=pg.mkBrush(CLASS_COLORS[k]),
            )
            item.addItem(sc)
            self.scatters.append(sc)
        self.wrong = pg.ScatterPlotItem(
            size=13, symbol="o", pen=pg.mkPen(WRONG_COLOR, width=2), brush=None
        )
        item.addItem(self.wrong)
        self.bars = SoftmaxBars(item)  # three classes: in place of the curve and scatters
        for bar_item in self.bars.items():
            item.addItem(bar_item)
        self._classes = 2
        self.ring = chosen_ring()
        add_marker(item, self.ring)
        item.scene().sigMouseClicked.connect(self._on_click)
        self._all = np.empty((2, 0))
        self._z = np.empty(0)
        item.setYRange(-0.05, 1.05, padding=0)
        item.disableAutoRange()
        self._zmax = 0.0
        self._fixed_zmax: float | None = None
        self._X = np.empty((2, 0))
        self._y = np.empty(0)
        self._idx: np.ndarray | None = None

    def bind(self, data: TrainingData) -> None:
        self._set_classes(data.classes)
        if data.classes > 2:
            self.bars.set_data(data.X, data.Y, data.classes)
            self._all = data.X
            names = data.dataset.class_names
            entries = list(zip(self.bars.bars, names, strict=False))
            if set_legend(self.legend, [*entries, (self.bars.wrong, "misclassified")]):
                fit_legend(self.plot)
            m, n = data.X.shape[1], self.bars.idx.size
            note = "" if n == m else f" ({n:,} of {m:,} shown)"
            self.plot.setTitle(f"Every sample's softmax(z){note}")
            return
        self.set_data(data.X, data.Y, data.dataset.class_names)

    def _set_classes(self, K: int) -> None:
        """Two classes: the sigmoid and its samples; more: the stacked softmax bars."""
        binary = K == 2
        for part in (self.curve, self.half_line, self.zero_line, self.wrong, *self.scatters):
            part.setVisible(binary)
        for part in self.bars.items():
            part.setVisible(not binary)
        item = self.plot.getPlotItem()
        if binary and self._classes != 2:
            item.setLabel("bottom", "z = wᵀx + b")
            item.setLabel("left", "a = σ(z)")
            item.setYRange(-0.05, 1.05, padding=0)
            self._zmax = 0.0
        elif not binary:
            item.setLabel("bottom", "sample (grouped by true class)")
            item.setLabel("left", "softmax(z)ₖ")
            item.setYRange(0.0, 1.08, padding=0)
        self._classes = K

    def draw(self, scene: Scene) -> None:
        if self._classes > 2:
            self.bars.include(scene.sample)
            self.bars.show_state(scene.w, scene.b)
            at = self.bars.position(scene.sample)
            self.ring.setData(*(([], []) if at is None else ([at[0]], [at[1]])))
            return
        if scene.hold is not None and self._fixed_zmax is None:
            self.fix_z_range(scene.hold.zmax)
        self.show_state(scene.w, scene.b)
        self.mark_sample(scene.w, scene.b, scene.sample)

    def mark_sample(self, w: np.ndarray, b: float, index: int | None) -> None:
        """Ring sample ``index`` on the curve (None: no ring)."""
        if index is None or not 0 <= index < self._all.shape[1]:
            move_points(self.ring, [], [])
            return
        with np.errstate(over="ignore", invalid="ignore"):
            z = float(
                np.clip(
                    np.nan_to_num(np.asarray(w, float).ravel() @ self._all[:, index] + b),
                    -1e30,
                    1e30,
                )
            )
        move_points(self.ring, [z], [sigmoid(z)])

    def _on_click(self, event) -> None:
        if self._classes > 2:
            k = nearest_point(self.plot, event, self.bars.x, self.bars.top)
            if k is not None:
                self.sampleClicked.emit(int(self.bars.idx[k]))
            return
        k = nearest_point(self.plot, event, self._z, sigmoid(self._z))
        if k is not None:
            self.sampleClicked.emit(int(k if self._idx is None else self._idx[k]))

    def set_data(self, X: np.ndarray, Y: np.ndarray, class_names: tuple[str, str]) -> None:
        self._all = X
        self._idx = drawn_subset(X.shape[1])
        self._X = X if self._idx is None else X[:, self._idx]
        self._y = Y[0] if self._idx is None else Y[0, self._idx]
        entries = list(zip(self.scatters[:2], class_names[:2], strict=True))
        if set_legend(self.legend, [*entries, (self.wrong, "misclassified")]):
            fit_legend(self.plot)
        note = "" if self._idx is None else f" ({len(self._idx):,} of {X.shape[1]:,} shown)"
        self.plot.setTitle(f"Every sample on the sigmoid{note}")
        self._zmax = 0.0

    def show_state(self, w: np.ndarray, b: float) -> None:
        with np.errstate(over="ignore", invalid="ignore"):
            z = np.asarray(w, dtype=float).ravel() @ self._X + b
        # any finite state draws: what float32 cannot hold is clipped (the axis says so)
        z = np.clip(np.nan_to_num(z, nan=0.0), -1e30, 1e30)
        a = sigmoid(z)
        self._z = z
        for k, sc in enumerate(self.scatters):
            sel = self._y == k
            move_points(sc, z[sel], a[sel])
        move_points(self.wrong, z, a, shown=(a > 0.5) != (self._y > 0.5))
        # the z-range follows the samples with hysteresis so it does not jitter
        need = max(6.0, float(np.max(np.abs(z))) * 1.1 if z.size else 6.0)
        if self._fixed_zmax is not None:
            need = self._fixed_zmax
        if need > self._zmax or need < self._zmax / 3:
            # grow in steps: a range change repaints the axes and the plot once more
            self._zmax = need if self._fixed_zmax is not None else 1.4 * need
            zs = np.linspace(-self._zmax, self._zmax, CURVE_POINTS)
            self.curve.setData(zs, sigmoid(zs))
            self.plot.getPlotItem().setXRange(-self._zmax, self._zmax, padding=0.02)

    def fix_z_range(self, zmax: float) -> None:
        """Hold the z-axis at ±zmax (exports keep the axes still across frames)."""
        self._fixed_zmax = max(6.0, float(zmax))
        self._zmax = 0.0
