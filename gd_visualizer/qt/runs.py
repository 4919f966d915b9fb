"""The runs panel: the raced runs in a table — colour, name, verdict, J — and the buttons
that add, duplicate, remove and sweep them.

It reads the race (``gd_visualizer.model.Race``) and says what the user asked for with
signals; the window wires them to the controller.  The sliders of the control panel act
on the run selected here.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..model import MAX_RUNS, OPTIMIZER_NAMES, Race
from ..present.scene import Scene

COLUMNS = ("Run", "Verdict")
#: the table shows this many rows without scrolling
ROWS_SHOWN = 5


def swatch(colour: str) -> QIcon:
    """A small square of the run's colour (its key in every view)."""
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


class RunsPanel(QGroupBox):
    """The runs of the race; the selected one is steered by the sliders."""

    runSelected = Signal(int)
    visibilityToggled = Signal(int, bool)
    addRequested = Signal(str)  # the optimizer of the new run
    duplicateRequested = Signal(int)
    removeRequested = Signal(int)
    sweepRequested = Signal()

    def __init__(self, race: Race, parent: QWidget | None = None) -> None:
        super().__init__("Runs (raced on one surface)", parent)
        self.setObjectName("runsPanel")
        self.race = race
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("runsTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        # a long name is elided (its tooltip is whole); the verdict is always whole
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        rows = self.table.verticalHeader()
        rows.setDefaultSectionSize(rows.fontMetrics().height() + 6)  # compact rows
        self.table.setToolTip(
            "Every run starts from the same point on the same data. Tick to show a run; "
            "select one to steer it with the sliders and follow it in the read-out."
        )
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.table.itemChanged.connect(self._on_item_changed)

        self.add_button = QToolButton()
        self.add_button.setObjectName("addRunButton")
        self.add_button.setText("Add")
        self.add_button.setToolTip("Race one more run at the selected run's rate")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.add_button)
        for key, name in OPTIMIZER_NAMES.items():
            action = QAction(name, menu)
            action.setObjectName(f"addRun_{key}")
            action.triggered.connect(lambda _=False, k=key: self.addRequested.emit(k))
            menu.addAction(action)
        self.add_button.setMenu(menu)
        self.duplicate_button = QPushButton("Duplicate")
        self.duplicate_button.setObjectName("duplicateRunButton")
        self.duplicate_button.setToolTip("A copy of the selected run (then change its settings)")
        self.duplicate_button.clicked.connect(
            lambda: self.duplicateRequested.emit(self.race.selected)
        )
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("removeRunButton")
        self.remove_button.clicked.connect(lambda: self.removeRequested.emit(self.race.selected))
        self.sweep_button = QPushButton("Rate sweep")
        self.sweep_button.setObjectName("rateSweepButton")
        self.sweep_button.setToolTip(
            "Race the selected run at α/10, α/3, α, 3α and 10α (one click, five runs)"
        )
        self.sweep_button.clicked.connect(self.sweepRequested)
        row = QHBoxLayout()
        row.setSpacing(4)
        buttons = (self.add_button, self.duplicate_button, self.remove_button, self.sweep_button)
        for button in buttons:
            row.addWidget(button)
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        column.setSpacing(4)
        column.addWidget(self.table)
        column.addLayout(row)
        self._costs: dict[int, float] = {}
        self.refresh()

    # -- drawing -----------------------------------------------------------------------
    def refresh(self) -> None:
        """The rows anew from the race (names, colours, verdicts, which is selected)."""
        runs = self.race.runs
        with QSignalBlocker(self.table):
            if self.table.rowCount() != len(runs):
                self.table.setRowCount(len(runs))
            for i, run in enumerate(runs):
                self._set(i, 0, run.name, run.colour, run.visible)
                cost = self._costs.get(run.key)
                shown = "" if cost is None else f" · J = {cost:.4g} at the iteration shown"
                self._set(i, 1, run.verdict, tip=f"{run.name}: {run.verdict}{shown}")
            self.table.selectRow(self.race.selected)
        rows = min(len(runs), ROWS_SHOWN)
        height = self.table.horizontalHeader().height() + 2 * self.table.frameWidth()
        height += sum(self.table.rowHeight(i) for i in range(rows))
        self.table.setFixedHeight(max(height, 60))
        self.remove_button.setEnabled(len(runs) > 1)
        full = len(runs) >= MAX_RUNS
        for button in (self.add_button, self.duplicate_button, self.sweep_button):
            button.setEnabled(not full)

    def _set(
        self, row: int, col: int, text: str, colour: str | None = None, shown=None, tip=None
    ) -> None:
        item = self.table.item(row, col)
        if item is None:
            item = QTableWidgetItem()
            flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
            if col == 0:
                flags |= Qt.ItemFlag.ItemIsUserCheckable
            item.setFlags(flags)
            self.table.setItem(row, col, item)
        if item.text() != text:
            item.setText(text)
        tip = text if tip is None else tip
        if item.toolTip() != tip:
            item.setToolTip(tip)
        if colour is not None and item.data(Qt.ItemDataRole.UserRole) != colour:
            item.setIcon(swatch(colour))
            item.setData(Qt.ItemDataRole.UserRole, colour)
        if shown is not None:
            state = Qt.CheckState.Checked if shown else Qt.CheckState.Unchecked
            if item.checkState() != state:
                item.setCheckState(state)

    def draw(self, scene: Scene) -> None:
        """Verdicts, and J of every run at the iteration shown in the tooltips (at reading
        speed, while visible)."""
        costs = {self.race.run.key: scene.cost}
        for t in scene.traces:
            costs[t.key] = float(t.costs[t.index])
        self._costs = costs
        self.refresh()

    def steer(self, controller, guard) -> None:
        """Wire the panel's intents to ``controller`` (each slot wrapped by ``guard``, which
        reports a failure instead of raising); it refreshes when the runs change."""
        ctl = controller

        def add(optimizer: str) -> None:  # at the selected run's rate, then selected
            run = ctl.run
            ctl.select_run(ctl.add_run(run.learning_rate, optimizer, run.batch_size))

        self.runSelected.connect(guard(ctl.select_run))
        self.visibilityToggled.connect(guard(ctl.set_run_visible))
        self.addRequested.connect(guard(add))
        self.duplicateRequested.connect(guard(lambda i: ctl.select_run(ctl.duplicate_run(i))))
        self.removeRequested.connect(guard(ctl.remove_run))
        self.sweepRequested.connect(guard(ctl.rate_sweep))
        ctl.runsChanged.connect(guard(self.refresh))

    # -- intents -----------------------------------------------------------------------
    def _on_selection(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.runSelected.emit(rows[0].row())

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() == 0:
            self.visibilityToggled.emit(item.row(), item.checkState() == Qt.CheckState.Checked)
