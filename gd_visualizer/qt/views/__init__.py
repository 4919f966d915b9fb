"""The four linked views and the read-out; each is a set of plain setters."""

from .boundary import BoundaryView
from .costcurve import CostCurveView
from .readout import Readout
from .sigmoid import SigmoidView
from .surface import SurfaceView

__all__ = ["BoundaryView", "CostCurveView", "Readout", "SigmoidView", "SurfaceView"]
