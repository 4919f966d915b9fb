"""Export frames: the chosen views composed like the window, rendered off screen."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from ..core import SLICES
from ..core.surface import SurfaceRequest, SurfaceResult
from ..present.record import VIEW_NAMES, ExportSettings, RunRecord
from .views import BoundaryView, CostCurveView, SigmoidView, SurfaceView

SURFACE_GRID = 128
#: the cost surface is recomputed when the fixed parameter moves this share of the extent
SURFACE_STEP = 0.01


class FrameRenderer(QWidget):
    """The chosen views composed like the window, with a caption, at a fixed size."""

    def __init__(self, run: RunRecord, settings: ExportSettings) -> None:
        super().__init__()
        self.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        self.setStyleSheet("background: white;")
        self.run = run
        self.settings = settings
        self.caption = QLabel()
        self.caption.setStyleSheet("font-size: 15px; font-weight: bold; padding: 2px 6px;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        grid = QGridLayout()
        grid.setSpacing(6)
        layout.addLayout(grid, 1)
        self.views: dict[str, QWidget] = {}
        names = [v for v in VIEW_NAMES if v in settings.views]
        cols = 1 if len(names) == 1 else 2
        for k, name in enumerate(names):
            view = {
                "boundary": BoundaryView,
                "surface": SurfaceView,
                "sigmoid": SigmoidView,
                "cost": CostCurveView,
            }[name]()
            grid.addWidget(view, k // cols, k % cols)
            self.views[name] = view
        self._prepare()
        self.resize(*settings.size)
        self.setFixedSize(*settings.size)
        self.show()  # never on screen (WA_DontShowOnScreen); lays the widgets out

    def _prepare(self) -> None:
        run, h = self.run, self.run.history
        ds = run.dataset
        names = ds.feature_names
        if run.standardized:
            names = (f"{names[0]} (standardized)", f"{names[1]} (standardized)")
        theta = np.column_stack([h.weights, h.biases])
        self.theta = theta
        if "boundary" in self.views:
            self.views["boundary"].set_data(ds, run.X, names)
        if "sigmoid" in self.views:
            sig: SigmoidView = self.views["sigmoid"]
            sig.set_data(run.X, run.Y, ds.class_names)
            zmax = max(
                float(np.max(np.abs(t[:2] @ run.X + t[2])))
                for t in theta[:: max(1, len(theta) // 200)]
            )
            zmax = max(zmax, float(np.max(np.abs(theta[-1, :2] @ run.X + theta[-1, 2]))))
            sig.fix_z_range(1.1 * zmax)
        if "surface" in self.views:
            surf: SurfaceView = self.views["surface"]
            surf.hide_controls()
            surf.set_slice(self.settings.slice_key)
            surf.spec = SLICES[self.settings.slice_key]
            surf._set_labels()
            spec = surf.spec
            px, py = theta[:, spec.x_param], theta[:, spec.y_param]
            half = max(3.0, 1.25 * float(np.max(np.abs(np.concatenate([px, py])))))
            self.extent = (-half, half, -half, half)
            surf.set_extent(self.extent)
        if "cost" in self.views:
            cost: CostCurveView = self.views["cost"]
            cost.log_box.setChecked(self.settings.log_scale)
            cost.log_box.hide()
            cost.fix_range(float(h.iterations[-1]), h.costs)

    def surface_request(self, index: int) -> SurfaceRequest | None:
        if "surface" not in self.views:
            return None
        spec = SLICES[self.settings.slice_key]
        fixed = float(self.theta[index, spec.fixed_param])
        span = self.extent[1] - self.extent[0]
        step = SURFACE_STEP * span
        fixed = round(fixed / step) * step  # one surface per bucket of the fixed parameter
        xs = np.linspace(self.extent[0], self.extent[1], SURFACE_GRID)
        ys = np.linspace(self.extent[2], self.extent[3], SURFACE_GRID)
        return SurfaceRequest(0, self.run.X, self.run.Y, spec, xs, ys, fixed)

    def set_frame(self, index: int, surface: SurfaceResult | None) -> None:
        h = self.run.history
        w, b = h.weights[index], float(h.biases[index])
        it = int(h.iterations[index])
        lr = float(h.learning_rates[max(0, index - 1)] if index else h.learning_rates[0])
        text = (
            f"{self.run.dataset.name} · iteration {it:,} of {int(h.iterations[-1]):,} · "
            f"J = {h.costs[index]:.6g} · α = {lr:.4g} · w = ({w[0]:.4g}, {w[1]:.4g}) · b = {b:.4g}"
        )
        if self.run.diverged and index == len(h) - 1:
            text += " · diverged"
        self.caption.setText(text)
        if "boundary" in self.views:
            self.views["boundary"].show_state(w, b)
        if "sigmoid" in self.views:
            self.views["sigmoid"].show_state(w, b)
        if "surface" in self.views:
            spec = SLICES[self.settings.slice_key]
            if surface is not None:
                self.views["surface"].show_surface(surface)
            self.views["surface"].show_path(
                self.theta[:, spec.x_param], self.theta[:, spec.y_param], index
            )
        if "cost" in self.views:
            self.views["cost"].show_curve(h.iterations[: index + 1], h.costs[: index + 1], index)

    def parts(self) -> list[QWidget]:
        """The pieces rendered one at a time (each a small step)."""
        return [self.caption, *self.views.values()]

    def new_image(self) -> QImage:
        img = QImage(self.width(), self.height(), QImage.Format.Format_RGB888)
        img.fill(Qt.GlobalColor.white)
        return img

    def render_part(self, image: QImage, part: QWidget) -> None:
        painter = QPainter(image)
        try:
            part.render(painter, part.mapTo(self, QPoint(0, 0)))
        finally:
            painter.end()

    def render_frame(self, index: int, surface: SurfaceResult | None) -> QImage:
        self.set_frame(index, surface)
        image = self.new_image()
        for part in self.parts():
            self.render_part(image, part)
        return image
