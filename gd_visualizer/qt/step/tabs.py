"""The step panel's plots: the slope as a tangent, the per-example loss, the loop
against np.dot.  Each draws a scene; heavy numbers come from the task worker."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ...core import (
    compare_loop,
    cost_cut,
    loop_partials,
    loss_curves,
    propagate,
    sample_graph,
    sample_graphs,
)
from ...model import TrainingData
from ...present import lesson
from ...present.scene import Scene
from ..tasks import TaskInbox, TaskResult
from ..views._style import (
    CLASS_COLORS,
    CLASS_SYMBOLS,
    Marker,
    add_legend,
    add_marker,
    chosen_pen,
    drawn_subset,
    make_plot,
)

LOSS_CURVE_POINTS = 400


class Task:
    """One kind of side computation: at most one in flight, the newest answer kept."""

    def __init__(self, tasks: TaskInbox, name: str) -> None:
        self.tasks, self.name = tasks, name
        self.token = 0
        self.busy = False
        self.asked_for: object = None  # what the request in flight was for

    def submit(self, key: object, fn, *args) -> None:
        self.token = self.tasks.submit(self.name, fn, *args)
        self.busy = True
        self.asked_for = key

    def answer(self, result: TaskResult) -> bool:
        """Whether ``result`` answers the newest request (then it is no longer busy)."""
        if result.token != self.token:
            return False
        self.busy = False
        return True


class SlopeTab(QWidget):
    """J along one parameter through the shown point, with the tangent of slope ∂J/∂θₚ."""

    def __init__(self, tasks: TaskInbox, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.task = Task(tasks, "cut")
        self.combo = QComboBox()
        self.combo.setObjectName("cutParam")
        for k, name in enumerate(lesson.CUT_PARAMS):
            self.combo.addItem(f"J({name})", k)
        self.combo.currentIndexChanged.connect(lambda *_: self._redraw())
        self.plot = make_plot("slopePlot", "What a derivative is: the slope of J")
        self.plot.setMinimumSize(260, 180)
        item = self.plot.getPlotItem()
        item.setLabel("left", "J")
        self.legend = add_legend(item, columns=3)
        self.curve = pg.PlotDataItem(pen=pg.mkPen("#333", width=2), name="J along the cut")
        self.tangent = pg.PlotDataItem(pen=pg.mkPen("#c62828", width=2.5), name="tangent")
        self.point = add_marker(item, Marker("star", 12, pg.mkPen("k"), "#FF3030"))
        for it in (self.curve, self.tangent):
            item.addItem(it)
        self.legend.addItem(self.curve, "J along the cut")
        self.legend.addItem(self.tangent, "tangent, slope = gradient")
        self.text = QLabel()
        self.text.setObjectName("slopeText")
        self.text.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(QLabel("Cut along"))
        row.addWidget(self.combo)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.text)
        self.data: TrainingData | None = None
        self.scene: Scene | None = None
        self._cut_for: object = None

    @property
    def param(self) -> int:
        return int(self.combo.currentData())

    def bind(self, data: TrainingData) -> None:
        self.data = data
        self.curve.setData([], [])
        self._cut_for = None
        names = lesson.cut_params(data.X.shape[0])
        if self.combo.count() != len(names):  # the parameters of these features
            with QSignalBlocker(self.combo):
                self.combo.clear()
                for k, name in enumerate(names):
                    self.combo.addItem(f"J({name})", k)

    def draw(self, scene: Scene) -> None:
        self.scene = scene
        self._redraw()

    def _key(self, scene: Scene) -> tuple:
        return (id(self.data), self.param, scene.w.tobytes(), scene.b, scene.loss, scene.lambd)

    def _redraw(self) -> None:
        scene, data = self.scene, self.data
        if scene is None or data is None:
            return
        p = self.param
        values = lesson.cut_values(scene, p)
        name = lesson.cut_params(scene.w.size)[p]
        self.plot.getPlotItem().setLabel("bottom", f"{name} (the others held)")
        centre = float(np.append(scene.w, scene.b)[p])
        self.point.setData([centre], [scene.cost])
        self.tangent.setData(*lesson.tangent(scene, p, values))
        self.text.setText(lesson.slope_text(scene, p))
        key = self._key(scene)
        if key != self._cut_for and not self.task.busy:
            self.task.submit(
                key, cost_cut, data.X, data.Y, scene.w, scene.b, p, values, scene.loss, scene.lambd
            )

    def take(self, result: TaskResult) -> None:
        if not self.task.answer(result):
            return
        if result.error is not None:
            self.text.setText(f"the cut could not be computed: {result.error}")
            return
        self._cut_for = self.task.asked_for
        scene = self.scene
        if scene is not None and self.data is not None:
            values = lesson.cut_values(scene, self.param)
            if self._cut_for == self._key(scene):
                self.curve.setData(values, result.value)
                finite = result.value[np.isfinite(result.value)]
                if finite.size:
                    lo, hi = float(finite.min()), float(finite.max())
                    pad = 0.05 * (hi - lo) or 0.1
                    item = self.plot.getPlotItem()
                    item.setXRange(values[0], values[-1], padding=0)
                    item.setYRange(lo - pad, hi + pad, padding=0)
            self._redraw()  # the point moved meanwhile: ask again


class LossTab(QWidget):
    """The per-example loss L(a, 1) and L(a, 0) of the loss the runs descend (−log a and
    −log(1 − a) for the cross-entropy), every sample on its class's curve, the chosen one
    ringed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot("lossPlot", "Per-example loss L(a, y)")
        self.plot.setMinimumSize(260, 180)
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "a = σ(wᵀx + b), the predicted probability of class 1")
        item.setLabel("left", "L(a, y)")
        self.legend = add_legend(item, columns=2)
        self.curves = [pg.PlotDataItem(pen=pg.mkPen(CLASS_COLORS[k], width=2)) for k in range(2)]
        self.scatters = [
            pg.ScatterPlotItem(
                size=7, symbol=CLASS_SYMBOLS[k], pen=pg.mkPen("#222", width=0.5),
                brush=pg.mkBrush(CLASS_COLORS[k]),
            )
            for k in range(2)
        ]  # fmt: skip
        self.chosen = add_marker(item, Marker("o", 16, chosen_pen()))
        for it in (*self.curves, *self.scatters):
            item.addItem(it)
        item.setXRange(0, 1, padding=0.02)
        item.disableAutoRange()
        self.text = QLabel()
        self.text.setObjectName("lossNote")
        self.text.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.text)
        self.data: TrainingData | None = None
        self._top = 0.0
        self.loss = ""
        self.show_loss("cross_entropy")

    def show_loss(self, loss: str) -> None:
        """The curves, legend and note of ``loss``."""
        if loss == self.loss:
            return
        self.loss = loss
        a = np.linspace(1e-4, 1 - 1e-4, LOSS_CURVE_POINTS)
        l1, l0 = loss_curves(a, loss)
        self.curves[0].setData(a, l0)
        self.curves[1].setData(a, l1)
        self.text.setText(lesson.LOSS_NOTES[loss])
        self._label()
        self._top = 0.0

    def _label(self) -> None:
        self.legend.clear()
        if self.data is None:
            return
        names = self.data.dataset.class_names
        one, zero = lesson.LOSS_CURVE_NAMES[self.loss]
        self.legend.addItem(self.curves[0], f"{zero}: y = 0 ({names[0]})")
        self.legend.addItem(self.curves[1], f"{one}: y = 1 ({names[1]})")

    def bind(self, data: TrainingData) -> None:
        self.data = data
        self._idx = drawn_subset(data.X.shape[1])
        self._X = data.X if self._idx is None else data.X[:, self._idx]
        self._y = data.Y[0] if self._idx is None else data.Y[0, self._idx]
        self._label()
        self._top = 0.0

    def draw(self, scene: Scene) -> None:
        if self.data is None:
            return
        with np.errstate(over="ignore", invalid="ignore"):
            self.show_loss(scene.loss)
            g = sample_graphs(scene.w, scene.b, self._X, self._y, scene.loss)  # a, L per sample
        a, L = g["a"], g["L"]
        for k, sc in enumerate(self.scatters):
            sel = self._y == k
            sc.setData(a[sel], L[sel])
        i = lesson.chosen_sample(self.data, scene)
        with np.errstate(over="ignore", invalid="ignore"):
            chosen = sample_graph(
                scene.w, scene.b, self.data.X[:, i], self.data.Y[0, i], scene.loss
            )
        self.chosen.setData([chosen["a"]], [chosen["L"]])
        floor = 4.0 if scene.loss == "cross_entropy" else 1.05  # the L2, L1 losses are ≤ 1
        top = min(max(floor, 1.1 * float(np.max(L, initial=0.0))), 1e6)
        if top > self._top or top < self._top / 2:  # grows in steps, does not jitter
            self._top = top
            self.plot.getPlotItem().setYRange(0, top, padding=0.02)


class LoopTab(QWidget):
    """The notes' two loops against one np.dot, live; and the loop, animated."""

    sampleStepped = Signal(int)  # the animation reached sample i (0-based)
    #: ms per stop while the loop goes one sample at a time, then while it leaps
    SLOW_MS = 250
    FAST_MS = 60

    def __init__(self, tasks: TaskInbox, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.compare_task = Task(tasks, "loop")
        self.partials_task = Task(tasks, "partials")
        self.report = QLabel("…")
        self.report.setObjectName("loopReport")
        self.report.setWordWrap(True)
        self.animate_button = QPushButton("Animate the loop")
        self.animate_button.setObjectName("animateLoop")
        self.animate_button.setToolTip(
            "step through i = 1 … m as the notes' for-loop does, each sample ringed in the "
            "views, then do it in one np.dot"
        )
        self.animate_button.clicked.connect(self.toggle_animation)
        self.progress = QLabel("")
        self.progress.setObjectName("loopProgress")
        self.progress.setWordWrap(True)
        self.shapes = QLabel()
        self.shapes.setObjectName("shapes")
        self.shapes.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.animate_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.report)
        layout.addLayout(row)
        layout.addWidget(self.progress)
        layout.addWidget(QLabel("<b>Shapes in the vectorized pass</b>"))
        layout.addWidget(self.shapes)
        layout.addStretch(1)
        self.timer = QTimer(self)
        self.timer.setObjectName("loopAnimation")
        self.timer.timeout.connect(self._tick)
        self.data: TrainingData | None = None
        self.scene: Scene | None = None
        self.comparison = None
        self._compared: object = None
        self._frames: list[tuple[int, tuple[np.ndarray, float]]] = []
        self._final: tuple[np.ndarray, float] | None = None
        self._animated = -1  # the iteration the animation's sums are of

    def bind(self, data: TrainingData) -> None:
        self.stop_animation()
        self.data = data
        self._compared = None
        self.comparison = None
        self.report.setText("timing the loop against np.dot …")
        self.progress.setText("")  # the last animation was of other data
        self.shapes.setText(lesson.shapes_html(data.X.shape[0], data.X.shape[1]))

    def draw(self, scene: Scene) -> None:
        if self.animating and self._animated != scene.iteration:
            self.stop_animation()  # its sums were of another iteration
            self.progress.setText("the loop stopped: another iteration is shown")
        self.scene = scene
        data = self.data
        if data is None:
            return
        key = (id(data), scene.w.tobytes(), scene.b)
        if key != self._compared and not self.compare_task.busy:
            self.compare_task.submit(
                key, compare_loop, scene.w, scene.b, data.X, data.Y, lesson.LOOP_LIMIT
            )

    def take(self, result: TaskResult) -> None:
        if result.name == "loop" and self.compare_task.answer(result):
            self._compared = self.compare_task.asked_for
            if result.error is not None:
                self.report.setText(f"the comparison failed: {result.error}")
                return
            self.comparison = result.value
            note = "" if self.scene is None else lesson.loop_scope(self.scene)
            self.report.setText(lesson.loop_report(result.value) + note)
            if self.scene is not None:
                self.draw(self.scene)  # the state moved meanwhile: time it again
        elif result.name == "partials" and self.partials_task.answer(result):
            if result.error is not None:
                self.progress.setText(f"the loop could not be computed: {result.error}")
                self.stop_animation()
                return
            stops, (sw, sb), final = result.value
            self._frames = [(int(s), (sw[k], float(sb[k]))) for k, s in enumerate(stops)]
            self._final = final
            self.timer.start(self.SLOW_MS)

    # -- the animation --------------------------------------------------------------------
    @property
    def animating(self) -> bool:
        return self.timer.isActive() or self.partials_task.busy

    def toggle_animation(self) -> None:
        if self.animating:
            self.stop_animation()
            return
        scene, data = self.scene, self.data
        if scene is None or data is None:
            return
        stops = lesson.animation_stops(data.X.shape[1])
        self.partials_task.submit(None, _loop_frames, scene, data, stops)
        self._animated = scene.iteration
        self.animate_button.setText("Stop")
        self.progress.setText(f"the loop at iteration {scene.iteration:,} …")

    def stop_animation(self) -> None:
        self.timer.stop()
        self.partials_task.busy = False
        self.partials_task.token = -1  # an answer still on its way is dropped
        self._frames = []
        self.animate_button.setText("Animate the loop")

    def _tick(self) -> None:
        if not self._frames or self.data is None:
            self.stop_animation()
            return
        stop, sums = self._frames.pop(0)
        m = self.data.X.shape[1]
        last = not self._frames
        self.progress.setText(lesson.loop_step_text(stop, m, sums, self._final if last else None))
        if stop > 0:
            self.sampleStepped.emit(stop - 1)
        self.timer.setInterval(self.SLOW_MS if stop < lesson.ANIMATION_SINGLE else self.FAST_MS)
        if last:
            self.timer.stop()
            self.animate_button.setText("Animate the loop")


def _loop_frames(scene: Scene, data: TrainingData, stops: np.ndarray):
    """(stops, running sums at each, np.dot's (dw, db)) for the animation (a task)."""
    w = scene.w.reshape(-1, 1)
    sums = loop_partials(w, scene.b, data.X, data.Y, stops)
    grads, _ = propagate(w, scene.b, data.X, data.Y)  # the vectorized pass, one np.dot
    return stops, sums, (grads["dw"].ravel(), float(grads["db"]))
