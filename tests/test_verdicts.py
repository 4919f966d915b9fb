"""The trainer's verdicts (converged / descending / oscillating / diverged) and rate bounds.

References are independent of the trainer: Newton's method with the closed-form
Hessian for the optimum, a plain numpy gradient for convergence, direct
classification for separability, synthetic cost sequences for the trend rules.
"""

import math
import threading

import numpy as np
import pytest

from gd_visualizer.core.datasets import make_dataset
from gd_visualizer.core.history import cost_trend
from gd_visualizer.core.logistic import local_rate_limit, stable_learning_rate
from gd_visualizer.core.trainer import STATUSES, Trainer


def _gradient(X, Y, w, b):
    """(dw, db) = ((1/m) X (A - Y)ᵀ, (1/m) Σ (A - Y)), written out independently."""
    z = np.asarray(w, dtype=float).ravel() @ X + b
    a = np.where(
        z >= 0, 1 / (1 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z)))
    )
    dz = a - Y.ravel()
    return X @ dz / X.shape[1], float(dz.mean())


def _cost(X, Y, w, b):
    z = np.asarray(w, dtype=float).ravel() @ X + b
    y = Y.ravel()
    return float(np.mean(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)))


def _newton_optimum(X, Y):
    """The minimizer of J by Newton's method, H = (1/m)·X̃ diag(a(1-a)) X̃ᵀ."""
    m = X.shape[1]
    Xt = np.vstack([X, np.ones((1, m))])
    theta = np.zeros(Xt.shape[0])
    for _ in range(100):
        a = 1 / (1 + np.exp(-(theta @ Xt)))
        grad = Xt @ (a - Y.ravel()) / m
        if np.linalg.norm(grad) < 1e-13:
            break
        H = (Xt * (a * (1 - a))) @ Xt.T / m
        theta -= np.linalg.solve(H, grad)
    assert np.linalg.norm(grad) < 1e-10
    return theta[:-1], theta[-1]


@pytest.fixture(scope="module")
def iris():
    return make_dataset("iris")  # raw features (cm), not standardized


def test_raw_iris_at_eight_times_the_guaranteed_rate_reaches_the_optimum(iris):
    rate = stable_learning_rate(iris.X)
    t = Trainer(iris.X, iris.Y, learning_rate=8 * rate, num_iterations=30_000)
    assert t.guaranteed_rate == rate == t.stable_learning_rate
    t.run(25)
    assert not t.diverged and not t.finished  # the old heuristic stopped it here
    t.run(30_000)
    assert t.iteration == 30_000 and not t.diverged
    w_opt, b_opt = _newton_optimum(iris.X, iris.Y)
    j_opt = _cost(iris.X, iris.Y, w_opt, b_opt)
    assert j_opt == pytest.approx(0.1028175, abs=1e-7)
    assert 0 <= t.cost - j_opt <= 1e-6
    assert t.status in ("descending", "converged")
    # 8× the guaranteed rate is still below the local limit at the optimum
    assert 8 * rate < local_rate_limit(iris.X, w_opt, b_opt)


def test_raw_iris_far_too_large_rate_overshoots_and_comes_back(iris):
    t = Trainer(iris.X, iris.Y, learning_rate=1e4, num_iterations=3000)
    t.run(3000)
    assert t.iteration == 3000 and not t.diverged and t.divergence_reason is None
    assert t.status in ("oscillating", "descending")
    costs = t.view().costs
    peak, at = t.peak
    assert peak == costs.max() and at == int(np.argmax(costs)) and peak > 50_000
    assert costs[-1] < peak / 50  # on its way back down
    shown = f"{float(f'{peak:.3g}'):,.0f}"  # three significant digits: 61,500
    assert "overshot" in t.status_text and f"J = {shown} at iteration {at:,}" in t.status_text


@pytest.mark.parametrize("rate", [150.0, 60.0])
def test_raw_overlap_at_a_large_rate_is_oscillating(rate):
    ds = make_dataset("overlap", 200, seed=0)  # the app's defaults, raw features
    t = Trainer(ds.X, ds.Y, learning_rate=rate, num_iterations=5000)
    seen = set()
    for _ in range(20):
        t.run(250)
        if t.iteration >= 1000:
            seen.add(t.status)
    assert t.iteration == 5000
    assert seen <= {"oscillating", "diverged"} and t.status in ("oscillating", "diverged")
    c = t.view().costs[-256:]
    assert c.max() / c.min() > 2  # it really does rise and fall
    if t.status == "oscillating":
        assert t.status_text.startswith("oscillating: J rises and falls between")


def test_separable_blobs_have_no_minimum():
    ds = make_dataset("blobs", 100, noise=0.2, seed=0)  # far apart
    t = Trainer(ds.X, ds.Y, learning_rate=1.0, num_iterations=2000)
    t.run(2000)
    assert t.separable and t.status == "descending" and not t.diverged
    assert "J has no minimum" in t.status_text and t.status_text.startswith("separable")
    h = t.view()
    # independently: the state at separable_at classifies every sample, the one before not
    i = t.separable_at
    assert i is not None and i >= 1 and h.iterations[i] == i
    for k, expected in ((i, True), (i - 1, False)):
        z = h.weights[k] @ ds.X + h.biases[k]
        assert bool(np.all((z > 0) == (ds.Y.ravel() > 0.5))) == expected
    assert np.all(np.diff(h.costs[i:]) < 0)


def test_non_separable_data_never_reports_separable(iris):
    t = Trainer(iris.X, iris.Y, learning_rate=stable_learning_rate(iris.X), num_iterations=500)
    t.run(500)
    assert not t.separable


def test_converged_at_is_the_first_iteration_below_the_tolerance():
    ds = make_dataset("overlap", 60, seed=3)
    X = ds.standardization().apply(ds.X)  # well conditioned
    t = Trainer(X, ds.Y, learning_rate=1.0, num_iterations=2000)
    assert t.tolerance == 1e-6 and t.converged_at is None
    t.run(2000)
    assert t.status == "converged"
    h = t.view()
    norms = []
    for w, b in zip(h.weights, h.biases, strict=True):
        dw, db = _gradient(X, ds.Y, w, b)
        norms.append(math.hypot(*dw, db))
    first = next(i for i, g in enumerate(norms) if g <= 1e-6)
    assert t.converged_at == first == h.iterations[first]
    assert t.status_text.startswith(f"converged at iteration {first:,} (‖∇J‖ = ")
    assert t.status_text.endswith("≤ 1e-6)")
    # a looser tolerance converges earlier
    loose = Trainer(X, ds.Y, learning_rate=1.0, num_iterations=2000, tolerance=1e-3)
    loose.run(2000)
    assert loose.converged_at == next(i for i, g in enumerate(norms) if g <= 1e-3)


def test_non_finite_values_stop_the_run_as_diverged():
    # the same sample twice, labelled 1 and 0: once z overflows, one of the two has the
    # loss |z| = ∞ (or z is inf − inf = NaN), however the BLAS rounds w·x (with FMA, a sum
    # of two overflowing products can be ±∞ where a plain sum is NaN)
    X = np.array([[1e200, 1e200, 3e200], [1e200, 1e200, -1e200]])
    t = Trainer(X, np.array([[1.0, 0.0, 1.0]]), learning_rate=1e3, num_iterations=100)
    assert t.run(100) < 100
    assert t.status == "diverged" and t.diverged and t.finished and t.run(10) == 0
    assert "non-finite" in t.divergence_reason
    assert t.status_text.startswith("diverged: the cost became non-finite at iteration ")
    assert t.status_text.endswith("kept the last finite state")
    assert math.isfinite(t.cost) and np.all(np.isfinite(t.w))
    t.rewind(-1)  # the last finite state, divergence cleared
    assert not t.diverged and not t.finished


def test_a_growing_verdict_does_not_stop_training(monkeypatch):
    from gd_visualizer.core import trainer as trainer_module
    from gd_visualizer.core.history import CostTrend

    ds = make_dataset("overlap", 50, seed=1)
    t = Trainer(ds.X, ds.Y, learning_rate=0.1, num_iterations=100)
    t.run(10)
    monkeypatch.setattr(
        trainer_module, "cost_trend", lambda c, grow_span: CostTrend("growing", 1.0, 9.0, 511)
    )
    t.run(1)  # a new state: the verdict is judged again
    assert t.status == "diverged" and t.diverged and "grown" in t.divergence_reason
    assert not t.finished and t.run(5) == 5


def test_cost_trend_on_synthetic_sequences():
    k = np.arange(2000.0)
    wave = np.sin(0.7 * k) ** 2  # bounded, never settling
    assert cost_trend(1.0 + wave[-512:]).kind == "oscillating"
    assert cost_trend(1.0 + 0.01 * k[:512] + wave[:512]).kind == "growing"
    assert cost_trend(np.exp(-k[:512] / 100)).kind == "descending"  # monotone
    assert cost_trend(1.0 + 1.0 / (1 + k[:512])).kind == "descending"  # only slow
    damped = 0.3 + np.exp(-k / 40) * wave  # settling oscillation
    assert cost_trend(damped[:512]).kind == "oscillating"
    assert cost_trend(damped[-512:]).kind == "descending"
    # an overshoot on its way back: the envelope falls, so never "growing"
    back = 5e4 * np.exp(-k[:512] / 60) * (1 + 0.5 * np.sin(k[:512])) + 250
    assert cost_trend(back).kind != "growing"
    # rounding-level wobbles around a converged value are not oscillation
    flat = 0.318 * (1 + 1e-15 * np.sin(k[:512]))
    assert cost_trend(flat).kind == "descending"
    # too short to call growth
    assert cost_trend(np.arange(1.0, 100.0), grow_span=512).kind == "oscillating"


def test_history_thinning_does_not_change_the_verdict():
    ds = make_dataset("overlap", 200, seed=0)
    verdicts = []
    for capacity in (100_000, 64):
        t = Trainer(ds.X, ds.Y, learning_rate=150.0, num_iterations=3000, history_capacity=capacity)
        t.run(3000)
        verdicts.append((t.status, t.status_text))
    assert verdicts[0] == verdicts[1] and verdicts[0][0] == "oscillating"


def test_rate_change_rewind_and_reset_keep_the_verdict_consistent():
    ds = make_dataset("overlap", 200, seed=0)
    t = Trainer(ds.X, ds.Y, learning_rate=0.02, num_iterations=10_000)
    t.run(300)
    assert t.status == "descending"
    t.learning_rate = 150.0
    t.run(600)
    assert t.status == "oscillating"
    # back to a small rate: the verdict follows within a few iterations
    t.learning_rate = 0.5 * t.guaranteed_rate
    t.run(20)
    assert t.status == "descending"
    # rewind into the oscillation: judged from what remains (refilled from the history)
    t.rewind(800)
    assert t.iteration == 800 and t.status == "oscillating"
    # rewind to before it: descending again, and the peak is what the history still holds
    t.rewind(250)
    assert t.status == "descending"
    assert t.peak == (t.view().costs.max(), int(np.argmax(t.view().costs)))
    t.reset()
    assert t.iteration == 0 and t.status == "descending" and t.converged_at is None
    assert t.status_text.startswith("descending: J = 0.693")


def test_rewind_before_convergence_clears_converged_at():
    ds = make_dataset("overlap", 60, seed=3)
    X = ds.standardization().apply(ds.X)
    t = Trainer(X, ds.Y, learning_rate=1.0, num_iterations=2000)
    t.run(2000)
    at = t.converged_at
    assert at is not None
    t.rewind(at + 5)
    assert t.converged_at == at and t.status == "converged"
    t.rewind(at - 5)
    assert t.converged_at is None and t.status == "descending"
    t.run(10)
    assert t.converged_at == at  # the same deterministic path


def test_local_rate_limit_on_the_trainer_follows_the_state(iris):
    t = Trainer(iris.X, iris.Y, learning_rate=0.1, num_iterations=100)
    Xt = np.vstack([iris.X, np.ones((1, iris.m))])
    # at θ = 0 every a(1 - a) is 1/4: the local limit is the guaranteed rate 8/λmax(X̃X̃ᵀ/m)
    assert t.local_rate_limit == pytest.approx(8.0 / np.linalg.eigvalsh(Xt @ Xt.T / iris.m)[-1])
    t.run(50)
    assert t.local_rate_limit == local_rate_limit(iris.X, t.w, t.b)
    assert t.local_rate_limit > t.guaranteed_rate


def test_statuses_are_the_contract_names():
    assert STATUSES == ("converged", "descending", "oscillating", "diverged")


def test_trainer_close_ends_the_kernel_threads():
    def kernel_threads():
        return {t for t in threading.enumerate() if t.name.startswith("gd-kernel")}

    before = kernel_threads()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, 200_000))
    Y = (X[0] + 0.5 * rng.normal(size=200_000) > 0).astype(float).reshape(1, -1)
    t = Trainer(X, Y, learning_rate=1.0, num_iterations=10)
    twin = Trainer(X, Y, learning_rate=1.0, num_iterations=10)
    t.run(3)
    twin.run(3)
    started = kernel_threads() - before
    assert started  # from 2·10⁵ samples the kernel uses its helper thread
    t.close()
    twin.close()
    t.close()  # idempotent
    assert not any(th.is_alive() for th in started)
    assert not (kernel_threads() - before)
    # still usable afterwards, on one thread, with the same numbers
    twin_w = twin.view().weights
    t.run(2)
    assert not (kernel_threads() - before)
    np.testing.assert_array_equal(t.view().weights[:4], twin_w)
