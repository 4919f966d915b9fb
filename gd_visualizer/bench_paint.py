"""The benchmark's drawing case: a frame's cost against the drawing floor, per view.

The *drawing floor* is the same window, at the same size and with the same panels, showing
no data (the empty drawing): one synchronous repaint of the whole window.  A *frame* is what
the window does for each entry while training, measured two ways:

- *as played*: the GUI thread's CPU time per frame while the window plays at its own pace
  (the panels draw the scene, and Qt repaints what changed: cached layers are blitted, the
  controls that did not change are not painted).  This is the frame time the goal is about.
- *every widget repainted*: the panels draw the scene, then the whole window and every plot
  repaint synchronously, changed or not: the worst case, e.g. a window uncovered at once.

All are timed in the same process, one after the other, so their ratios hold on any machine.
Alongside, every plot's paint and every panel's draw are timed while the window plays at its
own pace: the per-view profile.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

#: full repaints timed for the floor and for the loaded frames
SAMPLES = 40


@dataclass
class PaintProfile:
    floor: float  # seconds: one repaint of the window with no data
    frame: float  # seconds: the panels draw a scene, then the whole window repaints
    played: float  # seconds: the GUI thread's CPU time per frame, playing at its pace
    paced_fps: float  # frames per second while playing at the window's own pace
    iterations: int  # trained meanwhile
    floor_views: dict[str, float] = field(default_factory=dict)  # plot -> paint (s), no data
    views: dict[str, float] = field(default_factory=dict)  # plot -> paint (s), playing
    draws: dict[str, float] = field(default_factory=dict)  # panel -> draw (s), playing


class _PaintClock:
    """Times each plot's paint event by the plot's objectName (patched in for the run)."""

    def __init__(self) -> None:
        import pyqtgraph as pg

        self.times: dict[str, list[float]] = defaultdict(list)
        self._cls = pg.GraphicsView
        self._orig = pg.GraphicsView.paintEvent
        times, orig = self.times, self._orig

        def timed(view, ev):
            t0 = time.perf_counter()
            try:
                return orig(view, ev)
            finally:
                times[view.objectName() or type(view).__name__].append(time.perf_counter() - t0)

        self._cls.paintEvent = timed

    def medians(self) -> dict[str, float]:
        return {k: statistics.median(v) for k, v in sorted(self.times.items()) if v}

    def close(self) -> None:
        self._cls.paintEvent = self._orig


def run_loop(seconds: float) -> None:
    """Run the event loop for ``seconds`` as the app does: it sleeps while nothing is due
    (``spin`` polls, which would count as the GUI thread's work)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def spin(app, seconds: float) -> None:
    """Run the event loop for ``seconds``."""
    from PySide6.QtCore import QEventLoop

    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)


def play_trained(app, window, timeout: float = 300.0) -> None:
    """Press Play and run the event loop until the trainer has delivered entries: its first
    iteration may wait for numba to compile (seconds on a fresh machine, whose cache is
    empty), which a measurement must not count as frames missed."""
    window.play()
    mirror = window.controller.mirror
    end = time.perf_counter() + timeout
    while len(mirror) < 2:  # the start point and a first trained entry
        if time.perf_counter() > end:
            raise RuntimeError(f"the trainer delivered nothing in {timeout:.0f} s")
        spin(app, 0.05)
    spin(app, 0.3)


def race_at_full_speed(window, ds, runs) -> None:
    """The benchmarks' training: ``ds`` in ``window``, its run and the ``runs`` (rate,
    optimizer) raced beside it, at full speed, each with a budget beyond the slider's
    100,000 iterations (at m = 10³ the trainer gets there within a measurement)."""
    window.set_dataset(ds)
    c = window.controls
    c.iter_slider.setValue(c.iter_slider.maximum())
    c.speed_slider.setValue(c.speed_slider.maximum())
    for lr, optimizer in runs:
        window.add_run(learning_rate=lr, optimizer=optimizer)
    ctl = window.controller
    for k in range(len(window.runs)):
        ctl.select_run(k)
        ctl.set_budget(10**7)
    ctl.select_run(0)


def show_no_data(app, window) -> None:
    """The drawing floor's window: ``window`` showing no data (the empty drawing)."""
    from .qt.controls import DRAW_CHOICE

    combo = window.controls.dataset_combo
    combo.setCurrentIndex(combo.findData(DRAW_CHOICE))
    spin(app, 0.5)


def every_widget(window) -> list:
    """The widgets a whole repaint of ``window`` paints: the window, and its plots'
    viewports, which are not among the widgets the window's own repaint reaches."""
    return [window, *(panel.plot.viewport() for panel in window.panels.values())]


def _repaints(app, window, before: Callable[[], None] | None = None) -> float:
    """Median seconds of ``before()`` (the panels' drawing) and a full synchronous repaint."""
    samples = []
    for _ in range(SAMPLES):
        spin(app, 0.02)  # the trainer and the event loop go on between frames
        t0 = time.perf_counter()
        if before is not None:
            before()
        for widget in every_widget(window):
            widget.repaint()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def paint_case(
    app,
    MainWindow,
    ds,
    runs: tuple[tuple[float, str], ...] = (),
    step_panel: bool = False,
    seconds: float = 3.0,
    size: tuple[int, int] = (1440, 900),
) -> PaintProfile:
    """The floor and the frame of a window training on ``ds`` (beside its run, the
    ``runs`` (rate, optimizer) raced; the computation-graph panel open when
    ``step_panel``), and the per-view profile."""
    clock = _PaintClock()
    w = MainWindow(restore_settings=False)
    try:
        w.resize(*size)
        w.show()
        if step_panel:
            w.show_step_panel(True)
        show_no_data(app, w)
        clock.times.clear()
        floor = _repaints(app, w)
        floor_views = clock.medians()

        race_at_full_speed(w, ds, runs)
        spin(app, 0.5)
        draws: dict[str, list[float]] = defaultdict(list)
        for name, panel in w.panels.items():
            panel.draw = _timed(panel.draw, draws[name])
        play_trained(app, w)
        clock.times.clear()
        f0, t0, c0 = w.frames_drawn, time.perf_counter(), time.thread_time()
        run_loop(seconds)
        cpu = time.thread_time() - c0  # (waiting for the GIL or the next tick is not CPU)
        frames = w.frames_drawn - f0
        paced = frames / (time.perf_counter() - t0)
        played = cpu / frames if frames else float("nan")
        views = clock.medians()
        draw = {k: statistics.median(v) for k, v in draws.items() if v}
        frame = _repaints(app, w, w.drawer.draw_now)
        mirror = w.controller.mirror
        its = int(mirror.array("iterations")[-1]) if len(mirror) else 0
    finally:
        clock.close()
        w.close()
        w.deleteLater()
        spin(app, 0.1)
    return PaintProfile(floor, frame, played, paced, its, floor_views, views, draw)


def _timed(fn: Callable, into: list[float]) -> Callable:
    def timed(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            into.append(time.perf_counter() - t0)

    return timed


def paint_rows(profile: PaintProfile, label: str, quick: bool, Row) -> list:
    """The benchmark's rows for one profile: the frame (as played, and with every widget
    repainted) against the floor, the paced frame rate, and each view's paint and draw."""
    ratio = profile.played / profile.floor if profile.floor else None
    worst = profile.frame / profile.floor if profile.floor else None
    rows = [
        Row(f"drawing floor: the window with no data, one repaint{label}", profile.floor * 1e3,
            "ms", None, None, "—", None, "same window, panels and size; the empty drawing"),
        Row(f"frame as played: GUI thread's CPU per frame{label}", profile.played * 1e3, "ms",
            profile.floor * 1e3, ratio, "≤ 1.3× the floor" if not quick else "—",
            (ratio is not None and ratio <= 1.3) if not quick else None,
            f"{profile.iterations:,} iterations trained meanwhile"),
        Row(f"frame, every widget repainted: panels draw + window repaint{label}",
            profile.frame * 1e3, "ms", profile.floor * 1e3, worst, "—", None,
            "the worst case: nothing cached or left unpainted"),
        Row(f"frames per second at the window's pace{label}", profile.paced_fps, "frames/s",
            None, None, "—", None, "playing at full speed"),
    ]  # fmt: skip
    for name, t in profile.views.items():
        base = profile.floor_views.get(name)
        rows.append(
            Row(f"  paint {name}{label}", t * 1e3, "ms", None if base is None else base * 1e3,
                t / base if base else None, "—", None, "reference: the same plot with no data")
        )  # fmt: skip
    for name, t in profile.draws.items():
        rows.append(Row(f"  draw {name}{label}", t * 1e3, "ms", None, None, "—", None))
    return rows
