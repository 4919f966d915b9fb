"""The step-up-close texts: every number in them is the core's, at the shown entry."""

from __future__ import annotations

import re

import numpy as np
import pytest

from gd_visualizer.core import Trainer, make_dataset, propagate, sample_graph
from gd_visualizer.model import TrainingData
from gd_visualizer.present import lesson
from gd_visualizer.present import scene as present


@pytest.fixture(scope="module")
def run():
    data = TrainingData.from_dataset(make_dataset("iris"), standardize=True)
    t = Trainer(data.X, data.Y, learning_rate=0.5, num_iterations=40)
    t.run(40)
    return data, t.history.view()


def _numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"−?-?\d+\.?\d*(?:e[-+]?\d+)?", text.replace("−", "-"))]


def test_graph_texts_are_sample_i_forward_and_backward(run):
    data, history = run
    scene = present.make_scene(history, 10, "w1-w2", sample=7)
    texts = lesson.graph_texts(data, scene)
    g = sample_graph(scene.w, scene.b, data.X[:, 7], data.Y[0, 7])
    assert "sample i = 8 of 100" in texts.header and "iteration 10" in texts.header
    assert _numbers(texts.nodes["z"])[-1] == pytest.approx(g["z"], rel=1e-3)
    assert _numbers(texts.nodes["L"])[-1] == pytest.approx(g["L"], rel=1e-3)
    assert _numbers(texts.backward["z"])[-1] == pytest.approx(g["dz"], rel=1e-3)
    assert _numbers(texts.backward["w1"])[-1] == pytest.approx(g["dw"][0, 0], rel=1e-3)
    assert _numbers(texts.backward["b"])[-1] == pytest.approx(g["db"], rel=1e-3)
    assert texts.footer == []


def test_all_samples_mode_writes_the_update_of_the_shown_iteration(run):
    data, history = run
    scene = present.make_scene(history, 10, "w1-w2", sample=3)
    texts = lesson.graph_texts(data, scene, all_samples=True)
    grads, cost = propagate(scene.w.reshape(-1, 1), scene.b, data.X, data.Y)
    assert _numbers(texts.backward["w1"])[-1] == pytest.approx(grads["dw"][0, 0], rel=1e-3)
    assert _numbers(texts.nodes["L"])[-1] == pytest.approx(cost, rel=1e-3)
    # w₁ := w₁ − α·dw₁ lands where the run went next
    update = next(line for line in texts.footer if line.startswith("w₁ :="))
    assert _numbers(update)[-1] == pytest.approx(history.weights[11][0], rel=1e-5)
    share = _numbers(texts.footer[0])
    g = sample_graph(scene.w, scene.b, data.X[:, 3], data.Y[0, 3])
    assert share[0] == pytest.approx(g["dw"][0, 0] / 100, rel=1e-3)
    assert share[2] == pytest.approx(g["db"] / 100, rel=1e-3)


def test_the_step_arrow_ends_where_the_next_entry_starts(run):
    _, history = run
    for key in ("w1-w2", "w1-b", "w2-b"):
        scene = present.make_scene(history, 5, key)
        x0, y0, x1, y1 = lesson.step_arrow(scene)
        px, py = present.slice_path(history, scene.spec)
        assert (x0, y0) == (px[5], py[5])
        assert (x1, y1) == pytest.approx((px[6], py[6]), rel=1e-12)


def test_the_tangent_touches_the_cut_at_the_point_with_the_gradient_slope(run):
    _data, history = run
    scene = present.make_scene(history, 3, "w1-w2")
    for p in range(3):
        values = lesson.cut_values(scene, p)
        centre = np.append(scene.w, scene.b)[p]
        assert values[0] < centre < values[-1]
        xs, ys = lesson.tangent(scene, p, values)
        slope = (ys[1] - ys[0]) / (xs[1] - xs[0])
        assert slope == pytest.approx(np.append(scene.dw, scene.db)[p], rel=1e-9)
        # the tangent's line passes through (θₚ, J)
        assert np.interp(centre, xs, ys) == pytest.approx(scene.cost, rel=1e-12)
        assert lesson.CUT_PARAMS[p] in lesson.slope_text(scene, p)


def test_animation_stops_start_one_by_one_and_end_at_m():
    for m in (1, 5, 12, 13, 100, 10**6):
        stops = lesson.animation_stops(m)
        assert stops[0] == 0 and stops[-1] == m
        assert np.all(np.diff(stops) > 0)
        assert len(stops) <= lesson.ANIMATION_STOPS + 2
        assert list(stops[: min(m, lesson.ANIMATION_SINGLE) + 1]) == list(
            range(min(m, lesson.ANIMATION_SINGLE) + 1)
        )


def test_shapes_name_this_data():
    html = lesson.shapes_html(2, 150)
    assert "(2, 150)" in html and "(1, 150)" in html and "(150,)" in html


def test_the_loop_says_when_the_runs_descend_another_cost():
    import dataclasses

    from gd_visualizer.core import Trainer, make_dataset
    from gd_visualizer.present import lesson
    from gd_visualizer.present.scene import make_scene

    ds = make_dataset("iris")
    t = Trainer(ds.standardization().apply(ds.X), ds.Y, num_iterations=2)
    t.run(2)
    s = make_scene(t.view(), 2, "w1-w2")
    assert lesson.loop_scope(s) == ""
    text = lesson.loop_scope(dataclasses.replace(s, loss="l1", lambd=2.0))
    assert "cross-entropy" in text and "the L1 loss with λ = 2" in text
    t.close()
