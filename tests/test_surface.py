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


def _rel_error_where_positive(fast, exact, floor=1e-12):
    big = exact > floor
    assert big.any()
    return float(np.max(np.abs(fast - exact)[big] / exact[big]))


@pytest.mark.parametrize(
    ("m", "center", "half"),
    [(200, 6.0, 2.0), (200, 8.0, 2.0), (5000, 7.0, 1.5)],
    ids=["exact-J~1e-9", "exact-J~1e-12", "compressed-J~1e-10"],
)
def test_fast_grid_is_relatively_exact_far_from_the_origin(m, center, half):
    from gd_visualizer.core.surface import CompressedSamples, fast_cost_grid

    # blobs far apart: on a grid centred far out J is tiny but not 0
    ds = make_dataset("blobs", m, noise=0.3, seed=0)
    xs = np.linspace(center - half, center + half, 21)
    ys = np.linspace(center - half, center + half, 17)
    exact = cost_grid(ds.X, ds.Y, "w1-w2", xs, ys, 0.0)
    assert exact.max() < 1e-6 and np.mean(exact > 1e-12) > 0.6
    samples = CompressedSamples.build(ds.X, ds.Y, max_weight=center + half)
    assert samples.exact == (m == 200)
    fast = fast_cost_grid(samples, "w1-w2", xs, ys, 0.0)
    assert np.all(fast > 0)
    assert _rel_error_where_positive(fast, exact) <= 1e-3


@pytest.mark.parametrize("offset", [30.0, 1000.0])
def test_fast_grid_survives_cancellation_in_the_logits(offset):
    from gd_visualizer.core.surface import CompressedSamples, fast_cost_grid

    # raw features far from 0 and a bias that cancels them: z = w·x + b is a small
    # difference of large numbers, which float32 alone would get wrong by 1%
    ds = make_dataset("blobs", 300, noise=0.5, seed=0)
    Xo = ds.X + offset
    xs = np.linspace(4.5, 5.5, 21)
    ys = np.linspace(4.6, 5.4, 17)
    fixed = -5.0 * 2 * offset
    exact = cost_grid(Xo, ds.Y, "w1-w2", xs, ys, fixed)
    fast = fast_cost_grid(CompressedSamples.build(Xo, ds.Y), "w1-w2", xs, ys, fixed)
    assert exact.min() < 1e-6
    assert _rel_error_where_positive(fast, exact) <= 1e-3


def test_surface_levels_close_around_the_minimum():
    from gd_visualizer.core.surface import contour_segments, surface_levels

    xs = np.linspace(-3, 3, 61)
    ys = np.linspace(-2, 2, 41)
    J = 0.25 + (xs[None, :] - 0.4) ** 2 + 3 * (ys[:, None] + 0.2) ** 2  # closed form: a bowl
    levels = surface_levels(J)
    assert len(levels) == 12 and np.all(np.diff(levels) > 0) and np.all(levels > J.min())
    offsets = levels - J.min()
    np.testing.assert_allclose(offsets[1:] / offsets[:-1], offsets[1] / offsets[0], rtol=1e-9)
    # about 1% of the grid inside the innermost level, 95% below the top one
    assert 0.005 <= np.mean(J < levels[0]) <= 0.02
    assert np.mean(J <= levels[-1]) == pytest.approx(0.95, abs=0.01)
    # the innermost contour is a closed curve around the minimum: every segment end is
    # shared with another segment and none touches the border of the grid
    x, y = contour_segments(J, xs, ys, levels[:1])
    assert len(x) >= 8
    ends = np.round(np.column_stack([x, y]), 9)
    _, counts = np.unique(ends, axis=0, return_counts=True)
    assert np.all(counts % 2 == 0)
    assert x.min() > xs[0] and x.max() < xs[-1] and y.min() > ys[0] and y.max() < ys[-1]
    # relative to a given minimum (the optimum's cost, below the grid's)
    below = surface_levels(J, j_min=0.2, n=5)
    assert len(below) == 5 and below[0] > 0.2 and np.all(np.diff(below) > 0)


def test_surface_levels_span_the_decades_of_a_separable_surface():
    from gd_visualizer.core.surface import contour_segments, surface_levels

    ds = make_dataset("blobs", 200, noise=0.3, seed=0)
    xs = np.linspace(-2, 12, 57)
    J = cost_grid(ds.X, ds.Y, "w1-w2", xs, xs, 0.0)  # from ~1e-14 to ~10
    levels = surface_levels(J, n=9)
    assert np.all(np.diff(levels) > 0) and levels[0] < 1e-6 and levels[-1] > 0.1
    for level in levels:  # every level is drawn somewhere
        assert len(contour_segments(J, xs, xs, [level])[0]) > 0


def test_surface_levels_degenerate_grids():
    from gd_visualizer.core.surface import surface_levels

    np.testing.assert_array_equal(surface_levels(np.full((4, 5), 0.7)), [0.7])
    J = np.array([[np.nan, 1.0], [np.inf, 3.0]])
    levels = surface_levels(J, n=3)
    assert np.all(np.isfinite(levels)) and np.all(levels > 1.0) and len(levels) >= 1


def test_slice_minimum_finds_the_grid_point_nearest_the_optimum():
    from gd_visualizer.core.surface import slice_minimum

    ds = make_dataset("overlap", 150, seed=4)
    # the optimum by Newton's method with the closed-form Hessian (1/m)·X̃ diag(a(1-a)) X̃ᵀ
    Xt = np.vstack([ds.X, np.ones((1, ds.m))])
    theta = np.zeros(3)
    for _ in range(25):
        a = 1 / (1 + np.exp(-(theta @ Xt)))
        grad = Xt @ (a - ds.Y.ravel()) / ds.m
        theta -= np.linalg.solve((Xt * (a * (1 - a))) @ Xt.T / ds.m, grad)
    xs = np.linspace(theta[0] - 1, theta[0] + 1.3, 47)
    ys = np.linspace(theta[1] - 0.9, theta[1] + 1.1, 41)
    J = cost_grid(ds.X, ds.Y, "w1-w2", xs, ys, theta[2])
    x, y, jmin = slice_minimum(J, xs, ys)
    assert abs(x - theta[0]) <= (xs[1] - xs[0]) and abs(y - theta[1]) <= (ys[1] - ys[0])
    _, cost = propagate(np.array([[x], [y]]), theta[2], ds.X, ds.Y)
    assert jmin == pytest.approx(cost, rel=1e-12) and jmin == J.min()
    J[J == J.min()] = np.nan  # non-finite entries are skipped
    x2, y2, j2 = slice_minimum(J, xs, ys)
    assert j2 == np.nanmin(J) and (x2, y2) != (x, y)
    with pytest.raises(ValueError):
        slice_minimum(np.full((2, 3), np.nan), xs[:3], ys[:2])


def test_fast_grid_mixes_precisions_and_threads_consistently():
    from gd_visualizer.core.surface import FLOAT32_REACH, CompressedSamples, fast_cost_grid

    ds = make_dataset("overlap", 400, seed=6)
    X = ds.X + 20.0  # raw-looking features: far grid points need float64
    xs = np.linspace(-3, 60, 40)
    ys = np.linspace(-2, 3, 30)
    fixed = -25.0
    samples = CompressedSamples.build(X, ds.Y)
    # Σ|θ_i|·max|x̃_i| per grid point: some blocks run in float32, others in float64
    top = np.abs(X).max(axis=1)
    reach = np.abs(xs)[None, :] * top[0] + np.abs(ys)[:, None] * top[1] + abs(fixed)
    assert reach.min() < FLOAT32_REACH < reach.max()
    one = fast_cost_grid(samples, "w1-w2", xs, ys, fixed, block=2048)
    two = fast_cost_grid(samples, "w1-w2", xs, ys, fixed, threads=2, block=2048)
    np.testing.assert_array_equal(one, two)
    exact = cost_grid(X, ds.Y, "w1-w2", xs, ys, fixed)
    assert _rel_error_where_positive(one, exact) <= 1e-3
