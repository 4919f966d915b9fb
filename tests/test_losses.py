"""The losses (cross-entropy, L2, L1) and L2 regularization against independent references."""

import math

import numpy as np
import pytest

from gd_visualizer.core import (
    LOSSES,
    Trainer,
    forward_backward,
    hessian,
    local_rate_limit,
    loss_gradients,
    make_dataset,
    propagate,
    stable_learning_rate,
)

W = np.array([[1.0], [2.0]])
B = 2.0
X = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]])
Y = np.array([[1, 0, 1]])


def _problem(seed=3, n_x=3, m=40):
    rng = np.random.default_rng(seed)
    Xr = rng.normal(size=(n_x, m))
    Yr = (rng.random((1, m)) > 0.4).astype(float)
    return Xr, Yr, rng.normal(size=(n_x, 1)) * 0.5, 0.3


def _reference_cost(w, b, Xr, Yr, loss, lambd):
    """The definitions written plainly (naive σ: fine for moderate z)."""
    a = 1.0 / (1.0 + np.exp(-(w.T @ Xr + b)))
    m = Xr.shape[1]
    per_sample = {
        "cross_entropy": -(Yr * np.log(a) + (1 - Yr) * np.log(1 - a)),
        "l2": (a - Yr) ** 2,
        "l1": np.abs(a - Yr),
    }[loss]
    return float(per_sample.sum() / m + lambd / (2 * m) * np.sum(w * w))


def test_defaults_are_the_old_values_bit_for_bit():
    grads, cost = propagate(W, B, X, Y)
    dw, db, c, _, _ = forward_backward(W, B, X, Y.astype(float))
    np.testing.assert_array_equal(grads["dw"], dw)
    assert grads["db"] == db and cost == c
    # the course's published values
    np.testing.assert_allclose(grads["dw"], [[0.99845601], [2.39507239]], rtol=1e-8)
    assert grads["db"] == pytest.approx(0.00145557813678, rel=1e-10)
    assert cost == pytest.approx(5.801545319394553, rel=1e-12)
    # spelled out, and through the shared loss table: the same bits
    explicit, cost_e = propagate(W, B, X, Y, loss="cross_entropy", lambd=0.0)
    np.testing.assert_array_equal(explicit["dw"], dw)
    assert explicit["db"] == db and cost_e == c
    dw_t, db_t, c_t, _ = loss_gradients(W, B, X, Y.astype(float), "cross_entropy")
    np.testing.assert_array_equal(dw_t, dw)
    assert db_t == db and c_t == c


@pytest.mark.parametrize("lambd", [0.0, 0.7])
@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_gradients_match_finite_differences_of_the_cost(loss, lambd):
    Xr, Yr, w, b = _problem()
    grads, cost = propagate(w, b, Xr, Yr, loss=loss, lambd=lambd)
    assert cost == pytest.approx(_reference_cost(w, b, Xr, Yr, loss, lambd), rel=1e-12)
    assert grads["dw"].shape == (3, 1) and isinstance(grads["db"], float)
    theta = np.r_[w.ravel(), b]
    h = 1e-6
    for j in range(4):
        e = np.zeros(4)
        e[j] = h
        up = propagate((theta + e)[:3].reshape(3, 1), (theta + e)[3], Xr, Yr, loss, lambd)[1]
        down = propagate((theta - e)[:3].reshape(3, 1), (theta - e)[3], Xr, Yr, loss, lambd)[1]
        fd = (up - down) / (2 * h)
        analytic = grads["dw"][j, 0] if j < 3 else grads["db"]
        assert analytic == pytest.approx(fd, rel=1e-6, abs=1e-10)


@pytest.mark.parametrize("loss", ["l2", "l1"])
def test_l2_and_l1_derivatives_written_out(loss):
    # dz = 2(a - y)·a(1 - a) and sign(a - y)·a(1 - a); dw = (1/m) X dzᵀ, db = (1/m) Σ dz
    Xr, Yr, w, b = _problem(seed=8)
    a = 1.0 / (1.0 + np.exp(-(w.T @ Xr + b)))
    factor = 2 * (a - Yr) if loss == "l2" else np.sign(a - Yr)
    dz = factor * a * (1 - a)
    grads, _ = propagate(w, b, Xr, Yr, loss=loss)
    np.testing.assert_allclose(grads["dw"], Xr @ dz.T / 40, rtol=1e-12)
    assert grads["db"] == pytest.approx(dz.sum() / 40, rel=1e-12)


def test_regularization_follows_the_course_convention():
    Xr, Yr, w, b = _problem(seed=5)
    lambd = 2.5
    g0, c0 = propagate(w, b, Xr, Yr)
    g, c = propagate(w, b, Xr, Yr, lambd=lambd)
    assert c == pytest.approx(c0 + lambd / (2 * 40) * float(np.sum(w**2)), rel=1e-14)
    np.testing.assert_allclose(g["dw"], g0["dw"] + lambd / 40 * w, rtol=1e-14)
    assert g["db"] == g0["db"]  # b is not regularized


def test_losses_stay_finite_and_exact_far_out():
    # z = ±800: a rounds to 0 or 1, yet the residual a - y keeps its tiny value
    Xs = np.array([[1.0, -1.0, 1.0, -1.0]])
    Ys = np.array([[1.0, 0.0, 0.0, 1.0]])
    for loss in ("l2", "l1"):
        grads, cost = propagate(np.array([[800.0]]), 0.0, Xs, Ys, loss=loss)
        assert math.isfinite(cost) and np.all(np.isfinite(grads["dw"]))
        assert cost == pytest.approx(0.5, rel=1e-15)  # two samples at |a - y| = 1
    _, cost = propagate(np.array([[30.0]]), 0.0, Xs[:, :2], Ys[:, :2], loss="l2")
    assert cost == pytest.approx((math.exp(-30) / (1 + math.exp(-30))) ** 2, rel=1e-12)


def _saturated_wrong_side(m=60, seed=2):
    """Every sample on the wrong side of w = (20, 20), with |z| ≥ 20."""
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(2, 4 * m))
    Xs = Xs[:, np.abs(Xs.sum(axis=0)) >= 1.0][:, :m]
    return Xs, (Xs.sum(axis=0, keepdims=True) < 0).astype(float)


def test_l2_loss_has_a_plateau_where_cross_entropy_does_not():
    Xs, Ys = _saturated_wrong_side()
    w0 = np.array([[20.0], [20.0]])
    g_l2, c_l2 = propagate(w0, 0.0, Xs, Ys, loss="l2")
    g_ce, _ = propagate(w0, 0.0, Xs, Ys)
    assert c_l2 > 0.99  # nearly every sample costs (a - y)² ≈ 1 …
    assert np.linalg.norm(g_l2["dw"]) < 1e-6 * np.linalg.norm(g_ce["dw"])  # … yet no slope
    runs = {}
    for loss in ("l2", "cross_entropy"):
        t = Trainer(Xs, Ys, w=[20.0, 20.0], learning_rate=1.0, num_iterations=200, loss=loss)
        t.run(200)
        runs[loss] = (np.linalg.norm(t.w.ravel() - 20.0), t.status, t.status_text)
    assert runs["l2"][0] < 1e-5  # stuck on the plateau
    assert runs["cross_entropy"][0] > 10.0  # cross-entropy's gradient pulls it back
    # the gradient is below the tolerance, and the verdict says why that is no minimum
    assert runs["l2"][1] == "converged"
    assert "on a plateau: 60 of 60 samples are misclassified" in runs["l2"][2]


def test_a_genuine_l2_minimum_is_no_plateau():
    ds = make_dataset("overlap", n_samples=150, seed=2)
    t = Trainer(ds.X, ds.Y, learning_rate=2.0, num_iterations=3000, loss="l2")
    t.run(3000)
    assert t.status == "converged" and "plateau" not in t.status_text


def _newton_regularized_optimum(Xr, Yr, lambd):
    """The minimizer of the regularized cross-entropy by Newton's method (independent)."""
    n_x, m = Xr.shape
    Xt = np.vstack([Xr, np.ones((1, m))])
    theta = np.zeros(n_x + 1)
    reg = np.diag([lambd / m] * n_x + [0.0])
    for _ in range(50):
        a = 1.0 / (1.0 + np.exp(-(theta @ Xt)))
        grad = Xt @ (a - Yr.ravel()) / m + reg @ theta
        H = (Xt * (a * (1 - a))) @ Xt.T / m + reg
        theta -= np.linalg.solve(H, grad)
    return theta


def test_regularization_gives_separable_data_a_finite_optimum():
    ds = make_dataset("blobs", n_samples=60, seed=1)
    plain = Trainer(ds.X, ds.Y, learning_rate=1.0, num_iterations=3000)
    plain.run(3000)
    assert plain.separable and plain.status == "descending"  # no minimum: J → 0 forever
    t = Trainer(ds.X, ds.Y, learning_rate=1.0, num_iterations=3000, lambd=1.0)
    t.run(3000)
    assert t.status == "converged" and not t.separable and t.gradient_norm <= t.tolerance
    theta = _newton_regularized_optimum(ds.X, ds.Y, 1.0)
    np.testing.assert_allclose(t.w.ravel(), theta[:2], rtol=1e-5)
    assert t.b == pytest.approx(theta[2], rel=1e-5, abs=1e-7)
    assert np.linalg.norm(t.w) < np.linalg.norm(plain.w)


def test_regularized_guaranteed_rate_closed_form_and_descent():
    # x = ±1: λmax(X̃X̃ᵀ/m) = 1, m = 2, so L = 1/4 + λ/2 and the bound is 2/L
    Xs = np.array([[1.0, -1.0]])
    assert stable_learning_rate(Xs, lambd=1.0) == pytest.approx(2 / 0.75)
    assert stable_learning_rate(Xs, lambd=0.0) == stable_learning_rate(Xs)
    ds = make_dataset("overlap", n_samples=100, seed=2)
    t = Trainer(ds.X * 20, ds.Y, lambd=5.0, num_iterations=1000)
    assert t.guaranteed_rate == stable_learning_rate(ds.X * 20, 5.0)
    t.learning_rate = 0.99 * t.guaranteed_rate
    t.run(1000)
    assert np.all(np.diff(t.view().costs) <= 1e-12)  # monotone below the bound


def test_regularized_local_rate_limit_uses_the_regularized_hessian():
    Xr, _, w, b = _problem(seed=9, n_x=2, m=50)
    lambd = 3.0
    H = hessian(Xr, w, b)
    H[:2, :2] += lambd / 50 * np.eye(2)
    expected = 2 / np.max(np.linalg.eigvalsh(H))
    assert local_rate_limit(Xr, w, b, lambd) == pytest.approx(expected, rel=1e-12)
    assert local_rate_limit(Xr, w, b, lambd) >= stable_learning_rate(Xr, lambd)


@pytest.mark.parametrize("loss", ["l2", "l1"])
def test_trainer_runs_other_losses_as_propagate_says(loss):
    ds = make_dataset("overlap", n_samples=80, seed=4)
    t = Trainer(ds.X, ds.Y, w=[0.5, -1.0], learning_rate=0.8, num_iterations=60, loss=loss)
    t.run(60)
    h = t.view()
    w, b = np.array([[0.5], [-1.0]]), 0.0
    for i in range(61):
        grads, cost = propagate(w, b, ds.X, ds.Y, loss=loss)
        assert h.costs[i] == pytest.approx(cost, rel=1e-12)
        np.testing.assert_allclose(h.weights[i], w.ravel(), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(h.dws[i], grads["dw"].ravel(), rtol=1e-10, atol=1e-15)
        w, b = w - 0.8 * grads["dw"], b - 0.8 * grads["db"]
    assert h.costs[-1] < h.costs[0]
    # no stability bound is claimed for these losses
    assert math.isnan(t.guaranteed_rate) and math.isnan(t.local_rate_limit)


def test_separability_with_other_losses_and_with_regularization():
    ds = make_dataset("blobs", n_samples=60, seed=1)
    for loss in ("l2", "l1"):
        t = Trainer(ds.X, ds.Y, learning_rate=1.0, num_iterations=300, loss=loss)
        t.run(300)
        assert t.separable  # J has no minimum for these losses either
        r = Trainer(ds.X, ds.Y, learning_rate=1.0, num_iterations=300, loss=loss, lambd=0.5)
        r.run(300)
        assert not r.separable


@pytest.mark.parametrize("bad", ["huber", "L2", None, 2])
def test_unknown_loss_raises(bad):
    with pytest.raises(ValueError, match=r"loss must be one of 'cross_entropy', 'l2', 'l1'"):
        propagate(W, B, X, Y, loss=bad)
    with pytest.raises(ValueError, match="loss"):
        Trainer(X, Y, loss=bad)


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "strong", None])
def test_bad_lambd_raises(bad):
    with pytest.raises(ValueError, match="lambd"):
        propagate(W, B, X, Y, lambd=bad)
    with pytest.raises(ValueError, match="lambd"):
        Trainer(X, Y, lambd=bad)


@pytest.mark.parametrize("loss", ["cross_entropy", "l2", "l1"])
@pytest.mark.parametrize("lambd", [0.0, 3.0])
@pytest.mark.parametrize("key", ["w1-w2", "w1-b", "w2-b"])
def test_the_surface_is_the_cost_propagate_gives(loss, lambd, key):
    from gd_visualizer.core import SLICES, make_dataset
    from gd_visualizer.core.surface import SurfaceRequest, compute_surface

    ds = make_dataset("iris")
    X, Y = ds.standardization().apply(ds.X), ds.Y
    spec = SLICES[key]
    xs, ys, fixed = np.linspace(-4, 4, 9), np.linspace(-3, 3, 7), 0.7
    res = compute_surface(SurfaceRequest(0, X, Y, spec, xs, ys, fixed, loss, lambd))
    # the fast grid (cross-entropy) holds 1e-3; the other losses are computed exactly
    rtol = 1e-3 if loss == "cross_entropy" else 1e-12
    for j, i in [(0, 0), (3, 4), (6, 8), (2, 7)]:
        theta = np.zeros(3)
        theta[spec.x_param], theta[spec.y_param], theta[spec.fixed_param] = xs[i], ys[j], fixed
        _, cost = propagate(theta[:2].reshape(2, 1), theta[2], X, Y, loss=loss, lambd=lambd)
        assert res.J[j, i] == pytest.approx(cost, rel=rtol), (j, i)
