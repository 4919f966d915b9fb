"""One step up close: the computation graph, the warm-up graph, the slope, the
per-example loss and the loop against np.dot, in one dockable panel.

The panel follows the shown iteration like every view (the window's frame drawer
calls :meth:`StepPanel.draw` at reading speed while it is visible); hidden, it
costs nothing: its tabs are built (and their modules imported) the first time the
panel is laid out, shown or one of them is asked for, not with the window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSignalBlocker, QSize, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...present import lesson

if TYPE_CHECKING:
    from ...model import TrainingData
    from ...present.scene import Scene
    from ..tasks import TaskInbox, TaskResult
    from .tabs import LoopTab, LossTab, SlopeTab
    from .warmup import WarmUp

__all__ = ["StepPanel"]

#: the tabs' titles, in the order of ``present.session.LESSON_PANELS``
TITLES = ("Computation graph", "Warm-up J = 3(a + bc)", "Slope", "Per-example loss",
          "Loop vs np.dot")  # fmt: skip


class GraphTab(QWidget):
    """The graph of the notes for sample i, or for all m samples with the update."""

    sampleChosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sample_spin = QSpinBox()
        self.sample_spin.setObjectName("sampleSpin")
        self.sample_spin.setRange(1, 1)
        self.sample_spin.setToolTip(
            "the sample followed (or click one in the data or sigmoid view)"
        )
        self.sample_spin.valueChanged.connect(lambda v: self.sampleChosen.emit(v - 1))
        self.all_samples = QCheckBox("all m samples")
        self.all_samples.setObjectName("allSamplesToggle")
        self.all_samples.setToolTip(
            "dw = (1/m) Σ dw⁽ⁱ⁾ over every sample, this sample's share, and the update "
            "w := w − α·dw with the numbers of the shown iteration"
        )
        self.all_samples.toggled.connect(lambda *_: self._redraw())
        self.header = QLabel("—")
        self.header.setObjectName("graphHeader")
        from .canvas import GraphCanvas

        self.canvas = GraphCanvas()
        self.footer = QLabel("")
        self.footer.setObjectName("graphFooter")
        self.footer.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(QLabel("Sample"))
        row.addWidget(self.sample_spin)
        row.addWidget(self.all_samples)
        row.addWidget(self.header, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.canvas, 1)
        legend = QLabel(
            "L(a, y) = −[y log a + (1 − y) log(1 − a)] · "
            "<span style='color:#1f5fbf'>forward pass: values</span> · "
            "<span style='color:#c62828'>backward pass: derivatives dvar = dL/dvar</span>"
        )
        legend.setWordWrap(True)
        layout.addWidget(legend)
        layout.addWidget(self.footer)
        self.data: TrainingData | None = None
        self.scene: Scene | None = None

    def bind(self, data: TrainingData) -> None:
        self.data = data
        self.scene = None  # of the old data: it waits for the new data's first scene
        with QSignalBlocker(self.sample_spin):
            self.sample_spin.setRange(1, data.X.shape[1])
            self.sample_spin.setValue(1)

    def draw(self, scene: Scene) -> None:
        self.scene = scene
        self._redraw()

    def _redraw(self) -> None:
        if self.data is None or self.scene is None:
            return
        texts = lesson.graph_texts(self.data, self.scene, self.all_samples.isChecked())
        i = lesson.chosen_sample(self.data, self.scene)
        if self.sample_spin.value() != i + 1:
            with QSignalBlocker(self.sample_spin):
                self.sample_spin.setValue(i + 1)
        self.header.setText(texts.header)
        self.canvas.show_texts(texts)
        self.footer.setText("\n".join(texts.footer))
        self.footer.setVisible(bool(texts.footer))


class StepPanel(QTabWidget):
    """The tabs of "one step up close"."""

    sampleChosen = Signal(int)  # the user chose sample i (0-based) here

    def __init__(self, tasks: TaskInbox, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("graphPanel")
        self._tasks = tasks
        self._scene: Scene | None = None
        self._data: TrainingData | None = None
        self._tabs: list[QWidget] | None = None  # built on first need (see _build)
        self._scrolls: list[QScrollArea] = []
        for title in TITLES:
            # scrolled, so that a low window (768 px) still fits the views and the panel
            scroll = QScrollArea()
            scroll.setWidget(QWidget())  # an empty page until the tab is built
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setMinimumHeight(120)
            self.addTab(scroll, title)
            self._scrolls.append(scroll)
        self.currentChanged.connect(lambda *_: self._redraw())
        for name in ("cut", "loop", "partials"):  # (the tabs' tasks)
            tasks.on(name, self._take)

    # -- the tabs, built when first needed ---------------------------------------------
    @property
    def tabs(self) -> list[QWidget]:
        if self._tabs is None:
            self._build()
        assert self._tabs is not None
        return self._tabs

    @property
    def graph(self) -> GraphTab:
        return self.tabs[0]  # type: ignore[return-value]

    @property
    def warmup(self) -> WarmUp:
        return self.tabs[1]  # type: ignore[return-value]

    @property
    def slope(self) -> SlopeTab:
        return self.tabs[2]  # type: ignore[return-value]

    @property
    def loss(self) -> LossTab:
        return self.tabs[3]  # type: ignore[return-value]

    @property
    def loop(self) -> LoopTab:
        return self.tabs[4]  # type: ignore[return-value]

    def _build(self) -> None:
        from .tabs import LoopTab, LossTab, SlopeTab
        from .warmup import WarmUp

        graph, loop = GraphTab(), LoopTab(self._tasks)
        self._tabs = [graph, WarmUp(), SlopeTab(self._tasks), LossTab(), loop]
        for scroll, tab in zip(self._scrolls, self._tabs, strict=True):
            scroll.setWidget(tab)  # (the empty page goes)
        graph.sampleChosen.connect(self.sampleChosen)
        loop.sampleStepped.connect(self.sampleChosen)
        if self._data is not None:
            self._bind_tabs(self._data)

    def sizeHint(self) -> QSize:
        self.tabs  # noqa: B018 (a layout asks before the panel is first shown)
        return super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        self.tabs  # noqa: B018
        return super().minimumSizeHint()

    def showEvent(self, event) -> None:
        self.tabs  # noqa: B018
        super().showEvent(event)

    # -- data and drawing ----------------------------------------------------------------
    def bind(self, data: TrainingData) -> None:
        self._scene = None  # the old data's scene is never drawn with the new data
        self._data = data
        if self._tabs is not None:
            self._bind_tabs(data)
        # the graph, slope, loss and loop follow the course's two-class logistic regression
        binary = data.classes == 2
        warmup = TITLES.index("Warm-up J = 3(a + bc)")
        for i in range(len(TITLES)):
            if i == warmup:
                continue
            self.setTabEnabled(i, binary)
            self.setTabToolTip(
                i, "" if binary else "Two classes only: these runs are softmax regression"
            )
        if not self.isTabEnabled(self.currentIndex()):
            self.setCurrentIndex(warmup)

    def _bind_tabs(self, data: TrainingData) -> None:
        for tab in (self.graph, self.slope, self.loss, self.loop):
            tab.bind(data)
            tab.scene = None

    def draw(self, scene: Scene) -> None:
        """Draw the shown tab only (the others draw when they are shown)."""
        self._scene = scene
        self._redraw()

    def _redraw(self) -> None:
        scene, data = self._scene, self._data
        if self._tabs is None or scene is None or data is None:
            return  # nothing built yet: the tabs draw the scene when they are built and shown
        tab = self._tabs[max(0, self.currentIndex())]
        if not hasattr(tab, "draw"):
            return
        if data.X.shape[1] == 0 or scene.w.size != data.X.shape[0]:
            return  # nothing drawn yet, or a scene of other features (they are on their way)
        tab.draw(scene)

    def _take(self, result: TaskResult) -> None:
        if self._tabs is None:
            return  # only the tabs ask for work: nothing here is theirs
        if result.name == "cut":
            self.slope.take(result)
        else:
            self.loop.take(result)
