"""Drawing and editing the data by hand (issue 15): points added and removed by clicks or
by add_point/remove_point, undo and redo, the runs continuing on the new data, CSV out."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from gd_visualizer.core import Trainer, load_csv
from gd_visualizer.model.points import drawn_dataset, with_point, without_point
from gd_visualizer.qt import MainWindow

WAIT = 20_000


@pytest.fixture
def win(qtbot):
    w = MainWindow(dataset="iris", learning_rate=0.5, iterations=30, restore_settings=False)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: len(w.history) == 1, timeout=WAIT)
    yield w
    w.shutdown()


def trained(w) -> bool:
    return not w.is_playing and len(w.history) == 31


def test_points_are_added_and_removed_in_the_datasets_units(qtbot, win):
    before = win.dataset
    win.play()
    qtbot.waitUntil(lambda: trained(win), timeout=WAIT)
    raw_before = win.controller.run.data.raw_coefficients(win.history.weights[-1],
                                                          win.history.biases[-1])  # fmt: skip
    win.add_point(5.0, 1.7, 1)
    qtbot.waitUntil(lambda: win.dataset.m == 101 and len(win.history) == 1, timeout=WAIT)
    np.testing.assert_array_equal(win.dataset.X[:, -1], [5.0, 1.7])
    assert win.dataset.Y[0, -1] == 1.0
    data = win.controller.run.data
    np.testing.assert_allclose(
        data.X[:, -1], data.standardization.apply(np.array([[5.0], [1.7]]))[:, 0]
    )
    # the run goes on from where it was: the same boundary in the file's units
    raw_after = data.raw_coefficients(win.history.weights[0], win.history.biases[0])
    np.testing.assert_allclose(raw_after[0], raw_before[0], rtol=1e-9)
    assert raw_after[1] == pytest.approx(raw_before[1], rel=1e-9)
    win.play()
    qtbot.waitUntil(lambda: trained(win), timeout=WAIT)
    X, Y = win.training_data
    t = Trainer(X, Y, w=win.history.weights[0], b=win.history.biases[0], learning_rate=0.5,
                num_iterations=30)  # fmt: skip
    t.run(30)
    np.testing.assert_array_equal(win.history.weights, t.view().weights)
    t.close()
    win.remove_point(0)
    qtbot.waitUntil(lambda: win.dataset.m == 100, timeout=WAIT)
    np.testing.assert_array_equal(win.dataset.X[:, 0], before.X[:, 1])
    win.undo_edit()
    qtbot.waitUntil(lambda: win.dataset.m == 101, timeout=WAIT)
    win.undo_edit()
    qtbot.waitUntil(lambda: win.dataset.m == 100, timeout=WAIT)
    np.testing.assert_array_equal(win.dataset.X, before.X)
    win.redo_edit()
    qtbot.waitUntil(lambda: win.dataset.m == 101, timeout=WAIT)
    with pytest.raises(ValueError, match="finite"):
        win.add_point(float("nan"), 1.0, 0)
    with pytest.raises(ValueError, match="label"):
        win.add_point(1.0, 1.0, 2)
    with pytest.raises(ValueError, match="no sample 500"):
        win.remove_point(500)
    assert win.dataset.m == 101  # nothing lost


NO_KEYS = Qt.KeyboardModifier.NoModifier


def _click(w, x: float, y: float, button=Qt.MouseButton.LeftButton, mods=NO_KEYS):
    QTest.mouseClick(w.boundary_view.plot.viewport(), button, mods, _at(w, x, y))


def _at(w, x: float, y: float) -> QPoint:
    """The viewport pixel of (x, y) in the data view's units."""
    plot = w.boundary_view.plot
    p = plot.mapFromScene(plot.getPlotItem().vb.mapViewToScene(QPointF(x, y)))
    return QPoint(int(p.x()), int(p.y()))


def _start_drawing(qtbot, w) -> None:
    """The window shown at 1366×768 with the empty "draw" dataset."""
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    c = w.controls
    c.dataset_combo.setCurrentIndex(c.dataset_combo.findData("draw"))
    qtbot.waitUntil(lambda: w.dataset.m == 0, timeout=WAIT)


def test_drawing_from_empty_with_clicks(qtbot, win, tmp_path):
    _start_drawing(qtbot, win)
    c = win.controls
    assert win.boundary_view.editing and not c.standardize_check.isChecked()
    win.play()  # nothing to train on: a message, no crash
    assert "add points" in win.statusBar().currentMessage()
    _click(win, -1.0, -1.0)  # class 0 (the picker's default)
    qtbot.waitUntil(lambda: win.dataset.m == 1, timeout=WAIT)
    _click(win, 1.5, 1.0, mods=Qt.KeyboardModifier.ShiftModifier)  # the other class
    qtbot.waitUntil(lambda: win.dataset.m == 2, timeout=WAIT)
    win.boundary_view.class_combo.setCurrentIndex(1)
    _click(win, 2.0, 2.0)
    qtbot.waitUntil(lambda: win.dataset.m == 3, timeout=WAIT)
    np.testing.assert_allclose(win.dataset.X, [[-1.0, 1.5, 2.0], [-1.0, 1.0, 2.0]], atol=0.08)
    np.testing.assert_array_equal(win.dataset.Y, [[0.0, 1.0, 1.0]])
    _click(win, 1.5, 1.0, button=Qt.MouseButton.RightButton)  # removes the nearest
    qtbot.waitUntil(lambda: win.dataset.m == 2, timeout=WAIT)
    np.testing.assert_allclose(win.dataset.X, [[-1.0, 2.0], [-1.0, 2.0]], atol=0.08)
    win.play()
    qtbot.waitUntil(lambda: trained(win), timeout=WAIT)
    # saved as CSV, read back the same
    path = tmp_path / "drawn.csv"
    with qtbot.waitSignal(win.editor.saved, timeout=WAIT):
        win.editor.save_csv(path)
    back = load_csv(str(path))
    np.testing.assert_array_equal(back.X, win.dataset.X)
    np.testing.assert_array_equal(back.Y, win.dataset.Y)


def test_edits_are_pure():
    ds = drawn_dataset()
    one = with_point(ds, 1.0, 2.0, 1)
    assert ds.m == 0 and one.m == 1 and one.name == "drawn"
    two = with_point(one, -1.0, 0.0, 0)
    assert without_point(two, 1).X.tolist() == one.X.tolist()


def test_dragging_a_point_moves_it(qtbot, win):
    _start_drawing(qtbot, win)
    win.add_point(-1.0, -1.0, 0)
    win.add_point(1.0, 1.0, 1)
    qtbot.waitUntil(lambda: win.dataset.m == 2, timeout=WAIT)
    port = win.boundary_view.plot.viewport()

    def at(x, y):
        return _at(win, x, y)

    QTest.mousePress(port, Qt.MouseButton.LeftButton, NO_KEYS, at(1.0, 1.0))
    for k in range(1, 11):  # in steps, as a hand moves
        QTest.mouseMove(port, at(1.0 + 0.1 * k, 1.0 - 0.2 * k))
    QTest.mouseRelease(port, Qt.MouseButton.LeftButton, NO_KEYS, at(2.0, -1.0))
    qtbot.waitUntil(lambda: abs(win.dataset.X[0, 1] - 2.0) < 0.08, timeout=WAIT)
    np.testing.assert_allclose(win.dataset.X[:, 1], [2.0, -1.0], atol=0.08)
    np.testing.assert_array_equal(win.dataset.Y, [[0.0, 1.0]])  # the class stays
    win.undo_edit()
    qtbot.waitUntil(lambda: win.dataset.X[0, 1] == 1.0, timeout=WAIT)
