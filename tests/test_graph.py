"""The computation graphs against the notes' numbers, finite differences and propagate."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gd_visualizer.core import (
    compare_loop,
    cost_cut,
    loop_partials,
    loss_curves,
    make_dataset,
    propagate,
    sample_graph,
    sample_graphs,
    toy_graph,
    toy_nudge,
)


def _J(a, b, c):  # the notes' J, written out independently
    return 3 * (a + b * c)


def test_toy_graph_gives_the_notes_values_at_5_3_2():
    g = toy_graph()
    assert (g["u"], g["v"], g["J"]) == (6.0, 11.0, 33.0)
    assert (g["dv"], g["da"], g["du"], g["db"], g["dc"]) == (3.0, 3.0, 3.0, 6.0, 9.0)


@given(
    st.floats(-50, 50, allow_nan=False),
    st.floats(-50, 50, allow_nan=False),
    st.floats(-50, 50, allow_nan=False),
)
@settings(max_examples=30, deadline=None)
def test_toy_graph_derivatives_are_the_nudge_ratios(a, b, c):
    g = toy_graph(a, b, c)
    h = 1e-3
    for name, nudged in (
        ("da", (a + h, b, c)),
        ("db", (a, b + h, c)),
        ("dc", (a, b, c + h)),
    ):
        # J is linear in each input, so the nudge ratio equals the derivative
        assert (_J(*nudged) - _J(a, b, c)) / h == pytest.approx(g[name], rel=1e-6, abs=1e-6)
    # and u, v: J = 3v, v = a + u
    assert (3 * (g["v"] + h) - g["J"]) / h == pytest.approx(g["dv"], rel=1e-9)
    assert (3 * (a + g["u"] + h) - g["J"]) / h == pytest.approx(g["du"], rel=1e-9)


def _data(m=40, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(2, m))
    Y = (rng.random((1, m)) < 0.5).astype(float)
    return X, Y


@pytest.mark.parametrize("y", [0.0, 1.0])
def test_sample_graph_matches_finite_differences(y):
    w, b, x = np.array([0.7, -1.2]), 0.3, np.array([1.5, 0.4])

    def loss(w_, b_):
        a = 1 / (1 + np.exp(-(w_ @ x + b_)))
        return -(y * np.log(a) + (1 - y) * np.log(1 - a))

    g = sample_graph(w, b, x, y)
    h = 1e-6
    assert g["L"] == pytest.approx(loss(w, b), rel=1e-12)
    for j in range(2):
        e = np.eye(2)[j] * h
        fd = (loss(w + e, b) - loss(w - e, b)) / (2 * h)
        assert g["dw"][j, 0] == pytest.approx(fd, rel=1e-6)
    assert g["db"] == pytest.approx((loss(w, b + h) - loss(w, b - h)) / (2 * h), rel=1e-6)
    # da: the derivative of L with respect to a, by finite differences in a
    a = g["a"]
    La = lambda a_: -(y * np.log(a_) + (1 - y) * np.log(1 - a_))  # noqa: E731
    assert g["da"] == pytest.approx((La(a + h) - La(a - h)) / (2 * h), rel=1e-6)
    # the chain rule: dz = da · a(1 − a)
    assert g["dz"] == pytest.approx(g["da"] * a * (1 - a), rel=1e-9)
    assert g["dw"].shape == (2, 1)


def test_sample_graph_accepts_both_shapes():
    a = sample_graph(np.array([[1.0], [2.0]]), 0.5, np.array([[0.1], [0.2]]), 1)
    b = sample_graph(np.array([1.0, 2.0]), 0.5, np.array([0.1, 0.2]), 1)
    assert a["z"] == b["z"] == pytest.approx(1.0)
    np.testing.assert_array_equal(a["dw"], b["dw"])
    with pytest.raises(ValueError, match="entries"):
        sample_graph(np.ones(3), 0.0, np.ones(2), 0)


def test_the_mean_of_the_samples_is_propagate():
    X, Y = _data()
    w, b = np.array([[0.4], [-0.9]]), -0.2
    grads, cost = propagate(w, b, X, Y)
    per = [sample_graph(w, b, X[:, i], Y[0, i]) for i in range(X.shape[1])]
    np.testing.assert_allclose(np.mean([p["dw"] for p in per], axis=0), grads["dw"], rtol=1e-12)
    assert np.mean([p["db"] for p in per]) == pytest.approx(grads["db"], rel=1e-12)
    assert np.mean([p["L"] for p in per]) == pytest.approx(cost, rel=1e-12)
    # the vectorized per-sample form says the same, sample by sample
    g = sample_graphs(w, b, X, Y)
    for i in (0, 7, 39):
        assert g["dw"][:, i] == pytest.approx(per[i]["dw"].ravel(), rel=1e-12)
        assert g["L"][i] == pytest.approx(per[i]["L"], rel=1e-12)


def test_a_confident_mistake_is_finite_and_large():
    g = sample_graph(np.array([40.0]), 0.0, np.array([1.0]), 0)  # a ≈ 1, y = 0
    assert g["L"] == pytest.approx(40.0, rel=1e-9)  # −log(1 − σ(40)) ≈ 40
    assert g["dz"] == pytest.approx(1.0)
    assert g["da"] > 1e16


def test_loss_curves_are_minus_log():
    a = np.array([0.5, 0.9, 1e-3])
    l1, l0 = loss_curves(a)
    np.testing.assert_allclose(l1, -np.log(a))
    np.testing.assert_allclose(l0, -np.log(1 - a))


@pytest.mark.parametrize("param", [0, 1, 2])
def test_cost_cut_passes_through_the_point_with_the_gradient_as_slope(param):
    X, Y = _data(200)
    w, b = np.array([0.8, -0.5]), 0.25
    grads, cost = propagate(w.reshape(-1, 1), b, X, Y)
    theta = np.append(w, b)
    h = 1e-5
    J = cost_cut(X, Y, w, b, param, theta[param] + np.array([-h, 0.0, h]))
    assert J[1] == pytest.approx(cost, rel=1e-12)
    slope = np.append(grads["dw"].ravel(), grads["db"])[param]
    assert (J[2] - J[0]) / (2 * h) == pytest.approx(slope, rel=1e-5)
    # far along the cut, each value is the cost at that parameter
    v = theta[param] + 3.0
    t = theta.copy()
    t[param] = v
    _, far = propagate(t[:2].reshape(-1, 1), t[2], X, Y)
    assert cost_cut(X, Y, w, b, param, [v])[0] == pytest.approx(far, rel=1e-12)


def test_cost_cut_rejects_a_parameter_that_does_not_exist():
    X, Y = _data()
    with pytest.raises(ValueError, match="param"):
        cost_cut(X, Y, [0.0, 0.0], 0.0, 3, [0.0])


def test_loop_and_vectorized_agree_and_the_loop_sums_add_up():
    X, Y = _data(500, seed=11)
    w, b = np.array([[1.1], [0.3]]), -0.4
    c = compare_loop(w, b, X, Y)
    assert c.samples == c.total == 500
    assert c.agree and c.max_difference <= 1e-12
    assert c.loop_seconds > 0 and c.vector_seconds > 0
    grads, _cost = propagate(w, b, X, Y)
    np.testing.assert_allclose(c.vector[0], grads["dw"])
    sw, sb = loop_partials(w, b, X, Y, np.array([0, 1, 250, 500]))
    assert sw[0].tolist() == [0.0, 0.0] and sb[0] == 0.0
    first = sample_graph(w, b, X[:, 0], Y[0, 0])
    assert sw[1] == pytest.approx(first["dw"].ravel())
    assert sw[3] / 500 == pytest.approx(grads["dw"].ravel(), rel=1e-12)
    assert sb[3] / 500 == pytest.approx(grads["db"], rel=1e-12)


def test_loop_comparison_is_limited_and_says_so():
    X, Y = _data(300)
    c = compare_loop(np.zeros(2), 0.0, X, Y, limit=100)
    assert (c.samples, c.total) == (100, 300)
    grads, _ = propagate(np.zeros((2, 1)), 0.0, X[:, :100], Y[:, :100])
    np.testing.assert_allclose(c.loop[0], grads["dw"], rtol=1e-12)


@pytest.mark.parametrize("name", ["a", "b", "c", "u", "v"])
def test_a_nudge_changes_J_by_the_derivative_times_the_nudge(name):
    g = toy_graph()
    J, nudged = toy_nudge(name, 5.0, 3.0, 2.0)
    assert J == 33.0
    assert nudged - J == pytest.approx(g["d" + name] * 1e-3, rel=1e-6)


def test_nudging_something_not_in_the_graph_is_refused():
    with pytest.raises(ValueError, match="'x'"):
        toy_nudge("x", 1, 2, 3)


LOSS_NAMES = ("cross_entropy", "l2", "l1")


@pytest.mark.parametrize("loss", LOSS_NAMES)
def test_each_loss_backward_pass_by_finite_differences(loss):
    rng = np.random.default_rng(3)
    h = 1e-6
    for _ in range(20):
        w, b, x = rng.normal(size=2), float(rng.normal()), rng.normal(size=2)
        y = float(rng.integers(0, 2))
        g = sample_graph(w, b, x, y, loss)

        def L_of(w_, b_, x=x, y=y):
            return sample_graph(w_, b_, x, y, loss)["L"]

        # dz: L as a function of z = wᵀx + b moves with b one for one
        fd_b = (L_of(w, b + h) - L_of(w, b - h)) / (2 * h)
        assert g["db"] == pytest.approx(fd_b, rel=1e-5, abs=1e-9)
        for j in range(2):
            e = np.zeros(2)
            e[j] = h
            fd = (L_of(w + e, b) - L_of(w - e, b)) / (2 * h)
            assert g["dw"][j, 0] == pytest.approx(fd, rel=1e-5, abs=1e-9)
        # da: the chain rule dz = da · a(1 − a)
        a = g["a"]
        assert g["dz"] == pytest.approx(g["da"] * a * (1 - a), rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("loss", LOSS_NAMES)
def test_each_loss_per_sample_mean_is_propagate(loss):
    ds = make_dataset("iris")
    X, Y = ds.standardization().apply(ds.X), ds.Y
    w, b = np.array([0.8, -0.3]), 0.2
    g = sample_graphs(w, b, X, Y, loss)
    grads, cost = propagate(w.reshape(2, 1), b, X, Y, loss=loss)
    np.testing.assert_allclose(g["dw"].mean(axis=1), grads["dw"].ravel(), rtol=1e-12)
    assert g["db"].mean() == pytest.approx(grads["db"], rel=1e-12)
    assert g["L"].mean() == pytest.approx(cost, rel=1e-12)
    # every sample sits on its class's loss curve
    l1, l0 = loss_curves(g["a"], loss)
    np.testing.assert_allclose(g["L"], np.where(Y[0] == 1, l1, l0), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("loss", LOSS_NAMES)
@pytest.mark.parametrize("lambd", [0.0, 5.0])
def test_the_cut_of_each_loss_is_propagates_cost_and_its_slope_the_gradient(loss, lambd):
    ds = make_dataset("iris")
    X, Y = ds.standardization().apply(ds.X), ds.Y
    w, b = np.array([0.8, -0.3]), 0.2
    grads, _ = propagate(w.reshape(2, 1), b, X, Y, loss=loss, lambd=lambd)
    gradient = np.append(grads["dw"].ravel(), grads["db"])
    h = 1e-5
    for param in range(3):
        theta = np.append(w, b)
        values = theta[param] + np.array([-h, 0.0, h, 1.5])
        cut = cost_cut(X, Y, w, b, param, values, loss=loss, lambd=lambd)
        moved = theta.copy()
        moved[param] = 1.5 + theta[param]
        _, want = propagate(moved[:2].reshape(2, 1), moved[2], X, Y, loss=loss, lambd=lambd)
        assert cut[3] == pytest.approx(want, rel=1e-12)
        assert (cut[2] - cut[0]) / (2 * h) == pytest.approx(gradient[param], rel=1e-5, abs=1e-9)
