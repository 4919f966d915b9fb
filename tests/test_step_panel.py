"""One step up close, in the window: the graph follows the shown iteration and the
chosen sample, the slope's tangent touches the cut, the loop agrees with np.dot."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, Qt

from gd_visualizer.core import cost_cut, propagate, sample_graph, toy_graph
from gd_visualizer.present import lesson

WAIT = 20_000


@pytest.fixture
def win(qtbot, make_window):
    w = make_window(restore_settings=False)
    w.controller.set_budget(30)
    for _ in range(30):
        w.step()
    qtbot.waitUntil(lambda: len(w.history) == 31, timeout=WAIT)
    w.graph_action.trigger()  # View ▸ One step up close
    qtbot.waitUntil(lambda: w.step_panel.isVisible(), timeout=WAIT)
    return w


def _click_data_point(qtbot, plot: pg.PlotWidget, x: float, y: float) -> None:
    vb = plot.getPlotItem().vb
    scene_pos = vb.mapViewToScene(pg.Point(x, y))
    pos = plot.mapFromScene(scene_pos)
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(pos.x(), pos.y()))


def test_the_menu_shows_and_hides_the_panel(qtbot, make_window):
    w = make_window(restore_settings=False)
    assert not w.graph_dock.isVisible()
    w.graph_action.trigger()
    qtbot.waitUntil(lambda: w.graph_dock.isVisible(), timeout=WAIT)
    assert w.graph_dock.objectName() == "graphDock"
    assert w.step_panel.objectName() == "graphPanel"
    w.graph_action.trigger()
    qtbot.waitUntil(lambda: not w.graph_dock.isVisible(), timeout=WAIT)


def test_a_hidden_panel_is_not_drawn(qtbot, make_window, monkeypatch):
    w = make_window(restore_settings=False)
    drawn = []
    monkeypatch.setattr(w.step_panel, "draw", lambda scene: drawn.append(scene.index))
    w.step()
    qtbot.waitUntil(lambda: len(w.history) == 2, timeout=WAIT)
    w.drawer.draw_now()
    assert drawn == []
    w.show_step_panel()
    qtbot.waitUntil(lambda: w.step_panel.isVisible(), timeout=WAIT)
    w.drawer.draw_now()
    assert drawn and drawn[-1] == 1


def test_clicking_a_sample_follows_it_through_the_graph(qtbot, win):
    X, Y = win.training_data
    i = 17
    _click_data_point(qtbot, win.boundary_view.plot, X[0, i], X[1, i])
    qtbot.waitUntil(lambda: win.controller.view.sample == i, timeout=WAIT)
    scene = win.controller.scene()
    g = sample_graph(scene.w, scene.b, X[:, i], Y[0, i])
    tab = win.step_panel.graph
    qtbot.waitUntil(lambda: f"sample i = {i + 1} of" in tab.header.text(), timeout=WAIT)
    assert tab.sample_spin.value() == i + 1
    texts = tab.canvas.texts
    assert texts.backward["z"].endswith(lesson.fmt(g["dz"]))
    assert texts.backward["w2"].endswith(lesson.fmt(g["dw"][1, 0]))
    # ringed in the data view and on the sigmoid
    rx, ry = win.boundary_view.ring.getData()
    assert (rx[0], ry[0]) == (X[0, i], X[1, i])
    sx, sy = win.sigmoid_view.ring.getData()
    assert sx[0] == pytest.approx(g["z"]) and sy[0] == pytest.approx(g["a"])


def test_clicking_on_the_sigmoid_chooses_a_sample_too(qtbot, win):
    X, _ = win.training_data
    scene = win.controller.scene()
    z = scene.w @ X + scene.b
    i = int(np.argmax(z))  # the rightmost sample stands apart
    _click_data_point(qtbot, win.sigmoid_view.plot, z[i], 1 / (1 + np.exp(-z[i])))
    qtbot.waitUntil(lambda: win.controller.view.sample == i, timeout=WAIT)


def test_a_click_far_from_every_sample_changes_nothing(qtbot, win):
    win.controller.select_sample(4)
    x0, x1, y0, y1 = win.boundary_view._box
    _click_data_point(qtbot, win.boundary_view.plot, x1 - 1e-3 * (x1 - x0), y0 + 1e-3 * (y1 - y0))
    assert win.controller.view.sample == 4


def test_all_samples_mode_shows_the_update_that_the_run_made(qtbot, win):
    win.history_slider.setValue(10)
    tab = win.step_panel.graph
    tab.all_samples.setChecked(True)
    qtbot.waitUntil(lambda: "iteration 10" in tab.header.text(), timeout=WAIT)
    footer = tab.footer.text()
    h = win.history
    new_w1 = lesson.fmt(h.weights[11][0], 6)
    assert f"= {new_w1}" in footer, footer
    assert tab.footer.isVisible()


def test_the_warm_up_graph_and_its_nudges(qtbot, win):
    warm = win.step_panel.warmup
    win.step_panel.setCurrentIndex(1)
    for name, value in (("v", 3), ("u", 3), ("a", 3), ("b", 6), ("c", 9)):
        assert warm.derivs[name].text() == f"d{name} = {value}"
    button = warm.findChild(pg.QtWidgets.QPushButton, "nudge_b")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    text = warm.nudges["b"].text()
    assert "ΔJ = 0.006" in text and "db × 0.001 = 0.006" in text
    warm.spins["c"].setValue(-4.0)
    assert warm.derivs["b"].text() == f"db = {toy_graph(5, 3, -4)['db']:g}"


def test_the_slope_tab_draws_the_cut_and_its_tangent(qtbot, win):
    panel = win.step_panel
    panel.setCurrentIndex(2)
    slope = panel.slope
    qtbot.waitUntil(lambda: slope.curve.getData()[0] is not None, timeout=WAIT)
    scene = win.controller.scene()
    X, Y = win.training_data
    xs, J = slope.curve.getData()
    np.testing.assert_allclose(J, cost_cut(X, Y, scene.w, scene.b, 0, xs), rtol=1e-12)
    tx, ty = slope.tangent.getData()
    grads, _cost = propagate(scene.w.reshape(-1, 1), scene.b, X, Y)
    assert (ty[1] - ty[0]) / (tx[1] - tx[0]) == pytest.approx(grads["dw"][0, 0], rel=1e-9)
    # the tangent touches the curve at the point: near it they agree to second order
    near = np.abs(xs - scene.w[0]).argmin()
    assert np.interp(xs[near], tx, ty) == pytest.approx(J[near], abs=1e-3)
    # along b instead
    slope.combo.setCurrentIndex(2)
    qtbot.waitUntil(
        lambda: slope.curve.getData()[0][0] < scene.b < slope.curve.getData()[0][-1],
        timeout=WAIT,
    )
    assert "db" in slope.text.text()


def test_the_loss_tab_puts_each_sample_on_its_curve(qtbot, win):
    panel = win.step_panel
    panel.setCurrentIndex(3)
    qtbot.waitUntil(lambda: len(panel.loss.scatters[0].getData()[0]) > 0, timeout=WAIT)
    for k, sc in enumerate(panel.loss.scatters):
        a, L = sc.getData()
        expected = -np.log(a) if k == 1 else -np.log1p(-a)
        np.testing.assert_allclose(L, expected, rtol=1e-6)


def test_loop_against_np_dot_agrees_and_animates(qtbot, win, monkeypatch):
    panel = win.step_panel
    loop = panel.loop
    monkeypatch.setattr(loop, "SLOW_MS", 1)
    monkeypatch.setattr(loop, "FAST_MS", 1)
    panel.setCurrentIndex(4)
    qtbot.waitUntil(lambda: loop.comparison is not None, timeout=WAIT)
    assert loop.comparison.agree and "agree" in loop.report.text()
    assert loop.comparison.samples == win.training_data[0].shape[1]
    assert "(2, 100)" in loop.shapes.text()
    visited = []
    panel.sampleChosen.connect(visited.append)
    qtbot.mouseClick(loop.animate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "one np.dot" in loop.progress.text(), timeout=WAIT)
    assert visited[:3] == [0, 1, 2] and visited[-1] == 99
    assert win.controller.view.sample == 99
    scene = win.controller.scene()
    assert lesson.fmt(scene.db) in loop.progress.text()


def test_the_step_arrow_on_the_surface_is_minus_alpha_gradient(qtbot, win):
    win.history_slider.setValue(5)
    scene = win.controller.scene()
    xs, ys = win.surface_view.step_line.getData()
    assert (xs[0], ys[0]) == (scene.path_x[5], scene.path_y[5])
    assert xs[1] == pytest.approx(scene.path_x[6], rel=1e-12)
    assert ys[1] == pytest.approx(scene.path_y[6], rel=1e-12)
    assert win.surface_view.step_head.isVisible()


def test_the_loop_animation_stops_when_another_iteration_or_data_is_shown(qtbot, win):
    panel = win.step_panel
    loop = panel.loop
    panel.setCurrentIndex(4)
    qtbot.mouseClick(loop.animate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "for i = 1" in loop.progress.text(), timeout=WAIT)
    win.history_slider.setValue(3)
    qtbot.waitUntil(lambda: not loop.animating, timeout=WAIT)
    assert "another iteration" in loop.progress.text()
    qtbot.mouseClick(loop.animate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "for i = 1" in loop.progress.text(), timeout=WAIT)
    win.controls.dataset_combo.setCurrentIndex(win.controls.dataset_combo.findData("moons"))
    qtbot.waitUntil(lambda: win.training_data[0].shape[1] != 100, timeout=WAIT)
    assert not loop.animating and loop.progress.text() == ""
