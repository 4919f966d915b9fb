"""Feature crosses: x₁², x₂² and x₁x₂ beside the two features, so that a linear model in
five features draws a curved boundary in the plane of the two (xor and circles become
learnable).  The crosses are computed from the two features as the data view shows them
(standardized when that is on) and standardized like them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .datasets import Standardization

#: the crosses' names, in the order of the rows they add (w₃, w₄, w₅ weigh them)
CROSS_NAMES = ("x₁²", "x₂²", "x₁x₂")


def cross_features(X: np.ndarray) -> np.ndarray:
    """(3, m): x₁², x₂² and x₁x₂ of the two features X (2, m)."""
    X = np.asarray(X, dtype=float)
    if X.shape[0] != 2:
        raise ValueError(f"feature crosses take two features, got {X.shape[0]}")
    with np.errstate(over="ignore", invalid="ignore"):
        return np.vstack([X[0] ** 2, X[1] ** 2, X[0] * X[1]])


@dataclass(frozen=True)
class Crosses:
    """How the crosses of points are made: computed, then standardized by the crosses of
    the training data (``standardization`` None: left raw)."""

    standardization: Standardization | None

    @classmethod
    def fit(cls, shown: np.ndarray, standardize: bool) -> Crosses:
        """For training data whose two features (as shown) are ``shown``."""
        return cls(Standardization.fit(cross_features(shown)) if standardize else None)

    def features(self, shown: np.ndarray) -> np.ndarray:
        """(5, k): the two features of ``shown`` (2, k), then their crosses."""
        c = cross_features(shown)
        if self.standardization is not None:
            c = self.standardization.apply(c)
        return np.vstack([np.asarray(shown, dtype=float), c])
