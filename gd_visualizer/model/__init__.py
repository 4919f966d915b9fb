"""The run and what is shown of it: plain Python objects that announce their changes.

Nothing here imports Qt.  The controller (``gd_visualizer.qt.controller``) is the only
writer; windows, panels and the exporter observe and read.
"""

from .commands import (
    Command,
    Pause,
    Play,
    Reset,
    Resume,
    Rewind,
    SetBudget,
    SetData,
    SetRate,
    SetSpeed,
    Step,
)
from .run import (
    HISTORY_FIELDS,
    MAX_ITERATIONS,
    Run,
    RunMirror,
    RunStatus,
    TrainingData,
    ViewState,
    accuracy,
)

__all__ = [
    "HISTORY_FIELDS",
    "MAX_ITERATIONS",
    "Command",
    "Pause",
    "Play",
    "Reset",
    "Resume",
    "Rewind",
    "Run",
    "RunMirror",
    "RunStatus",
    "SetBudget",
    "SetData",
    "SetRate",
    "SetSpeed",
    "Step",
    "TrainingData",
    "ViewState",
    "accuracy",
]
