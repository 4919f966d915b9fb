"""Pick the feature, label and class columns of a CSV file."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QWidget,
)

from ..core import CsvInfo

#: the third class combo's first entry: keep two classes (logistic regression)
TWO_CLASSES = "— (two classes)"


class CsvColumnsDialog(QDialog):
    """Non-blocking: open() it and listen to ``chosen`` (a CsvChoice).

    A label with more than two classes keeps two of them (logistic regression), or
    three when a third class is chosen too (softmax regression).
    """

    chosen = Signal(object)

    def __init__(self, info: CsvInfo, choice, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose columns")
        self.info = info
        self._choice_type = type(choice)
        form = QFormLayout(self)
        form.addRow(QLabel(f"<b>{info.path}</b>"))
        numeric = [c for c, n in zip(info.columns, info.numeric, strict=True) if n]
        self.f1 = QComboBox()
        self.f2 = QComboBox()
        self.f1.addItems(numeric)
        self.f2.addItems(numeric)
        self.label = QComboBox()
        self.label.addItems(list(info.columns))
        self.c0 = QComboBox()
        self.c1 = QComboBox()
        self.c2 = QComboBox()  # TWO_CLASSES, or the class kept as 2
        self.c2.setObjectName("thirdClassCombo")
        self.c2.setToolTip("Keep a third class too: softmax regression on three classes")
        form.addRow("Feature x1", self.f1)
        form.addRow("Feature x2", self.f2)
        form.addRow("Label column", self.label)
        form.addRow("Class → 0", self.c0)
        form.addRow("Class → 1", self.c1)
        form.addRow("Class → 2", self.c2)
        self.label.currentTextChanged.connect(self._fill_classes)
        label = choice.label or info.columns[-1]
        self.label.setCurrentText(label)
        feats = choice.features or tuple(c for c in numeric if c != label)[:2]
        if len(feats) == 2:
            self.f1.setCurrentText(feats[0])
            self.f2.setCurrentText(feats[1])
        self._fill_classes(self.label.currentText())
        if choice.classes:
            self.c0.setCurrentText(choice.classes[0])
            self.c1.setCurrentText(choice.classes[1])
            if len(choice.classes) > 2:
                self.c2.setCurrentText(choice.classes[2])
        self.problem = QLabel()
        self.problem.setObjectName("columnsProblem")
        self.problem.setStyleSheet("color: #B00020;")
        self.problem.setWordWrap(True)
        form.addRow(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.accepted.connect(self._emit)
        for combo in (self.f1, self.f2, self.label, self.c0, self.c1, self.c2):
            combo.currentTextChanged.connect(self._validate)
        self._validate()

    def _validate(self, *_args) -> None:
        """OK only for a choice that can be trained on; the reason otherwise."""
        f1, f2, label = self.f1.currentText(), self.f2.currentText(), self.label.currentText()
        problem = ""
        if not f1 or not f2:
            problem = "The file needs two numeric feature columns."
        elif f1 == f2:
            problem = "Choose two different feature columns."
        elif label in (f1, f2):
            problem = f"'{label}' cannot be both a feature and the label."
        elif self.c0.isEnabled() and self.c0.currentText() == self.c1.currentText():
            problem = "Choose two different classes."
        elif self._third() in (self.c0.currentText(), self.c1.currentText()):
            problem = "Choose three different classes (or no third class)."
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        self.ok_button.setEnabled(not problem)

    def _fill_classes(self, column: str) -> None:
        values = self.info.classes.get(column, ())
        for k, combo in enumerate((self.c0, self.c1)):
            combo.clear()
            combo.addItems(list(values))
            if len(values) > k:
                combo.setCurrentIndex(k)
        self.c2.clear()
        self.c2.addItem(TWO_CLASSES)
        self.c2.addItems(list(values))
        many = len(values) > 2
        self.c0.setEnabled(many)
        self.c1.setEnabled(many)
        self.c2.setEnabled(many)

    def _third(self) -> str | None:
        """The class kept as 2, or None for two classes."""
        if not self.c2.isEnabled() or self.c2.currentIndex() <= 0:
            return None
        return self.c2.currentText()

    def selection(self):
        classes = None
        if self.c0.isEnabled():
            classes = (self.c0.currentText(), self.c1.currentText())
            if (third := self._third()) is not None:
                classes = (*classes, third)
        return self._choice_type(
            self.info.path,
            features=(self.f1.currentText(), self.f2.currentText()),
            label=self.label.currentText(),
            classes=classes,
        )

    def _emit(self) -> None:
        self.chosen.emit(self.selection())
