"""The numerical core of gd-visualizer: numpy only, no Qt.

Everything the app, the exporter and the benchmark compute comes from here.
"""

from .datasets import (
    BUILTIN_DATASETS,
    MAX_ABS_VALUE,
    MAX_NOISE,
    CsvInfo,
    Dataset,
    DatasetError,
    LoadCancelled,
    Standardization,
    inspect_csv,
    load_csv,
    make_dataset,
)
from .history import History, HistoryView
from .logistic import (
    GradientKernel,
    cost_from_z,
    forward_backward,
    hessian,
    initialize_with_zeros,
    l1,
    l2,
    local_rate_limit,
    optimize,
    predict,
    propagate,
    propagate_loop,
    sigmoid,
    softmax,
    softplus,
    stable_learning_rate,
)
from .surface import SLICES, SliceSpec, cost_grid, slice_minimum, surface_levels
from .trainer import STATUSES, Trainer

__all__ = [
    "BUILTIN_DATASETS",
    "MAX_ABS_VALUE",
    "MAX_NOISE",
    "SLICES",
    "STATUSES",
    "CsvInfo",
    "Dataset",
    "DatasetError",
    "GradientKernel",
    "History",
    "HistoryView",
    "LoadCancelled",
    "SliceSpec",
    "Standardization",
    "Trainer",
    "cost_from_z",
    "cost_grid",
    "forward_backward",
    "hessian",
    "initialize_with_zeros",
    "inspect_csv",
    "l1",
    "l2",
    "load_csv",
    "local_rate_limit",
    "make_dataset",
    "optimize",
    "predict",
    "propagate",
    "propagate_loop",
    "sigmoid",
    "slice_minimum",
    "softmax",
    "softplus",
    "stable_learning_rate",
    "surface_levels",
]
