"""The training worker's protocol: one frozen dataclass per command.

The worker races one or more *lanes* (one trainer each, keyed by the run's ``key``) on
the same data from the same start; a command without a lane applies to all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Command:
    """Base of every command posted to the training worker."""


@dataclass(frozen=True)
class LaneSpec:
    """What steers one raced run: its rate, budget, optimizer and mini-batch size.

    ``epoch`` changes whenever the lane starts afresh on its own (new optimizer or
    batch size): the GUI drops snapshots of an older epoch.
    """

    key: int
    learning_rate: float
    budget: int
    optimizer: str = "gd"
    batch_size: int | None = None
    epoch: int = 0


@dataclass(frozen=True)
class SetData(Command):
    """New training data: a new trainer per lane at (w, b), paused."""

    X: np.ndarray
    Y: np.ndarray
    w: np.ndarray
    b: float
    lanes: tuple[LaneSpec, ...]
    generation: int
    loss: str = "cross_entropy"
    lambd: float = 0.0
    classes: int = 2  # K > 2: softmax regression (Y holds class indices)


@dataclass(frozen=True)
class SetModel(Command):
    """Another loss or λ: every lane anew from the start point (a new cost function)."""

    loss: str
    lambd: float
    generation: int


@dataclass(frozen=True)
class AddLane(Command):
    """A new lane from the start point; it catches up with the others at once."""

    spec: LaneSpec


@dataclass(frozen=True)
class ResetLane(Command):
    """One lane anew from the start point with new settings (it catches up)."""

    spec: LaneSpec


@dataclass(frozen=True)
class RemoveLane(Command):
    key: int


@dataclass(frozen=True)
class Replay(Command):
    """Train each lane again with the learning rate of each recorded update (a session
    opened): ``rates`` maps a lane's key to its schedule.  Deterministic: the history
    comes back to the last bit."""

    rates: tuple[tuple[int, tuple[float, ...]], ...]


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
    """Continue from history entry ``index`` of lane ``lane`` (the later entries are
    dropped); every other lane continues from its entry at the same iteration."""

    index: int
    lane: int | None = None


@dataclass(frozen=True)
class Resume(Command):
    """Continue from the last finite state after a run stopped on non-finite values."""

    lane: int | None = None


@dataclass(frozen=True)
class SetRate(Command):
    learning_rate: float
    lane: int | None = None


@dataclass(frozen=True)
class SetBudget(Command):
    budget: int
    lane: int | None = None


@dataclass(frozen=True)
class SetSpeed(Command):
    iterations_per_second: float
