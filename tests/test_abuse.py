"""Numerics under abuse, export failures, and a stress run of the window."""

from __future__ import annotations

import errno

import numpy as np
import pytest

from gd_visualizer.core import Trainer, cost_from_z, make_dataset, propagate, stable_learning_rate


@pytest.mark.parametrize("lr", [1.0, 100.0, 1e4])
def test_huge_rates_and_features_never_give_nan(lr):
    ds = make_dataset("overlap", 200, seed=2)
    t = Trainer(ds.X * 1e6, ds.Y, learning_rate=lr, num_iterations=500)
    t.run(500)  # warnings are errors: any overflow warning fails here
    h = t.view()
    assert np.all(np.isfinite(h.costs)) and np.all(np.isfinite(h.weights))
    assert np.all(h.costs >= 0)


def test_separable_data_cost_goes_to_zero_without_noise():
    ds = make_dataset("blobs", 100, noise=0.2, seed=0)  # far apart: separable
    t = Trainer(ds.X, ds.Y, learning_rate=50.0, num_iterations=3000)
    t.run(3000)
    c = t.view().costs
    assert np.all(c >= 0) and np.all(np.isfinite(c)) and c[-1] < 1e-6
    assert np.all(np.diff(c[100:]) <= 0)  # keeps falling, no rounding noise
    assert np.linalg.norm(t.w) > 10  # the weights grow without bound
    # the same cost as the exact formula, even though A rounds to 1
    _, exact = propagate(t.w, t.b, ds.X, ds.Y)
    assert t.cost == pytest.approx(exact, rel=1e-9)


@pytest.mark.parametrize(
    ("X", "Y"),
    [
        (np.array([[1.0], [2.0]]), np.array([[1.0]])),  # a single sample
        (np.zeros((2, 50)), np.r_[np.zeros(25), np.ones(25)].reshape(1, -1)),  # all-zero features
        (np.repeat([[1.0], [1.0]], 40, axis=1), np.r_[np.zeros(20), np.ones(20)].reshape(1, -1)),
    ],
    ids=["single-sample", "zero-features", "duplicates"],
)
def test_degenerate_data(X, Y):
    t = Trainer(X, Y, learning_rate=1.0, num_iterations=200)
    t.run(200)
    h = t.view()
    assert np.all(np.isfinite(h.costs)) and np.all(h.costs >= 0)
    assert np.isfinite(t.stable_learning_rate)


def test_stable_rate_bound_is_tight_enough():
    ds = make_dataset("overlap", 300, seed=1)
    X = ds.X * 30
    alpha = stable_learning_rate(X)
    below = Trainer(X, ds.Y, learning_rate=0.95 * alpha, num_iterations=400)
    below.run(400)
    assert not below.diverged
    far_above = Trainer(X, ds.Y, learning_rate=200 * alpha, num_iterations=2000)
    far_above.run(2000)
    # bounded oscillation is not divergence: the run goes on and says so
    assert far_above.status == "oscillating" and not far_above.diverged
    assert far_above.iteration == 2000 and np.all(np.isfinite(far_above.view().costs))


def test_cost_from_z_extremes():
    z = np.array([[-1e300, -1e5, 0.0, 1e5, 1e300]])
    for y in (0.0, 1.0):
        c = cost_from_z(z, np.full_like(z, y))
        assert np.isfinite(c) and c > 0


# -- export failures ----------------------------------------------------------------------


def _run():
    from gd_visualizer.present.record import RunRecord

    ds = make_dataset("moons", 100)
    t = Trainer(ds.X, ds.Y, learning_rate=0.5, num_iterations=30)
    t.run(30)
    return RunRecord(ds, ds.X, ds.Y, t.view(), standardized=False)


def test_full_disk_leaves_nothing_that_looks_complete(qtbot, tmp_path, monkeypatch):
    from gd_visualizer.present import files as files_module
    from gd_visualizer.qt.export_job import Export, ExportError, ExportSettings

    real_write = files_module._write_file
    calls = {"n": 0}

    def write(path, data):
        calls["n"] += 1
        if calls["n"] == 4:  # the disk fills up at the fourth file
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(path, data)

    monkeypatch.setattr(files_module, "_write_file", write)
    out = tmp_path / "full"
    job = Export(_run(), ExportSettings(out_dir=out, frames=8, size=(400, 300)))
    with pytest.raises(ExportError, match="No space left on device"):
        job.run_all()
    assert not (out / "animation.png").exists() and not (out / "run.json").exists()
    assert not list(out.glob("frame_*")) and not list(out.glob("*.part"))
    assert not out.exists()  # the folder it made is gone again


def test_folder_vanishing_mid_export(qtbot, tmp_path):
    import shutil

    from gd_visualizer.qt.export_job import Export, ExportError, ExportSettings

    out = tmp_path / "gone"
    job = Export(_run(), ExportSettings(out_dir=out, frames=10, size=(400, 300)))
    steps = job.steps()
    with pytest.raises(ExportError):
        for p in steps:
            if p.done == 3 and out.exists():
                shutil.rmtree(out)
    assert not (out / "animation.png").exists()


def test_export_json_is_not_written_when_apng_fails(qtbot, tmp_path, monkeypatch):
    from gd_visualizer.qt import export_job as export_module
    from gd_visualizer.qt.export_job import Export, ExportError, ExportSettings

    def broken(*args, **kwargs):
        raise ExportError("simulated failure while writing animation.png")

    monkeypatch.setattr(export_module, "write_apng", broken)
    out = tmp_path / "x"
    with pytest.raises(ExportError, match="simulated"):
        Export(_run(), ExportSettings(out_dir=out, frames=4, size=(400, 300))).run_all()
    assert not (out / "run.json").exists() and not list(out.glob("frame_*"))


# -- stress ---------------------------------------------------------------------------------


def test_stress_rapid_cycles_then_close_mid_run(qtbot, capfd):
    from PySide6.QtWidgets import QComboBox

    from gd_visualizer.qt import MainWindow

    rng = np.random.default_rng(12345)
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: len(w.history) == 1, timeout=15_000)
    combo = w.findChild(QComboBox, "datasetCombo")
    c = w.controls
    names = ["blobs", "overlap", "xor", "moons", "circles", "iris"]
    resets = 0
    for _cycle in range(100):
        action = rng.integers(0, 7)
        if action == 0:
            w.toggle_play()
        elif action == 1:
            w.step()
        elif action == 2:
            w.reset()
            resets += 1
        elif action == 3:
            combo.setCurrentIndex(combo.findData(names[rng.integers(0, len(names))]))
        elif action == 4:  # a slider storm: hundreds of changes at once
            for v in rng.integers(0, c.lr_slider.maximum(), 200):
                c.lr_slider.setValue(int(v))
        elif action == 5:
            for v in rng.integers(1, 100_000, 200):
                c.iter_slider.setValue(int(v))
            c.speed_slider.setValue(int(rng.integers(0, 101)))
        else:
            hs = w.history_slider
            if hs.maximum() > 0:
                hs.setValue(int(rng.integers(0, hs.maximum() + 1)))
        qtbot.wait(int(rng.integers(0, 15)))
        if action == 2:  # after a reset only the new run is drawn
            qtbot.waitUntil(lambda: len(w.history) >= 1, timeout=15_000)
            assert w.history.iterations[0] == 0
            last = w.controller.last
            assert last is None or last.generation == w.controller.generation
    h = w.history
    assert np.all(np.isfinite(h.costs))
    c.iter_slider.setValue(100_000)
    w.play()
    qtbot.wait(50)
    w.close()  # mid-run
    assert not w.controller.thread.isRunning() and not w.controller.surface_thread.isRunning()
    err = capfd.readouterr().err
    assert "QThread" not in err and "Traceback" not in err and "QTimer" not in err
    assert resets >= 5


def test_errors_in_a_view_or_the_worker_are_shown_not_raised(qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from gd_visualizer.core import trainer as trainer_module
    from gd_visualizer.qt import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: len(w.history) == 1, timeout=15_000)

    def broken_view(*args):
        raise RuntimeError("view exploded")

    monkeypatch.setattr(w.boundary_view, "show_state", broken_view)
    w.step()
    qtbot.waitUntil(lambda: "Drawing failed" in w.statusBar().currentMessage(), timeout=15_000)
    monkeypatch.undo()
    w.step()  # still usable
    qtbot.waitUntil(lambda: len(w.history) == 3, timeout=15_000)

    def broken_run(self, k=1):
        raise FloatingPointError("trainer exploded")

    monkeypatch.setattr(trainer_module.Trainer, "run", broken_run)
    w.step()
    qtbot.waitUntil(lambda: w.findChild(QMessageBox, "errorDialog") is not None, timeout=15_000)
    assert "trainer exploded" in w.findChild(QMessageBox, "errorDialog").text()
    monkeypatch.undo()
    n = len(w.history)
    w.step()  # the worker lives on
    qtbot.waitUntil(lambda: len(w.history) == n + 1, timeout=15_000)
