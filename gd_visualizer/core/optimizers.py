"""The update rules of the deep-learning course, part 2 (numpy only).

An optimizer turns the gradient (dw, db) used for one update into the step
(Δw, Δb) that the trainer subtracts: w := w - Δw, b := b - Δb.  The rules act
on w and b alike, so each one works on θ = (w, b) as one vector.

Momentum, RMSprop and Adam keep moving averages of the gradient: :meth:`reset`
forgets them, :meth:`Optimizer.state` and :meth:`Optimizer.set_state` save and
restore them as one flat vector (the trainer keeps it in its history, so that a
run continued from an earlier entry goes on exactly as it went).
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

__all__ = [
    "OPTIMIZERS",
    "Adam",
    "GradientDescent",
    "Momentum",
    "Optimizer",
    "RMSprop",
    "make_optimizer",
]


class Optimizer:
    """The state every rule here may use: v, s (of θ's size) and t.

    v: the moving average of the gradient; s: of its square; t: the number of
    updates since :meth:`reset` (the first update has t = 1).
    """

    name: ClassVar[str] = ""

    def __init__(
        self, n_x: int, beta1: float = 0.9, beta2: float = 0.999, epsilon: float = 1e-8
    ) -> None:
        self.n_x = int(n_x)
        self.beta1 = _check_beta("beta1", beta1)
        self.beta2 = _check_beta("beta2", beta2)
        self.epsilon = _check_epsilon(epsilon)
        self.reset()

    def reset(self) -> None:
        self.v = np.zeros(self.n_x + 1)
        self.s = np.zeros(self.n_x + 1)
        self.t = 0

    def step(self, dw: np.ndarray, db: float, lr: float) -> tuple[np.ndarray, float]:
        """``(Δw, Δb)`` for one update with learning rate ``lr`` (Δw shaped like dw)."""
        g = np.append(np.ravel(dw), db)  # θ's gradient, (dw, db)
        self.t += 1
        delta = lr * self._direction(g)
        return delta[:-1].reshape(np.shape(dw)), float(delta[-1])

    def _direction(self, g: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def state(self) -> np.ndarray:
        """(v, s, t) as one flat vector of length 2(n_x + 1) + 1."""
        return np.concatenate([self.v, self.s, [float(self.t)]])

    def set_state(self, state: np.ndarray) -> None:
        state = np.asarray(state, dtype=float)
        k = self.n_x + 1
        if state.shape != (2 * k + 1,):
            raise ValueError(f"an optimizer state has {2 * k + 1} entries, got {state.size}")
        self.v = state[:k].copy()
        self.s = state[k : 2 * k].copy()
        self.t = int(state[-1])

    @classmethod
    def state_size(cls, n_x: int) -> int:
        return 2 * (int(n_x) + 1) + 1


class GradientDescent(Optimizer):
    """w := w - α·dw;  b := b - α·db."""

    name = "gd"

    def _direction(self, g: np.ndarray) -> np.ndarray:
        return g


class Momentum(Optimizer):
    """v := β₁v + (1 - β₁)·dw;  w := w - α·v  (the same for b)."""

    name = "momentum"

    def _direction(self, g: np.ndarray) -> np.ndarray:
        b1 = self.beta1
        self.v = b1 * self.v + (1.0 - b1) * g  # v = β₁v + (1 - β₁)dw
        return self.v


class RMSprop(Optimizer):
    """s := β₂s + (1 - β₂)·dw²;  w := w - α·dw/(√s + ε)  (the same for b)."""

    name = "rmsprop"

    def _direction(self, g: np.ndarray) -> np.ndarray:
        b2 = self.beta2
        self.s = b2 * self.s + (1.0 - b2) * g * g  # s = β₂s + (1 - β₂)dw²
        return g / (np.sqrt(self.s) + self.epsilon)  # dw/(√s + ε)


class Adam(Optimizer):
    """Momentum and RMSprop together, with bias correction (the same for b).

    v := β₁v + (1 - β₁)·dw;  s := β₂s + (1 - β₂)·dw²;
    v̂ = v/(1 - β₁ᵗ);  ŝ = s/(1 - β₂ᵗ);  w := w - α·v̂/(√ŝ + ε).
    At t = 1, v̂ = dw and ŝ = dw², so the first step is α·dw/(|dw| + ε) ≈ α·sign(dw).
    """

    name = "adam"

    def _direction(self, g: np.ndarray) -> np.ndarray:
        b1, b2, t = self.beta1, self.beta2, self.t
        self.v = b1 * self.v + (1.0 - b1) * g  # v = β₁v + (1 - β₁)dw
        self.s = b2 * self.s + (1.0 - b2) * g * g  # s = β₂s + (1 - β₂)dw²
        v_hat = self.v / (1.0 - b1**t)  # v̂ = v/(1 - β₁ᵗ)
        s_hat = self.s / (1.0 - b2**t)  # ŝ = s/(1 - β₂ᵗ)
        return v_hat / (np.sqrt(s_hat) + self.epsilon)  # v̂/(√ŝ + ε)


#: the optimizers by name, in the course's order
OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.name: cls for cls in (GradientDescent, Momentum, RMSprop, Adam)
}


def make_optimizer(
    name: str, n_x: int, beta1: float = 0.9, beta2: float = 0.999, epsilon: float = 1e-8
) -> Optimizer:
    """The optimizer called ``name`` (one of :data:`OPTIMIZERS`) for n_x weights and b."""
    if not isinstance(name, str) or name not in OPTIMIZERS:
        allowed = ", ".join(repr(k) for k in OPTIMIZERS)
        raise ValueError(f"optimizer must be one of {allowed}, got {name!r}")
    return OPTIMIZERS[name](n_x, beta1=beta1, beta2=beta2, epsilon=epsilon)


def _check_beta(name: str, value: float) -> float:
    value = _as_float(name, value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return value


def _check_epsilon(value: float) -> float:
    value = _as_float("epsilon", value)
    if not (math.isfinite(value) and value > 0.0):
        raise ValueError(f"epsilon must be a finite number > 0, got {value!r}")
    return value


def _as_float(name: str, value: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
