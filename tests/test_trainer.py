"""The shared trainer: course parity, steering mid-run, bounded history, divergence."""

import numpy as np
import pytest

from gd_visualizer.core import History, Trainer, make_dataset, optimize, propagate

X = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]])
Y = np.array([[1, 0, 1]])


def test_trainer_reproduces_course_optimize():
    t = Trainer(X, Y, w=[1.0, 2.0], b=2.0, learning_rate=0.009, num_iterations=100)
    assert t.run(10_000) == 100  # stops at the budget
    assert t.finished and not t.diverged
    np.testing.assert_allclose(t.w, [[0.19033591], [0.12259159]], rtol=1e-7)
    assert t.b == pytest.approx(1.92535983008, rel=1e-10)
    h = t.view()
    assert len(h) == 101
    # the last update's gradients are the course's "grads"
    np.testing.assert_allclose(h.dws[-2], [0.67752042, 1.41625495], rtol=1e-7)
    assert h.dbs[-2] == pytest.approx(0.219194504541, rel=1e-10)
    assert h.costs[0] == pytest.approx(5.801545319394553, rel=1e-12)


def test_history_entries_satisfy_the_update_rule():
    ds = make_dataset("overlap", n_samples=120, seed=1)
    t = Trainer(ds.X, ds.Y, learning_rate=0.1, num_iterations=50)
    t.run(20)
    t.learning_rate = 0.5  # steer mid-run
    t.run(30)
    h = t.view()
    assert len(h) == 51
    np.testing.assert_array_equal(h.iterations, np.arange(51))
    assert np.all(h.learning_rates[:20] == 0.1) and np.all(h.learning_rates[20:] == 0.5)
    for i in range(50):
        grads, cost = propagate(h.weights[i].reshape(2, 1), h.biases[i], ds.X, ds.Y)
        assert cost == pytest.approx(h.costs[i], rel=1e-12)
        expected = h.weights[i] - h.learning_rates[i] * grads["dw"].ravel()
        np.testing.assert_allclose(h.weights[i + 1], expected, rtol=1e-12, atol=1e-15)
        assert h.biases[i + 1] == pytest.approx(h.biases[i] - h.learning_rates[i] * grads["db"])


def test_budget_can_grow_and_shrink_mid_run():
    ds = make_dataset("blobs", n_samples=50)
    t = Trainer(ds.X, ds.Y, learning_rate=0.1, num_iterations=10)
    t.run(100)
    assert t.iteration == 10
    t.num_iterations = 25
    assert not t.finished
    t.run(100)
    assert t.iteration == 25
    t.num_iterations = 5  # below the current iteration: the run ends there
    assert t.finished and t.run(10) == 0 and t.iteration == 25


def test_matches_optimize_from_any_start_and_is_deterministic():
    ds = make_dataset("moons", n_samples=80, seed=4)
    runs = []
    for _ in range(2):
        t = Trainer(ds.X, ds.Y, w=[-3.0, 2.5], b=1.5, learning_rate=0.3, num_iterations=200)
        t.run(200)
        runs.append(t.view())
    np.testing.assert_array_equal(runs[0].weights, runs[1].weights)
    params, _, _ = optimize(np.array([[-3.0], [2.5]]), 1.5, ds.X, ds.Y, 200, 0.3)
    np.testing.assert_allclose(runs[0].weights[-1], params["w"].ravel(), rtol=1e-12)
    assert runs[0].biases[-1] == pytest.approx(params["b"], rel=1e-12)


def test_reset_and_rewind():
    ds = make_dataset("blobs", n_samples=40)
    t = Trainer(ds.X, ds.Y, learning_rate=0.2, num_iterations=100)
    t.run(30)
    branch = t.rewind(10)
    assert t.iteration == 10 and len(t.history) == 11
    assert len(branch) == 21 and branch.iterations[0] == 10 and branch.iterations[-1] == 30
    t.learning_rate = 0.05
    t.run(5)
    h = t.view()
    assert h.learning_rates[10] == 0.05 and h.iterations[-1] == 15
    t.reset()
    assert t.iteration == 0 and len(t.history) == 1
    t.reset(w=[1.0, -1.0], b=0.5)
    np.testing.assert_array_equal(t.w.ravel(), [1.0, -1.0])
    assert t.b == 0.5 and t.view().weights[0].tolist() == [1.0, -1.0]


def test_history_thinning_is_bounded_and_uniform():
    h = History(n_x=2, capacity=8)
    for it in range(0, 100):
        h.append(it, float(100 - it), np.array([it, -it]), it * 0.5, np.zeros(2), 0.0, 0.1)
        assert len(h) <= 9  # capacity, plus the newest off-grid state
    v = h.view()
    assert v.iterations[0] == 0 and v.iterations[-1] == 99
    grid = v.iterations[:-1]
    assert np.all(np.diff(grid) == v.stride) and v.stride == 16
    np.testing.assert_array_equal(v.weights[:, 0], v.iterations)  # rows stay aligned
    assert v.costs[-1] == 1.0


def test_trainer_history_stays_bounded_for_long_runs():
    ds = make_dataset("blobs", n_samples=20)
    t = Trainer(ds.X, ds.Y, learning_rate=0.01, num_iterations=5000, history_capacity=64)
    t.run(5000)
    h = t.view()
    assert len(h) <= 65 and h.iterations[0] == 0 and h.iterations[-1] == 5000
    np.testing.assert_allclose(h.weights[-1], t.w.ravel())


def test_divergence_non_finite_is_reported_not_nan():
    # huge features and a huge rate: the parameters overflow to inf
    Xb = np.array([[1e300, -1e300], [1e300, 2e300]])
    t = Trainer(Xb, np.array([[1.0, 0.0]]), learning_rate=1e10, num_iterations=100)
    t.run(100)
    assert t.diverged and "non-finite" in t.divergence_reason
    assert t.status == "diverged" and t.finished and t.iteration < 100
    assert t.status_text == "diverged: " + t.divergence_reason
    h = t.view()
    assert np.all(np.isfinite(h.costs)) and np.all(np.isfinite(h.weights))
    assert np.isfinite(t.cost) and np.all(np.isfinite(t.w))


def test_far_too_large_rate_oscillates_and_runs_to_the_budget():
    # 400× the guaranteed rate: a bounded oscillation, not a divergence (the old
    # streak heuristic stopped this run as "diverged")
    ds = make_dataset("overlap", n_samples=100)
    rate = Trainer(ds.X * 50, ds.Y).stable_learning_rate
    t = Trainer(ds.X * 50, ds.Y, learning_rate=rate * 400, num_iterations=5000)
    assert t.run(5000) == 5000 and t.finished
    assert t.status == "oscillating" and not t.diverged and t.divergence_reason is None
    c = t.view().costs
    assert np.all(np.isfinite(c))
    # bounded: the second half of the run climbs no higher than the first
    assert c[2500:].max() <= 1.05 * c[:2500].max()


def test_stable_rate_does_not_diverge():
    ds = make_dataset("overlap", n_samples=100)
    t = Trainer(ds.X * 50, ds.Y, num_iterations=2000)
    t.learning_rate = 0.99 * t.stable_learning_rate
    t.run(2000)
    assert not t.diverged and t.status in ("descending", "converged")
    assert np.all(np.diff(t.view().costs) <= 1e-12)  # monotone descent below the bound


def test_invalid_settings_raise():
    with pytest.raises(ValueError):
        Trainer(X, Y, learning_rate=0.0)
    t = Trainer(X, Y)
    with pytest.raises(ValueError):
        t.learning_rate = float("nan")
    with pytest.raises(ValueError):
        t.num_iterations = -1
    with pytest.raises(ValueError):
        t.reset(w=[1.0, 2.0, 3.0])
