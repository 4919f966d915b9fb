"""Frame pacing: the panels draw the controller's scene at most once per frame.

Results from the trainer only mark a frame as due; a single-shot timer draws it.
When a frame's work (drawing and painting) takes longer than a frame, frames are
spaced by that cost and a tenth more, so a slow paint never queues up work and
never starves input or timers.  Each frame is drawn in two halves a few
milliseconds apart (Qt paints everything that changed in one go), so no turn of
the event loop is long; both halves show the same entry.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QSignalBlocker, QTimer, Slot
from PySide6.QtWidgets import QLabel, QSlider

from ..present import scene as present
from .accuracy import ReadoutAccuracy
from .controller import RunController
from .views import Readout

log = logging.getLogger(__name__)

FRAME_SECONDS = 1 / 60
#: the two halves of a frame are this far apart (ms), so the first can paint in between
HALF_FRAME_MS = 3
#: while training, the read-out's numbers change at most this often (seconds)
READOUT_SECONDS = 0.1


class FrameDrawer(QObject):
    """Draws the panels, the read-out and the scrubber from the controller's scene."""

    def __init__(
        self,
        controller: RunController,
        panels: dict,
        readout: Readout,
        slider: QSlider,
        label: QLabel,
        report: Callable[[str, int], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.panels = panels
        self.readout = readout
        self.slider = slider
        self.label = label
        self._report = report
        self._timer = QTimer(self)
        self._timer.setObjectName("frameTimer")
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._render)
        self.draw_start = 0.0
        self._frame_index: int | None = None
        self._readout_at = 0.0
        self._frame_work = 0.0  # seconds of drawing and painting per frame (average)
        self.frames_drawn = 0  # paced frames drawn whole (the benchmark counts them)
        #: panels that have not had the current data yet (they do not draw until then)
        self.unbound: set[str] = set()
        #: True until the first frame is drawn: it is drawn whole, every panel in the
        #: window's first paint (MainWindow binds every panel at once until then)
        self.first_frame = True
        self.accuracy = ReadoutAccuracy(
            controller.inbox, lambda text: self.readout.set(acc=text), report
        )
        #: more panels that draw at reading speed, while visible (the step panel)
        self.extras: list = []
        self.closed = False

    def stop(self) -> None:
        self.closed = True
        self._timer.stop()
        self.controller.worker.gui_idle.set()

    @Slot()
    def schedule(self) -> None:
        """Draw at the next frame (at most once per frame)."""
        if self._timer.isActive() or self.closed:
            return
        since = time.perf_counter() - self.draw_start
        gap = max(FRAME_SECONDS, 1.1 * self._frame_work) - since
        self._timer.start(max(0, int(gap * 1000)))

    def _render(self) -> None:
        self.draw_start = time.perf_counter()
        self.controller.worker.gui_idle.clear()  # the trainer waits while we draw
        self._frame_index = self.draw_half(0, None)
        if self.first_frame:  # whole: the window's first paint shows every panel
            self.render_second()
        else:
            QTimer.singleShot(HALF_FRAME_MS, self, self.render_second)

    def render_second(self) -> None:
        if self._frame_index is not None and not self.closed:
            self.first_frame = False
            if self.draw_half(1, self._frame_index) is not None:
                self.frames_drawn += 1
        QTimer.singleShot(0, self, self._frame_painted)

    @Slot()
    def draw_now(self) -> None:
        """The whole frame at once (after the user scrubbed or changed what is shown)."""
        if self.closed:
            return
        index = self.draw_half(0, None)
        if index is not None:
            self.draw_half(1, index)

    def _frame_painted(self) -> None:
        """Runs after the paint events the last draw caused: the frame's full cost."""
        self.controller.worker.gui_idle.set()
        work = time.perf_counter() - self.draw_start
        self._frame_work = 0.7 * self._frame_work + 0.3 * work

    def draw_half(self, half: int, index: int | None) -> int | None:
        """Draw the panels of one half of a frame; returns the entry drawn."""
        try:
            scene = self.controller.scene(index)
            if scene is None:
                return None
            for name, panel in self.panels.items():
                if panel.half == half and name not in self.unbound:
                    panel.draw(scene)
            if half == 0:
                self.controller.update_surface(index=scene.scrubber.index)
            else:
                self._draw_numbers(scene)
            return scene.scrubber.index
        except Exception as exc:  # a view failed: say so, keep the app usable
            log.exception("drawing failed")
            self._report(f"Drawing failed: {type(exc).__name__}: {exc}", 15000)
            return None

    def _draw_numbers(self, scene: present.Scene) -> None:
        """The read-out and the scrubber (at 10 Hz while training: numbers changing 60
        times a second cannot be read, and every text change repaints its widget)."""
        now = time.perf_counter()
        if self.controller.playing and now - self._readout_at < READOUT_SECONDS:
            return
        self._readout_at = now
        run = self.controller.run
        if run.data is not None:
            texts = present.readout(run.data, scene, run.status)
            texts["acc"] = self.accuracy.text(run.data, scene.w, scene.b, scene.iteration)
            self.readout.set(**texts)
            for extra in self.extras:
                if extra.isVisible():
                    extra.draw(scene)
        clock = scene.scrubber
        with QSignalBlocker(self.slider):
            self.slider.setRange(0, clock.length - 1)
            self.slider.setValue(clock.index)
        self.label.setText(f"iteration {clock.iteration:,} of {clock.last_iteration:,}")
