"""Any finite float64 state draws in every view: no exception, no error dialog."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from gd_visualizer.core import Dataset

WAIT = 20_000


@pytest.mark.parametrize(
    "scale, lr, standardize",
    [(1.0, 1e39, True), (1e30, 1.0, False), (1e100, 1e-150, False), (1e150, 1e10, True)],
)
def test_every_view_draws_extreme_runs(qtbot, make_window, scale, lr, standardize):
    w = make_window(restore_settings=False)
    reports = []
    w.statusBar().messageChanged.connect(reports.append)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(2, 60)) * scale
    Y = (X[0:1] + 0.3 * X[1:2] > 0).astype(float)
    w.controls.standardize_check.setChecked(standardize)
    w.set_dataset(Dataset(X, Y, ("a", "b"), ("no", "yes"), name="extreme"))
    qtbot.waitUntil(lambda: w.dataset.name == "extreme" and len(w.history) == 1)
    w.controls.lr_spin.setValue(lr)
    for _ in range(6):
        w.step()
    qtbot.waitUntil(lambda: w.controller.last is not None and w.controller.last.iteration >= 1)
    qtbot.waitUntil(lambda: not w.is_playing, timeout=WAIT)
    w.drawer.draw_now()
    qtbot.waitUntil(lambda: w.surface_view.image.image is not None, timeout=WAIT)
    assert np.all(np.isfinite(w.history.costs))
    failures = [r for r in reports if "failed" in r.lower() or "error" in r.lower()]
    assert failures == []
    assert not [b for b in w.findChildren(QMessageBox) if b.isVisible()]
    # what is drawn is finite (clipped to what the views can show)
    for panel in ("boundary", "sigmoid"):
        for sc in w.panels[panel].scatters:
            xs, ys = sc.getData()
            assert np.all(np.isfinite(xs)) and np.all(np.isfinite(ys))
    image = w.surface_view.image.image
    assert np.all(np.isfinite(image))
