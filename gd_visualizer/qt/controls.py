"""The control panel: dataset, learning rate, iterations, speed and the run buttons."""

from __future__ import annotations

import math

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..core import DATASETS
from ..model import LOSS_NAMES, MAX_ITERATIONS, OPTIMIZER_NAMES

#: the exact formulas of each loss, in its tooltip (a = σ(wᵀx + b), averaged over the m samples)
LOSS_TIPS = {
    "cross_entropy": "J = −(1/m) Σ [y log a + (1 − y) log(1 − a)];  dz = a − y  (the course's)",
    "l2": "J = (1/m) Σ (a − y)²;  dz = 2(a − y)·a(1 − a)  (not convex in w, b: plateaus)",
    "l1": "J = (1/m) Σ |a − y|;  dz = sign(a − y)·a(1 − a)  (not convex in w, b: plateaus)",
}
#: the dataset entry that starts empty and is drawn by clicking
DRAW_CHOICE = "draw"
#: the λ slider: 0 at its left end, then 10^(v/10 − 3) — 0.00126 … 1000
LAMBDA_STEPS = 60


def slider_to_lambd(v: int) -> float:
    return 0.0 if v <= 0 else float(10 ** (v / 10 - 3))


def lambd_to_slider(lambd: float) -> int:
    if lambd <= 0:
        return 0
    return round(min(max((math.log10(lambd) + 3) * 10, 1), LAMBDA_STEPS))


#: the update rule of each optimizer, as its tooltip writes it (the course's second part)
OPTIMIZER_TIPS = {
    "gd": "w := w − α·dw",
    "momentum": "v := β₁v + (1−β₁)·dw;  w := w − α·v   (β₁ = 0.9)",
    "rmsprop": "s := β₂s + (1−β₂)·dw²;  w := w − α·dw/(√s + ε)   (β₂ = 0.999, ε = 1e-8)",
    "adam": "v, s as momentum and RMSProp;  v̂ = v/(1−β₁ᵗ), ŝ = s/(1−β₂ᵗ);  w := w − α·v̂/(√ŝ + ε)",
}

LR_MIN_EXP, LR_MAX_EXP = -4.0, 1.0  # the slider spans 10⁻⁴ … 10
LR_STEPS = 500
SPEED_STEPS = 100  # speed slider: 10^(4·v/100) it/s, the last step is "max"


def lr_to_slider(lr: float) -> int:
    v = (math.log10(lr) - LR_MIN_EXP) / (LR_MAX_EXP - LR_MIN_EXP) * LR_STEPS
    return round(min(max(v, 0), LR_STEPS))


def slider_to_lr(v: int) -> float:
    return float(10 ** (LR_MIN_EXP + (LR_MAX_EXP - LR_MIN_EXP) * v / LR_STEPS))


def slider_to_speed(v: int) -> float:
    """Iterations per second; ``inf`` at the top of the slider."""
    return math.inf if v >= SPEED_STEPS else float(10 ** (4.0 * v / SPEED_STEPS))


def speed_to_slider(its: float) -> int:
    if math.isinf(its):
        return SPEED_STEPS
    return round(min(max(math.log10(max(its, 1.0)) / 4.0 * SPEED_STEPS, 0), SPEED_STEPS - 1))


def speed_text(its: float) -> str:
    return "max" if math.isinf(its) else f"{its:,.0f} it/s" if its >= 10 else f"{its:.1f} it/s"


class LogSlider(QSlider):
    """A slider whose value is the number itself (1 … maximum) but whose track is
    logarithmic: a 12-pixel drag moves the value by a few per cent, not by thousands."""

    STEPS = 1000

    def _to_pos(self, value: int) -> int:
        lo, hi = max(1, self.minimum()), max(2, self.maximum())
        f = math.log(max(value, lo) / lo) / math.log(hi / lo)
        return round(f * self.STEPS)

    def _to_value(self, pos: float) -> int:
        lo, hi = max(1, self.minimum()), max(2, self.maximum())
        f = min(max(pos / self.STEPS, 0.0), 1.0)
        return round(lo * (hi / lo) ** f)

    def _option(self):
        from PySide6.QtWidgets import QStyleOptionSlider

        opt = QStyleOptionSlider()
        self.initStyleOption(opt)
        opt.minimum, opt.maximum = 0, self.STEPS
        opt.sliderPosition = opt.sliderValue = self._to_pos(self.value())
        return opt

    def paintEvent(self, _event) -> None:
        from PySide6.QtWidgets import QStyle, QStylePainter

        opt = self._option()
        # as QSlider::paintEvent does: initStyleOption leaves the parts to draw empty
        opt.subControls = QStyle.SubControl.SC_SliderGroove | QStyle.SubControl.SC_SliderHandle
        painter = QStylePainter(self)
        painter.drawComplexControl(QStyle.ComplexControl.CC_Slider, opt)

    def _value_at(self, x: float) -> int:
        from PySide6.QtWidgets import QStyle

        opt = self._option()
        style = self.style()
        groove = style.subControlRect(
            QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderGroove, self
        )
        handle = style.subControlRect(
            QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderHandle, self
        )
        span = max(1, groove.width() - handle.width())
        pos = (x - groove.x() - handle.width() / 2) / span * self.STEPS
        return self._to_value(pos)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.setSliderDown(True)
            self.setValue(self._value_at(event.position().x()))
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self.isSliderDown():
            self.setValue(self._value_at(event.position().x()))
            event.accept()
        else:
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self.isSliderDown():
            self.setSliderDown(False)
            event.accept()
        else:
            super().mouseReleaseEvent(event)


class RateSpinBox(QDoubleSpinBox):
    """A learning rate typed as any positive number (1e-7, 250, 3.2e-150): shown with
    six significant digits, never rounded to a fixed number of decimals; the arrows
    step by a factor of 10^0.1."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(323)  # the value keeps every digit; the text shows six
        self.setRange(1e-300, 1e300)

    def textFromValue(self, value: float) -> str:
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        from PySide6.QtGui import QValidator

        t = text.strip()
        try:
            v = float(t)
        except ValueError:
            ok = t == "" or all(ch in "0123456789.eE+-" for ch in t)
            return (QValidator.State.Intermediate if ok else QValidator.State.Invalid, text, pos)
        if math.isfinite(v) and v > 0:
            return (QValidator.State.Acceptable, text, pos)
        return (QValidator.State.Intermediate, text, pos)

    def stepBy(self, steps: int) -> None:
        self.setValue(self.value() * 10 ** (0.1 * steps))


class Controls(QWidget):
    """Plain widgets and signals; the main window wires them to the controller."""

    learningRateChanged = Signal(float)
    iterationsChanged = Signal(int)
    speedChanged = Signal(float)
    datasetRequested = Signal()  # the built-in dataset settings changed
    standardizeChanged = Signal(bool)
    optimizerChanged = Signal(str)
    lossChanged = Signal(str)
    crossesChanged = Signal(bool)
    lambdChanged = Signal(float)
    batchSizeChanged = Signal(object)  # an int, or None for all m

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)

        # -- dataset -----------------------------------------------------------------
        data_box = QGroupBox("Dataset")
        data_column = QVBoxLayout(data_box)  # (word-wrapped text needs a box layout)
        form = QFormLayout()
        data_column.addLayout(form)
        self.dataset_combo = QComboBox()
        self.dataset_combo.setObjectName("datasetCombo")
        for name, text in DATASETS.items():
            self.dataset_combo.addItem(name, name)
            self.dataset_combo.setItemData(
                self.dataset_combo.count() - 1, text, Qt.ItemDataRole.ToolTipRole
            )
        self.dataset_combo.addItem("draw (click to add points)", DRAW_CHOICE)
        self.dataset_combo.setItemData(
            self.dataset_combo.count() - 1,
            "Start empty and draw: click in the data view to add points",
            Qt.ItemDataRole.ToolTipRole,
        )
        form.addRow("Data", self.dataset_combo)
        self.samples_spin = QSpinBox()
        self.samples_spin.setObjectName("samplesSpin")
        self.samples_spin.setRange(2, 1_000_000)
        self.samples_spin.setValue(200)
        self.samples_spin.setKeyboardTracking(False)
        self.samples_spin.setGroupSeparatorShown(True)
        form.addRow("Samples", self.samples_spin)
        self.noise_spin = QDoubleSpinBox()
        self.noise_spin.setObjectName("noiseSpin")
        self.noise_spin.setRange(0.0, 5.0)
        self.noise_spin.setSingleStep(0.05)
        self.noise_spin.setSpecialValueText("default")
        self.noise_spin.setValue(0.0)
        self.noise_spin.setKeyboardTracking(False)
        self.noise_spin.setToolTip("Spread of the Gaussian noise; 'default' uses the dataset's own")
        form.addRow("Noise", self.noise_spin)
        self.seed_spin = QSpinBox()
        self.seed_spin.setObjectName("seedSpin")
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setKeyboardTracking(False)
        form.addRow("Seed", self.seed_spin)
        self.standardize_check = QCheckBox("standardize features")
        self.standardize_check.setObjectName("standardizeCheck")
        self.standardize_check.setToolTip("Train on (x − mean)/std per feature")
        self.standardize_check.setChecked(True)
        form.addRow(self.standardize_check)
        row = QHBoxLayout()
        self.open_button = QPushButton("Open CSV…")
        self.open_button.setObjectName("openCsvButton")
        self.columns_button = QPushButton("Columns…")
        self.columns_button.setObjectName("columnsButton")
        self.columns_button.setToolTip(
            "Choose the feature, label and class columns of the CSV file"
        )
        self.columns_button.setEnabled(False)
        row.addWidget(self.open_button)
        row.addWidget(self.columns_button)
        form.addRow(row)
        self.data_info = QLabel("")
        self.data_info.setWordWrap(True)
        self.data_info.setStyleSheet("color: #555;")
        data_column.addWidget(self.data_info)
        layout.addWidget(data_box)

        # -- model --------------------------------------------------------------------
        model_box = QGroupBox("Model")
        mform = QFormLayout(model_box)
        self.loss_combo = QComboBox()
        self.loss_combo.setObjectName("lossCombo")
        for key, name in LOSS_NAMES.items():
            self.loss_combo.addItem(name, key)
            i = self.loss_combo.count() - 1
            self.loss_combo.setItemData(i, LOSS_TIPS[key], Qt.ItemDataRole.ToolTipRole)
        self.loss_combo.setToolTip(
            "The loss every run descends (a = σ(wᵀx + b)); changing it starts the runs afresh.\n"
            + "\n".join(f"{LOSS_NAMES[k]}: {tip}" for k, tip in LOSS_TIPS.items())
        )
        mform.addRow("Loss", self.loss_combo)
        self.lambd_slider = QSlider(Qt.Orientation.Horizontal)
        self.lambd_slider.setObjectName("lambdaSlider")
        self.lambd_slider.setRange(0, LAMBDA_STEPS)
        self.lambd_spin = QDoubleSpinBox()
        self.lambd_spin.setObjectName("lambdaSpin")
        self.lambd_spin.setRange(0.0, 1e6)
        self.lambd_spin.setDecimals(4)
        self.lambd_spin.setKeyboardTracking(False)
        tip = (
            "L2 regularization, as in the course: J + (λ/2m)·‖w‖² and dw + (λ/m)·w "
            "(b is not regularized). 0: none. Changing it starts the runs afresh."
        )
        for w in (self.lambd_slider, self.lambd_spin, self.loss_combo):
            w.setWhatsThis(tip)
        self.lambd_slider.setToolTip(tip)
        self.lambd_spin.setToolTip(tip)
        lambd_row = QHBoxLayout()
        lambd_row.addWidget(self.lambd_slider, 1)
        lambd_row.addWidget(self.lambd_spin)
        mform.addRow("L2 λ", lambd_row)
        self.crosses_check = QCheckBox("feature crosses x₁², x₂², x₁x₂")
        self.crosses_check.setObjectName("crossesCheck")
        self.crosses_check.setToolTip(
            "Train on five features: x₁, x₂ and x₁², x₂², x₁x₂ computed from them (standardized "
            "like them). The boundary σ = 0.5 can then curve: xor and circles become learnable."
        )
        mform.addRow(self.crosses_check)
        self._model_tips = {w: w.toolTip() for w in (self.loss_combo, self.crosses_check)}
        layout.addWidget(model_box)

        # -- training ----------------------------------------------------------------
        train_box = QGroupBox("Gradient descent")
        tform = QFormLayout(train_box)
        self.lr_slider = QSlider(Qt.Orientation.Horizontal)
        self.lr_slider.setObjectName("learningRateSlider")
        self.lr_slider.setRange(0, LR_STEPS)
        self.lr_slider.setToolTip("Learning rate α on a log scale, 10⁻⁴ … 10")
        self.lr_spin = RateSpinBox()
        self.lr_spin.setObjectName("learningRateSpin")
        self.lr_spin.setKeyboardTracking(False)
        self.lr_spin.setToolTip("α; type any value (the slider covers 10⁻⁴ … 10)")
        lr_row = QHBoxLayout()
        lr_row.addWidget(self.lr_slider, 1)
        lr_row.addWidget(self.lr_spin)
        tform.addRow("Learning rate α", lr_row)
        self.stable_button = QPushButton("Use a stable rate")
        self.stable_button.setObjectName("stableRateButton")
        self.stable_button.setEnabled(False)
        tform.addRow("", self.stable_button)

        self.iter_slider = LogSlider(Qt.Orientation.Horizontal)
        self.iter_slider.setObjectName("iterationsSlider")
        self.iter_slider.setRange(1, MAX_ITERATIONS)
        self.iter_slider.setSingleStep(10)
        self.iter_slider.setPageStep(1000)
        self.iter_slider.setToolTip(
            "Iteration budget of the run, 1 … 100 000 on a log scale (type any number)"
        )
        self.iter_spin = QSpinBox()
        self.iter_spin.setObjectName("iterationsSpin")
        self.iter_spin.setRange(1, MAX_ITERATIONS)
        self.iter_spin.setGroupSeparatorShown(True)
        self.iter_spin.setKeyboardTracking(False)
        it_row = QHBoxLayout()
        it_row.addWidget(self.iter_slider, 1)
        it_row.addWidget(self.iter_spin)
        tform.addRow("Iterations", it_row)

        self.optimizer_combo = QComboBox()
        self.optimizer_combo.setObjectName("optimizerCombo")
        for key, name in OPTIMIZER_NAMES.items():
            self.optimizer_combo.addItem(name, key)
            i = self.optimizer_combo.count() - 1
            self.optimizer_combo.setItemData(i, OPTIMIZER_TIPS[key], Qt.ItemDataRole.ToolTipRole)
        self.optimizer_combo.setToolTip(
            "The selected run's update rule (the same for b); changing it starts the run afresh"
        )
        self.batch_spin = QSpinBox()
        self.batch_spin.setObjectName("batchSizeSpin")
        self.batch_spin.setRange(0, 1_000_000)
        self.batch_spin.setSpecialValueText("all m")
        self.batch_spin.setGroupSeparatorShown(True)
        self.batch_spin.setKeyboardTracking(False)
        self.batch_spin.setToolTip(
            "Samples per update: all m (batch), 1 (stochastic) or any size between "
            "(each epoch shuffles); an iteration is one update. The curves show the cost "
            "on all the data."
        )
        tform.addRow("Optimizer", self.optimizer_combo)
        tform.addRow("Mini-batch", self.batch_spin)

        self.speed_slider = QSlider(Qt.Orientation.Horizontal)
        self.speed_slider.setObjectName("speedSlider")
        self.speed_slider.setRange(0, SPEED_STEPS)
        self.speed_slider.setToolTip("Iterations per second, 1 … 10 000, or as fast as it goes")
        self.speed_label = QLabel()
        self.speed_label.setMinimumWidth(80)
        sp_row = QHBoxLayout()
        sp_row.addWidget(self.speed_slider, 1)
        sp_row.addWidget(self.speed_label)
        tform.addRow("Speed", sp_row)

        buttons = QHBoxLayout()
        self.play_button = QPushButton("Play")
        self.play_button.setObjectName("playButton")
        self.play_button.setToolTip("Play / pause (Space)")
        self.step_button = QPushButton("Step")
        self.step_button.setObjectName("stepButton")
        self.step_button.setToolTip("One iteration (Right)")
        self.reset_button = QPushButton("Reset")
        self.reset_button.setObjectName("resetButton")
        self.reset_button.setToolTip("Back to the start point, history cleared (R)")
        for b in (self.play_button, self.step_button, self.reset_button):
            buttons.addWidget(b)
        tform.addRow(buttons)
        layout.addWidget(train_box)

        # wiring of the paired widgets
        self.lr_slider.valueChanged.connect(self._on_lr_slider)
        self.lr_spin.valueChanged.connect(self._on_lr_spin)
        self.iter_slider.valueChanged.connect(self._on_iter_slider)
        self.iter_spin.valueChanged.connect(self._on_iter_spin)
        self.speed_slider.valueChanged.connect(self._on_speed)
        self.loss_combo.currentIndexChanged.connect(
            lambda _i: self.lossChanged.emit(self.loss_combo.currentData())
        )
        self.lambd_slider.valueChanged.connect(self._on_lambd_slider)
        self.crosses_check.toggled.connect(self.crossesChanged)
        self.lambd_spin.valueChanged.connect(self._on_lambd_spin)
        self.optimizer_combo.currentIndexChanged.connect(
            lambda _i: self.optimizerChanged.emit(self.optimizer_combo.currentData())
        )
        self.batch_spin.valueChanged.connect(
            lambda v: self.batchSizeChanged.emit(None if v == 0 else int(v))
        )
        self.dataset_combo.currentIndexChanged.connect(lambda _i: self.datasetRequested.emit())
        self.samples_spin.valueChanged.connect(lambda _v: self.datasetRequested.emit())
        self.noise_spin.valueChanged.connect(lambda _v: self.datasetRequested.emit())
        self.seed_spin.valueChanged.connect(lambda _v: self.datasetRequested.emit())
        self.standardize_check.toggled.connect(self.standardizeChanged)
        self.layout_stretch = layout

    def show_run_state(self, playing: bool, status) -> None:
        """Play or Pause; "Use a stable rate" while α is above the guaranteed bound or the
        run stopped on non-finite values (``status``: a RunStatus or None)."""
        self.play_button.setText("Pause" if playing else "Play")
        above = status is not None and status.learning_rate > status.stable_rate
        stopped = status is not None and status.stopped is not None
        self.stable_button.setEnabled(bool(above or stopped))

    # -- settings ----------------------------------------------------------------------
    def show_data_settings(self, s) -> None:
        """Show remembered dataset settings (an AppSettings) without asking for data."""
        with (
            QSignalBlocker(self.dataset_combo),
            QSignalBlocker(self.samples_spin),
            QSignalBlocker(self.noise_spin),
            QSignalBlocker(self.seed_spin),
            QSignalBlocker(self.standardize_check),
        ):
            self.dataset_combo.setCurrentIndex(max(0, self.dataset_combo.findData(s.dataset)))
            self.samples_spin.setValue(s.n_samples)
            self.noise_spin.setValue(s.noise)
            self.seed_spin.setValue(s.seed)
            self.standardize_check.setChecked(s.standardize)

    def set_classes(self, K: int) -> None:
        """Three classes train by softmax regression: its cost is the cross-entropy, on
        the two features (the loss and crosses apply to two classes)."""
        why = (
            f"{K} classes: softmax regression on x₁, x₂ with its cross-entropy "
            "(the loss and crosses are for two classes)"
        )
        for w, tip in self._model_tips.items():
            w.setEnabled(K == 2)
            w.setToolTip(tip if K == 2 else why)
        if K > 2:
            with QSignalBlocker(self.loss_combo), QSignalBlocker(self.crosses_check):
                self.loss_combo.setCurrentIndex(self.loss_combo.findData("cross_entropy"))

    def show_file(self, key: str, name: str, path: str) -> None:
        """A loaded file in the data chooser (added once, then chosen)."""
        combo = self.dataset_combo
        with QSignalBlocker(combo):
            i = combo.findData(key)
            if i < 0:
                combo.addItem(f"file: {name}", key)
                i = combo.count() - 1
                combo.setItemData(i, path, Qt.ItemDataRole.ToolTipRole)
            combo.setCurrentIndex(i)
        for w in (self.samples_spin, self.noise_spin, self.seed_spin):
            w.setEnabled(False)
        self.columns_button.setEnabled(True)

    def show_dataset(self, name: str) -> None:
        with QSignalBlocker(self.dataset_combo):
            self.dataset_combo.setCurrentIndex(self.dataset_combo.findData(name))

    def data_settings(self, s):
        """``s`` (an AppSettings) with what these controls show."""
        data = self.dataset_combo.currentData()
        if data in DATASETS:
            s.dataset = data
        s.n_samples = self.samples_spin.value()
        s.noise = self.noise_spin.value()
        s.seed = self.seed_spin.value()
        s.standardize = self.standardize_check.isChecked()
        s.learning_rate = self.learning_rate()
        s.iterations = self.iterations()
        s.speed = self.speed()
        return s

    # -- values ------------------------------------------------------------------------
    def learning_rate(self) -> float:
        return float(self.lr_spin.value())

    def set_learning_rate(self, lr: float) -> None:
        with QSignalBlocker(self.lr_slider), QSignalBlocker(self.lr_spin):
            self.lr_slider.setValue(lr_to_slider(lr))
            self.lr_spin.setValue(lr)

    def iterations(self) -> int:
        return int(self.iter_spin.value())

    def set_iterations(self, n: int) -> None:
        with QSignalBlocker(self.iter_slider), QSignalBlocker(self.iter_spin):
            self.iter_slider.setValue(n)
            self.iter_spin.setValue(n)

    def set_model(self, loss: str, lambd: float) -> None:
        """Show the loss and λ the runs descend."""
        with (
            QSignalBlocker(self.loss_combo),
            QSignalBlocker(self.lambd_slider),
            QSignalBlocker(self.lambd_spin),
        ):
            self.loss_combo.setCurrentIndex(max(0, self.loss_combo.findData(loss)))
            self.lambd_slider.setValue(lambd_to_slider(lambd))
            self.lambd_spin.setValue(lambd)

    def _on_lambd_slider(self, v: int) -> None:
        with QSignalBlocker(self.lambd_spin):
            self.lambd_spin.setValue(slider_to_lambd(v))
        self.lambdChanged.emit(float(self.lambd_spin.value()))

    def _on_lambd_spin(self, lambd: float) -> None:
        with QSignalBlocker(self.lambd_slider):
            self.lambd_slider.setValue(lambd_to_slider(lambd))
        self.lambdChanged.emit(float(lambd))

    def set_optimizer(self, optimizer: str, batch_size: int | None) -> None:
        """Show the selected run's optimizer and mini-batch size (None: all m)."""
        with QSignalBlocker(self.optimizer_combo), QSignalBlocker(self.batch_spin):
            self.optimizer_combo.setCurrentIndex(max(0, self.optimizer_combo.findData(optimizer)))
            self.batch_spin.setValue(0 if batch_size is None else batch_size)

    def speed(self) -> float:
        return slider_to_speed(self.speed_slider.value())

    def set_speed(self, its: float) -> None:
        with QSignalBlocker(self.speed_slider):
            self.speed_slider.setValue(speed_to_slider(its))
        self.speed_label.setText(speed_text(self.speed()))

    def _on_lr_slider(self, v: int) -> None:
        lr = slider_to_lr(v)
        with QSignalBlocker(self.lr_spin):
            self.lr_spin.setValue(lr)
        self.learningRateChanged.emit(self.learning_rate())

    def _on_lr_spin(self, lr: float) -> None:
        with QSignalBlocker(self.lr_slider):
            self.lr_slider.setValue(lr_to_slider(lr))
        self.learningRateChanged.emit(float(lr))

    def _on_iter_slider(self, v: int) -> None:
        with QSignalBlocker(self.iter_spin):
            self.iter_spin.setValue(v)
        self.iterationsChanged.emit(int(v))

    def _on_iter_spin(self, v: int) -> None:
        with QSignalBlocker(self.iter_slider):
            self.iter_slider.setValue(v)
        self.iterationsChanged.emit(int(v))

    def _on_speed(self, v: int) -> None:
        self.speed_label.setText(speed_text(slider_to_speed(v)))
        self.speedChanged.emit(slider_to_speed(v))
