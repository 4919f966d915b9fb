"""The notes' warm-up graph J(a, b, c) = 3(a + bc): edit a, b, c, nudge any variable."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...core import toy_graph, toy_nudge

NUDGE = 1e-3
DEFAULTS = {"a": 5.0, "b": 3.0, "c": 2.0}
#: the rows: variable, its forward formula, its derivative's chain rule
ROWS = [
    ("v", "v = a + u", "dv = dJ/dv = 3"),
    ("u", "u = bc", "du = dJ/dv · dv/du = 3 · 1"),
    ("a", "a", "da = dJ/dv · dv/da = 3 · 1"),
    ("b", "b", "db = dJ/du · du/db = 3 · c"),
    ("c", "c", "dc = dJ/du · du/dc = 3 · b"),
]


class WarmUp(QWidget):
    """Forward values, derivatives and a nudge button per variable."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("warmUp")
        top = QHBoxLayout()
        top.addWidget(QLabel("J(a, b, c) = 3(a + bc):"))
        self.spins: dict[str, QDoubleSpinBox] = {}
        for name, value in DEFAULTS.items():
            spin = QDoubleSpinBox()
            spin.setObjectName(f"toy_{name}")
            spin.setRange(-1e6, 1e6)
            spin.setDecimals(3)
            spin.setValue(value)
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(self.refresh)
            top.addWidget(QLabel(f"{name} ="))
            top.addWidget(spin)
            self.spins[name] = spin
        top.addStretch(1)
        self.forward = QLabel()
        self.forward.setObjectName("toyForward")
        grid = QGridLayout()
        for col, head in enumerate(("", "forward", "backward (chain rule)", "", "nudge by 0.001")):
            grid.addWidget(QLabel(f"<b>{head}</b>"), 0, col)
        self.values: dict[str, QLabel] = {}
        self.derivs: dict[str, QLabel] = {}
        self.nudges: dict[str, QLabel] = {}
        for row, (name, formula, chain) in enumerate(ROWS, start=1):
            self.values[name] = QLabel()
            self.derivs[name] = QLabel()
            self.derivs[name].setStyleSheet("color: #c62828")
            self.nudges[name] = QLabel("—")
            self.nudges[name].setObjectName(f"toyNudge_{name}")
            button = QPushButton(f"nudge {name}")
            button.setObjectName(f"nudge_{name}")
            button.setToolTip(f"add {NUDGE} to {name} and see how much J changes")
            button.clicked.connect(lambda _=False, n=name: self.nudge(n))
            grid.addWidget(QLabel(formula), row, 0)
            grid.addWidget(self.values[name], row, 1)
            grid.addWidget(QLabel(chain), row, 2)
            grid.addWidget(self.derivs[name], row, 3)
            grid.addWidget(button, row, 4)
            grid.addWidget(self.nudges[name], row, 5)
        grid.setColumnStretch(5, 1)
        note = QLabel(
            "A derivative answers: for a little nudge in a variable, how much does J change? "
            "J changes by the derivative times the nudge."
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.forward)
        layout.addLayout(grid)
        layout.addWidget(note)
        layout.addStretch(1)
        self.refresh()

    def inputs(self) -> tuple[float, float, float]:
        return tuple(self.spins[k].value() for k in ("a", "b", "c"))  # type: ignore[return-value]

    def refresh(self, *_args) -> None:
        g = toy_graph(*self.inputs())
        self.forward.setText(f"u = bc = {g['u']:g},  v = a + u = {g['v']:g},  J = 3v = {g['J']:g}")
        for name, _formula, _chain in ROWS:
            self.values[name].setText(f"{name} = {g[name]:g}")
            self.derivs[name].setText(f"d{name} = {g['d' + name]:g}")
            self.nudges[name].setText("—")

    def nudge(self, name: str) -> None:
        """Show ΔJ for a nudge of 0.001 to ``name`` beside derivative × 0.001."""
        g = toy_graph(*self.inputs())
        before, after = toy_nudge(name, *self.inputs(), h=NUDGE)
        self.nudges[name].setText(
            f"J: {before:.6g} → {after:.6g}, ΔJ = {after - before:.6g} "
            f"≈ d{name} × 0.001 = {g['d' + name] * NUDGE:.6g}"
        )
        self.nudges[name].setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
