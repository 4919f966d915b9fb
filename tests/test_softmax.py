"""Softmax regression against independent references: finite differences, a plain loop, the
K = 2 closed form (logistic regression on z₁ - z₀), exact values at |Z| ~ 1e3, and training."""

import itertools
import math

import numpy as np
import pytest

from gd_visualizer.core import (
    make_dataset,
    one_hot,
    propagate,
    softmax,
    softmax_columns,
    softmax_predict,
    softmax_propagate,
)


def problem(K=3, n_x=4, m=9, seed=0, scale=1.0):
    """A small random problem: W (K, n_x), b (K, 1), X (n_x, m), one-hot Y (K, m)."""
    rng = np.random.default_rng(seed)
    W = scale * rng.normal(size=(K, n_x))
    b = scale * rng.normal(size=(K, 1))
    X = rng.normal(size=(n_x, m))
    labels = rng.integers(0, K, size=m)
    labels[:K] = np.arange(K)  # every class present
    return W, b, X, one_hot(labels, K), labels


def cost_of(W, b, X, Y):
    return softmax_propagate(W, b, X, Y)[1]


def central_differences(f, P, eps=1e-6):
    """∂f/∂P_ij ≈ (f(P + εe_ij) - f(P - εe_ij)) / 2ε, entry by entry."""
    G = np.zeros_like(P)
    for idx in np.ndindex(P.shape):
        plus, minus = P.copy(), P.copy()
        plus[idx] += eps
        minus[idx] -= eps
        G[idx] = (f(plus) - f(minus)) / (2 * eps)
    return G


def relative_error(a, b):
    return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))


# -- the cost and its gradients ------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradients_match_central_differences(seed):
    W, b, X, Y, _ = problem(seed=seed)
    grads, _ = softmax_propagate(W, b, X, Y)
    assert grads["dW"].shape == (3, 4) and grads["db"].shape == (3, 1)
    num_dW = central_differences(lambda P: cost_of(P, b, X, Y), W)
    num_db = central_differences(lambda P: cost_of(W, P, X, Y), b)
    assert relative_error(grads["dW"], num_dW) < 1e-6
    assert relative_error(grads["db"], num_db) < 1e-6


def test_cost_matches_a_plain_loop():
    """J = -(1/m) Σ_i log(e^(z_yi) / Σ_k e^(z_ki)), one example at a time with math.exp."""
    W, b, X, Y, labels = problem(m=12, seed=4)
    K, m = Y.shape
    total = 0.0
    for i in range(m):
        z = [float(W[k] @ X[:, i] + b[k, 0]) for k in range(K)]
        total -= math.log(math.exp(z[labels[i]]) / sum(math.exp(v) for v in z))
    assert cost_of(W, b, X, Y) == pytest.approx(total / m, rel=1e-12)


def test_cost_of_zero_weights_is_log_k():
    _, _, X, Y, _ = problem(K=3, m=30, seed=5)
    grads, cost = softmax_propagate(np.zeros((3, 4)), np.zeros((3, 1)), X, Y)
    assert cost == pytest.approx(math.log(3), rel=1e-15)  # A = 1/3 everywhere
    # db = (1/m) Σ (1/3 - Y) = 1/3 - (the share of each class)
    np.testing.assert_allclose(grads["db"][:, 0], 1 / 3 - Y.mean(axis=1), atol=1e-15)


# -- K = 2 is logistic regression on z = z₁ - z₀ -------------------------------------------------
#
# With Z = [z₀; z₁]: A₁ = e^z₁ / (e^z₀ + e^z₁) = σ(z₁ - z₀) and A₀ = 1 - σ(z₁ - z₀), so with
# Y = [1 - y; y] the softmax cost is the logistic cost J(w, b) at w = W₁ - W₀, b = b₁ - b₀.
# Backward: dZ₁ = σ(z) - y = dz and dZ₀ = (1 - σ(z)) - (1 - y) = -dz, hence
#     dW[1] = (1/m) dz Xᵀ = dwᵀ,  dW[0] = -dwᵀ,  dW[1] - dW[0] = 2 dwᵀ,
#     db[1] = db,  db[0] = -db,  db[1] - db[0] = 2 db.
# (The 2: moving W₁ by δ and W₀ by -δ moves w = W₁ - W₀ by 2δ.)


def two_class_problem(seed=6, m=25):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(3, m))
    y = (rng.random(m) < 0.5).astype(float).reshape(1, m)
    return X, y


def test_two_classes_with_a_zero_row_is_logistic_regression():
    X, y = two_class_problem()
    w = np.array([[0.7], [-1.3], [0.4]])
    b = -0.25
    W = np.vstack([np.zeros((1, 3)), w.T])  # W = [[0 … 0], [wᵀ]]
    B = np.array([[0.0], [b]])  # b = [[0], [b]]
    grads, cost = softmax_propagate(W, B, X, one_hot(y, 2))
    ref, ref_cost = propagate(w, b, X, y)
    assert cost == pytest.approx(ref_cost, rel=1e-12)
    dw = ref["dw"].T  # (1, n_x)
    np.testing.assert_allclose(grads["dW"][1:], dw, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grads["dW"][:1], -dw, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grads["dW"][1] - grads["dW"][0], 2 * dw[0], rtol=1e-12)
    assert grads["db"][1, 0] - grads["db"][0, 0] == pytest.approx(2 * ref["db"], rel=1e-12)


def test_two_classes_depend_only_on_the_difference_of_the_rows():
    X, y = two_class_problem(seed=7)
    rng = np.random.default_rng(8)
    W, B = rng.normal(size=(2, 3)), rng.normal(size=(2, 1))
    grads, cost = softmax_propagate(W, B, X, one_hot(y, 2))
    ref, ref_cost = propagate((W[1] - W[0]).reshape(-1, 1), B[1, 0] - B[0, 0], X, y)
    assert cost == pytest.approx(ref_cost, rel=1e-12)
    np.testing.assert_allclose(grads["dW"][1] - grads["dW"][0], 2 * ref["dw"][:, 0], rtol=1e-12)


# -- stability -------------------------------------------------------------------------------------


def test_scores_of_a_thousand_give_the_exact_cost():
    """Z = (1000, 0, -1000): log A = Z - 1000 exactly (e^-1000 underflows next to 1)."""
    W = np.array([[1000.0], [0.0], [-1000.0]])
    b = np.zeros((3, 1))
    X = np.ones((1, 1))
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow is fine
        for label, expected in [(0, 0.0), (1, 1000.0), (2, 2000.0)]:
            grads, cost = softmax_propagate(W, b, X, one_hot([label], 3))
            assert cost == expected  # a clipped log A would give about 36 for class 2
            # A = (1, 0, 0): dZ = A - Y
            np.testing.assert_array_equal(grads["dW"][:, 0], [1, 0, 0] - one_hot([label], 3)[:, 0])


def test_large_scores_stay_finite_and_normalized():
    W, b, X, Y, _ = problem(m=40, seed=9, scale=400.0)  # |Z| up to a few thousand
    Z = W @ X + b
    assert np.abs(Z).max() > 1e3
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow is fine
        grads, cost = softmax_propagate(W, b, X, Y)
        A = softmax_columns(Z)
    assert np.isfinite(cost)
    assert np.all(np.isfinite(grads["dW"])) and np.all(np.isfinite(grads["db"]))
    np.testing.assert_allclose(A.sum(axis=0), 1.0, rtol=1e-15)
    # J = -(1/m) Σ (z_y - logsumexp(z)), logsumexp from numpy's own logaddexp
    lse = np.logaddexp.reduce(Z, axis=0)
    expected = -np.mean(np.sum(Y * Z, axis=0) - lse)
    assert cost == pytest.approx(expected, rel=1e-12)


def test_softmax_columns_is_the_courses_row_softmax_transposed():
    Z = np.random.default_rng(10).normal(scale=5.0, size=(3, 7))
    np.testing.assert_allclose(softmax_columns(Z), softmax(Z.T).T, rtol=1e-14)
    np.testing.assert_allclose(softmax_columns(Z + 1e4), softmax_columns(Z), rtol=1e-9)


# -- training -------------------------------------------------------------------------------------


def test_gradient_descent_learns_three_blobs():
    ds = make_dataset("blobs3", n_samples=300, seed=2)
    Y = one_hot(ds.Y, 3)
    W, b = np.zeros((3, 2)), np.zeros((3, 1))
    costs = []
    for _ in range(300):
        grads, cost = softmax_propagate(W, b, ds.X, Y)
        W = W - 0.5 * grads["dW"]  # W = W - α dW
        b = b - 0.5 * grads["db"]  # b = b - α db
        costs.append(cost)
    assert costs[0] == pytest.approx(math.log(3))
    assert all(later <= earlier for earlier, later in itertools.pairwise(costs))
    prediction = softmax_predict(W, b, ds.X)
    assert prediction.shape == (1, ds.m) and np.issubdtype(prediction.dtype, np.integer)
    assert np.mean(prediction == ds.Y) > 0.9


def test_predict_is_the_argmax_of_the_scores():
    W = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])
    b = np.zeros((3, 1))
    X = np.array([[3.0, 0.0, -2.0], [0.0, 3.0, -2.0]])
    np.testing.assert_array_equal(softmax_predict(W, b, X), [[0, 1, 2]])


# -- one_hot --------------------------------------------------------------------------------------


def test_one_hot_accepts_rows_vectors_and_whole_floats():
    expected = np.array([[1.0, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 1]])
    np.testing.assert_array_equal(one_hot([0, 2, 1, 2], 3), expected)
    np.testing.assert_array_equal(one_hot(np.array([[0, 2, 1, 2]]), 3), expected)
    np.testing.assert_array_equal(one_hot(np.array([[0.0, 2.0, 1.0, 2.0]]), 3), expected)


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ([0, 3], "whole numbers from 0 to 2, got 3"),
        ([0, -1], "whole numbers from 0 to 2, got -1"),
        ([0.5, 1], "whole numbers from 0 to 2, got 0.5"),
        ([float("nan")], "whole numbers from 0 to 2"),
        (["a", "b"], "whole numbers from 0 to 2"),
        (np.zeros((2, 3)), r"shape \(1, m\) or \(m,\), got \(2, 3\)"),
    ],
)
def test_one_hot_refuses_bad_labels(labels, message):
    with pytest.raises(ValueError, match=message):
        one_hot(labels, 3)


# -- shapes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"W": np.zeros((3, 5))}, r"W must have shape \(K, n_x\) = \(K, 4\), got \(3, 5\)"),
        ({"W": np.zeros(4)}, r"W must have shape \(K, n_x\) = \(K, 4\), got \(4,\)"),
        ({"b": np.zeros(3)}, r"b must have shape \(K, 1\) = \(3, 1\), got \(3,\)"),
        ({"b": np.zeros((4, 1))}, r"b must have shape \(K, 1\) = \(3, 1\), got \(4, 1\)"),
        ({"X": np.zeros(4)}, r"X must have shape \(n_x, m\), got \(4,\)"),
        ({"X": np.zeros((4, 0))}, r"at least one example .* got shape \(4, 0\)"),
        ({"Y": np.zeros((3, 8))}, r"Y must have shape \(K, m\) = \(3, 9\), got \(3, 8\)"),
        ({"Y": np.zeros((2, 9))}, r"Y must have shape \(K, m\) = \(3, 9\), got \(2, 9\)"),
        ({"Y": np.zeros(9)}, r"Y must have shape \(K, m\) = \(3, 9\), got \(9,\)"),
    ],
)
def test_bad_shapes_name_what_was_expected_and_given(change, message):
    W, b, X, Y, _ = problem()
    args = {"W": W, "b": b, "X": X, "Y": Y, **change}
    with pytest.raises(ValueError, match=message):
        softmax_propagate(**args)
    if "Y" not in change:
        with pytest.raises(ValueError, match=message):
            softmax_predict(args["W"], args["b"], args["X"])


def test_the_package_name_softmax_is_still_the_courses_function():
    """The submodule core/multiclass.py must not shadow the row-wise ``softmax`` in the package."""
    import gd_visualizer.core as core
    from gd_visualizer.core import softmax as exported
    from gd_visualizer.core.logistic import softmax as row_softmax
    from gd_visualizer.core.multiclass import softmax_propagate as from_module

    assert exported is row_softmax and core.softmax is row_softmax
    assert from_module is softmax_propagate
