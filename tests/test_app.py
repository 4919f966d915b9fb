"""The real window, driven with qtbot: four linked views steered mid-run by a worker."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QAbstractSlider, QComboBox, QFileDialog, QMessageBox, QPushButton

from gd_visualizer.core import BUILTIN_DATASETS, propagate
from gd_visualizer.qt import MainWindow
from gd_visualizer.qt.controls import slider_to_lr

WAIT = 15_000  # ms; generous for a loaded 2-core machine


@pytest.fixture
def win(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: len(w.history) >= 1, timeout=WAIT)
    return w


def slider(w, name) -> QAbstractSlider:
    s = w.findChild(QAbstractSlider, name)
    assert s is not None, name
    return s


def button(w, name) -> QPushButton:
    b = w.findChild(QPushButton, name)
    assert b is not None, name
    return b


def check_update_rule(w, h, lo=0, hi=None):
    X, Y = w.training_data
    hi = len(h) - 1 if hi is None else hi
    for i in range(lo, hi):
        grads, cost = propagate(h.weights[i].reshape(2, 1), h.biases[i], X, Y)
        assert cost == pytest.approx(h.costs[i], rel=1e-10)
        np.testing.assert_allclose(
            h.weights[i + 1], h.weights[i] - h.learning_rates[i] * grads["dw"].ravel(), rtol=1e-10
        )


def test_contract_object_names(win):
    for name in ("learningRateSlider", "iterationsSlider", "speedSlider", "historySlider"):
        assert isinstance(slider(win, name), QAbstractSlider)
    for name in ("playButton", "stepButton", "resetButton"):
        button(win, name)
    assert isinstance(win.findChild(QComboBox, "datasetCombo"), QComboBox)
    import pyqtgraph as pg

    for name in ("boundaryPlot", "costSurfacePlot", "sigmoidPlot", "costCurvePlot"):
        assert isinstance(win.findChild(pg.PlotWidget, name), pg.PlotWidget)
    assert win.dataset.name == "iris"
    X, Y = win.training_data
    assert X.shape == (2, 100) and Y.shape == (1, 100)
    np.testing.assert_allclose(X.mean(axis=1), 0, atol=1e-12)  # standardized by default


def _view_state(w):
    line = w.boundary_view.line.getData()
    sig = w.sigmoid_view.scatters[0].getData()
    path = w.surface_view.path.getData()
    curve = (w.cost_view.curve.xData, w.cost_view.curve.yData)  # all of it, not what is drawn
    return (
        np.copy(line[1]) if line[1] is not None else None,
        np.copy(sig[0]),
        0 if path[0] is None else len(path[0]),
        0 if curve[0] is None else len(curve[0]),
    )


@pytest.mark.parametrize("name", list(BUILTIN_DATASETS))
def test_train_each_dataset(qtbot, win, name):
    combo = win.findChild(QComboBox, "datasetCombo")
    combo.setCurrentIndex(combo.findData(name))
    qtbot.waitUntil(lambda: win.dataset.name == name and len(win.history) == 1, timeout=WAIT)
    slider(win, "iterationsSlider").setValue(300)
    slider(win, "speedSlider").setValue(slider(win, "speedSlider").maximum())
    before = _view_state(win)
    qtbot.mouseClick(button(win, "playButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(win.history) == 301, timeout=WAIT)
    qtbot.waitUntil(lambda: not win.is_playing, timeout=WAIT)
    # the views catch up at the next frame
    qtbot.waitUntil(lambda: win.readout.values["iteration"].text() == "300", timeout=WAIT)
    after = _view_state(win)
    h = win.history
    assert h.costs[-1] < h.costs[0]
    assert not np.array_equal(before[1], after[1])  # samples moved along the sigmoid
    assert after[2] > before[2] and after[3] == 301  # path and cost curve grew
    assert win.readout.values["iteration"].text() == "300"
    check_update_rule(win, h, 0, 20)


def test_learning_rate_change_mid_run(qtbot, win):
    slider(win, "iterationsSlider").setValue(100_000)
    slider(win, "speedSlider").setValue(50)  # 100 it/s: slow enough to steer
    lr_slider = slider(win, "learningRateSlider")
    lr_slider.setValue(100)
    old = slider_to_lr(100)
    qtbot.mouseClick(button(win, "playButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(win.history) > 10, timeout=WAIT)
    lr_slider.setValue(300)
    new = win.controls.learning_rate()
    assert new != pytest.approx(old)
    n_at_change = len(win.history)
    qtbot.waitUntil(lambda: len(win.history) > n_at_change + 10, timeout=WAIT)
    qtbot.mouseClick(button(win, "playButton"), Qt.MouseButton.LeftButton)  # pause
    qtbot.waitUntil(lambda: not win.controller.last.playing, timeout=WAIT)
    h = win.history
    rates = h.learning_rates[:-1]
    assert rates[0] == pytest.approx(old, rel=1e-3)
    switch = int(np.argmax(rates != rates[0]))
    assert switch > 0 and np.all(rates[switch:] == new)  # every later update used it
    assert switch <= n_at_change + 10  # within a few frames of the change (100 it/s)
    check_update_rule(win, h)


def test_iterations_slider_extends_and_ends_the_run(qtbot, win):
    it = slider(win, "iterationsSlider")
    it.setValue(50)
    slider(win, "speedSlider").setValue(slider(win, "speedSlider").maximum())
    win.play()
    qtbot.waitUntil(lambda: not win.is_playing and len(win.history) == 51, timeout=WAIT)
    it.setValue(120)  # raise: Play continues to the new budget
    win.play()
    qtbot.waitUntil(lambda: not win.is_playing and len(win.history) == 121, timeout=WAIT)
    slider(win, "speedSlider").setValue(50)
    it.setValue(100_000)
    win.play()
    qtbot.waitUntil(lambda: len(win.history) > 130, timeout=WAIT)
    it.setValue(1)  # below the current iteration: the run ends there
    qtbot.waitUntil(lambda: not win.controller.last.playing, timeout=WAIT)
    n = len(win.history)
    qtbot.wait(100)  # let any snapshot in flight arrive; nothing more may be trained
    assert len(win.history) == n and not win.is_playing


def test_step_scrub_and_branch(qtbot, win):
    for _ in range(5):
        qtbot.mouseClick(button(win, "stepButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(win.history) == 6, timeout=WAIT)
    slider(win, "iterationsSlider").setValue(40)
    slider(win, "speedSlider").setValue(slider(win, "speedSlider").maximum())
    win.play()
    qtbot.waitUntil(lambda: len(win.history) == 41 and not win.is_playing, timeout=WAIT)
    full = win.history
    hs = slider(win, "historySlider")
    qtbot.waitUntil(lambda: hs.maximum() == 40, timeout=WAIT)  # the views catch up next frame
    hs.setValue(10)  # scrub back: every view shows iteration 10
    assert win.readout.values["iteration"].text() == "10"
    w10, b10 = full.weights[10], full.biases[10]
    star = win.surface_view.current.getData()
    assert star[0][0] == pytest.approx(w10[0]) and star[1][0] == pytest.approx(w10[1])
    z = win.sigmoid_view.scatters[0].getData()[0]
    X, Y = win.training_data
    np.testing.assert_allclose(np.sort(z), np.sort((w10 @ X + b10)[Y[0] == 0]))
    hs.setValue(25)
    assert win.readout.values["iteration"].text() == "25"
    hs.setValue(10)
    # continue from iteration 10 with another rate: the old branch becomes a ghost
    slider(win, "learningRateSlider").setValue(350)
    win.play()
    qtbot.waitUntil(lambda: not win.is_playing and len(win.history) == 41, timeout=WAIT)
    h = win.history
    np.testing.assert_array_equal(h.weights[:11], full.weights[:11])
    assert not np.allclose(h.weights[20], full.weights[20])
    gx, _ = win.surface_view.ghost.getData()
    assert gx is not None and np.count_nonzero(np.isfinite(gx)) == 31
    check_update_rule(win, h)
    qtbot.mouseClick(button(win, "resetButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(win.history) == 1, timeout=WAIT)
    gx, _ = win.surface_view.ghost.getData()
    assert gx is None or len(gx) == 0


def test_reset_mid_run_draws_no_stale_snapshot(qtbot, win):
    slider(win, "iterationsSlider").setValue(100_000)
    slider(win, "speedSlider").setValue(80)
    win.play()
    qtbot.waitUntil(lambda: len(win.history) > 20, timeout=WAIT)
    generation = win.controller.generation
    win.reset()
    assert win.controller.generation == generation + 1
    qtbot.waitUntil(lambda: len(win.history) == 1, timeout=WAIT)
    qtbot.wait(100)
    assert len(win.history) == 1 and win.history.iterations[0] == 0
    assert win.controller.last.generation == win.controller.generation


def test_switch_dataset_mid_run(qtbot, win):
    slider(win, "iterationsSlider").setValue(100_000)
    slider(win, "speedSlider").setValue(80)
    win.play()
    qtbot.waitUntil(lambda: len(win.history) > 20, timeout=WAIT)
    combo = win.findChild(QComboBox, "datasetCombo")
    combo.setCurrentIndex(combo.findData("moons"))
    assert win.dataset.name == "moons"
    qtbot.waitUntil(lambda: len(win.history) == 1, timeout=WAIT)
    X, Y = win.training_data
    _, cost = propagate(np.zeros((2, 1)), 0.0, X, Y)
    assert win.history.costs[0] == pytest.approx(cost)


def test_close_mid_run(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    slider(w, "iterationsSlider").setValue(100_000)
    w.play()
    qtbot.waitUntil(lambda: len(w.history) > 5, timeout=WAIT)
    w.close()
    assert not w.controller.thread.isRunning()
    assert not w.controller.surface_thread.isRunning()


def test_click_on_surface_sets_start(qtbot, win):
    win.surface_view.startPicked.emit(1.5, -2.0)  # a click on the surface, paused
    qtbot.waitUntil(
        lambda: len(win.history) == 1 and win.history.weights[0][0] == 1.5, timeout=WAIT
    )
    assert win.history.weights[0].tolist() == [1.5, -2.0]
    win.step()
    qtbot.waitUntil(lambda: len(win.history) == 2, timeout=WAIT)
    win.reset()  # back to the picked start
    qtbot.waitUntil(lambda: len(win.history) == 1, timeout=WAIT)
    assert win.history.weights[0].tolist() == [1.5, -2.0]


def test_surface_slices_and_log_scale(qtbot, win):
    qtbot.waitUntil(lambda: win.surface_view.image.image is not None, timeout=WAIT)
    for key in ("w1-b", "w2-b", "w1-w2"):
        combo = win.findChild(QComboBox, "sliceCombo")
        combo.setCurrentIndex(combo.findData(key))
        qtbot.waitUntil(
            lambda k=key: (
                win.surface_view.plot.getPlotItem().titleLabel.text.startswith("Cost surface")
                and win.controller.surface_key == k
            ),
            timeout=WAIT,
        )
    win.cost_view.log_box.setChecked(True)
    win.cost_view.log_box.setChecked(False)


def _open(qtbot, monkeypatch, win, path):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    win.open_csv()


def test_open_good_csv(qtbot, monkeypatch, win, tmp_path):
    p = tmp_path / "flowers.csv"
    rows = [f"{1 + 0.1 * i},{2 + 0.05 * i},{'a' if i % 2 else 'b'}" for i in range(30)]
    p.write_text("len,wid,kind\n" + "\n".join(rows) + "\n")
    _open(qtbot, monkeypatch, win, p)
    assert win.load_progress.isVisible()  # loading happens on a thread, with an indicator
    qtbot.waitUntil(lambda: win.dataset.name == "flowers", timeout=WAIT)
    qtbot.waitUntil(lambda: not win.load_progress.isVisible(), timeout=WAIT)
    assert win.dataset.class_names == ("a", "b") and win.dataset.m == 30
    qtbot.waitUntil(lambda: len(win.history) == 1, timeout=WAIT)
    win.step()
    qtbot.waitUntil(lambda: len(win.history) == 2, timeout=WAIT)


def test_open_bad_csv_keeps_dataset(qtbot, monkeypatch, win, tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("a,b,y\n1,2,0\n3,oops,1\n5,6,1\n")
    _open(qtbot, monkeypatch, win, p)
    qtbot.waitUntil(lambda: win.findChild(QMessageBox, "errorDialog") is not None, timeout=WAIT)
    box = win.findChild(QMessageBox, "errorDialog")
    assert "line 3, column 'b'" in box.text() and str(p) in box.text()
    assert win.dataset.name == "iris"
    assert "line 3" in win.statusBar().currentMessage()
    box.close()


def test_open_three_class_csv_asks_for_classes(qtbot, monkeypatch, win, tmp_path):
    from gd_visualizer.qt.csv_dialog import CsvColumnsDialog

    p = tmp_path / "three.csv"
    kinds = ["x", "y", "z"]
    p.write_text("u,v,kind\n" + "".join(f"{i},{i % 5},{kinds[i % 3]}\n" for i in range(30)))
    _open(qtbot, monkeypatch, win, p)
    qtbot.waitUntil(lambda: win.findChild(CsvColumnsDialog) is not None, timeout=WAIT)
    dialog = win.findChild(CsvColumnsDialog)
    dialog.c0.setCurrentText("z")
    dialog.c1.setCurrentText("x")
    dialog.accept()
    qtbot.waitUntil(lambda: win.dataset.name == "three", timeout=WAIT)
    assert win.dataset.class_names == ("z", "x") and win.dataset.m == 20


def test_garbage_settings_fall_back_to_defaults(qtbot):
    s = QSettings("gd-visualizer", "gd-visualizer")
    for key, value in {
        "learning_rate": "banana",
        "iterations": "-5",
        "speed": "nan",
        "dataset": "nope",
        "n_samples": "1e99",
        "slice": 42,
        "geometry": "garbage",
    }.items():
        s.setValue(key, value)
    s.sync()
    w = MainWindow()
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: len(w.history) == 1, timeout=WAIT)
    assert w.dataset.name == "iris"
    assert w.controls.learning_rate() == pytest.approx(0.1)
    assert w.controls.iterations() == 1


def test_settings_are_remembered(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.controls.set_learning_rate(0.37)
    w.controls.set_iterations(777)
    combo = w.findChild(QComboBox, "datasetCombo")
    combo.setCurrentIndex(combo.findData("xor"))
    w.close()
    w2 = MainWindow()
    qtbot.addWidget(w2)
    assert w2.controls.learning_rate() == pytest.approx(0.37)
    assert w2.controls.iterations() == 777 and w2.dataset.name == "xor"


def test_stable_rate_is_offered_above_the_guaranteed_bound(qtbot, win):
    win.controls.standardize_check.setChecked(False)  # raw iris: a narrow guaranteed range
    qtbot.waitUntil(lambda: win.controller.last is not None, timeout=WAIT)
    stable = win.controller.last.stable_rate
    # the bound is 8/λmax(X̃X̃ᵀ/m), computed here independently
    X, _ = win.training_data
    Xt = np.vstack([X, np.ones(X.shape[1])])
    assert stable == pytest.approx(8 / np.linalg.eigvalsh(Xt @ Xt.T / X.shape[1])[-1])
    win.controls.lr_spin.setValue(0.5 * stable)
    win.step()
    qtbot.waitUntil(lambda: len(win.history) == 2, timeout=WAIT)
    assert not win.controls.stable_button.isEnabled()
    win.controls.lr_spin.setValue(50.0)  # far above the bound, yet not divergent
    win.step()
    qtbot.waitUntil(lambda: len(win.history) == 3, timeout=WAIT)
    assert win.controls.stable_button.isEnabled()
    win.controls.stable_button.click()
    assert win.controls.learning_rate() == pytest.approx(0.9 * stable, rel=1e-9)


def test_play_continues_after_a_non_finite_divergence_and_a_stable_rate(qtbot, win):
    """Features of 1e100 and α = 1e150: z overflows at the first update.  The run stops at
    the last finite state, says so, and after "Use a stable rate" Play goes on from there."""
    from gd_visualizer.core import Dataset

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, 40)) * 1e100
    Y = (X[0:1] > 0).astype(float)
    win.controls.standardize_check.setChecked(False)
    win.set_dataset(Dataset(X, Y, ("a", "b"), ("no", "yes"), name="huge"))
    win.controls.lr_spin.setValue(1e150)
    assert win.controls.learning_rate() == 1e150  # typed rates are neither clamped nor rounded
    win.play()
    qtbot.waitUntil(
        lambda: win.controller.last is not None and win.controller.last.divergence is not None,
        timeout=WAIT,
    )
    assert not win.is_playing and len(win.history) == 1
    assert "diverged" in win.statusBar().currentMessage().lower()
    win.play()  # says why it cannot go on, does not pretend
    assert not win.is_playing
    assert "non-finite" in win.statusBar().currentMessage()
    assert win.controls.stable_button.isEnabled()
    win.controls.stable_button.click()
    stable = win.controller.last.stable_rate
    assert win.controls.learning_rate() == pytest.approx(0.9 * stable)
    assert 0 < win.controls.learning_rate() < 1e-150
    win.play()
    qtbot.waitUntil(lambda: len(win.history) > 5, timeout=WAIT)
    win.pause()
    qtbot.waitUntil(lambda: not win.controller.last.playing, timeout=WAIT)
    assert win.controller.last.divergence is None
    assert "diverged" not in win.statusBar().currentMessage().lower()
    assert np.all(np.isfinite(win.history.costs))


def test_columns_button_reopens_the_picker_off_the_gui_thread(qtbot, monkeypatch, win, tmp_path):
    from gd_visualizer.qt.csv_dialog import CsvColumnsDialog

    p = tmp_path / "four.csv"
    p.write_text("u,v,t,kind\n" + "".join(f"{i},{i % 5},{i % 7},{i % 2}\n" for i in range(30)))
    _open(qtbot, monkeypatch, win, p)
    qtbot.waitUntil(lambda: win.dataset.name == "four", timeout=WAIT)
    assert win.dataset.feature_names == ("u", "v")
    win.controls.columns_button.click()
    qtbot.waitUntil(lambda: win.findChild(CsvColumnsDialog) is not None, timeout=WAIT)
    dialog = win.findChild(CsvColumnsDialog)
    dialog.f2.setCurrentText("t")
    dialog.accept()
    qtbot.waitUntil(lambda: win.dataset.feature_names == ("u", "t"), timeout=WAIT)


def test_switching_the_slice_while_paused_moves_the_descent_path(qtbot, win):
    """The descent path is always in the coordinates of the selected slice."""
    import pyqtgraph as pg

    for _ in range(8):
        win.step()
    qtbot.waitUntil(lambda: len(win.history) == 9, timeout=WAIT)
    plot = win.findChild(pg.PlotWidget, "costSurfacePlot")
    (path,) = [
        item
        for item in plot.getPlotItem().items
        if isinstance(item, pg.PlotDataItem) and item.name() == "descent path"
    ]
    combo = win.findChild(QComboBox, "sliceCombo")
    h = win.history
    for key, (xs, ys) in {
        "w1-b": (h.weights[:, 0], h.biases),
        "w2-b": (h.weights[:, 1], h.biases),
        "w1-w2": (h.weights[:, 0], h.weights[:, 1]),
    }.items():
        combo.setCurrentIndex(combo.findData(key))
        x, y = path.getData()
        np.testing.assert_array_equal(x, xs)
        np.testing.assert_array_equal(y, ys)


def test_run_keys_act_wherever_the_focus_is(qtbot, win):
    """Space, Right and R act on the run even from a focused spin box, and numbers can
    still be typed there."""
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=WAIT)
    spin = win.controls.lr_spin
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus, timeout=WAIT)
    spin.lineEdit().end(False)
    before = spin.value()
    qtbot.keyClick(spin, Qt.Key.Key_Right)  # the cursor is at the end: a step
    qtbot.waitUntil(lambda: len(win.history) == 2, timeout=WAIT)
    qtbot.keyClick(spin, Qt.Key.Key_Space)  # play
    assert win.is_playing and spin.value() == before and spin.text() != ""
    qtbot.keyClick(spin, Qt.Key.Key_Space)  # pause
    assert not win.is_playing
    qtbot.keyClick(spin, Qt.Key.Key_R)  # reset
    qtbot.waitUntil(lambda: len(win.history) == 1, timeout=WAIT)
    lr = win.controls.lr_spin
    lr.setFocus()
    lr.selectAll()
    qtbot.keyClicks(lr, "0.25")
    qtbot.keyClick(lr, Qt.Key.Key_Return)
    assert win.controls.learning_rate() == 0.25


def test_iterations_slider_drags_on_a_log_scale(qtbot, win):
    win.show()
    s = slider(win, "iterationsSlider")
    s.resize(400, s.height())
    qtbot.waitExposed(win)
    y = s.height() // 2
    qtbot.mousePress(s, Qt.MouseButton.LeftButton, pos=QPoint(200, y))
    qtbot.mouseRelease(s, Qt.MouseButton.LeftButton, pos=QPoint(200, y))
    middle = s.value()
    # half-way along the track is the geometric middle of 1 … 100 000, not 50 000
    assert 100 <= middle <= 1000 and win.controls.iterations() == middle
    qtbot.mousePress(s, Qt.MouseButton.LeftButton, pos=QPoint(212, y))
    qtbot.mouseRelease(s, Qt.MouseButton.LeftButton, pos=QPoint(212, y))
    assert 1.0 < s.value() / middle < 1.6  # a 12-pixel drag: a step of tens of per cent
    s.setValue(300)  # values are still the number of iterations
    assert win.controls.iterations() == 300
    # and it is drawn: its groove and handle are on screen (not a blank area)
    pixels = s.grab().toImage()
    colours = {pixels.pixel(x, s.height() // 2) for x in range(0, s.width(), 3)}
    assert len(colours) > 2


def test_a_large_built_in_dataset_is_made_off_the_gui_thread(qtbot, win):
    combo = win.findChild(QComboBox, "datasetCombo")
    combo.setCurrentIndex(combo.findData("moons"))
    assert win.dataset.name == "moons"
    win.controls.samples_spin.setValue(300_000)  # made on a loader thread
    assert win.load_progress.isVisible() and win.dataset.m == 200
    qtbot.waitUntil(lambda: win.dataset.m == 300_000, timeout=WAIT)
    qtbot.waitUntil(lambda: not win.load_progress.isVisible(), timeout=WAIT)
    # a slow load overtaken by a newer choice never replaces it
    win.controls.samples_spin.setValue(400_000)
    win.controls.samples_spin.setValue(150)
    assert win.dataset.m == 150
    qtbot.waitUntil(lambda: not win.load_progress.isVisible(), timeout=WAIT)
    assert win.dataset.m == 150


def test_closing_while_a_big_file_loads_cancels_the_load(qtbot, tmp_path):
    """The window closes at once: the loader is cancelled, not waited for."""
    path = tmp_path / "big.csv"
    path.write_bytes(b"a,b,y\n" + b"1.5,2.5,1\n0.5,-1.25,0\n" * 600_000)
    w = MainWindow(restore_settings=False)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: len(w.history) == 1, timeout=WAIT)
    w.load_csv_file(str(path))
    assert w.data_source.busy
    (loader, _thread), *_ = w.data_source._loaders
    w.close()  # returns after the loader noticed the cancel (a moment, not the file)
    assert not w.data_source.busy
    assert loader.outcome == "cancelled"
    assert w.dataset.name == "iris"  # the file never replaced the data


def test_columns_dialog_refuses_one_class_twice(qtbot, monkeypatch, win, tmp_path):
    from gd_visualizer.qt.csv_dialog import CsvColumnsDialog

    p = tmp_path / "three.csv"
    p.write_text("x,y,c\n" + "".join(f"{i},{i % 3},{'abc'[i % 3]}\n" for i in range(12)))
    _open(qtbot, monkeypatch, win, p)
    qtbot.waitUntil(lambda: win.findChild(CsvColumnsDialog) is not None, timeout=WAIT)
    dialog = win.findChild(CsvColumnsDialog)
    dialog.c0.setCurrentText("b")
    dialog.c1.setCurrentText("b")
    assert not dialog.ok_button.isEnabled() and "different classes" in dialog.problem.text()
    dialog.c1.setCurrentText("c")
    assert dialog.ok_button.isEnabled() and not dialog.problem.isVisibleTo(dialog)
    dialog.f2.setCurrentText(dialog.f1.currentText())
    assert not dialog.ok_button.isEnabled()
    dialog.reject()


def test_restore_defaults_forgets_remembered_settings(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.controls.set_learning_rate(0.37)
    w.controls.standardize_check.setChecked(False)
    w.close()
    w2 = MainWindow()
    qtbot.addWidget(w2)
    assert w2.controls.learning_rate() == pytest.approx(0.37)
    w2.restore_defaults()
    assert w2.controls.learning_rate() == pytest.approx(0.1)
    assert w2.controls.standardize_check.isChecked() and w2.dataset.name == "iris"
    w2.close()
    w3 = MainWindow()
    qtbot.addWidget(w3)
    assert w3.controls.learning_rate() == pytest.approx(0.1)


def test_a_tsv_file_on_the_command_line_is_loaded(qtbot, tmp_path):
    p = tmp_path / "data.tsv"
    p.write_text("len\twid\tkind\n" + "".join(f"{i}\t{i % 4}\t{i % 2}\n" for i in range(20)))
    w = MainWindow(dataset=str(p), restore_settings=False)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.dataset.name == "data" and len(w.history) == 1, timeout=WAIT)
    assert w.dataset.feature_names == ("len", "wid") and w.dataset.m == 20
    w.play()  # Play trains it
    qtbot.waitUntil(lambda: len(w.history) > 1, timeout=WAIT)
