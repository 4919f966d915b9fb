"""The window's layout (panels in a grid, the scrubber, the control column) and its
About box."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDockWidget,
    QGridLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

EQUATIONS_HTML = """
<h3>gd-visualizer</h3>
<p>Logistic regression trained by batch gradient descent, exactly as in the course notes
(X is n<sub>x</sub>×m, one example per column):</p>
<pre>
Z  = wᵀX + b
A  = σ(Z) = 1 / (1 + e^(−Z))
J  = −(1/m) Σ [Y log A + (1 − Y) log(1 − A)]
dZ = A − Y
dw = (1/m) X dZᵀ
db = (1/m) Σ dZ
w  = w − α dw
b  = b − α db
</pre>
<p>Gradient descent is guaranteed not to diverge for α &lt; 8/λ<sub>max</sub>(X̃X̃ᵀ/m),
X̃ = X with a row of ones (sufficient, not necessary).</p>
"""


@dataclass
class Layout:
    central: QWidget
    column: QScrollArea
    plots: QWidget
    history_slider: QSlider
    history_label: QLabel


def build_layout(
    panels: dict, controls: QWidget, readout: QWidget, runs: QWidget | None = None
) -> Layout:
    """Panels two per row with the history scrubber below; controls and read-out on
    the right in a scroll area."""
    plots = QWidget()
    grid = QGridLayout(plots)
    grid.setContentsMargins(4, 4, 4, 4)
    grid.setSpacing(6)
    for k, panel in enumerate(panels.values()):
        grid.addWidget(panel, k // 2, k % 2)

    history_slider = QSlider(Qt.Orientation.Horizontal)
    history_slider.setObjectName("historySlider")
    history_slider.setRange(0, 0)
    history_slider.setToolTip(
        "Replay any recorded iteration; press Play to continue from the one shown"
    )
    history_label = QLabel("iteration 0")
    history_label.setMinimumWidth(150)
    scrub = QWidget()
    srow = QGridLayout(scrub)
    srow.setContentsMargins(8, 0, 8, 4)
    srow.addWidget(QLabel("History"), 0, 0)
    srow.addWidget(history_slider, 0, 1)
    srow.addWidget(history_label, 0, 2)
    left = QWidget()
    lv = QVBoxLayout(left)
    lv.setContentsMargins(0, 0, 0, 0)
    lv.addWidget(plots, 1)
    lv.addWidget(scrub)

    column = QWidget()
    pv = QVBoxLayout(column)
    pv.setContentsMargins(0, 0, 0, 0)
    pv.addWidget(controls)
    if runs is not None:
        pv.addWidget(runs)
    pv.addWidget(QLabel("<b>Read-out</b>"))
    pv.addWidget(readout)
    pv.addStretch(1)
    scroll = QScrollArea()
    scroll.setWidget(column)
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    split = QSplitter()
    split.addWidget(left)
    split.addWidget(scroll)
    split.setStretchFactor(0, 1)
    split.setStretchFactor(1, 0)
    split.setSizes([1100, 300])
    fit_column(scroll)
    return Layout(split, scroll, plots, history_slider, history_label)


def fit_column(scroll: QScrollArea) -> None:
    """The control column as wide as its content needs (after a text-size change too)."""
    bar = scroll.verticalScrollBar().sizeHint().width()
    scroll.setMinimumWidth(max(260, scroll.widget().minimumSizeHint().width() + bar + 4))


def add_dock(
    window: QMainWindow,
    panel: QWidget,
    title: str,
    name: str,
    area: Qt.DockWidgetArea = Qt.DockWidgetArea.BottomDockWidgetArea,
) -> QDockWidget:
    """A panel in a dock (below the views unless ``area`` says otherwise), hidden until
    something shows it."""
    dock = QDockWidget(title, window)
    dock.setObjectName(name)
    dock.setWidget(panel)
    dock.setAllowedAreas(Qt.DockWidgetArea.AllDockWidgetAreas)
    window.addDockWidget(area, dock)
    dock.hide()
    return dock


def show_about(parent: QWidget) -> None:
    box = QMessageBox(parent)
    box.setWindowTitle("About gd-visualizer")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(EQUATIONS_HTML)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
