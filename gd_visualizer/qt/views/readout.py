"""The numbers behind the pictures, with the course's formulas in tooltips."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

ROWS = [
    (
        "status",
        "verdict",
        "converged: ‖∇J‖ ≤ 1e-6; descending: still improving; oscillating: J rises and "
        "falls without settling; diverged: non-finite values or J growing without bound",
    ),
    ("iteration", "Iteration", "Number of gradient-descent updates applied so far"),
    ("cost", "J(w, b)", "J = −(1/m) Σ [y log a + (1 − y) log(1 − a)],  a = σ(wᵀx + b)"),
    ("w1", "w₁", "w = w − α·dw"),
    ("w2", "w₂", "w = w − α·dw"),
    ("crosses", "w₃, w₄, w₅", "the weights of the feature crosses x₁², x₂², x₁x₂ (w = w − α·dw)"),
    ("b", "b", "b = b − α·db"),
    ("dw", "dw", "dw = (1/m)·X·dZᵀ,  dZ = A − Y"),
    ("db", "db", "db = (1/m)·Σ dZ"),
    # softmax regression (three classes): a row of W and its b per class
    (
        "W",
        "W | b",
        "W = W − α·dW and b = b − α·db, a row per class: z = W x + b, A = softmax(Z) per column",
    ),
    ("dW", "dW | db", "dW = (1/m)·dZ·Xᵀ,  db = (1/m)·Σ dZ over the examples,  dZ = A − Y"),
    ("grad", "‖∇J‖", "‖∇J‖ = √(dw₁² + dw₂² + db²)"),
    ("lr", "learning rate α", "the step size α of w = w − α·dw"),
    ("acc", "training accuracy", "fraction of samples with (a > 0.5) = y"),
    (
        "raw",
        "in raw units",
        "with standardized features, the same boundary in the file's units:\n"
        "w_raw = w/σ,  b_raw = b − Σ w·μ/σ",
    ),
    (
        "stable",
        "stable rates",
        "guaranteed: gradient descent cannot diverge for α < 8/λmax(X̃X̃ᵀ/m) "
        "(the Hessian is bounded by ¼·X̃X̃ᵀ/m, X̃ = X with a row of ones) — sufficient, "
        "not necessary;\nlocally: below 2/λmax(H), H = (1/m)·X̃·diag(a(1−a))·X̃ᵀ the "
        "Hessian at the shown point, the iteration contracts there",
    ),
]


#: the rows whose formulas differ for softmax regression
TIPS_SOFTMAX = {
    "cost": "J = −(1/m) Σᵢ Σₖ yₖᵢ log aₖᵢ,  A = softmax(W X + b) per column",
    "grad": "‖∇J‖ = √(Σ dW² + Σ db²)",
    "acc": "fraction of samples whose largest aₖ is their class's",
}


class Readout(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("readout")
        form = QFormLayout(self)
        self.form = form
        form.setContentsMargins(4, 4, 4, 4)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.values: dict[str, QLabel] = {}
        for key, label, tip in ROWS:
            name = QLabel(label)
            value = QLabel("—")
            value.setObjectName(f"readout_{key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setStyleSheet("font-family: monospace;")  # the size follows the window's
            value.setMinimumWidth(self._value_width(value))
            value.setWordWrap(key in ("W", "dW"))  # a row per class: wrapped at " | " if long
            name.setToolTip(tip)
            value.setToolTip(tip)
            form.addRow(name, value)
            self.values[key] = value

    @staticmethod
    def _value_width(label: QLabel) -> int:
        """Room for the longest value, "(-0.0003513, -0.0003893)", in the label's font."""
        font = label.font()
        font.setFamily("monospace")
        return QFontMetrics(font).horizontalAdvance("(-0.0003513, -0.0003893)") + 4

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # View ▸ Larger text
            for value in self.values.values():
                value.setMinimumWidth(self._value_width(value))

    def set_classes(self, K: int) -> None:
        """The formulas of the model trained: logistic regression, or softmax for K > 2."""
        tips = dict(TIPS_SOFTMAX if K > 2 else {key: tip for key, _, tip in ROWS})
        for key, tip in tips.items():
            self.values[key].setToolTip(tip)
            self.form.labelForField(self.values[key]).setToolTip(tip)
        self.form.labelForField(self.values["cost"]).setText("J(W, b)" if K > 2 else "J(w, b)")

    def set(self, **texts: str) -> None:
        """The values (a row whose text is empty is hidden: the crosses' without crosses)."""
        for key, text in texts.items():
            label = self.values[key]
            if label.text() != text:
                label.setText(text)
                self.form.setRowVisible(label, bool(text))
