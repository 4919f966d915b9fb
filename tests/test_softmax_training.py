"""Softmax regression in the trainer and on the cost surface, against independent references:
the course's rules written out in plain numpy, central differences, the K = 2 closed form
(logistic regression on z₁ - z₀) and the cost of each grid point computed on its own."""

import math

import numpy as np
import pytest

from gd_visualizer.core import Trainer, make_dataset, one_hot, propagate, softmax_propagate
from gd_visualizer.core.multiclass import (
    SoftmaxModel,
    pack_theta,
    softmax_cost_grid,
    theta_entry,
    theta_names,
    unpack_theta,
)
from gd_visualizer.core.surface import (
    SurfaceRequest,
    compute_surface,
    cost_grid,
    l2_grid,
    slice_keys,
    slice_spec,
)

K = 3


# -- independent references (numpy only, nothing of the package) ---------------------------


def ref_pack(W, b):
    """θ = (W row by row, b), as documented."""
    return np.concatenate([np.asarray(W).reshape(-1), np.asarray(b).reshape(-1)])


def ref_unpack(theta, K, n_x):
    theta = np.asarray(theta, dtype=float)
    return theta[: K * n_x].reshape(K, n_x).copy(), theta[K * n_x :].reshape(K, 1).copy()


def ref_one_hot(labels, K):
    labels = np.asarray(labels).ravel().astype(int)
    Y = np.zeros((K, labels.size))
    Y[labels, np.arange(labels.size)] = 1.0
    return Y


def ref_cost_grad(W, b, X, labels, lambd=0.0, m_reg=None):
    """The course's softmax pass: Z = WX + b, stable softmax, J = -(1/m)ΣΣ Y log A (+ the
    L2 term (λ/2m)‖W‖² with m = ``m_reg``, the data's own), dZ = A - Y, dW = dZ Xᵀ/m
    (+ (λ/m)W), db = ΣdZ/m."""
    K, m = W.shape[0], X.shape[1]
    m_reg = m if m_reg is None else m_reg
    Y = ref_one_hot(labels, K)
    Z = W @ X + b
    Zs = Z - Z.max(axis=0, keepdims=True)
    E = np.exp(Zs)
    S = E.sum(axis=0, keepdims=True)
    A = E / S
    cost = -float(np.sum(Y * (Zs - np.log(S)))) / m
    dZ = A - Y
    dW = dZ @ X.T / m
    db = dZ.sum(axis=1, keepdims=True) / m
    if lambd:
        cost += lambd / (2.0 * m_reg) * float(np.sum(W * W))
        dW = dW + lambd / m_reg * W
    return cost, dW, db


def ref_theta_cost(theta, X, labels, lambd=0.0):
    W, b = ref_unpack(theta, K, X.shape[0])
    return ref_cost_grad(W, b, X, labels, lambd)[0]


def ref_run(X, labels, name, lr, steps, lambd=0.0, batch=None, seed=0, b1=0.9, b2=0.999, eps=1e-8):
    """The optimizers' rules written out on θ (W and b as separate arrays), with the
    documented mini-batches: epoch e visits default_rng([seed, e]).permutation(m) in
    consecutive batches; t counts updates from 1.  Returns the θ of every state."""
    n_x, m = X.shape
    W, b = np.zeros((K, n_x)), np.zeros((K, 1))
    vW, vb, sW, sb = np.zeros_like(W), np.zeros_like(b), np.zeros_like(W), np.zeros_like(b)
    path = [ref_pack(W, b)]
    for t in range(1, steps + 1):
        i = t - 1
        if batch is None or batch >= m:
            idx = np.arange(m)
        else:
            n_b = -(-m // batch)
            epoch, j = divmod(i, n_b)
            idx = np.random.default_rng([seed, epoch]).permutation(m)[j * batch : (j + 1) * batch]
        _, dW, db = ref_cost_grad(W, b, X[:, idx], labels[idx], lambd, m_reg=m)
        if name == "gd":
            W, b = W - lr * dW, b - lr * db
        else:
            vW, vb = b1 * vW + (1 - b1) * dW, b1 * vb + (1 - b1) * db
            sW, sb = b2 * sW + (1 - b2) * dW**2, b2 * sb + (1 - b2) * db**2
            if name == "momentum":
                W, b = W - lr * vW, b - lr * vb
            elif name == "rmsprop":
                W, b = W - lr * dW / (np.sqrt(sW) + eps), b - lr * db / (np.sqrt(sb) + eps)
            else:  # adam
                c1, c2 = 1 - b1**t, 1 - b2**t
                W = W - lr * (vW / c1) / (np.sqrt(sW / c2) + eps)
                b = b - lr * (vb / c1) / (np.sqrt(sb / c2) + eps)
        path.append(ref_pack(W, b))
    return np.array(path)


def thetas(view):
    """θ of every recorded state: w = θ[:-1], b = θ[-1]."""
    return np.column_stack([view.weights, view.biases])


def assert_close_path(got, want, rtol=1e-12):
    # relative to the parameters' scale too (entries pass near 0, where rtol means nothing)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * np.abs(want).max())


def iris3():
    ds = make_dataset("iris3")
    return ds.standardization().apply(ds.X), ds.Y


def labels_of(Y):
    return np.asarray(Y).ravel().astype(int)


def random_problem(m=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(2, m))
    labels = rng.integers(0, K, size=m)
    labels[:K] = np.arange(K)
    theta = rng.normal(size=K * 3)
    return X, labels, theta


# -- 1. batch gradient descent equals the plain loop ---------------------------------------


def test_fifty_gd_updates_on_iris3_equal_the_plain_numpy_loop():
    X, Y = iris3()
    labels = labels_of(Y)
    lr, steps = 0.3, 50
    t = Trainer(X, Y, learning_rate=lr, num_iterations=steps, classes=K)
    assert (t.classes, t.n_features, t.n_x) == (3, 2, 3 * (2 + 1) - 1)
    assert t.run(steps) == steps
    h = t.view()
    assert h.weights.shape == (steps + 1, 8) and len(h) == steps + 1
    np.testing.assert_array_equal(h.iterations, np.arange(steps + 1))

    W, b = np.zeros((K, 2)), np.zeros((K, 1))
    costs, path, grads = [], [], []
    for _ in range(steps + 1):
        cost, dW, db = ref_cost_grad(W, b, X, labels)
        costs.append(cost)
        path.append(ref_pack(W, b))
        grads.append(ref_pack(dW, db))
        W, b = W - lr * dW, b - lr * db  # W -= α dW; b -= α db
    np.testing.assert_allclose(h.costs, costs, rtol=1e-12)
    assert_close_path(thetas(h), np.array(path))
    assert_close_path(np.column_stack([h.dws, h.dbs]), np.array(grads))
    assert costs[0] == pytest.approx(math.log(3), rel=1e-15)  # θ = 0: every class 1/3
    assert costs[-1] < 0.6 * costs[0]  # the run moved


def test_theta_layout_is_w_row_by_row_then_b():
    names = theta_names(3, 2)
    assert names == ("W11", "W12", "W21", "W22", "W31", "W32", "b1", "b2", "b3")
    W = np.arange(6.0).reshape(3, 2)
    b = np.array([[10.0], [11.0], [12.0]])
    theta = pack_theta(W, b)
    np.testing.assert_array_equal(theta, ref_pack(W, b))
    W2, b2 = unpack_theta(theta, 3, 2)
    np.testing.assert_array_equal(W2, W)
    np.testing.assert_array_equal(b2, b)
    for i, name in enumerate(names):
        k, j = theta_entry(i, 3, 2)
        assert name == (f"b{k + 1}" if j is None else f"W{k + 1}{j + 1}")


# -- 2. the regularized gradient against central differences -------------------------------


@pytest.mark.parametrize("lambd", [0.0, 0.7, 5.0])
def test_regularized_gradient_matches_central_differences(lambd):
    X, labels, theta = random_problem(m=30, seed=3)
    model = SoftmaxModel(X, labels.reshape(1, -1).astype(float), K)
    dtheta, cost, _ = model.gradients(theta, lambd)
    assert cost == pytest.approx(ref_theta_cost(theta, X, labels, lambd), rel=1e-13)
    eps = 1e-6
    numeric = np.empty_like(theta)
    for i in range(theta.size):
        plus, minus = theta.copy(), theta.copy()
        plus[i] += eps
        minus[i] -= eps
        numeric[i] = (
            ref_theta_cost(plus, X, labels, lambd) - ref_theta_cost(minus, X, labels, lambd)
        ) / (2 * eps)
    np.testing.assert_allclose(dtheta, numeric, rtol=1e-6, atol=1e-8)
    # λ adds (λ/m)W to dW and nothing to db
    plain, plain_cost, _ = model.gradients(theta, 0.0)
    W, _ = ref_unpack(theta, K, 2)
    n_w = K * 2
    np.testing.assert_allclose(
        dtheta[:n_w] - plain[:n_w], lambd / 30 * W.ravel(), rtol=1e-10, atol=1e-15
    )
    np.testing.assert_array_equal(dtheta[n_w:], plain[n_w:])  # b is not regularized
    assert cost - plain_cost == pytest.approx(lambd / 60 * np.sum(W * W), rel=1e-10, abs=1e-15)


def test_trainer_records_the_regularized_cost_and_gradient():
    X, Y = iris3()
    labels = labels_of(Y)
    t = Trainer(X, Y, learning_rate=0.2, num_iterations=15, classes=K, lambd=2.0)
    t.run(15)
    h = t.view()
    for i in (0, 1, 7, 15):
        W, b = ref_unpack(thetas(h)[i], K, 2)
        cost, dW, db = ref_cost_grad(W, b, X, labels, lambd=2.0)
        assert h.costs[i] == pytest.approx(cost, rel=1e-12)
        got = np.append(h.dws[i], h.dbs[i])
        np.testing.assert_allclose(got, ref_pack(dW, db), rtol=1e-11, atol=1e-14)
    assert_close_path(thetas(h), ref_run(X, labels, "gd", 0.2, 15, lambd=2.0))


# -- 3. optimizers and mini-batches --------------------------------------------------------


@pytest.mark.parametrize(("name", "lr"), [("momentum", 0.5), ("rmsprop", 0.01), ("adam", 0.05)])
def test_optimizer_updates_equal_the_rules_written_out(name, lr):
    X, Y = iris3()
    t = Trainer(X, Y, learning_rate=lr, num_iterations=12, classes=K, optimizer=name)
    t.run(12)
    want = ref_run(X, labels_of(Y), name, lr, 12)
    assert_close_path(thetas(t.view()), want)
    assert not np.allclose(want[-1], want[0])


def test_adam_first_step_is_alpha_times_sign_in_every_entry():
    X, Y = iris3()
    # (not from θ = 0: iris3's classes are balanced, so there db = 0 up to rounding)
    start = dict(w=np.linspace(-0.5, 0.5, 8), b=0.2)
    t = Trainer(X, Y, learning_rate=0.01, num_iterations=1, classes=K, optimizer="adam", **start)
    g0 = np.append(t.dw.ravel(), t.db)
    assert np.all(np.abs(g0) > 1e-3)  # |dθ| ≫ ε in every entry
    t.run(1)
    h = thetas(t.view())
    np.testing.assert_allclose(h[0] - h[1], 0.01 * np.sign(g0), rtol=1e-5)


@pytest.mark.parametrize("name", ["gd", "momentum", "adam"])
def test_mini_batches_follow_the_documented_order_and_full_m_regularization(name):
    X, Y = iris3()
    labels = labels_of(Y)
    # 150 samples in batches of 32: 5 per epoch (the last one 22), 12 updates span 3 epochs
    kw = dict(learning_rate=0.1, num_iterations=12, classes=K, optimizer=name)
    t = Trainer(X, Y, batch_size=32, seed=4, lambd=0.5, **kw)
    t.run(12)
    h = t.view()
    assert_close_path(thetas(h), ref_run(X, labels, name, 0.1, 12, lambd=0.5, batch=32, seed=4))
    # every recorded cost is the FULL cost, with (λ/2m)‖W‖², m = 150
    for i in (0, 5, 12):
        W, b = ref_unpack(thetas(h)[i], K, 2)
        assert h.costs[i] == pytest.approx(ref_cost_grad(W, b, X, labels, 0.5)[0], rel=1e-12)
    # the batch gradient kept beside entry i: batch mean + (λ/m)W with the full m
    bdw, bdb = t.batch_gradients()
    assert bdw.shape == (13, 8) and bdb.shape == (13,)
    for i in (0, 4, 5, 11):
        idx = np.random.default_rng([4, i // 5]).permutation(150)[(i % 5) * 32 : (i % 5 + 1) * 32]
        np.testing.assert_array_equal(np.sort(t.batch_indices(i)), np.sort(idx))
        W, b = ref_unpack(thetas(h)[i], K, 2)
        _, dW, db = ref_cost_grad(W, b, X[:, idx], labels[idx], 0.5, m_reg=150)
        np.testing.assert_allclose(
            np.append(bdw[i], bdb[i]), ref_pack(dW, db), rtol=1e-11, atol=1e-14
        )
    assert len(t.batch_indices(4)) == 150 - 4 * 32


@pytest.mark.parametrize("size", [150, 151, 10_000])
def test_batch_size_m_is_gradient_descent_exactly(size):
    X, Y = iris3()
    kw = dict(learning_rate=0.4, num_iterations=30, classes=K, lambd=0.3)
    full = Trainer(X, Y, **kw)
    batch = Trainer(X, Y, batch_size=size, seed=9, **kw)
    full.run(30)
    batch.run(30)
    assert batch.batch_size == 150
    a, b = full.view(), batch.view()
    for key in ("iterations", "costs", "weights", "biases", "dws", "dbs", "learning_rates"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
    dws, dbs = batch.batch_gradients()
    np.testing.assert_array_equal(dws, a.dws)
    np.testing.assert_array_equal(dbs, a.dbs)


# -- 4. K = 2 is logistic regression on z₁ - z₀ --------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_classes_are_logistic_regression_on_the_difference(seed):
    rng = np.random.default_rng(seed)
    n_x, m = 3, 25
    X = rng.normal(size=(n_x, m))
    labels = rng.integers(0, 2, size=m).astype(float)
    W, b = rng.normal(size=(2, n_x)), rng.normal(size=(2, 1))
    model = SoftmaxModel(X, labels.reshape(1, -1), 2)
    dtheta, cost, right = model.gradients(pack_theta(W, b))
    w, b_diff = (W[1] - W[0]).reshape(-1, 1), float(b[1, 0] - b[0, 0])
    grads, logistic_cost = propagate(w, b_diff, X, labels.reshape(1, -1))
    assert cost == pytest.approx(logistic_cost, rel=1e-12)
    dW, db = unpack_theta(dtheta, 2, n_x)
    dw = grads["dw"].ravel()
    # J(W) = J_logistic(W₁ - W₀, b₁ - b₀): dW₁ = dw, dW₀ = -dw, db₁ = db, db₀ = -db
    np.testing.assert_allclose(dW[1], dw, rtol=1e-11, atol=1e-15)
    np.testing.assert_allclose(dW[0], -dw, rtol=1e-11, atol=1e-15)
    assert db[1, 0] == pytest.approx(grads["db"], rel=1e-11, abs=1e-15)
    assert db[0, 0] == pytest.approx(-grads["db"], rel=1e-11, abs=1e-15)
    z = w.ravel() @ X + b_diff
    logistic_acc = float(np.mean((z > 0) == (labels > 0.5)))
    assert model.accuracy(pack_theta(W, b)) == logistic_acc
    assert right == (logistic_acc == 1.0)


# -- 5. cost grids of softmax slices -------------------------------------------------------

SOFTMAX_SLICES = ["W11-W12", "W12-W31", "W21-b3", "W22-b2", "b1-b2", "b1-b3"]


def grid_reference(X, labels, theta, a, c, xs, ys, lambd=0.0):
    """Each grid point's cost, one softmax_propagate call per point."""
    Y = one_hot(labels, K)
    m = X.shape[1]
    out = np.empty((len(ys), len(xs)))
    for j, y in enumerate(ys):
        for i, x in enumerate(xs):
            th = theta.copy()
            th[a], th[c] = x, y
            W, b = ref_unpack(th, K, 2)
            out[j, i] = softmax_propagate(W, b, X, Y)[1] + lambd / (2 * m) * np.sum(W * W)
    return out


@pytest.mark.parametrize("key", SOFTMAX_SLICES)
def test_every_grid_point_is_the_cost_with_those_two_entries_replaced(key):
    X, labels, theta = random_problem(m=40, seed=5)
    names = theta_names(K, 2)
    a_name, c_name = key.split("-")
    spec = slice_spec(key, 2, K)
    assert spec.classes == K and spec.n_params == 9
    assert (names[spec.x_param], names[spec.y_param]) == (a_name, c_name)
    a, c = names.index(a_name), names.index(c_name)
    xs, ys = np.linspace(-3, 3, 7), np.linspace(-2, 4, 5)  # unequal: a transposition shows
    want = grid_reference(X, labels, theta, a, c, xs, ys)
    theta_junk = theta.copy()
    theta_junk[[a, c]] = 1e3  # the entries on the axes are ignored
    got = softmax_cost_grid(X, labels, K, (a, c), xs, ys, theta_junk)
    assert got.shape == (5, 7)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    via = cost_grid(X, labels.reshape(1, -1), spec, xs, ys, 0.0, theta=theta_junk)
    np.testing.assert_allclose(via, want, rtol=1e-12)
    # with λ: + (λ/2m)‖W‖² (b unregularized), m = 40
    lambd = 3.0
    reg = cost_grid(X, labels.reshape(1, -1), spec, xs, ys, 0.0, lambd=lambd, theta=theta_junk)
    np.testing.assert_allclose(
        reg, grid_reference(X, labels, theta, a, c, xs, ys, lambd), rtol=1e-12
    )
    l2_want = np.empty_like(want)
    for j, y in enumerate(ys):
        for i, x in enumerate(xs):
            th = theta.copy()
            th[a], th[c] = x, y
            l2_want[j, i] = lambd / 80 * np.sum(th[: K * 2] ** 2)
    np.testing.assert_allclose(
        l2_grid(spec, xs, ys, 0.0, lambd, 40, theta_junk), l2_want, rtol=1e-14
    )
    np.testing.assert_allclose(reg - via, l2_want, rtol=0, atol=8 * np.finfo(float).eps * reg.max())
    if a_name.startswith("b") and c_name.startswith("b"):  # no weight on an axis: flat
        assert np.ptp(l2_want) == 0.0


def test_a_softmax_slice_needs_theta():
    X, labels, _ = random_problem()
    with pytest.raises(ValueError, match="theta"):
        cost_grid(X, labels.reshape(1, -1), slice_spec("W11-b1", 2, K), [0.0], [0.0], 0.0)


def test_slice_keys_cover_every_pair_of_theta():
    keys = slice_keys(2, K)
    assert len(keys) == 9 * 8 // 2 and len(set(keys)) == len(keys)
    assert "W11-W12" in keys and "W21-b3" in keys and "b1-b2" in keys


# -- 6. compute_surface samples big data ---------------------------------------------------


def test_compute_surface_averages_a_fixed_subset_of_many_samples():
    ds = make_dataset("blobs3", n_samples=3000, noise=0.6, seed=1)
    X, Y = ds.X, ds.Y
    spec = slice_spec("W21-b2", 2, K)
    theta = np.array([0.2, 0.9, -0.6, -0.3, 0.5, -0.4, 0.1, 0.0, -0.1])
    xs, ys = np.linspace(-3, 3, 13), np.linspace(-2, 2, 11)
    req = SurfaceRequest(1, X, Y, spec, xs, ys, 0.0, theta=theta)
    res = compute_surface(req)
    assert res.sampled == 1000 and res.J.shape == (11, 13)
    again = compute_surface(SurfaceRequest(2, X, Y, spec, xs, ys, 0.0, theta=theta))
    np.testing.assert_array_equal(again.J, res.J)  # the same subset every time
    exact = grid_reference(X, labels_of(Y), theta, spec.x_param, spec.y_param, xs, ys)
    assert np.max(np.abs(res.J - exact) / exact) < 0.05
    full = compute_surface(req, exact=True)
    assert full.sampled == 0
    np.testing.assert_allclose(full.J, exact, rtol=1e-12)
    # λ: (λ/2m)‖W‖² with the data's own m = 3000, not the 1000 sampled
    reg = compute_surface(SurfaceRequest(3, X, Y, spec, xs, ys, 0.0, lambd=30.0, theta=theta))
    assert reg.sampled == 1000
    gx, _ = np.meshgrid(xs, ys)
    held_sq = np.sum(np.delete(theta[:6], [spec.x_param]) ** 2)  # b2 is not a weight
    l2 = 30.0 / 6000 * (gx**2 + held_sq)
    np.testing.assert_allclose(reg.J - res.J, l2, rtol=1e-9)


def test_compute_surface_uses_every_sample_up_to_a_thousand():
    ds = make_dataset("blobs3", n_samples=900, seed=2)
    spec = slice_spec("W11-W32", 2, K)
    theta = np.linspace(-1, 1, 9)
    xs, ys = np.linspace(-2, 2, 6), np.linspace(-2, 2, 5)
    res = compute_surface(SurfaceRequest(1, ds.X, ds.Y, spec, xs, ys, 0.0, theta=theta))
    assert res.sampled == 0
    want = grid_reference(ds.X, labels_of(ds.Y), theta, spec.x_param, spec.y_param, xs, ys)
    np.testing.assert_allclose(res.J, want, rtol=1e-12)


# -- 7. verdicts and rewinds ---------------------------------------------------------------


def test_iris3_descends_to_a_good_classifier():
    X, Y = iris3()
    t = Trainer(X, Y, learning_rate=0.5, num_iterations=400, classes=K)
    t.run(400)
    assert t.status in ("descending", "converged")
    assert t.accuracy() > 0.9 and not t.separable and not t.diverged
    W, b = ref_unpack(np.append(t.w.ravel(), t.b), K, 2)
    ref_acc = float(np.mean(np.argmax(W @ X + b, axis=0) == labels_of(Y)))
    assert t.accuracy() == ref_acc


def first_all_right(view, X, labels):
    for i, theta in enumerate(thetas(view)):
        W, b = ref_unpack(theta, K, 2)
        if np.all(np.argmax(W @ X + b, axis=0) == labels):
            return int(view.iterations[i])
    return None


def test_separable_blobs_are_reported_only_without_regularization():
    ds = make_dataset("blobs3", n_samples=150, noise=0.2, seed=0)
    labels = labels_of(ds.Y)
    plain = Trainer(ds.X, ds.Y, learning_rate=0.5, num_iterations=100, classes=K)
    plain.run(100)
    at = first_all_right(plain.view(), ds.X, labels)
    assert at is not None
    assert plain.separable and plain.separable_at == at
    assert plain.status == "descending" and "separable" in plain.status_text
    reg = Trainer(ds.X, ds.Y, learning_rate=0.5, num_iterations=100, classes=K, lambd=1.0)
    reg.run(100)
    assert first_all_right(reg.view(), ds.X, labels) is not None  # 100% right, yet:
    assert not reg.separable and reg.separable_at is None
    assert "separable" not in reg.status_text and reg.accuracy() == 1.0


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"optimizer": "momentum", "batch_size": 25, "lambd": 0.1, "seed": 3},
        {"optimizer": "adam", "batch_size": 40},
    ],
)
def test_rewind_then_rerun_reproduces_the_history_bit_for_bit(kw):
    X, Y = iris3()
    args = dict(learning_rate=0.05, num_iterations=60, classes=K, **kw)
    straight = Trainer(X, Y, **args)
    straight.run(60)
    t = Trainer(X, Y, **args)
    t.run(45)
    branch = t.rewind(20)
    assert len(branch) == 26 and t.iteration == 20
    np.testing.assert_array_equal(branch.weights, straight.view().weights[20:46])
    t.run(100)
    a, b = straight.view(), t.view()
    for key in ("iterations", "costs", "weights", "biases", "dws", "dbs", "learning_rates"):
        np.testing.assert_array_equal(getattr(b, key), getattr(a, key))
    for got, want in zip(t.batch_gradients(), straight.batch_gradients(), strict=True):
        np.testing.assert_array_equal(got, want)
    assert t.status == straight.status and t.status_text == straight.status_text


# -- 8. bad input --------------------------------------------------------------------------


def test_softmax_with_another_loss_is_refused():
    X, Y = iris3()
    with pytest.raises(ValueError, match="cross-entropy"):
        Trainer(X, Y, classes=K, loss="l2")


@pytest.mark.parametrize("bad", [3.0, -1.0, 7.0])
def test_labels_outside_the_classes_name_the_range(bad):
    X, Y = iris3()
    Y = Y.copy()
    Y[0, 17] = bad
    with pytest.raises(ValueError, match="from 0 to 2"):
        Trainer(X, Y, classes=K)


@pytest.mark.parametrize("bad", [1.5, 2.9, -0.5, float("nan"), float("inf")])
def test_labels_that_are_not_whole_class_numbers_are_refused(bad):
    # labels are class indices 0 … K-1: a fraction, NaN or inf is no class
    X, Y = iris3()
    Y = Y.copy()
    Y[0, 17] = bad
    with pytest.raises(ValueError, match="from 0 to 2"):
        Trainer(X, Y, classes=K)
    with pytest.raises(ValueError, match="from 0 to 2"):
        SoftmaxModel(X, Y, K)


@pytest.mark.parametrize("classes", [1, 0, -3, "3", 3.0, None])
def test_bad_class_counts_are_refused(classes):
    X, Y = iris3()
    with pytest.raises(ValueError, match="classes"):
        Trainer(X, Y, classes=classes)


def test_a_start_point_must_have_every_entry_of_theta():
    X, Y = iris3()
    with pytest.raises(ValueError, match="8 entries"):
        Trainer(X, Y, classes=K, w=np.zeros(2))
    t = Trainer(X, Y, classes=K, w=np.arange(8.0) / 10, b=0.3)
    W, b = ref_unpack(np.append(np.arange(8.0) / 10, 0.3), K, 2)
    assert t.cost == pytest.approx(ref_cost_grad(W, b, X, labels_of(Y))[0], rel=1e-13)
