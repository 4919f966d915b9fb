"""The trainer's one-pass kernel on both backends (numba, numpy) against independent references.

References: ``propagate`` (the course's vectorized pass), ``math.exp``/``math.log1p``
(libm) and central finite differences of the cost.  Nothing is timed here.
"""

from __future__ import annotations

import importlib.util
import math
import sys
import threading

import numpy as np
import pytest

import gd_visualizer.core as core_package
from gd_visualizer.core import logistic
from gd_visualizer.core.logistic import (
    COMPILED_MIN,
    GradientKernel,
    compiled_kernels,
    compiled_kernels_error,
    propagate,
)

HAVE_NUMBA = importlib.util.find_spec("numba") is not None


def _kernels():
    """The compiled kernels; numba installed but failing is a failure, not a skip."""
    if not HAVE_NUMBA:
        pytest.skip("numba is not installed: only the numpy pass runs here")
    kernels = compiled_kernels()
    assert kernels is not None, compiled_kernels_error()
    return kernels


@pytest.fixture(params=["numpy", "numba"])
def backend(request):
    if request.param == "numba":
        _kernels()
    return request.param


def _problem(n_x, m, seed, soft=False, scale=1.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_x, m)) * 2.0
    Y = rng.random((1, m)) if soft else (rng.random((1, m)) > 0.5).astype(float)
    w = rng.normal(size=(n_x, 1)) * scale
    b = float(rng.normal())
    return X, Y, w, b


def _ulps(got, ref):
    spacing = np.spacing(np.abs(ref))
    spacing[spacing == 0] = 5e-324
    return np.abs(got - ref) / spacing


# -- the elementwise functions of the compiled pass, against libm -------------------------


def test_compiled_exp_is_within_one_ulp_of_libm():
    kernels = _kernels()
    rng = np.random.default_rng(0)
    x = np.concatenate([
        rng.random(200_000) * 760, rng.random(50_000) * 2, rng.random(10_000) * 1e-9,
        [0.0, 1e-300, 5e-324, 708.3, 708.4, 745.1, 745.2, 746.0, 1e4, np.inf],
    ])  # fmt: skip
    x = np.concatenate([x, -x])
    out = np.empty_like(x)
    kernels.neg_exp(x, out)
    ref = np.array([math.exp(-abs(v)) for v in x])
    assert _ulps(out, ref).max() <= 1.0
    assert out[x == np.inf][0] == 0.0
    kernels.neg_exp(np.array([np.nan]), out[:1])
    assert np.isnan(out[0])


def test_compiled_log1p_is_within_one_ulp_of_libm():
    kernels = _kernels()
    rng = np.random.default_rng(1)
    e = np.concatenate([
        rng.random(200_000), rng.random(20_000) * 1e-12, np.linspace(0.40, 0.52, 20_001),
        [0.0, 5e-324, 1e-300, 2.0**-53, 0.5, np.nextafter(0.5, 0.0), math.sqrt(2) - 1, 1.0],
    ])  # fmt: skip
    out = np.empty_like(e)
    kernels.log1p_unit(e, out)
    ref = np.array([math.log1p(v) for v in e])
    assert _ulps(out, ref).max() <= 1.0
    kernels.log1p_unit(np.array([np.nan]), out[:1])
    assert np.isnan(out[0])


# -- the kernel against propagate ----------------------------------------------------------


@pytest.mark.parametrize("soft", [False, True], ids=["0/1 labels", "soft labels"])
@pytest.mark.parametrize(
    ("n_x", "m"), [(2, 1), (1, 7), (2, 1023), (2, 1024), (3, 1025), (2, 5000), (5, 3001)]
)
def test_kernel_matches_propagate(backend, n_x, m, soft):
    X, Y, w, b = _problem(n_x, m, seed=n_x * 7919 + m, soft=soft)
    grads, cost = propagate(w, b, X, Y)
    for kernel in (
        GradientKernel(X, Y, backend=backend),
        GradientKernel(X, Y, chunk=64, backend=backend),
        GradientKernel(X, Y, chunk=64, parallel_min=2, backend=backend),  # two threads
    ):
        assert kernel.backend == backend
        dw, db, c = kernel(w, b)
        kernel.close()
        np.testing.assert_allclose(dw, grads["dw"].ravel(), rtol=1e-12, atol=1e-15)
        assert db == pytest.approx(grads["db"], rel=1e-12, abs=1e-15)
        assert c == pytest.approx(cost, rel=1e-12)


@pytest.mark.parametrize("scale", [30.0, 300.0, 3000.0])
def test_kernel_matches_propagate_far_from_the_boundary(backend, scale):
    # |z| up to thousands: e^(-|z|) tiny, subnormal or 0, σ saturated, relu huge
    X, Y, w, b = _problem(2, 4000, seed=int(scale), scale=scale)
    grads, cost = propagate(w, b, X, Y)
    dw, db, c = GradientKernel(X, Y, backend=backend)(w, b)
    np.testing.assert_allclose(dw, grads["dw"].ravel(), rtol=1e-12, atol=1e-300)
    assert db == pytest.approx(grads["db"], rel=1e-12, abs=1e-300)
    assert c == pytest.approx(cost, rel=1e-12)


def test_kernel_on_separated_data_matches_propagate(backend):
    # every sample on its side: the cost is the log part alone, small but not 0
    rng = np.random.default_rng(5)
    X = rng.normal(size=(2, 3000))
    Y = (X[0] + X[1] > 0).astype(float).reshape(1, -1)
    X += np.where(Y > 0, 0.5, -0.5)  # a margin
    w, b = np.array([[8.0], [8.0]]), 0.0
    grads, cost = propagate(w, b, X, Y)
    kernel = GradientKernel(X, Y, backend=backend)
    dw, db, c = kernel(w, b)
    assert 0.0 < c < 1e-3
    assert c == pytest.approx(cost, rel=1e-12)
    np.testing.assert_allclose(dw, grads["dw"].ravel(), rtol=1e-12, atol=1e-18)
    assert db == pytest.approx(grads["db"], rel=1e-12, abs=1e-18)
    assert kernel.perceptron_loss == 0.0


def test_gradient_matches_finite_differences_of_the_cost(backend):
    X, Y, w, b = _problem(3, 2000, seed=11)
    kernel = GradientKernel(X, Y, backend=backend)
    dw, db, _ = kernel(w, b)
    h = 1e-6
    for j in range(3):
        step = np.zeros((3, 1))
        step[j] = h
        fd = (kernel(w + step, b)[2] - kernel(w - step, b)[2]) / (2 * h)
        assert fd == pytest.approx(dw[j], rel=1e-6, abs=1e-9)
    fd = (kernel(w, b + h)[2] - kernel(w, b - h)[2]) / (2 * h)
    assert fd == pytest.approx(db, rel=1e-6, abs=1e-9)


def test_perceptron_loss(backend):
    X, Y, w, b = _problem(2, 1500, seed=3)
    kernel = GradientKernel(X, Y, backend=backend)
    kernel(w, b)
    z = (w.T @ X + b).ravel()
    expected = float(np.mean(np.maximum(-(2.0 * Y.ravel() - 1.0) * z, 0.0)))
    assert expected > 0.0
    assert kernel.perceptron_loss == pytest.approx(expected, rel=1e-12)
    # soft labels have no perceptron loss
    soft = GradientKernel(X, np.full((1, 1500), 0.3), backend=backend)
    soft(w, b)
    assert soft.perceptron_loss is None


def test_non_finite_parameters_give_a_non_finite_cost(backend):
    X, Y, w, _ = _problem(2, 1200, seed=4)
    kernel = GradientKernel(X, Y, backend=backend)
    _, _, cost = kernel(np.array([np.nan, 1.0]), 0.0)
    assert np.isnan(cost)
    _, _, cost = kernel(w, np.inf)
    assert not math.isfinite(cost)


# -- determinism, threads, close -----------------------------------------------------------


def _kernel_threads():
    return {t for t in threading.enumerate() if t.name.startswith("gd-kernel")}


def test_two_threads_are_deterministic_and_close_keeps_the_sums(backend):
    X, Y, w, b = _problem(2, 6000, seed=8)
    before = _kernel_threads()
    kernel = GradientKernel(X, Y, chunk=256, parallel_min=1000, backend=backend)
    first = kernel(w, b)
    assert _kernel_threads() - before, "the helper thread ran the second half"
    for _ in range(3):
        again = kernel(w, b)
        np.testing.assert_array_equal(again[0], first[0])
        assert again[1:] == first[1:]
    kernel.close()
    assert not (_kernel_threads() - before)
    closed = kernel(w, b)  # both halves on this thread, summed the same way
    np.testing.assert_array_equal(closed[0], first[0])
    assert closed[1:] == first[1:]


# -- which backend ---------------------------------------------------------------------------


def test_backend_choice():
    X, Y, _, _ = _problem(2, COMPILED_MIN, seed=9)
    assert GradientKernel(X, Y, backend="numpy").backend == "numpy"
    assert GradientKernel(X[:, :-1], Y[:, :-1]).backend == "numpy"  # below COMPILED_MIN
    auto = GradientKernel(X, Y).backend
    if HAVE_NUMBA:
        _kernels()
        assert auto == "numba"
        assert GradientKernel(X[:, :5], Y[:, :5], backend="numba").backend == "numba"
    else:
        assert auto == "numpy"
    with pytest.raises(ValueError, match="backend"):
        GradientKernel(X, Y, backend="fortran")


def test_without_numba_the_numpy_pass_is_chosen(monkeypatch):
    # numba missing: the import fails, the kernel falls back, "numba" is refused
    monkeypatch.setattr(logistic, "_compiled", None)
    monkeypatch.setattr(logistic, "_compiled_error", None)
    monkeypatch.setitem(sys.modules, "numba", None)
    monkeypatch.delitem(sys.modules, "gd_visualizer.core.kernels", raising=False)
    monkeypatch.delattr(core_package, "kernels", raising=False)
    assert compiled_kernels() is None
    assert "numba" in compiled_kernels_error()
    X, Y, w, b = _problem(2, 2 * COMPILED_MIN, seed=10)
    kernel = GradientKernel(X, Y)
    assert kernel.backend == "numpy"
    _, cost = propagate(w, b, X, Y)
    assert kernel(w, b)[2] == pytest.approx(cost, rel=1e-12)
    with pytest.raises(RuntimeError, match="not available"):
        GradientKernel(X, Y, backend="numba")


def test_a_failing_compiler_falls_back_too(monkeypatch):
    monkeypatch.setattr(logistic, "_compiled", False)
    monkeypatch.setattr(logistic, "_compiled_error", "LoweringError: no")
    X, Y, _, _ = _problem(2, 2 * COMPILED_MIN, seed=12)
    assert GradientKernel(X, Y).backend == "numpy"
    with pytest.raises(RuntimeError, match="LoweringError"):
        GradientKernel(X, Y, backend="numba")


def test_read_only_inputs_reuse_the_compiled_kernel():
    kernels = _kernels()
    X, Y, w, b = _problem(2, 1500, seed=13, soft=True)
    before = set(kernels.fused_sums.signatures)
    for a in (X, Y, w):
        a.flags.writeable = False
    for labels in (Y, (Y > 0.5).astype(float)):
        labels.flags.writeable = False
        grads, cost = propagate(w, b, X, labels)
        dw, db, c = GradientKernel(X, labels, backend="numba")(w[::1], b)
        np.testing.assert_allclose(dw, grads["dw"].ravel(), rtol=1e-12, atol=1e-15)
        assert db == pytest.approx(grads["db"], rel=1e-12, abs=1e-15)
        assert c == pytest.approx(cost, rel=1e-12)
    assert set(kernels.fused_sums.signatures) == before  # nothing compiled on the way


def test_weights_of_the_wrong_length_are_refused(backend):
    X, Y, _, _ = _problem(2, 1200, seed=14)
    kernel = GradientKernel(X, Y, backend=backend)
    with pytest.raises(ValueError, match="3 weights for 2 features"):
        kernel(np.ones(3), 0.0)
