"""Three classes in the window and the exporter: softmax regression trained as the core
trains it, drawn as regions, bars and a surface over two entries of θ = (W, b) (issue 14)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gd_visualizer.core import Trainer, make_dataset, one_hot, softmax_propagate
from gd_visualizer.core.multiclass import softmax_columns, unpack_theta
from gd_visualizer.model import TrainingData
from gd_visualizer.qt import MainWindow

WAIT = 20_000
ROOT = Path(__file__).parents[1]


@pytest.fixture
def win(qtbot):
    w = MainWindow(dataset="iris3", learning_rate=1.0, iterations=120, restore_settings=False)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: len(w.history) == 1, timeout=WAIT)
    yield w
    w.shutdown()


def played(qtbot, win, n: int) -> None:
    win.play()
    qtbot.waitUntil(lambda: not win.is_playing and len(win.history) == n, timeout=WAIT)


def iris3() -> TrainingData:
    return TrainingData.from_dataset(make_dataset("iris3"), True)


def softmax_cost(theta: np.ndarray, data: TrainingData) -> float:
    """The cost from the core's checked function, θ unpacked by hand."""
    K, n_x = 3, data.X.shape[0]
    W = theta[: K * n_x].reshape(K, n_x)
    b = theta[K * n_x :].reshape(K, 1)
    return softmax_propagate(W, b, data.X, one_hot(data.Y, K))[1]


def test_the_window_trains_three_iris_species_as_the_trainer_does(qtbot, win):
    win.add_run(learning_rate=0.3, optimizer="adam")
    played(qtbot, win, 121)
    qtbot.waitUntil(lambda: all(len(r.history) == 121 for r in win.runs), timeout=WAIT)
    data = iris3()
    for run, (lr, opt) in zip(win.runs, [(1.0, "gd"), (0.3, "adam")], strict=True):
        t = Trainer(data.X, data.Y, learning_rate=lr, num_iterations=120, optimizer=opt,
                    classes=3)  # fmt: skip
        t.run(120)
        np.testing.assert_array_equal(run.history.weights, t.view().weights)
        np.testing.assert_array_equal(run.history.costs, t.view().costs)
        t.close()
    # the recorded cost is the softmax cross-entropy at the recorded θ
    theta = np.append(win.history.weights[-1], win.history.biases[-1])
    assert win.history.costs[-1] == pytest.approx(softmax_cost(theta, data), rel=1e-12)
    assert win.history.costs[0] == pytest.approx(np.log(3), rel=1e-12)  # θ = 0: A = 1/3


def test_regions_boundaries_and_bars_follow_the_model(qtbot, win):
    played(qtbot, win, 121)
    win.show()
    win.drawer.draw_now()
    data = iris3()
    theta = np.append(win.history.weights[-1], win.history.biases[-1])
    W, b = unpack_theta(theta, 3, 2)
    view = win.boundary_view
    # the region image: each pixel in its predicted class's colour
    img = view.image.image
    assert img.shape == (view._ys.size, view._xs.size, 3)
    gx, gy = np.meshgrid(view._xs, view._ys)
    predicted = np.argmax(W @ np.vstack([gx.ravel(), gy.ravel()]) + b, axis=0)
    from gd_visualizer.qt.views._style import REGION_COLORS

    # the hue: the largest channel pattern of each class's colour at the pixel
    colours = np.asarray(REGION_COLORS, dtype=float) - 250.0
    shade = img.reshape(-1, 3).astype(float) - 250.0
    nearest = np.argmax(shade @ colours.T / np.linalg.norm(colours, axis=1), axis=1)
    sure = np.max(softmax_columns(W @ np.vstack([gx.ravel(), gy.ravel()]) + b), axis=0) > 0.6
    assert np.mean(nearest.ravel()[sure] == predicted[sure]) > 0.99
    # the boundaries: where two classes' scores tie and beat the third
    bx, by = view.line.getData()
    assert bx is not None and len(bx) > 4
    Z = W @ np.vstack([bx, by]) + b
    top2 = np.sort(Z, axis=0)[-2:]
    assert np.max(top2[1] - top2[0]) < 0.05 * np.ptp(Z)
    # the bars: each sample's softmax(z), stacked in class order
    bars = win.sigmoid_view.bars
    A = softmax_columns(W @ data.X[:, bars.idx] + b)
    floor = np.zeros(bars.idx.size)
    for k, bar in enumerate(bars.bars):
        np.testing.assert_allclose(bar.opts["height"], A[k], rtol=1e-12)
        np.testing.assert_allclose(bar.opts["y0"], floor, atol=1e-12)
        floor += A[k]
    assert sorted(data.Y[0, bars.idx]) == list(data.Y[0, bars.idx])  # grouped by class
    wrong = np.argmax(A, axis=0) != data.Y[0, bars.idx]
    shown = bars.wrong.data["visible"]  # every bar has a mark; the wrong ones are drawn
    assert len(bars.wrong.data) == bars.idx.size and np.array_equal(shown, wrong)


def test_the_surface_is_softmax_cost_over_two_entries(qtbot, win):
    assert win.controller.view.slice_key == "W11-W12"
    assert win.surface_view.combo.count() == 36  # every pair of θ's 9 entries
    with qtbot.waitSignal(win.controller.surfaceReady, timeout=WAIT) as blocker:
        win.controller.set_slice("W21-b3")
    result = blocker.args[0]
    req = result.request
    assert req.spec.key == "W21-b3" and req.spec.classes == 3
    data = iris3()
    held = np.asarray(req.theta, dtype=float).copy()
    for j in range(0, len(req.ys), 37):
        for i in range(0, len(req.xs), 41):
            theta = held.copy()
            theta[req.spec.x_param], theta[req.spec.y_param] = req.xs[i], req.ys[j]
            assert result.J[j, i] == pytest.approx(softmax_cost(theta, data), rel=1e-10)


def test_the_model_controls_follow_the_class_count(qtbot, win):
    c = win.controls
    assert not c.loss_combo.isEnabled() and not c.crosses_check.isEnabled()
    assert "softmax" in c.loss_combo.toolTip()
    assert not win.boundary_view.edit_check.isEnabled()
    panel = win.step_panel
    assert [panel.isTabEnabled(i) for i in range(panel.count())] == [False, True, False,
                                                                      False, False]  # fmt: skip
    assert win.readout.values["W"].text().count("\n") == 2  # one row per class
    assert not win.readout.values["w1"].isVisibleTo(win.readout)
    c.dataset_combo.setCurrentIndex(c.dataset_combo.findData("iris"))
    qtbot.waitUntil(lambda: win.controller.classes == 2 and len(win.history) == 1,
                    timeout=WAIT)  # fmt: skip
    assert c.loss_combo.isEnabled() and c.crosses_check.isEnabled()
    assert all(panel.isTabEnabled(i) for i in range(panel.count()))
    assert win.controller.view.slice_key == "w1-w2" and win.surface_view.combo.count() == 3
    win.drawer.draw_now()
    assert win.readout.values["W"].text() == ""


def test_three_classes_from_l2_fall_back_to_cross_entropy(qtbot):
    w = MainWindow(dataset="blobs", learning_rate=0.5, iterations=20, restore_settings=False)
    qtbot.addWidget(w)
    try:
        qtbot.waitUntil(lambda: len(w.history) == 1, timeout=WAIT)
        c = w.controls
        c.loss_combo.setCurrentIndex(c.loss_combo.findData("l2"))
        c.dataset_combo.setCurrentIndex(c.dataset_combo.findData("blobs3"))
        qtbot.waitUntil(lambda: w.controller.classes == 3 and len(w.history) == 1,
                        timeout=WAIT)  # fmt: skip
        assert w.controller.race.loss == "cross_entropy"
        assert c.loss_combo.currentData() == "cross_entropy"
        played(qtbot, w, 21)
        assert w.runs[0].status.status in ("descending", "converged")
    finally:
        w.shutdown()


def test_export_of_three_classes(tmp_path):
    out = tmp_path / "out"
    args = [sys.executable, str(ROOT / "main.py"), "export", "--dataset", "iris3",
            "--learning-rate", "1", "--iterations", "60", "--frames", "3", "--size", "640x400",
            "--slice", "W12-b2", "--out", str(out)]  # fmt: skip
    run = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    s = json.loads((out / "run.json").read_text())
    data = iris3()
    t = Trainer(data.X, data.Y, learning_rate=1.0, num_iterations=60, classes=3)
    t.run(60)
    W, b = unpack_theta(np.append(t.w, t.b), 3, 2)
    assert "w" not in s and s["W"] == W.tolist() and s["b"] == b.ravel().tolist()
    assert s["classes"] == 3 and s["loss"] == "cross_entropy" and s["cost"] == t.cost
    assert s["accuracy"] == t.accuracy()
    t.close()
    for extra, said in ((["--loss", "l2"], "--loss l2"), (["--crosses"], "--crosses"),
                        (["--slice", "w1-w2"], "--slice 'w1-w2'")):  # fmt: skip
        bad = subprocess.run([*args[:-2], *extra, "--out", str(tmp_path / "b")],
                             capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
        assert bad.returncode == 2 and said in bad.stderr and "Traceback" not in bad.stderr
        assert not (tmp_path / "b").exists()


def test_a_session_of_three_classes_opens_as_saved(qtbot, win, tmp_path):
    win.add_run(learning_rate=0.1)
    win.controller.set_slice("W11-b1")
    played(qtbot, win, 121)
    path = tmp_path / "three.gdviz"
    assert win.save_session(str(path))
    w2 = MainWindow(dataset="blobs", restore_settings=False)
    qtbot.addWidget(w2)
    try:
        qtbot.waitUntil(lambda: len(w2.history) == 1, timeout=WAIT)
        assert w2.load_session(str(path))
        qtbot.waitUntil(lambda: w2.controller.classes == 3 and len(w2.runs) == 2
                        and all(len(r.history) == 121 for r in w2.runs), timeout=WAIT)  # fmt: skip
        for a, b in zip(win.runs, w2.runs, strict=True):
            np.testing.assert_array_equal(a.history.weights, b.history.weights)
        assert w2.controller.view.slice_key == "W11-b1"
    finally:
        w2.shutdown()


def test_the_chosen_sample_has_a_bar_among_many(qtbot):
    w = MainWindow(dataset="blobs3", restore_settings=False)
    qtbot.addWidget(w)
    try:
        w.controls.samples_spin.setValue(5000)
        qtbot.waitUntil(lambda: w.dataset.m == 5000 and len(w.history) == 1, timeout=WAIT)
        bars = w.sigmoid_view.bars
        assert bars.idx.size == 300
        chosen = int(np.setdiff1d(np.arange(5000), bars.idx)[7])  # a sample without a bar
        w.controller.select_sample(chosen)
        w.show()
        w.drawer.draw_now()
        at = bars.position(chosen)
        assert at is not None and w.sigmoid_view.ring.getData()[0].tolist() == [at[0]]
        k = int(np.flatnonzero(bars.idx == chosen)[0])
        Y = w.dataset.Y[0]
        assert Y[bars.idx[k]] == Y[chosen] and sorted(Y[bars.idx]) == list(Y[bars.idx])
    finally:
        w.shutdown()


def test_a_certain_softmax_costs_zero_not_minus_zero():
    W = np.array([[1e5, 0.0], [0.0, 1e5], [-1e5, -1e5]])
    X = np.array([[1.0, 0.0, -1.0], [0.0, 1.0, -1.0]])
    _, cost = softmax_propagate(W, np.zeros((3, 1)), X, one_hot([0, 1, 2], 3))
    assert cost == 0.0 and not np.signbit(cost)


def test_the_surface_keeps_its_colour_bar_in_a_small_window(qtbot, win):
    win.resize(1024, 768)
    win.show()
    win.controls.samples_spin.setValue(3000)
    c = win.controls
    c.dataset_combo.setCurrentIndex(c.dataset_combo.findData("blobs3"))
    qtbot.waitUntil(lambda: win.dataset.m == 3000 and len(win.history) == 1, timeout=WAIT)
    with qtbot.waitSignal(win.controller.surfaceReady, timeout=WAIT):
        win.controller.update_surface(force=True)
    win.drawer.draw_now()
    qtbot.waitUntil(lambda: "1,000 of 3,000" in win.surface_view.plot.getPlotItem().titleLabel.text,
                    timeout=WAIT)  # fmt: skip
    from PySide6.QtCore import QPoint

    view = win.surface_view
    plot, bar = view.plot, view.colorbar
    right = plot.mapFromScene(bar.mapRectToScene(bar.boundingRect()).bottomRight()).x()
    # the colour bar ends inside the surface's panel (a long title once widened the plot
    # past it, and the bar was cut off)
    in_window = plot.mapTo(win, QPoint(int(right), 0)).x()
    assert bar.isVisible() and in_window <= view.mapTo(win, QPoint(view.width(), 0)).x()
    # (fonts differ between machines: the title itself never asks for more width, and the
    # sample note has a line of its own)
    title = plot.getPlotItem().titleLabel
    assert title.minimumWidth() == 0 and "<br>" in title.text


def test_a_session_of_three_classes_with_another_loss_is_refused(tmp_path):
    from gd_visualizer.present.session import SessionError, read_session

    w_start = [0.0] * 8
    doc = {
        "format": "gd-visualizer session", "version": 1,
        "data": {"kind": "builtin", "name": "iris3", "samples": 150, "noise": None, "seed": 0},
        "settings": {"standardize": True, "crosses": False, "loss": "l2", "lambd": 0.0,
                     "speed": None, "slice": "W11-W12", "log_scale": False,
                     "through_end": False, "sample": 0},
        "start": {"w": w_start, "b": 0.0},
        "runs": [{"learning_rate": 1.0, "budget": 10, "optimizer": "gd", "batch_size": None,
                  "visible": True, "rates": []}],
        "selected": 0, "shown": None,
    }  # fmt: skip
    path = tmp_path / "l2.gdviz"
    path.write_text(json.dumps(doc))
    with pytest.raises(SessionError, match=r"settings\.loss: three classes"):
        read_session(path)
    doc["settings"]["loss"] = "cross_entropy"
    doc["settings"]["slice"] = "w1-w2"
    path.write_text(json.dumps(doc))
    with pytest.raises(SessionError, match=r"settings\.slice: no slice 'w1-w2'"):
        read_session(path)
