"""The course API against the course's published values and independent references."""

import math
import threading

import numpy as np
import pytest

from gd_visualizer.core import (
    GradientKernel,
    cost_from_z,
    initialize_with_zeros,
    l1,
    l2,
    optimize,
    predict,
    propagate,
    propagate_loop,
    sigmoid,
    softmax,
    stable_learning_rate,
)
from gd_visualizer.core.datasets import make_dataset
from gd_visualizer.core.logistic import hessian, local_rate_limit

W = np.array([[1.0], [2.0]])
B = 2.0
X = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]])
Y = np.array([[1, 0, 1]])


def test_sigmoid_course_values_and_stability():
    assert sigmoid(0) == 0.5
    np.testing.assert_allclose(sigmoid(np.array([1.0, 2.0])), [0.73105858, 0.88079708], rtol=1e-7)
    z = np.array([-1000.0, -745.0, -40.0, 0.0, 40.0, 1000.0])
    s = sigmoid(z)  # warnings are errors: an overflow in exp would fail here
    assert np.all(np.isfinite(s))
    assert s[0] == 0.0 and s[-1] == 1.0
    # σ(-40) = e^-40 / (1 + e^-40) to full relative precision
    assert s[2] == pytest.approx(math.exp(-40) / (1 + math.exp(-40)), rel=1e-15)
    np.testing.assert_allclose(s + sigmoid(-z), 1.0)


def test_initialize_with_zeros():
    w, b = initialize_with_zeros(2)
    assert w.shape == (2, 1) and not w.any()
    assert b == 0.0 and isinstance(b, float)


def test_propagate_course_values():
    grads, cost = propagate(W, B, X, Y)
    np.testing.assert_allclose(grads["dw"], [[0.99845601], [2.39507239]], rtol=1e-8)
    assert grads["dw"].shape == (2, 1)
    assert grads["db"] == pytest.approx(0.00145557813678, rel=1e-10)
    assert isinstance(grads["db"], float) and isinstance(cost, float)
    assert cost == pytest.approx(5.801545319394553, rel=1e-12)


def test_optimize_course_values():
    w0 = W.copy()
    params, grads, costs = optimize(W, B, X, Y, num_iterations=100, learning_rate=0.009)
    np.testing.assert_allclose(params["w"], [[0.19033591], [0.12259159]], rtol=1e-7)
    assert params["b"] == pytest.approx(1.92535983008, rel=1e-10)
    np.testing.assert_allclose(grads["dw"], [[0.67752042], [1.41625495]], rtol=1e-7)
    assert grads["db"] == pytest.approx(0.219194504541, rel=1e-10)
    assert costs == [pytest.approx(5.801545319394553, rel=1e-12)]
    np.testing.assert_array_equal(W, w0)  # the caller's w is untouched


def test_optimize_records_every_hundredth_cost():
    _, _, costs = optimize(W, B, X, Y, num_iterations=301, learning_rate=0.009)
    assert len(costs) == 4
    direct = [propagate(*_params_after(k), X, Y)[1] for k in (0, 100, 200, 300)]
    np.testing.assert_allclose(costs, direct, rtol=1e-12)


def _params_after(k):
    params, _, _ = optimize(W, B, X, Y, num_iterations=k, learning_rate=0.009)
    return params["w"], params["b"]


def test_predict_course_example():
    w = np.array([[0.1124579], [0.23106775]])
    Xp = np.array([[1.0, -1.1, -3.2], [1.2, 2.0, 0.1]])
    out = predict(w, -0.3, Xp)
    assert out.shape == (1, 3)
    np.testing.assert_array_equal(out, [[1.0, 1.0, 0.0]])


def test_loop_equals_vectorized_and_kernel():
    rng = np.random.default_rng(7)
    for n_x, m in [(2, 1), (3, 17), (5, 200)]:
        Xr = rng.normal(size=(n_x, m)) * 3
        Yr = (rng.random((1, m)) > 0.5).astype(float)
        w = rng.normal(size=(n_x, 1))
        b = float(rng.normal())
        gv, cv = propagate(w, b, Xr, Yr)
        gl, cl = propagate_loop(w, b, Xr, Yr)
        dw_k, db_k, c_k = GradientKernel(Xr, Yr, chunk=8)(w, b)  # several chunks
        kernel = GradientKernel(Xr, Yr, chunk=4, parallel_min=2)  # two threads
        dw_p, db_p, c_p = kernel(w, b)
        kernel.close()
        assert c_p == pytest.approx(cv, rel=1e-12) and db_p == pytest.approx(db_k, abs=1e-15)
        np.testing.assert_allclose(dw_p, dw_k, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(gl["dw"], gv["dw"], rtol=1e-12, atol=1e-15)
        assert gl["db"] == pytest.approx(gv["db"], rel=1e-12, abs=1e-15)
        assert cl == pytest.approx(cv, rel=1e-12)
        np.testing.assert_allclose(dw_k.reshape(-1, 1), gv["dw"], rtol=1e-12, atol=1e-15)
        assert db_k == pytest.approx(gv["db"], rel=1e-12, abs=1e-15)
        assert c_k == pytest.approx(cv, rel=1e-12)


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    Xr = rng.normal(size=(2, 50))
    Yr = (rng.random((1, 50)) > 0.4).astype(float)
    w = rng.normal(size=(2, 1))
    b = 0.3
    grads, _ = propagate(w, b, Xr, Yr)
    h = 1e-6
    for j in range(2):
        e = np.zeros((2, 1))
        e[j] = h
        fd = (propagate(w + e, b, Xr, Yr)[1] - propagate(w - e, b, Xr, Yr)[1]) / (2 * h)
        assert grads["dw"][j, 0] == pytest.approx(fd, rel=1e-6, abs=1e-9)
    fd_b = (propagate(w, b + h, Xr, Yr)[1] - propagate(w, b - h, Xr, Yr)[1]) / (2 * h)
    assert grads["db"] == pytest.approx(fd_b, rel=1e-6, abs=1e-9)


def test_cost_exact_where_activation_rounds_to_0_or_1():
    # A = σ(50) rounds to 1.0 in float64, so log(1 - A) would be -inf.
    z = np.array([[50.0, -50.0, 800.0, -800.0]])
    y = np.array([[1.0, 0.0, 0.0, 1.0]])
    per = [math.log1p(math.exp(-50)), math.log1p(math.exp(-50)), 800.0, 800.0]
    assert cost_from_z(z, y) == pytest.approx(sum(per) / 4, rel=1e-15)
    # correctly classified with a huge margin: tiny, positive, exact
    assert cost_from_z(np.array([[50.0]]), np.array([[1.0]])) == pytest.approx(
        math.exp(-50), rel=1e-12
    )
    # through propagate: a sample far on the wrong side
    grads, cost = propagate(np.array([[100.0]]), 0.0, np.array([[10.0]]), np.array([[0.0]]))
    assert cost == pytest.approx(1000.0, rel=1e-15)
    assert grads["dw"][0, 0] == pytest.approx(10.0)


def test_softmax_l1_l2():
    x = np.array([[9.0, 2.0, 5.0, 0.0, 0.0], [7.0, 5.0, 0.0, 0.0, 0.0]])
    s = softmax(x)
    expected = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(s, expected, rtol=1e-12)
    big = softmax(np.array([[1000.0, 1000.0], [1000.0, 0.0]]))
    np.testing.assert_allclose(big, [[0.5, 0.5], [1.0, math.exp(-1000)]])
    yhat = np.array([0.9, 0.2, 0.1, 0.4, 0.9])
    y = np.array([1, 0, 0, 1, 1])
    assert l1(yhat, y) == pytest.approx(1.1)  # the course's published L1
    assert l2(yhat, y) == pytest.approx(0.43)  # the course's published L2


def test_stable_learning_rate_closed_form():
    # one feature, x = ±1 with bias: X̃X̃ᵀ/m = I, λmax = 1, so α* = 8
    Xs = np.array([[1.0, -1.0]])
    assert stable_learning_rate(Xs) == pytest.approx(8.0)


def _numeric_hessian(Xr, Yr, w, b, h=1e-5):
    """Central differences of the gradient (from propagate), column by column."""
    n = Xr.shape[0] + 1
    theta = np.r_[np.ravel(w), b]
    H = np.empty((n, n))
    for j in range(n):
        e = np.zeros(n)
        e[j] = h
        gp, _ = propagate((theta + e)[:-1].reshape(-1, 1), (theta + e)[-1], Xr, Yr)
        gm, _ = propagate((theta - e)[:-1].reshape(-1, 1), (theta - e)[-1], Xr, Yr)
        H[:, j] = (np.r_[gp["dw"].ravel(), gp["db"]] - np.r_[gm["dw"].ravel(), gm["db"]]) / (2 * h)
    return H


@pytest.mark.parametrize("n_x", [1, 2, 4])
def test_hessian_matches_finite_differences_of_the_gradient(n_x):
    rng = np.random.default_rng(10 + n_x)
    Xr = rng.normal(size=(n_x, 80)) * 2
    Yr = (rng.random((1, 80)) > 0.5).astype(float)
    for _ in range(3):
        w = rng.normal(size=(n_x, 1))
        b = float(rng.normal())
        H = hessian(Xr, w, b)
        assert H.shape == (n_x + 1, n_x + 1)
        np.testing.assert_allclose(H, _numeric_hessian(Xr, Yr, w, b), rtol=1e-6, atol=1e-9)
        # the local limit is 2/λmax of that Hessian, and never below the guaranteed rate
        lam = np.max(np.linalg.eigvalsh(_numeric_hessian(Xr, Yr, w, b)))
        assert local_rate_limit(Xr, w, b) == pytest.approx(2 / lam, rel=1e-6)
        assert local_rate_limit(Xr, w, b) >= stable_learning_rate(Xr)


def test_local_rate_limit_closed_forms():
    # x = ±1 at θ = 0: a(1 - a) = 1/4, H = I/4, so the limit is 8 = the guaranteed rate
    Xs = np.array([[1.0, -1.0]])
    assert local_rate_limit(Xs, np.zeros(1), 0.0) == pytest.approx(8.0)
    assert local_rate_limit(Xs, np.zeros(1), 0.0) == pytest.approx(stable_learning_rate(Xs))
    # far out on separable data a(1 - a) underflows to 0 for every sample: no limit
    assert local_rate_limit(Xs, np.array([1e4]), 0.0) == math.inf
    # one sample at z: H = σ'(z)·x̃x̃ᵀ, λmax = σ'(z)·(x² + 1)
    z, x = 3.0, 2.0
    s = math.exp(-z) / (1 + math.exp(-z)) ** 2
    assert local_rate_limit(np.array([[x]]), np.array([z / x]), 0.0) == pytest.approx(
        2 / (s * (x * x + 1)), rel=1e-12
    )


def test_gradient_descent_contracts_below_the_local_limit_and_not_above():
    # at the optimum of a non-separable problem, a small push along the stiffest
    # direction decays below 2/λmax(H) and grows above it
    rng = np.random.default_rng(5)
    Xr = rng.normal(size=(2, 200))
    Yr = (rng.random((1, 200)) < 1 / (1 + np.exp(-(Xr[0] - 0.5 * Xr[1])))).astype(float)
    theta = np.zeros(3)
    for _ in range(30):  # Newton's method with the finite-difference Hessian
        g, _ = propagate(theta[:2].reshape(2, 1), theta[2], Xr, Yr)
        grad = np.r_[g["dw"].ravel(), g["db"]]
        theta -= np.linalg.solve(_numeric_hessian(Xr, Yr, theta[:2], theta[2]), grad)
    limit = local_rate_limit(Xr, theta[:2], theta[2])
    _, V = np.linalg.eigh(hessian(Xr, theta[:2], theta[2]))
    for factor, grows in ((0.95, False), (1.05, True)):
        t = theta + 1e-4 * V[:, -1]
        for _ in range(200):
            g, _ = propagate(t[:2].reshape(2, 1), t[2], Xr, Yr)
            t = t - factor * limit * np.r_[g["dw"].ravel(), g["db"]]
        assert (np.linalg.norm(t - theta) > 1e-4) == grows


def _kernel_threads():
    return {t for t in threading.enumerate() if t.name.startswith("gd-kernel")}


def test_kernel_close_ends_its_thread_and_keeps_working():
    rng = np.random.default_rng(2)
    Xr = rng.normal(size=(2, 1000))
    Yr = (rng.random((1, 1000)) > 0.5).astype(float)
    before = _kernel_threads()
    kernel = GradientKernel(Xr, Yr, chunk=64, parallel_min=100)
    w = np.array([0.3, -0.2])
    first = kernel(w, 0.1)
    mine = _kernel_threads() - before
    assert mine, "the parallel kernel started its helper thread"
    kernel.close()
    kernel.close()  # idempotent
    assert not any(t.is_alive() for t in mine)
    assert not (_kernel_threads() - before)
    again = kernel(w, 0.1)  # still usable, on this thread only, with the same sums
    assert not (_kernel_threads() - before)
    np.testing.assert_array_equal(again[0], first[0])
    assert again[1:] == first[1:]


def test_tiny_learning_rates_are_not_clamped():
    # grams and millimetres: the guaranteed rate is far below 1e-5
    from gd_visualizer.core.trainer import Trainer

    ds = make_dataset("overlap", 100, seed=3)
    Xg = ds.X * 300 + 2000
    rate = stable_learning_rate(Xg)
    assert rate < 1e-5
    t = Trainer(Xg, ds.Y, learning_rate=rate / 2, num_iterations=50)
    assert t.learning_rate == rate / 2
    t.run(50)
    h = t.view()
    assert np.all(h.learning_rates == rate / 2)
    grads, _ = propagate(h.weights[10].reshape(2, 1), h.biases[10], Xg, ds.Y)
    np.testing.assert_allclose(h.weights[11], h.weights[10] - rate / 2 * grads["dw"].ravel())
    assert np.all(np.diff(h.costs) < 0)  # below the guaranteed rate J decreases
