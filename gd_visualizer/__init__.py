"""gd-visualizer: see gradient descent train logistic regression.

The numerical core lives in :mod:`gd_visualizer.core` (numpy only); the
desktop app in :mod:`gd_visualizer.qt`.
"""

__version__ = "0.1.0"
