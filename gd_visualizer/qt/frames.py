"""Export frames: the chosen panels composed like the window, rendered off screen.

What each panel shows comes from the presenter (``present.scene``), exactly as in
the window; the renderer only adds a caption and holds the axes still across frames.
A race is drawn as the window draws it: the lead's scene, with each other run as a
trace in its colour at the frame's iteration.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator

import numpy as np
from PySide6.QtCore import QEvent, QObject, QRect, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QRegion
from PySide6.QtWidgets import QApplication, QGridLayout, QLabel, QVBoxLayout, QWidget

from ..core.features import Crosses
from ..core.surface import SurfaceRequest, SurfaceResult
from ..model import RunStatus, TrainingData
from ..model.run import run_method, verdict_label
from ..present import scene as present
from ..present.record import (
    VIEW_NAMES,
    ExportSettings,
    RaceFrame,
    RunRecord,
    race_hold,
)
from .views import PANELS
from .views._style import apply_plot_style, new_plot

#: an export renders at most this many pixels per step (see FrameRenderer.parts)
STRIP_PIXELS = 250_000
#: the settling pass (FrameRenderer.settle_steps) paints the plots at this fraction of their size
SETTLE_SCALE = 1 / 8
#: what painting one plot whole costs at 4K (3840×2160, four views; AMD EPYC, measured):
#: the reason an export paints in strips and its plots never paint on their own
PLOT_PAINT_4K = "15-25 ms"


class _OnlyWhenAsked(QObject):
    """Lets a plot paint only while the renderer renders it.

    The renderer is shown (off screen, for its layout), so Qt would also repaint every
    plot it changes at its full export size on the next turn of the event loop (see
    PLOT_PAINT_4K), on the GUI thread, for an image nobody sees.
    """

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.painting = False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        return event.type() == QEvent.Type.Paint and not self.painting


class FrameRenderer(QWidget):
    """The chosen views composed like the window, with a caption, at a fixed size."""

    def __init__(self, run: RunRecord, settings: ExportSettings, build_now: bool = True) -> None:
        """``build_now=False`` leaves the building to :meth:`build_steps` (an export runs
        them one per event-loop turn: creating four plots holds the GUI thread ~60 ms)."""
        super().__init__()
        apply_plot_style()
        self.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        self.setStyleSheet("background: white;")
        self.run = run
        self.settings = settings
        self.views: dict[str, QWidget] = {}
        self._paints = _OnlyWhenAsked(self)
        if build_now:
            for _ in self.build_steps():
                pass

    def build_steps(self) -> Iterator[None]:
        """Build the frame: the caption, each panel, then lay it out (a step each)."""
        settings = self.settings
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        # 15 px at 1280 wide and more, smaller on small frames (one or two lines)
        px = max(10, min(15, settings.size[0] // 85))
        self.caption.setStyleSheet(f"font-size: {px}px; font-weight: bold; padding: 2px 6px;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        grid = QGridLayout()
        grid.setSpacing(6)
        layout.addLayout(grid, 1)
        names = [v for v in VIEW_NAMES if v in settings.views]
        cols = 1 if len(names) == 1 else 2
        for k, name in enumerate(names):
            yield
            plot = new_plot()  # (most of a view's cost: a turn of its own)
            yield
            view = PANELS[name](plot=plot)
            grid.addWidget(view, k // cols, k % cols)
            # the frame's size decides: a small export squeezes plots below their
            # on-screen minimum instead of letting them overlap the next row
            view.setMinimumSize(0, 0)
            view.plot.setMinimumSize(0, 0)
            view.plot.viewport().installEventFilter(self._paints)
            self.views[name] = view
        yield
        self._prepare()
        yield
        self.resize(*settings.size)
        self.setFixedSize(*settings.size)
        self.show()  # never on screen (WA_DontShowOnScreen); lays the widgets out

    def _prepare(self) -> None:
        run = self.run
        # X is as trained; the labels need the standardization, the boundary the crosses
        std = run.dataset.standardization() if run.standardized else None
        crosses = Crosses.fit(run.X[:2], run.standardized) if run.crosses else None
        self.data = TrainingData(run.dataset, run.X, run.Y, std, crosses)
        self.status = run_status(run)
        self.hold = race_hold(run, self.data, self.settings.slice_key)
        self.extent = self.hold.extent
        for view in self.views.values():
            view.bind(self.data)
        if "boundary" in self.views:
            self.views["boundary"].hide_controls()
        if "surface" in self.views:
            surf = self.views["surface"]
            surf.hide_controls()
            surf.set_extent(self.extent)
        if "cost" in self.views:
            self.views["cost"].log_box.hide()
            self.views["cost"].legend_races = True  # no runs panel beside a frame

    def scene(self, frame: RaceFrame) -> present.Scene:
        """The lead's scene at its entry of the frame, the other runs as traces."""
        return present.make_scene(
            self.run.history,
            frame.entries[0],
            self.settings.slice_key,
            self.settings.log_scale,
            hold=self.hold,
            converged=self.run.status == "converged",
            colour=self.run.colour,
            name=self.run.name,
            method=run_method(self.run.optimizer, self.run.batch_size),
            traces=self.traces(frame),
            clock=frame.clock,
            loss=self.run.loss,
            lambd=self.run.lambd,
            classes=self.data.classes,
        )

    @property
    def spec(self):
        """The surface's slice of these features' parameters."""
        return self.data.slice_spec(self.settings.slice_key)

    def traces(self, frame: RaceFrame) -> tuple[present.Trace, ...]:
        """The other runs at the frame's iteration; a verdict once a run is at its end."""
        spec = self.spec
        return tuple(
            present.make_trace(
                other.history,
                frame.clock.iteration,
                spec,
                other.name,
                other.colour,
                verdict_label(run_status(other)) if entry == len(other.history) - 1 else "",
            )
            for other, entry in zip(self.run.others, frame.entries[1:], strict=True)
        )

    def surface_request(self, frame: RaceFrame) -> SurfaceRequest | None:
        if "surface" not in self.views:
            return None
        scene = self.scene(frame)
        # one surface per bucket of the held values
        theta = np.array([present.bucket(v, self.extent) for v in np.append(scene.w, scene.b)])
        fixed = float(theta[self.spec.fixed_param])
        return present.surface_request(
            self.data, self.spec, self.extent, fixed, loss=self.run.loss, lambd=self.run.lambd,
            theta=theta if self.spec.n_params != 3 else None,
        )  # fmt: skip

    def set_frame(self, frame: RaceFrame, surface: SurfaceResult | None) -> None:
        scene = self.scene(frame)
        self.caption.setText(present.caption(self.data, scene, self.status))
        # a wrapped caption keeps the height its lines need, from this frame on (the layout
        # is redone now: an export may render before the event loop turns)
        height = self.caption.heightForWidth(self.width())
        if height != self.caption.minimumHeight():
            self.caption.setMinimumHeight(height)
            self.layout().activate()
        if surface is not None and "surface" in self.views:
            self.views["surface"].show_surface(surface)
        for view in self.views.values():
            view.draw(scene)

    def frame_steps(
        self, frame: RaceFrame, surface: SurfaceResult | None
    ) -> Generator[None, None, QImage]:
        """Render ``frame`` a small step at a time: its scene, the layout settled, then
        each strip (:meth:`parts`); returns the image."""
        self.set_frame(frame, surface)
        yield
        yield from self.settle_steps()
        image = self.new_image()
        for part in self.parts():
            self.render_part(image, part)
            yield
        return image

    def settle_steps(self, passes: int = 3) -> Iterator[None]:
        """Settle the layout before any strip is rendered, a plot per step.

        pyqtgraph sizes an axis to its tick labels while painting it, so a plot's first
        paint after a change may move the layout (and a frame rendered in strips would
        be drawn half before, half after).  Each pass paints the plots small, into a
        throwaway image, then applies the layout that follows, until nothing moves (one
        pass as a rule; a plot's small paint costs its items' Python, most of it the axes:
        ~2-6 ms, ~10 ms the first time)."""
        plots = [view.plot for view in self.views.values()]
        small = QImage(
            max(1, int(self.width() * SETTLE_SCALE)),
            max(1, int(self.height() * SETTLE_SCALE)),
            QImage.Format.Format_RGB888,
        )
        for _ in range(passes):
            before = [plot.plotItem.vb.sceneBoundingRect() for plot in plots]
            for plot in plots:
                # QGraphicsView.render paints the scene's items (no paint event): what the
                # view's paintEvent prepares first (ranges, transforms) is prepared here
                plot.scene().prepareForPaint()
                painter = QPainter(small)
                try:
                    painter.scale(SETTLE_SCALE, SETTLE_SCALE)
                    plot.render(painter, QRectF(plot.rect()), plot.rect())
                finally:
                    painter.end()
                yield
            # (every pending layout of the GUI thread, the window's included: only a moment)
            QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
            if [plot.plotItem.vb.sceneBoundingRect() for plot in plots] == before:
                return

    def parts(self) -> list[tuple[QWidget, QRect]]:
        """The pieces rendered one at a time, each a small step: every widget in strips of
        at most STRIP_PIXELS pixels (a 4K plot painted whole: PLOT_PAINT_4K)."""
        pieces = []
        for widget in (self.caption, *self.views.values()):
            w, h = widget.width(), widget.height()
            rows = max(1, STRIP_PIXELS // max(1, w))
            pieces += [(widget, QRect(0, y, w, min(rows, h - y))) for y in range(0, h, rows)]
        return pieces

    def new_image(self) -> QImage:
        img = QImage(self.width(), self.height(), QImage.Format.Format_RGB888)
        img.fill(Qt.GlobalColor.white)
        return img

    def render_part(self, image: QImage, part: tuple[QWidget, QRect]) -> None:
        widget, rect = part
        painter = QPainter(image)
        self._paints.painting = True
        try:
            widget.render(painter, widget.mapTo(self, rect.topLeft()), QRegion(rect))
        finally:
            self._paints.painting = False
            painter.end()

    def render_frame(self, frame: RaceFrame, surface: SurfaceResult | None) -> QImage:
        """The frame's image, rendered at once (:meth:`frame_steps` without the pauses)."""
        steps = self.frame_steps(frame, surface)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                return done.value


def run_status(run: RunRecord) -> RunStatus:
    """A recorded run's verdict as the presenter takes it."""
    return RunStatus(divergence=run.divergence, status=run.status)
