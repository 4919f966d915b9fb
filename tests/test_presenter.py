"""The presenter and the run model, without Qt: what a panel is told to draw."""

from __future__ import annotations

import numpy as np
import pytest

from gd_visualizer.core import SLICES, Trainer, make_dataset
from gd_visualizer.model import HISTORY_FIELDS, RunMirror, TrainingData, ViewState
from gd_visualizer.present import scene as present


@pytest.fixture(scope="module")
def trained():
    ds = make_dataset("moons", 120, seed=3)
    data = TrainingData.from_dataset(ds, standardize=True)
    t = Trainer(data.X, data.Y, learning_rate=0.5, num_iterations=40)
    t.run(40)
    return data, t.view()


def test_history_fields_come_from_the_history_view(trained):
    _, h = trained
    assert HISTORY_FIELDS == (
        "iterations", "costs", "weights", "biases", "dws", "dbs", "learning_rates",
    )  # fmt: skip
    mirror = RunMirror(2)
    mirror.apply(0, 0, h)
    for key in HISTORY_FIELDS:
        np.testing.assert_array_equal(getattr(mirror, key), getattr(h, key))
        assert not getattr(mirror, key).flags.writeable


def test_scene_path_is_in_the_coordinates_of_its_slice(trained):
    _, h = trained
    theta = np.column_stack([h.weights, h.biases])  # (w1, w2, b) per entry
    for key, (x, y, fixed) in {"w1-w2": (0, 1, 2), "w1-b": (0, 2, 1), "w2-b": (1, 2, 0)}.items():
        s = present.make_scene(h, 25, key)
        np.testing.assert_array_equal(s.path_x, theta[:, x])
        np.testing.assert_array_equal(s.path_y, theta[:, y])
        assert s.fixed == theta[25, fixed] and s.spec is SLICES[key]
        assert s.iteration == 25 and s.cost == h.costs[25]


def test_scene_ghosts_follow_the_slice(trained):
    _, h = trained
    branch = present.make_scene(h, 0, "w1-b", ghosts=[h, h])
    gx, gy = branch.ghost_path
    assert np.isnan(gx).sum() == 2 and len(gx) == 2 * (len(h) + 1)
    np.testing.assert_array_equal(gy[: len(h)], h.biases)


def test_feature_labels_say_standardized_once(trained):
    data, _ = trained
    assert data.feature_labels == ("x1 (standardized)", "x2 (standardized)")
    raw = TrainingData.from_dataset(data.dataset, standardize=False)
    assert raw.feature_labels == ("x1", "x2") and raw.raw_coefficients(np.ones(2), 0) is None


def test_accuracy_matches_an_independent_count(trained):
    data, h = trained
    w, b = h.weights[-1], h.biases[-1]
    a = 1 / (1 + np.exp(-(w @ data.X + b)))
    expected = np.count_nonzero((a > 0.5) == (data.Y[0] == 1)) / data.X.shape[1]
    assert data.accuracy(w, b) == pytest.approx(expected)


def test_surface_extent_holds_the_path_and_grows_in_steps():
    px, py = np.array([0.0, 1.0, 2.0]), np.array([0.0, -4.0, -5.0])
    e = present.surface_extent(px, py)
    assert e == (-7.0, 7.0, -7.0, 7.0)  # 1.4 × the reach of 5
    assert present.surface_extent(px, py, e) is e  # still fits: unchanged
    grown = present.surface_extent(px, np.array([0.0, -8.0]), e)
    assert grown[1] == pytest.approx(11.2)  # 1.4 × 8, more than 1.5 × 7 = 10.5
    assert present.surface_extent(np.zeros(2), np.zeros(2)) == (-3.0, 3.0, -3.0, 3.0)
    huge = present.surface_extent(np.array([1e200, np.inf]), np.array([np.nan, 0.0]))
    assert np.all(np.isfinite(huge)) and huge[1] <= 1e152


def test_surface_request_is_the_same_grid_for_window_and_export(trained):
    data, h = trained
    s = present.make_scene(h, 10, "w1-w2")
    req = present.surface_request(data, s.spec, (-4.0, 4.0, -4.0, 4.0), s.fixed)
    assert req.xs.shape == req.ys.shape == (present.SURFACE_GRID,)
    assert req.xs[0] == -4.0 and req.ys[-1] == 4.0 and req.fixed == s.fixed


def test_readout_shows_numbers_a_person_can_read(trained):
    data, h = trained
    s = present.make_scene(h, 0, "w1-w2")
    texts = present.readout(data, s, None)
    assert texts["iteration"] == "0" and "acc" not in texts  # (counted apart: accuracy_text)
    assert present.accuracy_text(0.94) == "94.0 %"
    assert present.accuracy_text(0.94, 1500) == "94.0 % (it. 1,500)"
    assert present.fmt(-2.22e-18, 4, scale=0.3) == "0"
    assert present.fmt(-2.22e-18) == "-2.22e-18"  # alone, it is what it is
    assert present.fmt(0.012345678, 4, scale=0.3) == "0.01235"


def test_caption_and_held_axes_come_from_the_whole_run(trained):
    data, h = trained
    hold = present.axes_hold(h, data, "w1-b")
    assert hold.last_iteration == 40
    assert hold.cost_range == (pytest.approx(h.costs.min()), pytest.approx(h.costs.max()))
    z = np.column_stack([h.weights, h.biases])[:, :2] @ data.X + h.biases[:, None]
    assert hold.zmax == pytest.approx(1.1 * np.max(np.abs(z)))
    s = present.make_scene(h, 40, "w1-b", hold=hold)
    text = present.caption(data, s)
    assert text.startswith("moons · iteration 40 of 40 · J = ")


def test_view_state_announces_changes():
    v = ViewState()
    seen = []
    v.events.slice_key.connect(seen.append)
    v.slice_key = "w2-b"
    v.slice_key = "w2-b"  # no change, no event
    assert seen == ["w2-b"]
    assert v.shown_index(0) is None and v.shown_index(5) == 4
    v.shown = 2
    assert v.shown_index(5) == 2 and v.shown_index(2) == 1


def test_the_optimum_is_marked_only_when_the_run_found_it(trained):
    _, h = trained
    assert present.make_scene(h, 5, "w1-b").optimum is None
    s = present.make_scene(h, 5, "w1-b", converged=True)
    assert s.optimum == (h.weights[-1][0], h.biases[-1])


def test_the_gradient_norm_is_finite_when_its_entries_are():
    import dataclasses

    from gd_visualizer.core import Trainer, make_dataset
    from gd_visualizer.model import TrainingData
    from gd_visualizer.present import scene as present

    data = TrainingData.from_dataset(make_dataset("iris"), True)
    t = Trainer(data.X, data.Y, num_iterations=1)
    t.run(1)
    s = present.make_scene(t.view(), 1, "w1-w2")
    big = dataclasses.replace(s, dw=np.array([-1.08e155, -1.08e155]), db=3e154)
    grad = present.readout(data, big, None)["grad"]
    assert grad != "inf" and float(grad) == pytest.approx(1.08e155 * (2 + (3 / 10.8) ** 2) ** 0.5,
                                                          rel=1e-3)  # fmt: skip
    t.close()


def test_an_accuracy_short_of_one_never_reads_100_percent():
    from gd_visualizer.present.scene import percent

    assert percent(1.0) == "100.0 %" and percent(0.0) == "0.0 %"
    assert percent(0.9533333) == "95.3 %"
    assert percent(0.99965) == "99.97 %" and percent(1 - 1e-7) == "99.99999 %"
    assert percent(1e-5) == "0.001 %"
