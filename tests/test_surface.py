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
