"""The model lab in the window: the loss switch and L2 regularization λ, with every run,
the surface and the step panel following (issue 14)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gd_visualizer.core import Trainer, loss_curves
from gd_visualizer.core.surface import cost_grid
from gd_visualizer.qt import MainWindow

WAIT = 20_000
ROOT = Path(__file__).parents[1]


@pytest.fixture
def win(qtbot):
    w = MainWindow(dataset="iris", learning_rate=1.0, iterations=40, restore_settings=False)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: len(w.history) == 1, timeout=WAIT)
    yield w
    w.shutdown()


def done(w) -> bool:
    return not w.is_playing and all(
        r.status is not None and r.status.iteration >= r.budget for r in w.runs
    )


def alone(w, run, **kw) -> Trainer:
    X, Y = w.training_data
    t = Trainer(X, Y, learning_rate=run.learning_rate, num_iterations=run.budget,
                optimizer=run.optimizer, batch_size=run.batch_size, **kw)  # fmt: skip
    t.run(run.budget)
    return t


@pytest.mark.parametrize(("loss", "lambd"), [("l2", 0.0), ("l1", 0.0), ("cross_entropy", 3.0),
                                             ("l2", 1.5)])  # fmt: skip
def test_every_run_descends_the_chosen_cost(qtbot, win, loss, lambd):
    win.add_run(learning_rate=0.3, optimizer="momentum")
    c = win.controls
    c.loss_combo.setCurrentIndex(c.loss_combo.findData(loss))
    c.lambd_spin.setValue(lambd)
    assert (win.controller.race.loss, win.controller.race.lambd) == (loss, lambd)
    qtbot.waitUntil(lambda: all(len(r.history) == 1 for r in win.runs), timeout=WAIT)
    win.play()
    qtbot.waitUntil(lambda: done(win), timeout=WAIT)
    for run in win.runs:
        t = alone(win, run, loss=loss, lambd=lambd)
        np.testing.assert_array_equal(run.history.costs, t.view().costs)
        np.testing.assert_array_equal(run.history.weights, t.view().weights)
        t.close()


def test_the_surface_is_the_chosen_cost(qtbot, win):
    c = win.controls
    with qtbot.waitSignal(win.controller.surfaceReady, timeout=WAIT) as blocker:
        c.loss_combo.setCurrentIndex(c.loss_combo.findData("l2"))
    result = blocker.args[0]
    req = result.request
    assert req.loss == "l2"
    X, Y = win.training_data
    exact = cost_grid(X, Y, req.spec, req.xs[::16], req.ys[::16], req.fixed, loss="l2")
    np.testing.assert_allclose(result.J[::16, ::16], exact, rtol=1e-12)


def test_the_loss_view_follows_the_loss(qtbot, win):
    win.show()
    win.show_step_panel(True)
    qtbot.waitUntil(lambda: win.step_panel.isVisible(), timeout=WAIT)
    win.step_panel.setCurrentIndex(3)
    tab = win.step_panel.loss
    c = win.controls
    c.loss_combo.setCurrentIndex(c.loss_combo.findData("l1"))
    qtbot.waitUntil(lambda: tab.loss == "l1", timeout=WAIT)
    a, l0 = tab.curves[0].getData()
    _, l1 = tab.curves[1].getData()
    want1, want0 = loss_curves(a, "l1")
    np.testing.assert_allclose(l0, want0)
    np.testing.assert_allclose(l1, want1)
    assert "at most 1" in tab.text.text()


def test_a_confident_mistake_stalls_under_l2_but_not_cross_entropy():
    """The plateau the app shows: from a start far on the wrong side, L2 barely moves where
    the cross-entropy descends (computed independently of the window)."""
    from gd_visualizer.core import make_dataset

    ds = make_dataset("iris")
    X = ds.standardization().apply(ds.X)
    moved = {}
    for loss in ("cross_entropy", "l2"):
        t = Trainer(
            X, ds.Y, w=[-6.0, -6.0], b=0.0, learning_rate=1.0, num_iterations=100, loss=loss
        )
        t.run(100)
        moved[loss] = float(np.linalg.norm(t.w.ravel() - np.array([-6.0, -6.0])))
        t.close()
    assert moved["l2"] < 0.05 * moved["cross_entropy"]


def test_export_takes_the_loss_and_lambda(tmp_path):
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "export", "--dataset", "iris", "--loss", "l1",
         "--lambd", "0.5", "--learning-rate", "1", "--iterations", "30", "--frames", "2",
         "--size", "640x400", "--views", "surface", "--out", str(out)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    s = json.loads((out / "run.json").read_text())
    assert (s["loss"], s["lambd"]) == ("l1", 0.5)
    from gd_visualizer.core import make_dataset

    ds = make_dataset("iris")
    t = Trainer(ds.standardization().apply(ds.X), ds.Y, learning_rate=1.0, num_iterations=30,
                loss="l1", lambd=0.5)  # fmt: skip
    t.run(30)
    assert s["w"] == t.w.ravel().tolist() and s["cost"] == t.cost
    t.close()
    bad = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "export", "--dataset", "iris", "--loss", "l3",
         "--learning-rate", "1", "--iterations", "3", "--frames", "2", "--out", str(out)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert "--loss" in bad.stderr
