"""The training worker's protocol: one frozen dataclass per command."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Command:
    """Base of every command posted to the training worker."""


@dataclass(frozen=True)
class SetData(Command):
    """New training data: a new trainer at (w, b), paused."""

    X: np.ndarray
    Y: np.ndarray
    w: np.ndarray
    b: float
    learning_rate: float
    budget: int
    generation: int


@dataclass(frozen=True)
class Play(Command):
    pass


@dataclass(frozen=True)
class Pause(Command):
    pass


@dataclass(frozen=True)
class Step(Command):
    k: int = 1


@dataclass(frozen=True)
class Reset(Command):
    """Back to the start point (a new one when w and b are given), history cleared."""

    w: np.ndarray | None
    b: float | None
    generation: int


@dataclass(frozen=True)
class Rewind(Command):
    """Continue from history entry ``index`` (the later entries are dropped)."""

    index: int


@dataclass(frozen=True)
class Resume(Command):
    """Continue from the last finite state after the run stopped on non-finite values."""


@dataclass(frozen=True)
class SetRate(Command):
    learning_rate: float


@dataclass(frozen=True)
class SetBudget(Command):
    budget: int


@dataclass(frozen=True)
class SetSpeed(Command):
    iterations_per_second: float
