"""The cost surface agrees with the cost of propagate at every grid point."""

import numpy as np
import pytest

from gd_visualizer.core import SLICES, cost_grid, make_dataset, propagate


@pytest.mark.parametrize("key", list(SLICES))
def test_cost_grid_matches_propagate(key):
    ds = make_dataset("overlap", n_samples=60, seed=2)
    spec = SLICES[key]
    xs = np.linspace(-2, 3, 7)
    ys = np.linspace(-1, 1, 5)
    J = cost_grid(ds.X, ds.Y, spec, xs, ys, fixed=0.7, max_block=200)  # many blocks
    assert J.shape == (5, 7)
    for j, yv in enumerate(ys):
        for i, xv in enumerate(xs):
            theta = np.empty(3)
            theta[spec.x_param], theta[spec.y_param], theta[spec.fixed_param] = xv, yv, 0.7
            _, cost = propagate(theta[:2].reshape(2, 1), theta[2], ds.X, ds.Y)
            assert J[j, i] == pytest.approx(cost, rel=1e-12)


def test_contour_segments_lie_on_the_level():
    from gd_visualizer.core.surface import contour_segments

    xs = np.linspace(-2, 2, 41)
    ys = np.linspace(-1.5, 1.5, 31)
    J = xs[None, :] ** 2 + 2 * ys[:, None] ** 2  # closed form: ellipses
    x, y = contour_segments(J, xs, ys, np.array([1.0, 2.0]))
    assert len(x) == len(y) and len(x) % 2 == 0 and len(x) > 40
    r = x**2 + 2 * y**2
    # on each level up to the grid's linear interpolation error
    near = np.minimum(abs(r - 1.0), abs(r - 2.0))
    assert np.max(near) < 0.02
    # both levels are present, and segments are short (adjacent edges of one cell)
    assert np.any(abs(r - 1.0) < 0.02) and np.any(abs(r - 2.0) < 0.02)
    seg = np.hypot(x[1::2] - x[0::2], y[1::2] - y[0::2])
    assert np.max(seg) <= np.hypot(0.1, 0.1) + 1e-12


@pytest.mark.parametrize(("name", "m"), [("overlap", 300), ("moons", 20_000), ("circles", 50_000)])
def test_fast_grid_agrees_with_the_exact_grid(name, m):
    from gd_visualizer.core.surface import CompressedSamples, fast_cost_grid

    ds = make_dataset(name, n_samples=m, seed=5)
    X = ds.standardization().apply(ds.X)
    xs = np.linspace(-6, 6, 17)
    ys = np.linspace(-5, 5, 13)
    for key, fixed in (("w1-w2", 0.4), ("w1-b", -1.0), ("w2-b", 2.0)):
        exact = cost_grid(X, ds.Y, key, xs, ys, fixed)
        samples = CompressedSamples.build(X, ds.Y, max_weight=6)
        assert samples.exact == (m <= 300)  # many samples are compressed
        fast = fast_cost_grid(samples, key, xs, ys, fixed)
        assert np.max(np.abs(fast - exact) / exact) < 1e-3


def test_fast_grid_stays_positive_near_zero_cost():
    from gd_visualizer.core.surface import CompressedSamples, fast_cost_grid

    ds = make_dataset("blobs", n_samples=2000, seed=1)  # separable: J -> 0 at large |w|
    X = ds.standardization().apply(ds.X)
    xs = np.linspace(-30, 30, 15)
    fast = fast_cost_grid(CompressedSamples.build(X, ds.Y, max_weight=30), "w1-w2", xs, xs, 0.0)
    exact = cost_grid(X, ds.Y, "w1-w2", xs, xs, 0.0)
    assert np.all(fast >= 0)
    # relative agreement where J is not tiny; absolute agreement everywhere
    big = exact > 1e-3
    assert np.max(np.abs(fast - exact)[big] / exact[big]) < 1e-3
    assert np.max(np.abs(fast - exact)) < 1e-5
