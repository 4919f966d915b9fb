"""Three classes (softmax regression) in the data view and the sample view: the
regions of the predicted class, their boundaries, and each sample's softmax(z)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from ...core.multiclass import softmax_columns, softmax_scores
from ...core.surface import contour_segments
from ._style import CLASS_COLORS, REGION_COLORS, WRONG_COLOR, move_points

#: at most this many samples get a bar (evenly spread over the samples, class by class)
MAX_BARS = 300


def region_image(Z: np.ndarray) -> np.ndarray:
    """(rows, cols, 3) uint8 from scores Z (K, rows, cols): the predicted class's colour,
    faded to white as its probability falls to 1/K (a toss-up between all classes)."""
    K = Z.shape[0]
    with np.errstate(over="ignore", invalid="ignore"):
        A = softmax_columns(np.nan_to_num(Z, nan=0.0).reshape(K, -1))
    k = np.argmax(A, axis=0)
    t = (A[k, np.arange(A.shape[1])] - 1.0 / K) / (1.0 - 1.0 / K)  # 0 … 1
    colours = np.asarray(REGION_COLORS[:K], dtype=float)
    rgb = 250.0 + t[:, None] * (colours[k] - 250.0)
    return np.clip(rgb, 0, 255).astype(np.uint8).reshape(*Z.shape[1:], 3)


def region_boundaries(
    Z: np.ndarray, xs: np.ndarray, ys: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Where the predicted class changes, as segment ends in pairs: for each class k the
    contour z_k = max_(j≠k) z_j (a border between two regions is found from both sides)."""
    Z = np.nan_to_num(Z, nan=0.0, posinf=1e300, neginf=-1e300)
    out_x, out_y = [], []
    for k in range(Z.shape[0]):
        others = np.delete(Z, k, axis=0).max(axis=0)
        cx, cy = contour_segments(Z[k] - others, xs, ys, np.array([0.0]))
        out_x.append(cx)
        out_y.append(cy)
    return np.concatenate(out_x), np.concatenate(out_y)


class SoftmaxBars:
    """Each sample's softmax(z) as a stacked bar (one colour per class), samples grouped
    by true class; a vermilion mark over every sample whose largest share is wrong."""

    def __init__(self, item: pg.PlotItem) -> None:
        self.item = item
        self.bars = []
        for k, colour in enumerate(CLASS_COLORS):
            bar = pg.BarGraphItem(
                x=[], height=[], y0=[], width=1.0, brush=pg.mkBrush(colour), pen=pg.mkPen(None)
            )
            bar.setZValue(k)
            self.bars.append(bar)
        self.wrong = pg.ScatterPlotItem(
            size=7, symbol="t1", pen=pg.mkPen(WRONG_COLOR, width=1.2), brush=WRONG_COLOR
        )
        self.x = np.empty(0)
        self.idx = np.empty(0, dtype=np.intp)  # the samples with a bar, in bar order
        self.top = np.empty(0)  # each bar's share of its true class (for clicks)
        self._X = np.empty((2, 0))
        self._y = np.empty(0, dtype=np.intp)
        self._all = np.empty((2, 0))  # every sample, and its label
        self._labels = np.empty(0, dtype=np.intp)
        self.K = 3

    def items(self) -> list[pg.GraphicsObject]:
        return [*self.bars, self.wrong]

    def set_data(self, X: np.ndarray, Y: np.ndarray, K: int) -> None:
        """The samples (X as trained on, labels 0 … K-1): grouped by class, at most
        MAX_BARS of them."""
        y = np.asarray(Y).ravel().astype(np.intp)
        self._all, self._labels = X, y
        order = np.argsort(y, kind="stable")
        if order.size > MAX_BARS:
            order = order[np.linspace(0, order.size - 1, MAX_BARS).round().astype(np.intp)]
        self.K, self.idx = K, order
        self._X, self._y = X[:, order], y[order]
        self.x = np.arange(order.size, dtype=float)
        self.item.setXRange(-0.5, max(order.size, 1) - 0.5, padding=0.01)

    def show_state(self, w: np.ndarray, b: float) -> None:
        theta = np.append(np.asarray(w, dtype=float).ravel(), b)
        with np.errstate(over="ignore", invalid="ignore"):
            A = softmax_columns(np.nan_to_num(softmax_scores(theta, self._X, self.K)))
        floor = np.zeros(A.shape[1])
        for k, bar in enumerate(self.bars[: self.K]):
            bar.setOpts(x=self.x, height=A[k], y0=floor.copy(), width=1.0)
            floor += A[k]
        cols = np.arange(A.shape[1])
        self.top = A[self._y, cols]
        wrong = np.argmax(A, axis=0) != self._y
        move_points(self.wrong, self.x, np.full(self.x.size, 1.04), shown=wrong)

    def include(self, index: int | None) -> bool:
        """Give sample ``index`` a bar if it has none (the chosen sample is shown in every
        view): it takes the bar of the nearest sample of its class.  True if bars changed."""
        if index is None or not 0 <= index < self._labels.size or (self.idx == index).any():
            return False
        same = np.flatnonzero(self._y == self._labels[index])
        if not same.size:
            return False
        slot = int(same[np.argmin(np.abs(self.idx[same] - index))])
        self.idx = self.idx.copy()
        self.idx[slot] = index
        self._X = self._X.copy()
        self._X[:, slot] = self._all[:, index]
        return True

    def position(self, index: int | None) -> tuple[float, float] | None:
        """Where sample ``index`` (in the data) is drawn: (bar, its true class's share)."""
        if index is None:
            return None
        hit = np.flatnonzero(self.idx == index)
        if not hit.size:
            return None
        return float(self.x[hit[0]]), float(self.top[hit[0]]) if self.top.size else 0.5
