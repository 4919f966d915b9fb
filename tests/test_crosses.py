"""Feature crosses: x₁², x₂², x₁x₂ beside the two features — the core, the surface over any
two of w₁…w₅, b, and the window (issue 14)."""

from __future__ import annotations

import numpy as np
import pytest

from gd_visualizer.core import Trainer, make_dataset, propagate
from gd_visualizer.core.features import cross_features
from gd_visualizer.core.surface import (
    SurfaceRequest,
    compute_surface,
    slice_keys,
    slice_spec,
)
from gd_visualizer.model import TrainingData
from gd_visualizer.qt import MainWindow

WAIT = 20_000


def test_crosses_are_computed_and_standardized_like_the_features():
    ds = make_dataset("circles", 120, seed=4)
    data = TrainingData.from_dataset(ds, standardize=True, crosses=True)
    shown = ds.standardization().apply(ds.X)
    assert data.X.shape == (5, 120)
    np.testing.assert_array_equal(data.X[:2], shown)
    c = np.vstack([shown[0] ** 2, shown[1] ** 2, shown[0] * shown[1]])
    np.testing.assert_allclose(data.X[2:], (c - c.mean(1, keepdims=True)) / c.std(1, keepdims=True))
    np.testing.assert_allclose(cross_features(shown), c)
    # the map the boundary view uses gives the training features back
    np.testing.assert_allclose(data.features(shown), data.X)
    raw = TrainingData.from_dataset(ds, standardize=False, crosses=True)
    np.testing.assert_allclose(
        raw.X[2:], np.vstack([ds.X[0] ** 2, ds.X[1] ** 2, ds.X[0] * ds.X[1]])
    )
    assert data.weight_names[2:] == ("w₃ (x₁²)", "w₄ (x₂²)", "w₅ (x₁x₂)")
    assert data.raw_coefficients(np.ones(5), 0.0) is None  # no line in the file's units


def test_slices_of_five_weights():
    keys = slice_keys(5)
    assert len(keys) == 15 and keys[0] == "w1-w2" and keys[-1] == "w5-b"
    spec = slice_spec("w3-b", 5)
    assert (spec.x_param, spec.y_param, spec.held) == (2, 5, (0, 1, 3, 4))
    assert slice_keys(2) == ("w1-w2", "w1-b", "w2-b")
    with pytest.raises(KeyError):
        slice_spec("w3-b", 2)


@pytest.mark.parametrize("key", ["w1-w2", "w3-w5", "w4-b", "w2-w4"])
@pytest.mark.parametrize("lambd", [0.0, 2.0])
def test_the_surface_over_any_two_weights_is_propagates_cost(key, lambd):
    data = TrainingData.from_dataset(make_dataset("xor", 150), True, True)
    spec = slice_spec(key, 5)
    theta = np.array([0.3, -0.7, 1.1, 0.4, -2.0, 0.25])
    xs, ys = np.linspace(-3, 3, 7), np.linspace(-2, 2, 5)
    req = SurfaceRequest(0, data.X, data.Y, spec, xs, ys, theta[spec.fixed_param],
                         "cross_entropy", lambd, theta)  # fmt: skip
    J = compute_surface(req).J
    for j, i in [(0, 0), (2, 3), (4, 6)]:
        t = theta.copy()
        t[spec.x_param], t[spec.y_param] = xs[i], ys[j]
        _, cost = propagate(t[:5].reshape(5, 1), t[5], data.X, data.Y, lambd=lambd)
        assert J[j, i] == pytest.approx(cost, rel=1e-12)


@pytest.fixture
def win(qtbot):
    w = MainWindow(dataset="circles", learning_rate=1.0, iterations=300, restore_settings=False)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: len(w.history) == 1, timeout=WAIT)
    yield w
    w.shutdown()


def accuracy(data: TrainingData, w, b) -> float:
    z = np.asarray(w).ravel() @ data.X + b
    return float(np.mean((z > 0) == (data.Y[0] > 0.5)))


def test_crosses_make_circles_learnable_in_the_window(qtbot, win):
    win.play()
    qtbot.waitUntil(lambda: not win.is_playing and len(win.history) == 301, timeout=WAIT)
    flat = win.controller.run.data
    line = accuracy(flat, win.history.weights[-1], win.history.biases[-1])
    win.controls.crosses_check.setChecked(True)
    qtbot.waitUntil(lambda: win.training_data[0].shape[0] == 5 and len(win.history) == 1,
                    timeout=WAIT)  # fmt: skip
    assert win.surface_view.combo.count() == 15
    win.play()
    qtbot.waitUntil(lambda: not win.is_playing and len(win.history) == 301, timeout=WAIT)
    data = win.controller.run.data
    X, Y = win.training_data
    t = Trainer(X, Y, learning_rate=1.0, num_iterations=300)
    t.run(300)
    np.testing.assert_array_equal(win.history.weights, t.view().weights)
    t.close()
    curved = accuracy(data, win.history.weights[-1], win.history.biases[-1])
    assert line < 0.75 < 0.98 < curved  # a line cannot; the crosses can
    # the drawn boundary is where the model says z = 0 (to the grid's interpolation)
    win.show()
    win.drawer.draw_now()
    bx, by = win.boundary_view.line.getData()
    assert bx is not None and len(bx) > 20
    w, b = win.history.weights[-1], win.history.biases[-1]
    z = w @ data.features(np.vstack([bx, by])) + b
    assert np.max(np.abs(z)) < 0.05 * np.max(np.abs(w @ data.X + b))
    # every weight is read out; the crosses' row is hidden without crosses
    row = win.readout.values["crosses"]
    assert row.text().count(",") == 2 and row.isVisibleTo(win.readout)
    win.controller.set_slice("w3-w4")
    win.controls.crosses_check.setChecked(False)
    qtbot.waitUntil(lambda: win.training_data[0].shape[0] == 2, timeout=WAIT)
    assert win.controller.view.slice_key == "w1-w2" and win.surface_view.combo.count() == 3
    win.drawer.draw_now()
    qtbot.waitUntil(lambda: not win.readout.values["crosses"].isVisibleTo(win.readout),
                    timeout=WAIT)  # fmt: skip


def test_export_with_crosses(tmp_path):
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).parents[1]
    out = tmp_path / "out"
    args = [sys.executable, str(root / "main.py"), "export", "--dataset", "xor", "--crosses",
            "--learning-rate", "1", "--iterations", "40", "--frames", "3", "--size", "640x400",
            "--slice", "w3-w5", "--out", str(out)]  # fmt: skip
    run = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    s = json.loads((out / "run.json").read_text())
    assert s["crosses"] is True and len(s["w"]) == 5
    data = TrainingData.from_dataset(make_dataset("xor"), True, True)
    t = Trainer(data.X, data.Y, learning_rate=1.0, num_iterations=40)
    t.run(40)
    assert s["w"] == t.w.ravel().tolist() and s["cost"] == t.cost
    t.close()
    bad = subprocess.run(
        [*args[:5], *args[6:-2], "--out", str(tmp_path / "b")],  # --slice w3-w5 without crosses
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert bad.returncode == 2 and "need --crosses" in bad.stderr


def test_the_window_exports_a_crossed_run(qtbot, win, tmp_path):
    import json

    from gd_visualizer.present.record import ExportSettings
    from gd_visualizer.qt.export_job import Export

    win.controls.crosses_check.setChecked(True)
    qtbot.waitUntil(lambda: win.training_data[0].shape[0] == 5 and len(win.history) == 1,
                    timeout=WAIT)  # fmt: skip
    win.controller.set_slice("w4-b")
    win.play()
    qtbot.waitUntil(lambda: not win.is_playing and len(win.history) == 301, timeout=WAIT)
    record = win.run_record()
    assert record.crosses
    settings = ExportSettings(out_dir=tmp_path, frames=3, size=(640, 400), slice_key="w4-b")
    Export(record, settings).run_all()
    s = json.loads((tmp_path / "run.json").read_text())
    assert s["crosses"] is True and s["w"] == win.history.weights[-1].tolist()


def test_a_large_general_surface_is_sampled_and_says_so():
    """Other losses and crosses take the exact grid; over 10⁵ samples it averages J over a
    fixed subset (seconds, not minutes), says how many, and keeps λ/2m with the data's m."""
    from gd_visualizer.core import surface as surface_module
    from gd_visualizer.present.scene import surface_title

    data = TrainingData.from_dataset(make_dataset("xor", 100_000), True, True)
    spec = slice_spec("w1-w5", 5)
    theta = np.array([0.2, -0.1, 0.3, 0.4, -1.5, 0.1])
    xs, ys = np.linspace(-2, 2, 5), np.linspace(-3, 3, 5)
    plain = compute_surface(SurfaceRequest(0, data.X, data.Y, spec, xs, ys, 0.0,
                                           "cross_entropy", 0.0, theta))  # fmt: skip
    reg = compute_surface(SurfaceRequest(0, data.X, data.Y, spec, xs, ys, 0.0,
                                         "cross_entropy", 5.0, theta))  # fmt: skip
    assert plain.sampled == surface_module.GENERAL_SAMPLES
    for j, i in [(0, 0), (2, 2), (4, 1)]:
        t = theta.copy()
        t[0], t[4] = xs[i], ys[j]
        _, cost = propagate(t[:5].reshape(5, 1), t[5], data.X, data.Y)
        assert plain.J[j, i] == pytest.approx(cost, rel=0.05)  # a sample mean of J
        w2 = float(t[:5] @ t[:5])
        assert reg.J[j, i] - plain.J[j, i] == pytest.approx(5.0 / (2 * 100_000) * w2, rel=1e-9)
    title = surface_title(spec, 0.0, plain.sampled, data.X.shape[1])
    assert "J over 4,000 of 100,000 samples" in title


def test_the_step_panel_never_draws_old_scenes_on_new_features(qtbot, win):
    """Crosses on or off, or an empty drawing, while any tab of the step panel is shown:
    no tab draws a scene of the old features with the new data (pytest-qt fails the test on
    any exception in a slot)."""
    win.show()
    win.show_step_panel(True)
    qtbot.waitUntil(lambda: win.step_panel.isVisible(), timeout=WAIT)
    panel, c = win.step_panel, win.controls
    for tab in range(5):
        panel.setCurrentIndex(tab)
        c.crosses_check.setChecked(not c.crosses_check.isChecked())
        for other in range(5):  # at once, before the new data's first scene
            panel.setCurrentIndex(other)
        panel.setCurrentIndex(tab)
        n_x = 5 if c.crosses_check.isChecked() else 2
        qtbot.waitUntil(lambda n_x=n_x: len(win.history) == 1 and win.controller.n_x == n_x,
                        timeout=WAIT)  # fmt: skip
    c.dataset_combo.setCurrentIndex(c.dataset_combo.findData("draw"))
    qtbot.waitUntil(lambda: win.dataset.m == 0, timeout=WAIT)
    for tab in range(5):
        panel.setCurrentIndex(tab)
    win.controls.lambd_spin.setValue(2.0)
    for tab in range(5):
        panel.setCurrentIndex(tab)
