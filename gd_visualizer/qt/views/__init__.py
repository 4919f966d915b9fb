"""The panels: one file each, a set of plain setters plus the intents they emit.

A panel has ``bind(data: TrainingData)`` (new training data), ``draw(scene: Scene)``
(what to show, from the presenter), a ``name`` and a ``half`` (which half of a
frame draws it).  The window lays out and draws every panel in :data:`PANELS`, in
order, two per row; the exporter renders the same classes, each given its plot
(``PanelClass(plot=new_plot())``, built a turn earlier).  Adding a panel is one
new file and one line here.
"""

from .boundary import BoundaryView
from .costcurve import CostCurveView
from .readout import Readout
from .sigmoid import SigmoidView
from .surface import SurfaceView

#: name -> panel class, in layout order
PANELS = {
    "boundary": BoundaryView,
    "surface": SurfaceView,
    "sigmoid": SigmoidView,
    "cost": CostCurveView,
}

__all__ = ["PANELS", "BoundaryView", "CostCurveView", "Readout", "SigmoidView", "SurfaceView"]
