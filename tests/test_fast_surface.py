"""The fast cost surface (compressed samples, float32 products, fourth-order cells) against
the exact float64 grid: at m = 10⁴ on the benchmark's 200×200 grid, on a wide extent where
J spans many decades, on every slice, through every path (product, flipped, direct), and
the merging of cell moments on its own.  (tests/test_surface.py holds the extremes.)"""

from __future__ import annotations

import numpy as np
import pytest

from gd_visualizer.core import cost_grid, make_dataset, surface
from gd_visualizer.core.surface import CompressedSamples, fast_cost_grid

#: the accuracy the surface promises: relative error ≤ 1e-3 wherever J > 1e-12
TOLERANCE = 1e-3


@pytest.fixture(autouse=True, params=["numba", "numpy"])
def backend(request, monkeypatch):
    """Every test here runs with the cells' higher-order terms compiled (numba, the
    default when it loads) and with numpy's pass (as without numba)."""
    if request.param == "numpy":
        monkeypatch.setattr(surface, "compiled_kernels", lambda: None)
    elif surface.compiled_kernels() is None:
        pytest.skip("numba is not available here")
    return request.param


def rel_error(fast: np.ndarray, exact: np.ndarray, floor: float = 1e-12) -> float:
    big = exact > floor
    assert big.any()
    return float(np.max(np.abs(fast - exact)[big] / exact[big]))


def standardized(name: str, m: int, seed: int, **kwargs):
    ds = make_dataset(name, m, seed=seed, **kwargs)
    return ds.standardization().apply(ds.X), ds.Y


def test_benchmark_grid_at_ten_thousand_samples():
    """The benchmark's case: 200×200 over ±6 at m = 10⁴, checked at every 5th point."""
    X, Y = standardized("overlap", 10_000, seed=0)
    xs = np.linspace(-6, 6, 200)
    samples = CompressedSamples.build(X, Y, max_weight=6.0, cache=False)
    assert not samples.exact and len(samples.y) < 10_000
    fast = fast_cost_grid(samples, "w1-w2", xs, xs, 0.4)
    sub = slice(None, None, 5)
    exact = cost_grid(X, Y, "w1-w2", xs[sub], xs[sub], 0.4)
    assert fast.shape == (200, 200) and np.all(np.isfinite(fast))
    assert rel_error(fast[sub, sub], exact) <= 1e-4  # measured 5e-6


@pytest.mark.parametrize(
    ("key", "fixed"), [("w1-w2", 0.0), ("w1-w2", 2.0), ("w1-b", 20.0), ("w2-b", 20.0)]
)
def test_wide_extent_where_J_spans_many_decades(key, fixed):
    """Separable data on ±30: J from ~1e-10 to ~1e2, dense cells where J is tiny (the worst
    case of the expansion: measured 1.5e-4 at most)."""
    X, Y = standardized("blobs", 10_000, seed=1)
    xs = np.linspace(-30, 30, 41)
    ys = np.linspace(-30, 30, 37) if key == "w1-w2" else np.linspace(-20, 20, 37)
    samples = CompressedSamples.build(X, Y, max_weight=30.0, cache=False)
    assert not samples.exact
    fast = fast_cost_grid(samples, key, xs, ys, fixed)
    exact = cost_grid(X, Y, key, xs, ys, fixed)
    assert exact.min() < 1e-7 and exact.max() > 10  # many decades
    assert np.all(fast > 0)
    assert rel_error(fast, exact) <= TOLERANCE / 3


@pytest.mark.parametrize("name", ["overlap", "moons", "circles", "xor"])
def test_every_slice_and_dataset_at_ten_thousand_samples(name):
    X, Y = standardized(name, 10_000, seed=3)
    xs = np.linspace(-8, 8, 33)
    ys = np.linspace(-7, 7, 29)
    samples = CompressedSamples.build(X, Y, max_weight=8.0, cache=False)
    for key, fixed in (("w1-w2", -0.7), ("w1-b", 1.5), ("w2-b", -4.0)):
        fast = fast_cost_grid(samples, key, xs, ys, fixed)
        exact = cost_grid(X, Y, key, xs, ys, fixed)
        assert rel_error(fast, exact) <= TOLERANCE / 5, key


def test_exact_samples_are_within_float32_rounding():
    """Up to EXACT_MAX samples no cells: only the float32 products and sums round."""
    X, Y = standardized("moons", surface.EXACT_MAX, seed=2)
    samples = CompressedSamples.build(X, Y, cache=False)
    assert samples.exact and samples.moments is None
    xs = np.linspace(-12, 12, 61)
    fast = fast_cost_grid(samples, "w1-w2", xs, xs, 0.3)
    exact = cost_grid(X, Y, "w1-w2", xs, xs, 0.3)
    assert rel_error(fast, exact) <= 1e-5
    big = CompressedSamples.build(*standardized("moons", surface.EXACT_MAX + 1, seed=2))
    assert not big.exact


def test_logits_beyond_float32_take_the_flipped_and_direct_paths(monkeypatch):
    """Raw features near 1000 and a bias that cancels them (z a small difference of
    numbers near 5000), and a grid where whole classes sit at t ≫ 80: every path."""
    calls = []
    direct = surface._direct
    monkeypatch.setattr(surface, "_direct", lambda *a: calls.append(1) or direct(*a))
    ds = make_dataset("blobs", 5000, noise=0.5, seed=0)
    Xo = ds.X + 1000.0
    xs = np.linspace(4.5, 5.5, 21)
    ys = np.linspace(4.6, 5.4, 17)
    samples = CompressedSamples.build(Xo, ds.Y, max_weight=6.0, cache=False)
    fast = fast_cost_grid(samples, "w1-w2", xs, ys, -10_000.0)
    exact = cost_grid(Xo, ds.Y, "w1-w2", xs, ys, -10_000.0)
    assert calls, "the direct float64 path was not taken"
    assert exact.min() < 1e-6 and rel_error(fast, exact) <= TOLERANCE / 5
    # misclassifying weights: t from ~20 to ~200 on every tile (flipped cells)
    X, Y = standardized("blobs", 5000, seed=0)
    xs = np.linspace(-40, -20, 31)
    samples = CompressedSamples.build(X, Y, max_weight=40.0, cache=False)
    fast = fast_cost_grid(samples, "w1-w2", xs, xs, 0.0)
    exact = cost_grid(X, Y, "w1-w2", xs, xs, 0.0)
    assert exact.min() > 10 and rel_error(fast, exact) <= 1e-5


def test_threads_and_blocks_do_not_change_the_result():
    X, Y = standardized("circles", 20_000, seed=4)
    samples = CompressedSamples.build(X, Y, max_weight=10.0, cache=False)
    xs = np.linspace(-10, 10, 57)
    ys = np.linspace(-9, 9, 43)
    one = fast_cost_grid(samples, "w1-w2", xs, ys, 0.8)
    two = fast_cost_grid(samples, "w1-w2", xs, ys, 0.8, threads=2)
    np.testing.assert_array_equal(one, two)
    small = fast_cost_grid(samples, "w1-w2", xs, ys, 0.8, block=1024)
    np.testing.assert_allclose(small, one, rtol=1e-6)  # (float32 sums in other blocks)


def test_merged_cell_moments_equal_the_samples_moments():
    """Merging groups by their weights, centroids and central moments (to the fourth)
    gives exactly the moments of all their points together."""
    rng = np.random.default_rng(7)
    pts = rng.normal(size=(2, 600)) * [[0.3], [0.2]] + [[5.0], [-3.0]]
    sub = rng.integers(0, 40, 600)  # 40 subgroups ...
    group = sub % 7  # ... in 7 groups
    n = np.ones(600)
    corner = np.array([4.0, -4.0])
    d0, d1 = pts[0] - corner[0], pts[1] - corner[1]
    assert np.all(np.bincount(sub, minlength=40) > 0)
    ns, u0, u1, ms = surface._central(surface._raw_sums(sub, 40, n, d0, d1))
    of = np.arange(40) % 7  # each subgroup's group
    merged = surface._central(surface._raw_sums(of, 7, ns, u0, u1, ms))
    direct = surface._central(surface._raw_sums(group, 7, n, d0, d1))
    for a, b in zip(merged, direct, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-13)
    # the second moments are the covariance
    for k in range(7):
        c = np.cov(pts[:, group == k], bias=True)
        np.testing.assert_allclose(direct[3][:3, k], [c[0, 0], c[0, 1], c[1, 1]], rtol=1e-9)


def test_coarse_cells_merge_from_finer_ones_exactly():
    """A level merged from a nested finer one equals the same level merged from the fine
    cells (the moments carry over exactly)."""
    X, Y = standardized("overlap", 30_000, seed=5)
    a = CompressedSamples.build(X, Y, max_weight=6.0, cache=False)
    b = CompressedSamples.build(X, Y, max_weight=6.0, cache=False)
    a.cells(6, 8)  # then (12, 24) comes from (6, 8)
    via = a.cells(12, 24)
    assert (6, 8) in a.levels and len(b.levels) == 0
    fine = b.cells(12, 24)  # from the fine cells
    np.testing.assert_array_equal(via.y, fine.y)
    np.testing.assert_allclose(via.weight, fine.weight, rtol=1e-12)
    np.testing.assert_allclose(via.Xt, fine.Xt, rtol=1e-12, atol=1e-12)
    scale = np.abs(fine.moments).max(axis=1, keepdims=True)
    np.testing.assert_allclose(via.moments / scale, fine.moments / scale, atol=1e-10)
    assert np.isclose(via.weight.sum(), 1.0)


def test_build_is_kept_per_data_set_and_checked_by_content():
    X, Y = standardized("moons", 5000, seed=6)
    CompressedSamples.clear_cache()
    first = CompressedSamples.build(X, Y, max_weight=5.0)
    assert CompressedSamples.build(X, Y, max_weight=7.5) is first  # same power of two
    assert CompressedSamples.build(X, Y, max_weight=9.0) is not first
    xs = np.linspace(-5, 5, 11)
    fast_cost_grid(first, "w1-w2", xs, xs, 0.0)
    assert first.levels  # merged cells kept for the next frame
    X[0, 0] += 1.0  # the same array, changed in place: not the same data
    changed = CompressedSamples.build(X, Y, max_weight=5.0)
    assert changed is not first
    assert CompressedSamples.build(X.copy(), Y, max_weight=5.0) is not changed
    CompressedSamples.clear_cache()
    assert CompressedSamples.build(X, Y, max_weight=5.0) is not changed
    # lists are not kept, but work
    lists = CompressedSamples.build(X.tolist(), Y.tolist(), max_weight=5.0)
    np.testing.assert_allclose(
        fast_cost_grid(lists, "w1-w2", xs, xs, 0.0), fast_cost_grid(changed, "w1-w2", xs, xs, 0.0)
    )
    CompressedSamples.clear_cache()


def test_a_grid_beyond_max_weight_stays_close():
    """Weights beyond the build's max_weight (cells then wider than the expansion allows)
    fall back to the second-order cell loss there: no blow-up, still close."""
    X, Y = standardized("overlap", 20_000, seed=8)
    samples = CompressedSamples.build(X, Y, max_weight=1.0, cache=False)
    xs = np.linspace(-24, 24, 25)
    fast = fast_cost_grid(samples, "w1-w2", xs, xs, 0.0)
    exact = cost_grid(X, Y, "w1-w2", xs, xs, 0.0)
    assert np.all(np.isfinite(fast)) and rel_error(fast, exact) < 0.05


def test_degenerate_grids_and_data():
    X, Y = standardized("overlap", 3000, seed=9)
    samples = CompressedSamples.build(X, Y, cache=False)
    assert fast_cost_grid(samples, "w1-w2", np.array([]), np.linspace(0, 1, 3), 0.0).shape == (3, 0)
    one = fast_cost_grid(samples, "w1-b", [0.5], [-0.25], 1.0)
    assert one.shape == (1, 1)
    assert one[0, 0] == pytest.approx(cost_grid(X, Y, "w1-b", [0.5], [-0.25], 1.0)[0, 0], rel=1e-4)
    # all samples on a line (no spread along x2), one class
    line = np.vstack([np.linspace(-2, 2, 4000), np.zeros(4000)])
    ones = np.ones((1, 4000))
    flat = CompressedSamples.build(line, ones, cache=False)
    xs = np.linspace(-3, 3, 13)
    fast = fast_cost_grid(flat, "w1-w2", xs, xs, -0.5)
    assert rel_error(fast, cost_grid(line, ones, "w1-w2", xs, xs, -0.5)) <= TOLERANCE / 5


def test_the_compiled_corrections_equal_numpys():
    """kernels.surface_corrections against surface._corrections, over e^t from 0 and
    subnormal to e^80 (the product path's reach), within float32 rounding of the sums."""
    from gd_visualizer.core.logistic import compiled_kernels  # (unpatched by ``backend``)

    kernels = compiled_kernels()
    if kernels is None:
        pytest.skip("numba is not available here")
    rng = np.random.default_rng(4)
    n, R = 37, 301
    t = rng.uniform(-100.0, surface.PRODUCT_REACH, size=(n, R))
    t[0] = -110.0  # e^t subnormal in float32
    t[1, :5] = -np.inf  # e^t = 0
    E = np.exp(t).astype(np.float32)
    M = (rng.normal(size=(12, R)) * rng.uniform(0, 2, size=R)).astype(np.float32)
    G = np.empty((n, 12), np.float32)
    kernels.surface_corrections(E, M, G)
    ref = surface._corrections(E.copy(), np.empty_like(E), np.ascontiguousarray(M.T))
    # every term is at most |M[k, r]|: L'' ≤ 1/4, and |L'''|, |L''''| ≤ 1
    bound = np.abs(M).sum(axis=1)[None, :]
    assert np.all(np.abs(G - ref) <= 1e-5 * bound)
    with pytest.raises(ValueError, match="backend"):
        fast_cost_grid(CompressedSamples.build(*standardized("moons", 2000, 0)), "w1-w2",
                       np.zeros(2), np.zeros(2), 0.0, backend="fortran")  # fmt: skip
