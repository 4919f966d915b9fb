"""The numerical core of gd-visualizer: numpy only, no Qt.

Everything the app, the exporter and the benchmark compute comes from here.
"""

from . import logistic as _logistic
from .datasets import (
    BUILTIN_DATASETS,
    MAX_ABS_VALUE,
    MAX_NOISE,
    MULTICLASS_DATASETS,
    CsvInfo,
    Dataset,
    DatasetError,
    LoadCancelled,
    Standardization,
    inspect_csv,
    load_csv,
    make_dataset,
)
from .graph import (
    LoopComparison,
    compare_loop,
    cost_cut,
    loop_partials,
    loss_curves,
    sample_graph,
    sample_graphs,
    toy_graph,
    toy_nudge,
)
from .history import History, HistoryView
from .logistic import (
    LOSSES,
    GradientKernel,
    cost_from_z,
    forward_backward,
    hessian,
    initialize_with_zeros,
    l1,
    l2,
    l2_regularization,
    local_rate_limit,
    loss_gradients,
    optimize,
    predict,
    propagate,
    propagate_loop,
    sigmoid,
    softplus,
    stable_learning_rate,
)
from .optimizers import OPTIMIZERS, Optimizer, make_optimizer
from .softmax import one_hot, softmax_columns, softmax_predict, softmax_propagate
from .surface import SLICES, SliceSpec, cost_grid, slice_minimum, surface_levels
from .trainer import STATUSES, Trainer

# Importing the submodule .softmax (softmax regression) set the package attribute "softmax"
# to that module; the name belongs to the course's row-wise softmax function.
softmax = _logistic.softmax

__all__ = [
    "BUILTIN_DATASETS",
    "LOSSES",
    "MAX_ABS_VALUE",
    "MAX_NOISE",
    "MULTICLASS_DATASETS",
    "OPTIMIZERS",
    "SLICES",
    "STATUSES",
    "CsvInfo",
    "Dataset",
    "DatasetError",
    "GradientKernel",
    "History",
    "HistoryView",
    "LoadCancelled",
    "LoopComparison",
    "Optimizer",
    "SliceSpec",
    "Standardization",
    "Trainer",
    "compare_loop",
    "cost_cut",
    "cost_from_z",
    "cost_grid",
    "forward_backward",
    "hessian",
    "initialize_with_zeros",
    "inspect_csv",
    "l1",
    "l2",
    "l2_regularization",
    "load_csv",
    "local_rate_limit",
    "loop_partials",
    "loss_curves",
    "loss_gradients",
    "make_dataset",
    "make_optimizer",
    "one_hot",
    "optimize",
    "predict",
    "propagate",
    "propagate_loop",
    "sample_graph",
    "sample_graphs",
    "sigmoid",
    "slice_minimum",
    "softmax",
    "softmax_columns",
    "softmax_predict",
    "softmax_propagate",
    "softplus",
    "stable_learning_rate",
    "surface_levels",
    "toy_graph",
    "toy_nudge",
]
