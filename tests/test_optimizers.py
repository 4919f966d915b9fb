"""Momentum, RMSprop, Adam and mini-batches against hand computations and plain references."""

import math

import numpy as np
import pytest

from gd_visualizer.core import (
    OPTIMIZERS,
    Trainer,
    make_dataset,
    make_optimizer,
    propagate,
)

# J(w) = (w - 3)²: dw = 2(w - 3); b is a second, independent coordinate with J(b) = b²
TARGET = 3.0


def _grad(w, b):
    return 2.0 * (w - TARGET), 2.0 * b


def _reference_steps(name, lr, beta1, beta2, eps, steps=2, w=0.0, b=0.7):
    """The course's update rules, one coordinate at a time, in plain Python floats."""
    v = {"w": 0.0, "b": 0.0}
    s = {"w": 0.0, "b": 0.0}
    theta = {"w": w, "b": b}
    path = []
    for t in range(1, steps + 1):
        g = dict(zip(("w", "b"), _grad(theta["w"], theta["b"]), strict=True))
        for k in ("w", "b"):
            v[k] = beta1 * v[k] + (1 - beta1) * g[k]
            s[k] = beta2 * s[k] + (1 - beta2) * g[k] ** 2
            if name == "momentum":
                theta[k] -= lr * v[k]
            elif name == "rmsprop":
                theta[k] -= lr * g[k] / (math.sqrt(s[k]) + eps)
            else:  # adam
                v_hat = v[k] / (1 - beta1**t)
                s_hat = s[k] / (1 - beta2**t)
                theta[k] -= lr * v_hat / (math.sqrt(s_hat) + eps)
        path.append((theta["w"], theta["b"]))
    return path


def _optimizer_steps(name, lr, beta1, beta2, eps, steps=2, w=0.0, b=0.7):
    opt = make_optimizer(name, n_x=1, beta1=beta1, beta2=beta2, epsilon=eps)
    w_arr = np.array([w])
    path = []
    for _ in range(steps):
        dw, db = _grad(w_arr[0], b)
        delta_w, delta_b = opt.step(np.array([dw]), db, lr)
        w_arr, b = w_arr - delta_w, b - delta_b
        path.append((float(w_arr[0]), b))
    return path


@pytest.mark.parametrize("name", ["momentum", "rmsprop", "adam"])
def test_first_two_steps_match_the_rules(name):
    args = (0.1, 0.9, 0.99, 1e-8)
    np.testing.assert_allclose(
        _optimizer_steps(name, *args), _reference_steps(name, *args), rtol=1e-13
    )


def test_first_two_steps_by_hand():
    # momentum, β₁ = 0.9, α = 0.1, from w = 0: dw = -6, v = -0.6, w = 0.06;
    # dw = -5.88, v = 0.9·(-0.6) + 0.1·(-5.88) = -1.128, w = 0.06 + 0.1128 = 0.1728
    (w1, _), (w2, _) = _optimizer_steps("momentum", 0.1, 0.9, 0.999, 1e-8)
    assert w1 == pytest.approx(0.06, rel=1e-14) and w2 == pytest.approx(0.1728, rel=1e-14)
    # RMSprop, β₂ = 0.9: s = 0.1·36, step = α·6/√3.6 = α/√(1 - β₂) = √0.1 (ε aside);
    # then dw = 2(√0.1 - 3), s = 0.9·3.6 + 0.1·dw², w += α·|dw|/√s
    (w1, _), (w2, _) = _optimizer_steps("rmsprop", 0.1, 0.9, 0.9, 1e-12)
    assert w1 == pytest.approx(math.sqrt(0.1), rel=1e-10)
    g2 = 2 * (math.sqrt(0.1) - 3)
    assert w2 == pytest.approx(w1 - 0.1 * g2 / math.sqrt(0.9 * 3.6 + 0.1 * g2 * g2), rel=1e-10)
    # Adam: the bias correction makes the first step α·sign(dw) in every coordinate
    (w1, b1), _ = _optimizer_steps("adam", 0.1, 0.9, 0.999, 1e-12)
    assert w1 == pytest.approx(0.1, rel=1e-10) and b1 == pytest.approx(0.6, rel=1e-10)


def test_adam_first_step_is_alpha_times_sign():
    opt = make_optimizer("adam", n_x=3)
    dw = np.array([250.0, -3e-3, 1e4])  # |dw| ≫ ε = 1e-8
    delta_w, delta_b = opt.step(dw, -0.5, lr=0.01)
    np.testing.assert_allclose(delta_w, 0.01 * np.sign(dw), rtol=1e-5)
    assert delta_b == pytest.approx(-0.01, rel=1e-7)
    assert delta_w.shape == dw.shape and opt.t == 1


def test_reset_and_state_round_trip():
    opt = make_optimizer("adam", n_x=2)
    for _ in range(3):
        opt.step(np.array([1.0, -2.0]), 0.5, 0.1)
    saved = opt.state()
    after = opt.step(np.array([0.3, 0.1]), -1.0, 0.1)
    opt.set_state(saved)
    again = opt.step(np.array([0.3, 0.1]), -1.0, 0.1)
    np.testing.assert_array_equal(after[0], again[0])
    assert after[1] == again[1]
    opt.reset()
    assert opt.t == 0 and not opt.v.any() and not opt.s.any()


def _overlap():
    ds = make_dataset("overlap", n_samples=150, seed=2)
    return ds.X, ds.Y


@pytest.mark.parametrize(
    ("name", "rate"), [("gd", 1.0), ("momentum", 1.0), ("rmsprop", 0.01), ("adam", 0.05)]
)
def test_each_optimizer_decreases_j_on_a_well_conditioned_problem(name, rate):
    X, Y = _overlap()
    reference = Trainer(X, Y, learning_rate=1.0, num_iterations=5000)
    reference.run(5000)
    assert reference.status == "converged"
    t = Trainer(X, Y, learning_rate=rate, num_iterations=800, optimizer=name)
    t.run(800)
    costs = t.view().costs
    assert costs[-1] < 0.7 * costs[0]
    assert costs[-1] == pytest.approx(reference.cost, abs=1e-4)
    assert not t.diverged and np.all(np.isfinite(costs))


def test_full_batch_gd_through_the_general_path_is_the_same_update():
    # momentum with β₁ = 0 is gradient descent, taken through the optimizer
    X, Y = _overlap()
    fused = Trainer(X, Y, learning_rate=0.5, num_iterations=100)
    general = Trainer(X, Y, learning_rate=0.5, num_iterations=100, optimizer="momentum", beta1=0.0)
    fused.run(100)
    general.run(100)
    np.testing.assert_allclose(general.view().weights, fused.view().weights, rtol=1e-12)
    np.testing.assert_allclose(general.view().costs, fused.view().costs, rtol=1e-12)


@pytest.mark.parametrize("size", [150, 151, 10_000])
def test_batch_size_m_is_batch_gradient_descent_exactly(size):
    X, Y = _overlap()
    full = Trainer(X, Y, learning_rate=0.5, num_iterations=60)
    batch = Trainer(X, Y, learning_rate=0.5, num_iterations=60, batch_size=size, seed=7)
    full.run(60)
    batch.run(60)
    assert batch.batch_size == 150
    a, b = full.view(), batch.view()
    for key in ("iterations", "costs", "weights", "biases", "dws", "dbs", "learning_rates"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
    dws, dbs = batch.batch_gradients()
    np.testing.assert_array_equal(dws, a.dws)
    np.testing.assert_array_equal(dbs, a.dbs)


def _sgd(seed, **kw):
    X, Y = _overlap()
    t = Trainer(X, Y, learning_rate=0.2, num_iterations=300, batch_size=1, seed=seed, **kw)
    t.run(300)
    return t


def test_stochastic_run_is_reproducible_and_records_the_full_cost():
    t = _sgd(seed=11)
    again = _sgd(seed=11)
    other = _sgd(seed=12)
    h = t.view()
    np.testing.assert_array_equal(h.weights, again.view().weights)
    np.testing.assert_array_equal(t.batch_gradients()[0], again.batch_gradients()[0])
    assert not np.array_equal(h.weights, other.view().weights)
    X, Y = _overlap()
    batch_dws, batch_dbs = t.batch_gradients()
    assert batch_dws.shape == (301, 2) and batch_dbs.shape == (301,)
    for i in range(301):
        w = h.weights[i].reshape(2, 1)
        grads, cost = propagate(w, h.biases[i], X, Y)
        assert h.costs[i] == pytest.approx(cost, rel=1e-12)  # the FULL cost
        np.testing.assert_allclose(h.dws[i], grads["dw"].ravel(), rtol=1e-10, atol=1e-15)
        (j,) = t.batch_indices(i)
        one, _ = propagate(w, h.biases[i], X[:, [j]], Y[:, [j]])
        np.testing.assert_allclose(batch_dws[i], one["dw"].ravel(), rtol=1e-12, atol=1e-15)
        assert batch_dbs[i] == pytest.approx(one["db"], rel=1e-12, abs=1e-15)
        if i < 300:  # w := w - α·dw of the single sample
            np.testing.assert_allclose(h.weights[i + 1], h.weights[i] - 0.2 * batch_dws[i])


def test_shuffling_covers_each_sample_once_per_epoch():
    X, Y = _overlap()
    t = Trainer(X[:, :10], Y[:, :10], batch_size=3, seed=5)
    epochs = []
    for e in range(3):  # four batches per epoch: 3, 3, 3 and the remaining 1
        batches = [t.batch_indices(4 * e + j) for j in range(4)]
        assert [len(b) for b in batches] == [3, 3, 3, 1]
        order = np.concatenate(batches)
        np.testing.assert_array_equal(np.sort(order), np.arange(10))
        epochs.append(order)
    assert not np.array_equal(epochs[0], epochs[1])
    np.testing.assert_array_equal(t.batch_indices(5), epochs[1][3:6])  # pure function of i


def test_mini_batch_with_regularization_uses_the_full_m():
    X, Y = _overlap()
    t = Trainer(X, Y, learning_rate=0.1, num_iterations=20, batch_size=16, lambd=2.0, seed=3)
    t.run(20)
    h = t.view()
    batch_dws, batch_dbs = t.batch_gradients()
    for i in (0, 7, 20):
        w = h.weights[i].reshape(2, 1)
        idx = t.batch_indices(i)
        plain, _ = propagate(w, h.biases[i], X[:, idx], Y[:, idx])
        expected = plain["dw"].ravel() + 2.0 / 150 * h.weights[i]  # (λ/m)·w, m = 150
        np.testing.assert_allclose(batch_dws[i], expected, rtol=1e-12)
        assert batch_dbs[i] == pytest.approx(plain["db"], rel=1e-12, abs=1e-15)
        _, cost = propagate(w, h.biases[i], X, Y, lambd=2.0)
        assert h.costs[i] == pytest.approx(cost, rel=1e-12)


@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_rewind_continues_exactly_as_the_run_went(name):
    X, Y = _overlap()
    kw = dict(learning_rate=0.05, num_iterations=40, optimizer=name, batch_size=20, seed=1)
    straight = Trainer(X, Y, **kw)
    straight.run(40)
    t = Trainer(X, Y, **kw)
    t.run(25)
    t.rewind(10)
    t.run(30)
    np.testing.assert_array_equal(t.view().weights, straight.view().weights)
    np.testing.assert_array_equal(t.batch_gradients()[0], straight.batch_gradients()[0])


def test_batch_gradients_stay_aligned_when_the_history_thins():
    X, Y = _overlap()
    kw = dict(learning_rate=0.05, num_iterations=203, optimizer="adam", batch_size=25)
    t = Trainer(X, Y, history_capacity=16, **kw)
    t.run(203)
    h = t.view()
    assert h.stride > 1 and h.iterations[-1] == 203
    batch_dws, batch_dbs = t.batch_gradients()
    assert len(batch_dws) == len(h)
    for i, it in enumerate(h.iterations):
        idx = t.batch_indices(int(it))
        g, _ = propagate(h.weights[i].reshape(2, 1), h.biases[i], X[:, idx], Y[:, idx])
        np.testing.assert_allclose(batch_dws[i], g["dw"].ravel(), rtol=1e-12, atol=1e-15)
        assert batch_dbs[i] == pytest.approx(g["db"], rel=1e-12, abs=1e-15)


def test_verdicts_claim_nothing_false_for_other_optimizers():
    X, Y = _overlap()
    for kw in ({"optimizer": "adam"}, {"batch_size": 10}, {"optimizer": "rmsprop"}):
        t = Trainer(X, Y, learning_rate=0.01, num_iterations=10, **kw)
        assert math.isnan(t.guaranteed_rate) and math.isnan(t.stable_learning_rate)
        assert math.isnan(t.local_rate_limit)
    # "converged" is about the full-data gradient, whatever the optimizer
    t = Trainer(X, Y, learning_rate=0.05, num_iterations=3000, optimizer="adam")
    t.run(3000)
    assert t.status == "converged"
    grads, _ = propagate(t.w, t.b, X, Y)
    assert math.hypot(*grads["dw"].ravel(), grads["db"]) <= t.tolerance
    # stochastic: the full gradient never gets that small at a fixed rate
    s = _sgd(seed=0)
    assert s.status != "converged" and s.gradient_norm > s.tolerance


def test_non_finite_values_stop_the_general_path_too():
    Xb = np.array([[1e300, -1e300], [1e300, 2e300]])
    t = Trainer(Xb, np.array([[1.0, 0.0]]), learning_rate=1e10, optimizer="momentum")
    t.run(100)
    assert t.diverged and "non-finite" in t.divergence_reason and t.iteration < 100
    h = t.view()
    assert np.all(np.isfinite(h.costs)) and np.all(np.isfinite(h.weights))


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"optimizer": "sgd"}, "optimizer"),
        ({"optimizer": None}, "optimizer"),
        ({"beta1": 1.0}, "beta1"),
        ({"beta1": -0.1}, "beta1"),
        ({"beta2": float("nan")}, "beta2"),
        ({"beta2": "high"}, "beta2"),
        ({"epsilon": 0.0}, "epsilon"),
        ({"epsilon": float("inf")}, "epsilon"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 2.5}, "batch_size"),
        ({"batch_size": True}, "batch_size"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
    ],
)
def test_bad_arguments_name_themselves(kwargs, name):
    X, Y = _overlap()
    with pytest.raises(ValueError, match=name):
        Trainer(X, Y, **kwargs)


def test_unknown_optimizer_lists_the_allowed_names():
    assert tuple(OPTIMIZERS) == ("gd", "momentum", "rmsprop", "adam")
    with pytest.raises(ValueError, match="'gd', 'momentum', 'rmsprop', 'adam'"):
        make_optimizer("nesterov", n_x=2)


def _independent_run(X, Y, name, lr, steps, beta1=0.9, beta2=0.999, eps=1e-8):
    """The course's rules written out again in plain numpy on real data: the gradient of
    the cross-entropy (dZ = A − Y, dw = X·dZᵀ/m, db = ΣdZ/m) and the update of each
    optimizer, with t counting updates from 1 — nothing of the package is used."""
    m = X.shape[1]
    w, b = np.zeros((X.shape[0], 1)), 0.0
    v_w, s_w, v_b, s_b = np.zeros_like(w), np.zeros_like(w), 0.0, 0.0
    path = [np.append(w.ravel(), b)]
    for t in range(1, steps + 1):
        A = 1.0 / (1.0 + np.exp(-(w.T @ X + b)))
        dZ = A - Y
        dw, db = X @ dZ.T / m, float(np.sum(dZ)) / m
        if name == "gd":
            w, b = w - lr * dw, b - lr * db
        else:
            v_w, v_b = beta1 * v_w + (1 - beta1) * dw, beta1 * v_b + (1 - beta1) * db
            s_w, s_b = beta2 * s_w + (1 - beta2) * dw**2, beta2 * s_b + (1 - beta2) * db**2
            if name == "momentum":
                w, b = w - lr * v_w, b - lr * v_b
            elif name == "rmsprop":
                w = w - lr * dw / (np.sqrt(s_w) + eps)
                b = b - lr * db / (math.sqrt(s_b) + eps)
            else:
                vw_hat, vb_hat = v_w / (1 - beta1**t), v_b / (1 - beta1**t)
                sw_hat, sb_hat = s_w / (1 - beta2**t), s_b / (1 - beta2**t)
                w = w - lr * vw_hat / (np.sqrt(sw_hat) + eps)
                b = b - lr * vb_hat / (math.sqrt(sb_hat) + eps)
        path.append(np.append(w.ravel(), b))
    return np.array(path)


@pytest.mark.parametrize("name", ["gd", "momentum", "rmsprop", "adam"])
def test_fifty_updates_on_iris_equal_the_rules_written_out(name):
    ds = make_dataset("iris")
    X = ds.standardization().apply(ds.X)
    t = Trainer(X, ds.Y, learning_rate=0.05, num_iterations=50, optimizer=name)
    t.run(50)
    h = t.view()
    got = np.column_stack([h.weights, h.biases])
    want = _independent_run(X, ds.Y, name, 0.05, 50)
    # 1e-12 of the parameters' scale (b passes near 0, where a relative test means nothing)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())
    assert not np.allclose(want[-1], want[0])  # the run moved
    t.close()
