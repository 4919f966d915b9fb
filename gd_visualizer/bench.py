"""``python -m gd_visualizer.bench [--quick] [--json FILE]``: the benchmark.

Every comparison is measured side by side in the same run (medians of several
repeats, reported as ratios) because these machines are shared and noisy.
It is a benchmark, not a test: nothing here fails on its figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np


@dataclass
class Row:
    case: str
    measured: float
    unit: str
    reference: float | None
    ratio: float | None
    goal: str
    met: bool | None  # None: no goal for this row
    note: str = ""


def median_time(fn: Callable[[], object], repeats: int = 5, min_seconds: float = 0.0) -> float:
    """Median seconds of one call (calls are repeated within a sample when fast)."""
    fn()  # warm
    n = 1
    t0 = time.perf_counter()
    fn()
    once = time.perf_counter() - t0
    if min_seconds and once < min_seconds:
        n = max(1, int(min_seconds / max(once, 1e-9)))
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - t0) / n)
    return statistics.median(samples)


def data(m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    from .core import make_dataset

    ds = make_dataset("overlap", m, seed=seed)
    return ds.standardization().apply(ds.X), ds.Y


# -- 1. vectorization ------------------------------------------------------------------------
def bench_vectorization(quick: bool) -> list[Row]:
    from .core import propagate, propagate_loop

    rows = []
    sizes = (10**3, 10**4) if not quick else (10**2, 10**3)
    for m in sizes:
        X, Y = data(m)
        w = np.array([[0.3], [-0.2]])
        loop = median_time(lambda X=X, Y=Y, w=w: propagate_loop(w, 0.1, X, Y), repeats=3)
        vec = median_time(
            lambda X=X, Y=Y, w=w: propagate(w, 0.1, X, Y), repeats=7, min_seconds=0.01
        )
        last = m == sizes[-1]
        rows.append(
            Row(
                f"vectorization: propagate_loop / propagate, m={m:,}",
                vec * 1e3, "ms/iter", loop * 1e3, loop / vec,
                "≥ 100× at m=10,000" if last and not quick else "—",
                (loop / vec >= 100) if last and not quick else None,
            )
        )  # fmt: skip
    return rows


# -- 2. trainer against its limit and the course's code -----------------------------------
def copy_bandwidth(nbytes: int) -> float:
    """Bytes per second np.copyto moves for an array of ``nbytes`` (array size / time)."""
    a = np.ones(nbytes // 8)
    b = np.empty_like(a)
    t = median_time(lambda: np.copyto(b, a), repeats=7)
    return a.nbytes / t


def peer_steps(X: np.ndarray, Y: np.ndarray, k: int, lr: float = 0.1) -> float:
    """k iterations of the course's vectorized code as a student writes it; the last cost."""

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    m = X.shape[1]
    w = np.zeros((X.shape[0], 1))
    b = 0.0
    cost = 0.0
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):  # as a notebook shows
        for _ in range(k):
            A = sigmoid(np.dot(w.T, X) + b)
            cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
            dw = 1 / m * np.dot(X, (A - Y).T)
            db = 1 / m * np.sum(A - Y)
            w = w - lr * dw
            b = b - lr * db
    return float(cost)


def exp_log1p_time(m: int) -> float:
    """numpy's own seconds for one np.exp and one np.log1p over m values (no allocation)."""
    z = np.random.default_rng(0).normal(scale=3.0, size=m)
    x = -np.abs(z)
    e = np.exp(x)
    out = np.empty(m)
    return median_time(
        lambda: (np.exp(x, out=out), np.log1p(e, out=out)), repeats=7, min_seconds=0.02
    )


COLD_CALL = r"""
import sys, time
t0 = time.perf_counter()
import numpy as np
from gd_visualizer.core.logistic import GradientKernel
rng = np.random.default_rng(0)
X = rng.normal(size=(2, 10**4))
Y = (rng.random(10**4) > 0.5).astype(float)
kernel = GradientKernel(X, Y, backend=sys.argv[1])
kernel(np.array([0.3, -0.2]), 0.1)
print(time.perf_counter() - t0, kernel.backend, flush=True)
"""


def cold_first_call(backend: str, cache_dir: str) -> float:
    """Seconds from a fresh process to its first kernel result (imports included)."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    out = subprocess.run(
        [sys.executable, "-c", COLD_CALL, backend],
        env=env, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    seconds, used = out.stdout.split()
    assert used == backend, used
    return float(seconds)


def bench_trainer(quick: bool) -> list[Row]:
    from .core import Trainer
    from .core.logistic import (
        COMPILED_MIN,
        GradientKernel,
        compiled_kernels,
        compiled_kernels_error,
    )

    rows = []
    numba = compiled_kernels() is not None  # loaded before anything is timed
    if numba:
        cache = tempfile.mkdtemp(prefix="gd-bench-numba-")
        try:
            compile_s = cold_first_call("numba", cache)  # an empty cache: numba compiles
            load_s = statistics.median(cold_first_call("numba", cache) for _ in range(3))
            base_s = statistics.median(cold_first_call("numpy", cache) for _ in range(3))
        finally:
            shutil.rmtree(cache, ignore_errors=True)
        rows += [
            Row("trainer kernel: cold first call, numba cache warm", load_s, "s", base_s,
                load_s / base_s, "—", None,
                "fresh process to the first result at m=10⁴: imports numba and loads the "
                f"compiled kernel; reference: the same with the numpy pass. Never at start-up: "
                f"numba is loaded for the first dataset of ≥ {COMPILED_MIN:,} samples"),
            Row("trainer kernel: cold first call, numba cache empty", compile_s, "s", base_s,
                compile_s / base_s, "—", None,
                "the same, once per installation: numba compiles the kernel into its cache"),
        ]  # fmt: skip
    else:
        rows.append(
            Row("trainer kernel: numba not available", 0.0, "—", None, None, "—", None,
                f"the numpy pass runs everywhere ({compiled_kernels_error()})")
        )  # fmt: skip
    bw = copy_bandwidth(10**7 if quick else 10**8)
    rows.append(
        Row("memory: np.copyto bandwidth", bw / 1e9, "GB/s", None, None, "—", None,
            f"on a {'10⁷' if quick else '10⁸'}-byte array")
    )  # fmt: skip
    sizes = (10**3, 10**4) if quick else (10**3, 10**4, 10**5, 10**6)
    for m in sizes:
        X, Y = data(m)
        k = max(1, min(200, int(2e6 // m)))
        t = Trainer(X, Y, learning_rate=0.1, num_iterations=10**9)
        backend = t._kernel.backend
        per = median_time(lambda t=t, k=k: t.run(k), repeats=7) / k
        t.close()
        peer = median_time(lambda X=X, Y=Y, k=k: peer_steps(X, Y, k), repeats=7) / k
        w = np.array([0.3, -0.2])
        kernels = {}
        for name in ("numba", "numpy") if numba else ("numpy",):
            kernel = GradientKernel(X, Y, backend=name)
            kernels[name] = median_time(
                lambda kernel=kernel, w=w: kernel(w, 0.1), repeats=7, min_seconds=0.02
            )
            kernel.close()
        explog = exp_log1p_time(m)
        stream = X.nbytes / bw
        limit = max(stream, explog)
        big = m == 10**6
        rows += [
            Row(f"trainer limit: np.exp + np.log1p over m values, m={m:,}", explog * 1e3, "ms",
                stream * 1e3, explog / stream, "—", None,
                "reference: X read once at the copyto bandwidth; the limit is the larger"),
            Row(f"trainer: ms per iteration, m={m:,}", per * 1e3, "ms/iter", limit * 1e3,
                per / limit, "≤ 1.5× the limit at m=10⁶" if big else "—",
                (per / limit <= 1.5) if big else None,
                f"Trainer.run ({backend} kernel), history and verdict included; "
                f"the kernel alone {kernels[backend] * 1e3:.3g} ms"),
            Row(f"trainer: the course's vectorized code (peer) / trainer, m={m:,}", peer * 1e3,
                "ms/iter", per * 1e3, peer / per, "≥ 2×", peer / per >= 2.0,
                "peer: sigmoid(np.dot(w.T, X) + b), the cost with np.log(A) and "
                "np.log(1 - A), dw, db, then the update"),
        ]  # fmt: skip
        if numba:
            rows.append(
                Row(f"trainer kernel: numpy pass / numba pass, m={m:,}", kernels["numpy"] * 1e3,
                    "ms/iter", kernels["numba"] * 1e3, kernels["numpy"] / kernels["numba"], "—",
                    None, "what numba earns: the same (dw, db, cost) without it")
            )  # fmt: skip
    return rows


# -- 3. cost surface -----------------------------------------------------------------------
def bench_surface(quick: bool) -> list[Row]:
    """The 200×200 surface of the w1-w2 slice over ±6, as the app computes it frame after
    frame (the data's cells kept, the held b moving), and cold (the first surface of a data
    set: binning and merging included); its error against the exact float64 grid."""
    from .core import cost_grid
    from .core.surface import CompressedSamples, fast_cost_grid

    rows = []
    cases = ((64, 10**3), (64, 10**4)) if quick else ((200, 10**4), (200, 10**6), (128, 10**4))
    goals = {(200, 10**4): 0.050, (200, 10**6): 0.200}
    for g, m in cases:
        X, Y = data(m)
        xs = ys = np.linspace(-6, 6, g)
        held = iter(np.tile(np.linspace(-1.0, 1.0, 7), 1000))  # a new b every frame

        def frame(X=X, Y=Y, xs=xs, ys=ys, held=held):
            samples = CompressedSamples.build(X, Y, max_weight=6.0)
            return fast_cost_grid(samples, "w1-w2", xs, ys, next(held))

        def cold(X=X, Y=Y, xs=xs, ys=ys):
            CompressedSamples.clear_cache()
            return frame(X, Y, xs, ys)

        t_cold = median_time(cold, repeats=3)
        t_fast = median_time(frame, repeats=7)
        J = fast_cost_grid(CompressedSamples.build(X, Y, max_weight=6.0), "w1-w2", xs, ys, 0.4)
        # the exact float64 grid: all of it where affordable, else every k-th point
        step = 1 if m * g * g <= 2e8 else (8 if m <= 10**5 else 20)
        sub = slice(None, None, step)
        t0 = time.perf_counter()
        E = cost_grid(X, Y, "w1-w2", xs[sub], ys[sub], 0.4)
        t_exact = (time.perf_counter() - t0) * step * step
        big = E > 1e-12
        err = float(np.max(np.abs(J[sub, sub] - E)[big] / E[big]))
        goal, met = "—", None
        if (g, m) in goals:
            limit = goals[g, m]
            goal = f"≤ {limit * 1e3:.0f} ms"
            met = t_fast <= limit and err <= 1e-3  # per frame; the cold time is in the note
        note = (
            f"max rel. error {err:.1e} vs exact float64"
            + ("" if step == 1 else f" (every {step}th point; exact time ×{step * step})")
            + f"; cold (first surface of the data set) {t_cold * 1e3:.0f} ms"
            + ("" if g != 128 else "; the app's grid")
        )
        rows.append(
            Row(f"cost surface {g}×{g}, m={m:,}", t_fast * 1e3, "ms", t_exact * 1e3,
                t_exact / t_fast, goal, met, note)
        )  # fmt: skip
    CompressedSamples.clear_cache()
    return rows


#: the raced runs of the race case, beside the first (rate, optimizer): a sweep and two more
RACE_RUNS = ((0.01, "gd"), (1.0, "gd"), (10.0, "gd"), (0.1, "momentum"), (0.05, "adam"))


def _gui_case(
    app, MainWindow, ds, seconds: float, quick: bool, runs: int = 1, goal_fps: float | None = None
) -> list[Row]:
    """Train at full speed in the real window (``runs`` raced) and watch the GUI thread."""
    from PySide6.QtCore import QEventLoop, QTimer

    from .qt.views._style import MAX_DRAWN

    m = ds.m
    rows: list[Row] = []
    from .bench_paint import play_trained, race_at_full_speed

    w = MainWindow(restore_settings=False)
    w.show()
    race_at_full_speed(w, ds, RACE_RUNS[: runs - 1])
    c = w.controls
    lateness: list[float] = []
    probe = QTimer()
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        lateness.append(max(0.0, now - last[0] - 0.005))
        last[0] = now

    probe.timeout.connect(tick)
    spin(app, 0.5)
    play_trained(app, w)
    frames0 = w.frames_drawn
    probe.start(5)
    last[0] = time.perf_counter()
    t0 = time.perf_counter()
    latencies = []
    next_change = t0 + 0.25
    rate = 0.05
    while time.perf_counter() - t0 < seconds:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 2)
        if time.perf_counter() >= next_change:
            rate = 0.2 if rate == 0.05 else 0.05
            t_set = time.perf_counter()
            c.lr_spin.setValue(rate)
            before = w.controller.worker.lr_effective_at
            while w.controller.worker.lr_effective_at == before:
                app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 1)
                if time.perf_counter() - t_set > 1.0:
                    break
            latencies.append(w.controller.worker.lr_effective_at - t_set)
            next_change = time.perf_counter() + 0.25
    elapsed = time.perf_counter() - t0
    probe.stop()
    iterations = len(w.controller.mirror)
    frames = w.frames_drawn - frames0
    w.close()
    w.deleteLater()
    spin(app, 0.1)
    fps = frames / elapsed
    p99 = float(np.percentile(lateness, 99)) if lateness else float("nan")
    lat = float(np.median(latencies)) if latencies else float("nan")
    if goal_fps is None:
        goal_fps = 60 if m == 10**3 else 30
    drawn = min(m, MAX_DRAWN)
    raced = "" if runs == 1 else f", {runs} runs raced"
    rows += [
        Row(f"GUI frames per second, m={m:,}{raced}", fps, "frames/s", None, None,
            f"≥ {goal_fps}" if not quick else "—", (fps >= goal_fps) if not quick else None,
            f"{iterations:,} iterations trained meanwhile; {drawn:,} samples drawn"),
        Row(f"GUI stall: p99 lateness of a 5 ms timer, m={m:,}{raced}", p99 * 1e3, "ms", None, None,
            "≤ 16 ms" if not quick else "—", (p99 <= 0.016) if not quick else None),
        Row(f"slider → trainer latency (median), m={m:,}{raced}", lat * 1e3, "ms", None, None,
            "≤ 33 ms" if not quick else "—", (lat <= 0.033) if not quick else None,
            f"{len(latencies)} learning-rate changes"),
    ]  # fmt: skip
    return rows


# -- 4/5. the GUI under load ------------------------------------------------------------------
def bench_gui(quick: bool) -> list[Row]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    from .core import make_dataset
    from .qt import MainWindow

    rows = []
    seconds = 1.0 if quick else 5.0
    for m in (10**3, 10**4) if quick else (10**3, 10**5):
        rows += _gui_case(app, MainWindow, make_dataset("overlap", m), seconds, quick)
    return rows


def bench_race(quick: bool) -> list[Row]:
    """Six runs raced at m = 10⁴ (issue 13: ≥ 50 frames/s, no stall over 16 ms), beside
    one run on the same data in the same process."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    from .core import make_dataset
    from .qt import MainWindow

    seconds = 1.0 if quick else 5.0
    ds = make_dataset("overlap", 10**4)
    one = _gui_case(app, MainWindow, ds, seconds, quick, runs=1, goal_fps=50)
    six = _gui_case(app, MainWindow, ds, seconds, quick, runs=6, goal_fps=50)
    fps1, fps6 = one[0].measured, six[0].measured
    six[0].reference, six[0].ratio = fps1, fps6 / fps1 if fps1 else None
    six[0].note += f"; reference: one run on the same data ({fps1:.3g} frames/s)"
    return [six[0], six[1]]


def bench_paint(quick: bool) -> list[Row]:
    """Issue 16 goal 1: a frame's cost against the drawing floor (the same window with no
    data), at m = 10⁴ with one run and with six raced runs and the computation-graph panel
    open, and where the time goes, per view."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    from .bench_paint import paint_case, paint_rows
    from .core import make_dataset
    from .qt import MainWindow

    ds = make_dataset("overlap", 10**3 if quick else 10**4)
    seconds = 1.0 if quick else 3.0
    rows = paint_rows(paint_case(app, MainWindow, ds, seconds=seconds), "", quick, Row)
    six = paint_case(app, MainWindow, ds, runs=RACE_RUNS, step_panel=True, seconds=seconds)
    return rows + paint_rows(six, ", 6 runs + graph panel", quick, Row)


def spin(app, seconds: float) -> None:
    from PySide6.QtCore import QEventLoop

    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)


# -- long runs ------------------------------------------------------------------------------
def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def bench_long_run(quick: bool) -> list[Row]:
    """The window open while training as fast as it goes: memory and frame time over time."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    from .core import make_dataset
    from .qt import MainWindow

    seconds = 3.0 if quick else 300.0  # full: until 10⁶ iterations or 5 minutes
    target = 10**4 if quick else 10**6
    w = MainWindow(restore_settings=False)
    w.show()
    w.set_dataset(make_dataset("overlap", 200))
    c = w.controls
    c.iter_slider.setValue(c.iter_slider.maximum())
    c.speed_slider.setValue(c.speed_slider.maximum())
    spin(app, 0.5)
    before = rss_mb()
    w.play()
    w.controller.set_budget(target)  # beyond the slider's 100 000
    draws = _time_draws(w)
    t_start = time.perf_counter()
    while time.perf_counter() - t_start < seconds:
        spin(app, 0.5)
        m = w.controller.mirror
        if len(m) and int(m.array("iterations")[-1]) >= target:
            break
    seconds = time.perf_counter() - t_start
    after = rss_mb()
    n = len(w.controller.mirror)
    last_it = int(w.controller.mirror.array("iterations")[-1]) if n else 0
    w.close()
    w.deleteLater()
    spin(app, 0.1)
    e, lt = _thirds(draws, t_start, seconds)
    race_e, race_lt, race_n = _long_race(app, MainWindow, 4.0 if quick else 40.0)
    return [
        Row("long run: memory growth with the window open", after - before, "MB", None, None,
            "< 200 MB", (after - before) < 200,
            f"{last_it:,} iterations in {seconds:.0f} s at full speed (m=200), "
            f"{n:,} history entries kept"),
        Row("long run: draw time, last third vs first third", lt * 1e3, "ms", e * 1e3,
            lt / e if e else None, "no growth (≈1×)", None),
        Row("long race: draw time, last third vs first third, 6 runs", race_lt * 1e3, "ms",
            race_e * 1e3, race_lt / race_e if race_e else None, "no growth (≈1×)", None,
            f"m=10,000, the race case's runs; {race_n:,} history entries at the end"),
    ]  # fmt: skip


def _time_draws(window) -> list[tuple[float, float]]:
    """(start, seconds) of each frame the window draws from now on: from its first half
    to the end of its second."""
    draws: list[tuple[float, float]] = []
    drawer = window.drawer
    second = drawer.render_second

    def timed() -> None:
        second()
        draws.append((drawer.draw_start, time.perf_counter() - drawer.draw_start))

    drawer.render_second = timed
    return draws


def _thirds(
    draws: list[tuple[float, float]], t_start: float, seconds: float
) -> tuple[float, float]:
    """Median draw time of the first and of the last third of a run (seconds)."""
    third = seconds / 3
    early = [d for t, d in draws if 0 <= t - t_start < third]
    late = [d for t, d in draws if t - t_start > 2 * third]
    e = statistics.median(early) if early else float("nan")
    return e, statistics.median(late) if late else float("nan")


def _long_race(app, MainWindow, seconds: float) -> tuple[float, float, int]:
    """Six raced runs for ``seconds``: the frame's drawing early and late (the histories
    grow all along; a frame that scans them whole grows with them) and the history kept."""
    from .bench_paint import play_trained, race_at_full_speed, run_loop
    from .core import make_dataset

    w = MainWindow(restore_settings=False)
    w.show()
    race_at_full_speed(w, make_dataset("overlap", n_samples=10_000, seed=0), RACE_RUNS)
    spin(app, 0.5)
    draws = _time_draws(w)
    play_trained(app, w)
    t_start = time.perf_counter()
    run_loop(seconds)
    seconds = time.perf_counter() - t_start
    n = len(w.controller.mirror)
    w.close()
    w.deleteLater()
    spin(app, 0.5)
    gc.collect()  # (six runs' histories: not freed in the middle of the next case's timing)
    return (*_thirds(draws, t_start, seconds), n)


# -- 6. start-up ---------------------------------------------------------------------------
#: the start of each start-up script: ``time_first_paint(app, w, show)`` shows ``w`` with
#: ``show(w)`` and prints the seconds from the process's start to the end of its first
#: paint (Qt is imported only when it is called: the app imports its own modules first)
FIRST_PAINT = r"""
import sys, time
t0 = float(sys.argv[1])


def time_first_paint(app, w, show):
    from PySide6.QtCore import QEvent, QObject, QTimer

    def painted():
        print(time.time() - t0, flush=True)
        app.quit()

    class Painted(QObject):
        def eventFilter(self, obj, ev):
            # the window's first paint starts: the time is taken once it is done (its plots
            # and every other widget painted), on the next turn of the event loop
            if ev.type() == QEvent.Type.Paint and obj is w:
                w.removeEventFilter(self)
                QTimer.singleShot(0, painted)
            return False

    f = Painted()
    w.installEventFilter(f)
    show(w)
    app.exec()
"""

STARTUP = (
    FIRST_PAINT
    + r"""
from gd_visualizer.heap import starting
with starting():  # as the app starts (gd_visualizer.app._app)
    from gd_visualizer.app import make_window, prepare
    app, w = make_window(prepare([]), restore_settings=False)
    from gd_visualizer.qt import open_window
    time_first_paint(app, w, open_window)
    from pathlib import Path
    from gd_visualizer.qt.settings import settings_kept_in
    with settings_kept_in(Path(sys.argv[2])):  # (closing saves them: not in the user's)
        w.close()
"""
)

BASELINE = r"""
import sys, time
t0 = float(sys.argv[1])
import PySide6.QtWidgets, pyqtgraph
print(time.time() - t0, flush=True)
"""

#: the floor of a window of four plots: the same imports, then a window of four bare
#: pyqtgraph plots (titled, with axis labels) at the app's size, to its first paint
FOUR_PLOTS = (
    FIRST_PAINT
    + r"""
from PySide6.QtWidgets import QApplication, QGridLayout, QMainWindow, QWidget
import pyqtgraph as pg
app = QApplication([sys.argv[0]])
pg.setConfigOptions(background="w", foreground="k", antialias=False)  # as the app's
w = QMainWindow()
central = QWidget()
grid = QGridLayout(central)
for k in range(4):
    plot = pg.PlotWidget(title=f"plot {k}", enableMenu=False)
    plot.setLabel("left", "y")
    plot.setLabel("bottom", "x")
    grid.addWidget(plot, k // 2, k % 2)
w.setCentralWidget(central)
w.resize(1440, 900)
time_first_paint(app, w, lambda window: window.show())
"""
)


def bench_startup(quick: bool) -> list[Row]:
    """Process start → first paint of the window, against a process that only imports
    PySide6.QtWidgets and pyqtgraph, run alternately (medians) in the same environment.

    Both read compiled bytecode, as an installed app does (pip compiles it at install): the
    children write and read it in a private cache (PYTHONPYCACHEPREFIX), filled by a first
    run of each, so a PYTHONDONTWRITEBYTECODE environment does not charge the app the
    compilation of its own sources while PySide6 and pyqtgraph come precompiled.
    """
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="gd-bench-")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="gd-bench-pyc-")

    def run(code: str) -> float:
        out = subprocess.run(
            [sys.executable, "-c", code, repr(time.time()), env["XDG_CONFIG_HOME"]],
            env=env, capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        return float(out.stdout.strip().splitlines()[-1])

    n = 3 if quick else 9
    try:
        run(STARTUP), run(BASELINE), run(FOUR_PLOTS)  # compile into the cache, warm the file cache
        apps, bases, floors = [], [], []
        for _ in range(n):  # alternately, so that a busy moment hits all alike
            apps.append(run(STARTUP))
            bases.append(run(BASELINE))
            floors.append(run(FOUR_PLOTS))
    finally:
        shutil.rmtree(env["XDG_CONFIG_HOME"], ignore_errors=True)
        shutil.rmtree(env["PYTHONPYCACHEPREFIX"], ignore_errors=True)
    app, base = statistics.median(apps), statistics.median(bases)
    floor = statistics.median(floors)
    ratio = app / base
    return [
        Row("start-up: process start → first painted window", app, "s", base, ratio,
            "≤ 1.5× the imports", ratio <= 1.5,
            "reference: a process importing PySide6.QtWidgets + pyqtgraph; bytecode cached "
            "for both"),
        Row("start-up floor: a window of four bare pyqtgraph plots, first painted", floor,
            "s", base, floor / base, "—", None,
            "the same imports, then four titled plots at the app's size: what any window "
            f"of four plots costs; the app's window is {1e3 * (app - floor):.0f} ms more"),
    ]  # fmt: skip


# -- 7. export -----------------------------------------------------------------------------
def bench_export(quick: bool) -> list[Row]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    _app = QApplication.instance() or QApplication([sys.argv[0]])
    from .core import Trainer, make_dataset
    from .present.record import ExportSettings, RunRecord
    from .qt.export_job import Export

    ds = make_dataset("iris")
    X = ds.standardization().apply(ds.X)
    t = Trainer(X, ds.Y, learning_rate=0.5, num_iterations=300)
    t.run(300)
    run = RunRecord(ds, X, ds.Y, t.view(), standardized=True)
    frames = 10 if quick else 60
    repeats = 1 if quick else 3
    times = []
    for _ in range(repeats):  # the median of a few exports (the machine is shared)
        with tempfile.TemporaryDirectory() as tmp:
            job = Export(run, ExportSettings(out_dir=Path(tmp) / "e", frames=frames))
            t0 = time.perf_counter()
            job.run_all()
            times.append(time.perf_counter() - t0)
    fps = frames / statistics.median(times)
    return [
        Row("export: 4-view frames at 1280×800", fps, "frames/s", None, None, "≥ 20",
            fps >= 20, f"{frames} frames incl. PNG encoding and animation.png; "
            f"median of {repeats}"),
    ]  # fmt: skip


# -- 8. CSV loader --------------------------------------------------------------------------
def bench_loader(quick: bool) -> list[Row]:
    """load_csv on a generated file (two floats and a 0/1 label) against numpy.loadtxt."""
    import tracemalloc

    from .core import load_csv

    m = 10**5 if quick else 10**6
    rng = np.random.default_rng(0)
    X = rng.normal(size=(m, 2)) * 10
    y = (X.sum(axis=1) > 0).astype(int)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.csv"
        with open(path, "w") as fh:
            fh.write("x1,x2,label\n")
            np.savetxt(fh, np.column_stack([X, y]), fmt=("%.10f", "%.10f", "%d"), delimiter=",")
        mb = path.stat().st_size / 1e6
        t_load = median_time(lambda: load_csv(path), repeats=3)
        t_numpy = median_time(lambda: np.loadtxt(path, delimiter=",", skiprows=1), repeats=3)
        tracemalloc.start()  # numpy's allocations are traced too
        try:
            ds = load_csv(path)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    final = ds.X.nbytes + ds.Y.nbytes
    return [
        Row(f"CSV loader: load_csv, {m:,} rows ({mb:.0f} MB)", t_load, "s", t_numpy,
            t_load / t_numpy, "≤ 2 s" if not quick else "—", (t_load <= 2.0) if not quick else None,
            "reference: numpy.loadtxt on the same file"),
        Row(f"CSV loader: peak memory, {m:,} rows", peak / 2**20, "MB", final / 2**20,
            peak / final, "≤ 3× the arrays" if not quick else "—",
            (peak <= 3 * final) if not quick else None,
            "reference: the final X and Y arrays; peak traced by tracemalloc"),
    ]  # fmt: skip


# -- GUI-thread stalls during long work --------------------------------------------------------
class StallProbe:
    """Lateness of a 5 ms timer on the GUI thread: how long the window was frozen."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.lateness: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.lateness.append(max(0.0, now - self._last - 0.005))
        self._last = now

    def run_until(self, app, done: Callable[[], bool], limit: float, settle: float = 0.5) -> float:
        """Spin the event loop until ``done()`` and ``settle`` seconds more (the first
        frames of what arrived); returns the longest stall (seconds)."""
        self.lateness = []
        self._last = time.perf_counter()
        self._timer.start(5)
        end = time.perf_counter() + limit
        while not done() and time.perf_counter() < end:
            app.processEvents()
        end = time.perf_counter() + settle
        while time.perf_counter() < end:
            app.processEvents()
        self._timer.stop()
        return max(self.lateness, default=0.0)


def bench_stalls(quick: bool) -> list[Row]:
    """The longest GUI-thread stall while a big CSV loads, Samples jumps to 10⁶ and a
    4K export writes its animated PNG (each must stay under a frame, 16 ms)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    from . import heap
    from .qt import MainWindow, open_window

    w = MainWindow(restore_settings=False)
    open_window(w)  # as the app opens it: its long-lived objects frozen a moment later
    try:
        end = time.perf_counter() + 10
        while not heap.freezing():
            if time.perf_counter() > end:
                raise RuntimeError("the window did not freeze its objects within 10 s")
            app.processEvents()
        spin(app, 0.2)
        return _stall_cases(app, w, quick) + _stall_floor(app, w, quick)
    finally:
        w.close()
        w.deleteLater()
        spin(app, 0.1)
        heap.thaw()  # the later cases' windows are collected as before


def _stall_cases(app, w, quick: bool) -> list[Row]:
    """The stall cases of :func:`bench_stalls`, in the window ``w``."""
    from .present.record import ExportSettings

    rows = 2 * 10**5 if quick else 10**6
    probe = StallProbe()
    out: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        body = b"a,b,y\n" + b"1.5,2.5,1\n0.5,-1.25,0\n" * (rows // 2)
        # the first large data loads numba (~0.25 s of imports on the loader and trainer
        # threads) unless an earlier case of this run did
        first = "numba loading meanwhile" if "numba" not in sys.modules else "first"
        for k, when in enumerate((first, "again")):
            path = Path(tmp) / f"big{k}.csv"
            path.write_bytes(body)
            w.load_csv_file(str(path))
            worst = probe.run_until(app, lambda p=path: w.dataset.name == p.stem, 120)
            out.append(Row(f"GUI stall: loading a {rows:,}-row CSV, {when}", worst * 1e3, "ms",
                           None, None, "≤ 16 ms", worst <= 0.016))  # fmt: skip
        n = 2 * 10**5 if quick else 10**6
        combo = w.controls.dataset_combo
        combo.setCurrentIndex(combo.findData("moons"))
        spin(app, 0.3)
        w.controls.samples_spin.setValue(n)
        worst = probe.run_until(app, lambda: w.dataset.m == n, 120)
        out.append(Row(f"GUI stall: Samples set to {n:,}", worst * 1e3, "ms", None, None,
                       "≤ 16 ms", worst <= 0.016))  # fmt: skip
        combo.setCurrentIndex(combo.findData("iris"))
        w.controls.iter_spin.setValue(20)
        w.controls.speed_slider.setValue(w.controls.speed_slider.maximum())
        w.play()
        probe.run_until(app, lambda: len(w.history) == 21 and not w.is_playing, 60)
        size = (1920, 1080) if quick else (3840, 2160)
        settings = ExportSettings(out_dir=Path(tmp) / "export", frames=6, size=size)
        _start_export(w, settings)
        worst = probe.run_until(app, lambda: w.exporter is not None and w.exporter.done, 300)
        out.append(Row(f"GUI stall: exporting at {size[0]}x{size[1]} (6 frames)", worst * 1e3,
                       "ms", None, None, "≤ 16 ms", worst <= 0.016,
                       "frames, animation.png and run.json"))  # fmt: skip
    return out


def _stall_floor(app, w, quick: bool) -> list[Row]:
    """The stalls' floor: the window with no data (the drawing floor's) repainted at
    60 Hz, with nothing else running and while the trainer's kernel and the cost surface
    work on 10⁶ samples in two threads at the workers' priority, as after Samples → 10⁶;
    measured as the stall cases are (the same probe, the same polled event loop).

    What a window whose own work were free would still show: its paint, the cores and
    the GIL it shares with the workers (every call from Qt into the plots' Python takes
    the GIL back)."""
    import itertools
    import threading

    from PySide6.QtCore import QTimer

    from .bench_paint import every_widget, show_no_data
    from .core.logistic import GradientKernel
    from .core.surface import CompressedSamples, fast_cost_grid
    from .qt.threads import lower_priority

    m = 2 * 10**5 if quick else 10**6
    seconds = 1.0 if quick else 2.0
    stop = threading.Event()
    ready = threading.Semaphore(0)  # released by each load once its data are made
    errors: list[BaseException] = []

    def train() -> None:
        kernel = GradientKernel(*data(m))
        w_, b = np.zeros(2), 0.0
        ready.release()
        try:
            while not stop.is_set():
                dw, db, _ = kernel(w_, b)
                w_, b = w_ - 0.1 * dw, b - 0.1 * db
        finally:
            kernel.close()

    def surface() -> None:
        samples = CompressedSamples.build(*data(m, seed=1), max_weight=6.0)
        xs = np.linspace(-6, 6, 128)  # the app's grid
        ready.release()
        for b in itertools.cycle(np.linspace(-1.0, 1.0, 7)):  # a new held b every time
            if stop.is_set():
                break
            fast_cost_grid(samples, "w1-w2", xs, xs, b)

    def worker(load: Callable[[], None]) -> None:
        lower_priority()  # as the app's workers
        try:
            load()
        except BaseException as exc:  # reported on the GUI thread, after the join
            errors.append(exc)

    show_no_data(app, w)
    out = []
    loads = (("nothing else running", ()), (f"m={m:,} in training", (train, surface)))

    def repaint() -> None:  # everything, as when every view changes
        for widget in every_widget(w):
            widget.update()

    timer = QTimer()
    timer.timeout.connect(repaint)
    try:
        timer.start(16)  # 60 times a second
        probe = StallProbe()
        for label, load in loads:
            stop.clear()
            threads = [threading.Thread(target=worker, args=(f,)) for f in load]
            for t in threads:
                t.start()
            try:
                for _ in threads:  # (the data made: what is measured is the work on them)
                    while not ready.acquire(timeout=0.005):
                        if not all(t.is_alive() for t in threads):
                            raise RuntimeError("a load of the stall floor ended early")
                        app.processEvents()
                spin(app, 0.2)
                end = time.perf_counter() + seconds
                worst = probe.run_until(app, lambda end=end: time.perf_counter() > end, 10, 0)
                if not all(t.is_alive() for t in threads):
                    raise RuntimeError("a load of the stall floor ended while measured")
            finally:
                stop.set()
                for t in threads:
                    t.join()
                if errors:
                    raise errors[0]
            note = "the longest stall of the empty window repainted 60 times a second"
            if load:
                note += (" while the trainer's kernel (two threads) and the cost surface work"
                         " on the samples, at the workers' priority")  # fmt: skip
            out.append(Row(f"GUI stall floor: the window with no data at 60 Hz, {label}",
                           worst * 1e3, "ms", None, None, "—", None, note))  # fmt: skip
    finally:
        timer.stop()
    return out


def _start_export(window, settings) -> None:
    """Start a window export with fixed settings (no dialog, no question)."""
    from .qt.export_dialog import ExportDialog

    ask = ExportDialog.ask
    ExportDialog.ask = staticmethod(lambda *_a, **_k: settings)
    try:
        window.export_animation()
    finally:
        ExportDialog.ask = ask


# -- scale: cost against m and against the raced runs (issue 16, goal 5) -----------------------
#: the runs the scale case races beside the first: the race case's five and two more (8 in all)
SCALE_RUNS = (*RACE_RUNS, (0.3, "rmsprop"), (3.0, "gd"))
#: a measured point is "on the law" when measured/fitted is within this factor either way
LAW_TOLERANCE = 1.2


def fit_linear(
    x: Sequence[float], y: Sequence[float], through_origin: bool = False
) -> tuple[float, float]:
    """Least squares ``y ≈ a + b·x`` in relative error (each residual divided by its y, so
    the small values count as much as the large ones); returns ``(a, b)``.  With
    ``through_origin`` the law is ``y = b·x`` and ``a`` is 0."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if through_origin:  # minimise Σ (1 - b·x/y)²: b = Σ r / Σ r², r = x/y
        r = x / y
        return 0.0, float(r.sum() / (r * r).sum())
    b, a = np.polyfit(x, y, 1, w=1 / np.abs(y))
    return float(a), float(b)


@dataclass
class ScaleResult:
    """What the scale case measured, for the plot (seconds throughout)."""

    machine: str
    sizes: list[int]  # m
    per_iteration: list[float]  # trainer, seconds per iteration at each m
    paths: list[str]  # the kernel that ran at each m ("numpy", "numba", "numba, 2 threads")
    fitted: list[bool]  # the points the law t₀ + c·m was fitted on (one thread)
    t0: float  # fitted per-iteration overhead
    c: float  # fitted seconds per sample
    m_gui: int
    runs: list[int]  # raced runs n
    per_round: list[float]  # n trainers one after the other, seconds per round
    t1: float  # fitted seconds per lane
    frame_work: list[float]  # median seconds of drawing and painting per frame
    fps: list[float]
    f0: float
    f1: float  # fitted seconds of frame work per raced run


#: the last scale case measured (``--plot`` draws it)
SCALE_RESULT: ScaleResult | None = None


def _law_row(case: str, measured: float, law: float, unit: str, check: bool, note: str = "") -> Row:
    """A measured point beside its law (checked against LAW_TOLERANCE when ``check``)."""
    ratio = measured / law if law else float("nan")
    return Row(case, measured, unit, law, ratio,
               f"within {LAW_TOLERANCE}× of the fitted law" if check else "—",
               (1 / LAW_TOLERANCE <= ratio <= LAW_TOLERANCE) if check else None, note)  # fmt: skip


def _scale_gui_point(app, MainWindow, ds, runs: int, seconds: float) -> tuple[list[float], float]:
    """The real window training ``runs`` raced runs at full speed: the work of each frame
    (seconds from the start of its drawing to the end of its painting) and frames/s."""
    from .bench_paint import play_trained, race_at_full_speed

    w = MainWindow(restore_settings=False)
    w.show()
    race_at_full_speed(w, ds, SCALE_RUNS[: runs - 1])
    drawer = w.drawer
    works: list[float] = []
    painted = getattr(drawer, "_frame_painted", None)  # a paced frame's end (_frame_work's)

    def timed() -> None:
        works.append(time.perf_counter() - drawer.draw_start)
        painted()

    if painted is not None:
        drawer._frame_painted = timed
    spin(app, 0.5)
    play_trained(app, w)
    works.clear()
    frames0 = w.frames_drawn
    t0 = time.perf_counter()
    spin(app, seconds)
    elapsed = time.perf_counter() - t0
    frames = w.frames_drawn - frames0
    if not works and getattr(drawer, "_frame_work", 0) > 0:  # its running average, then
        works.append(drawer._frame_work)
    w.close()
    w.deleteLater()
    spin(app, 0.1)
    return works, frames / elapsed


def trainer_points(paths: list[str]) -> tuple[list[bool], list[bool]]:
    """Which of the trainer's points (by the kernel path each ran) its law is fitted on (the
    one-thread points of the kernel at the largest m), and which split the pass over two
    threads (checked against the band of :func:`trainer_law_rows`)."""
    kernel_name = paths[-1].split(",")[0]
    return [p == kernel_name for p in paths], [p == f"{kernel_name}, 2 threads" for p in paths]


def trainer_law_rows(
    sizes: list[int], per_iteration: list[float], paths: list[str], quick: bool
) -> tuple[list[Row], list[bool], float, float]:
    """The trainer's points against m beside their law: rows, which points were fitted, t₀, c.

    The law of one pass on one thread, t(m) = t₀ + c·m, is fitted on the one-thread points of
    the kernel that runs at the largest m.  From 2·10⁵ samples (the kernel's parallel_min)
    the pass is split over two threads, which takes between half the law (a free second
    core) and the law (memory bound, or the second core busy): the band those points are
    checked against."""
    rows: list[Row] = []
    fitted, split = trainer_points(paths)
    kernel_name = paths[-1].split(",")[0]
    t0, c = fit_linear([m for m, f in zip(sizes, fitted, strict=True) if f],
                       [p for p, f in zip(per_iteration, fitted, strict=True) if f])  # fmt: skip
    law = (f"t(m) = t₀ + c·m, t₀ = {t0 * 1e6:.3g} µs, c = {c * 1e9:.3g} ns/sample, fitted in "
           f"relative error on the {kernel_name} kernel's one-thread points")  # fmt: skip
    for i, (m, per) in enumerate(zip(sizes, per_iteration, strict=True)):
        case = f"scale: trainer per iteration, m={m:,}"
        note = f"{paths[i]} kernel"
        if split[i]:
            note += ", not fitted (the pass split over two threads)"
        elif not fitted[i]:
            note += ", not fitted (another kernel)"
        if i == len(sizes) - 1:
            note += f"; law {law}"
        expected = (t0 + c * m) * 1e3
        if split[i]:
            ratio = per * 1e3 / expected
            within = 0.5 / LAW_TOLERANCE <= ratio <= LAW_TOLERANCE
            rows.append(Row(case, per * 1e3, "ms/iter", expected, ratio,
                            "—" if quick else "½ to 1× the one-thread law (±20 %)",
                            None if quick else within, note))  # fmt: skip
        else:
            rows.append(_law_row(case, per * 1e3, expected, "ms/iter", not quick and fitted[i],
                                 note))  # fmt: skip
    return rows, fitted, t0, c


def bench_scale(quick: bool) -> list[Row]:
    """Cost against m (trainer, 10² … 10⁶) and against the raced runs (1 … 8): each measured
    point beside the linear law fitted to them (in relative error; the trainer's law on its
    one-thread points, which its two-thread points are checked against)."""
    global SCALE_RESULT
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    from .core import Trainer, make_dataset
    from .qt import MainWindow

    rows: list[Row] = []
    # 1. the trainer against m: t(m) = t₀ + c·m, fitted on the points of the kernel that runs
    # at the largest m (below COMPILED_MIN samples the trainer takes numpy's two-pass path)
    sizes = [10**2, 10**3, 10**4, 10**5] if quick else [10**2, 10**3, 10**4, 10**5, 10**6]
    per_iteration, paths = [], []
    for m in sizes:
        X, Y = data(m)
        t = Trainer(X, Y, learning_rate=0.1, num_iterations=10**9)
        try:
            k = max(1, min(200, int(2e6 // m)))
            per = median_time(lambda t=t, k=k: t.run(k), repeats=5 if quick else 7,
                              min_seconds=0.01 if quick else 0.05) / k  # fmt: skip
            kernel = t._kernel
            paths.append(kernel.backend + (", 2 threads" if kernel.parallel else ""))
        finally:
            t.close()
        per_iteration.append(per)
    law_rows, fitted, t0, c = trainer_law_rows(sizes, per_iteration, paths, quick)
    rows += law_rows

    # 2. n raced runs at one m: the trainer's round (t = n·t₁) and the frame work (f₀ + f₁·n)
    m_gui = 10**3 if quick else 10**4
    runs = [1, 4, 8] if quick else list(range(1, 9))
    X, Y = data(m_gui)
    specs = [(0.1, "gd"), *SCALE_RUNS]
    trainers = [
        Trainer(X, Y, learning_rate=lr, optimizer=o, num_iterations=10**9) for lr, o in specs
    ]
    try:
        k = 50

        def round_of(n: int) -> None:
            for tr in trainers[:n]:
                tr.run(k)

        per_round = [
            median_time(lambda n=n: round_of(n), repeats=5, min_seconds=0.01 if quick else 0.05) / k
            for n in runs
        ]  # fmt: skip
    finally:
        for tr in trainers:
            tr.close()
    _, t1 = fit_linear(runs, per_round, through_origin=True)

    ds = make_dataset("overlap", m_gui)
    seconds = 0.8 if quick else 2.0
    order = runs if quick else [*runs, *reversed(runs)]  # two passes, drift cancels
    works: dict[int, list[float]] = {n: [] for n in runs}
    fps: dict[int, list[float]] = {n: [] for n in runs}
    for n in order:
        w, f = _scale_gui_point(app, MainWindow, ds, n, seconds)
        works[n] += w
        fps[n].append(f)
    frame_work = [statistics.median(works[n]) if works[n] else float("nan") for n in runs]
    frame_rate = [statistics.mean(fps[n]) for n in runs]
    ok = [i for i, f in enumerate(frame_work) if f > 0]  # (nan: no frame drawn)
    f0, f1 = fit_linear([runs[i] for i in ok], [frame_work[i] for i in ok])

    note_t = f"law t(n) = n·t₁, t₁ = {t1 * 1e3:.3g} ms per run (n trainers one after the other)"
    note_f = f"law f(n) = f₀ + f₁·n, f₀ = {f0 * 1e3:.3g} ms, f₁ = {f1 * 1e3:.3g} ms per raced run"
    for i, n in enumerate(runs):
        rows.append(_law_row(f"scale: trainer per round of {n} run{'s' * (n > 1)}, m={m_gui:,}",
                             per_round[i] * 1e3, n * t1 * 1e3, "ms/round", not quick,
                             note_t if i == 0 else ""))  # fmt: skip
    for i, n in enumerate(runs):
        rows.append(_law_row(f"scale: frame work, {n} run{'s' * (n > 1)} raced, m={m_gui:,}",
                             frame_work[i] * 1e3, (f0 + f1 * n) * 1e3, "ms", not quick,
                             f"{frame_rate[i]:.3g} frames/s, median of {len(works[n])} frames"
                             + (f"; {note_f}" if i == 0 else "")))  # fmt: skip
    rows += [
        Row("scale: fitted t₀, trainer overhead per iteration", t0 * 1e6, "µs", None, None, "—",
            None),
        Row("scale: fitted c, trainer cost per sample", c * 1e9, "ns/sample", None, None, "—",
            None),
        Row(f"scale: fitted t₁, trainer cost per run, m={m_gui:,}", t1 * 1e3, "ms", None, None,
            "—", None),
        Row(f"scale: fitted f₀, frame work of the window, m={m_gui:,}", f0 * 1e3, "ms", None,
            None, "—", None),
        Row(f"scale: fitted f₁, frame work per raced run, m={m_gui:,}", f1 * 1e3, "ms", None,
            None, "—", None),
    ]  # fmt: skip
    SCALE_RESULT = ScaleResult(
        machine(), sizes, per_iteration, paths, fitted, t0, c, m_gui, runs, per_round, t1,
        frame_work, frame_rate, f0, f1,
    )  # fmt: skip
    return rows


def write_scale_plot(result: ScaleResult, path: Path, size: tuple[int, int] = (1100, 420)) -> Path:
    """The scale case as an image: ms/iteration against m (log-log) on the left, frame work
    and the trainer's round against the raced runs on the right; dots measured, lines the
    fitted laws."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    _app = QApplication.instance() or QApplication([sys.argv[0]])
    import pyqtgraph as pg
    import pyqtgraph.exporters
    from PySide6.QtCore import Qt

    blue, orange, grey = (31, 119, 180), (214, 95, 0), (60, 60, 60)
    font = pg.QtGui.QFont()
    font.setPointSize(9)
    win = pg.GraphicsLayoutWidget()
    win.setBackground("w")
    win.resize(*size)
    where = ", ".join(part.strip() for part in result.machine.split(",")[:4])
    win.addLabel(f"gd-visualizer scale benchmark on {where}"
                 f"{' (quick)' if len(result.sizes) < 5 else ''}",
                 row=0, col=0, colspan=2, color=grey, size="11pt")  # fmt: skip

    def style(plot, bottom: str, left: str) -> None:
        for side in ("left", "bottom", "right"):
            ax = plot.getAxis(side)
            ax.setPen(pg.mkPen(grey))
            ax.setTextPen(pg.mkPen(grey))
            ax.setTickFont(font)
            ax.enableAutoSIPrefix(False)
        plot.setLabel("bottom", bottom, color="#333", size="10pt")
        plot.setLabel("left", left, color="#333", size="10pt")
        plot.showGrid(x=True, y=True, alpha=0.25)

    def legend(plot, offset) -> pg.LegendItem:
        lg = plot.addLegend(offset=offset, labelTextColor=grey, labelTextSize="9pt")
        lg.setBrush(pg.mkBrush(255, 255, 255, 230))
        lg.setPen(pg.mkPen(200, 200, 200))
        return lg

    # left: the trainer against m, log-log
    left = win.addPlot(row=1, col=0)
    left.setTitle("Trainer: time per iteration against samples m", color=grey, size="10pt")
    style(left, "samples m", "time per iteration (ms)")
    left.setLogMode(x=True, y=True)
    legend(left, (10, 10))
    sizes = np.asarray(result.sizes, dtype=float)
    per = np.asarray(result.per_iteration) * 1e3
    fit = np.asarray(result.fitted, dtype=bool)
    lo = sizes[fit].min()
    dense = np.logspace(np.log10(lo / 2), np.log10(sizes[-1] * 2), 200)
    left.plot(
        dense,
        (result.t0 + result.c * dense) * 1e3,
        pen=pg.mkPen(blue, width=2),
        name=f"law t₀ + c·m: t₀ = {result.t0 * 1e6:.3g} µs, c = {result.c * 1e9:.3g} ns/sample",
    )

    def points(mask: np.ndarray, symbol: str, filled: bool, name: str) -> None:
        left.plot(
            sizes[mask],
            per[mask],
            pen=None,
            symbol=symbol,
            symbolSize=9,
            symbolBrush=pg.mkBrush(blue if filled else "w"),
            symbolPen=pg.mkPen("w") if filled else pg.mkPen(blue, width=2),
            name=name,
        )

    points(fit, "o", True, f"measured, {result.paths[-1].split(',')[0]} kernel (median)")
    two = np.asarray(trainer_points(result.paths)[1], dtype=bool)
    below = ~fit & ~two
    if below.any():
        points(below, "o", False,
               f"measured, {result.paths[0]} path below m = {lo:,.0f} (not fitted)")  # fmt: skip
    if two.any():
        band = np.logspace(np.log10(sizes[two].min() / 2), np.log10(sizes[-1] * 2), 50)
        left.plot(
            band,
            (result.t0 + result.c * band) * 1e3 / 2,
            pen=pg.mkPen(blue, width=1.5, style=Qt.PenStyle.DashLine),
            name="half the law: the pass split over 2 free cores",
        )
        points(two, "s", False, "measured, split over 2 threads (not fitted: ½ to 1× the law)")

    # right: raced runs; frame work on the left axis, the trainer's round on the right axis
    right = win.addPlot(row=1, col=1)
    right.setTitle(f"Raced runs at m = {result.m_gui:,}", color=grey, size="10pt")
    style(right, "raced runs n", "frame work: drawing + painting (ms)")
    right.showAxis("right")
    right.setLabel("right", "trainer time per round of n runs (ms)", color="#333", size="10pt")
    vb2 = pg.ViewBox()
    right.scene().addItem(vb2)
    right.getAxis("right").linkToView(vb2)
    vb2.setXLink(right)

    def sync() -> None:
        vb2.setGeometry(right.vb.sceneBoundingRect())
        vb2.linkedViewChanged(right.vb, vb2.XAxis)

    right.vb.sigResized.connect(sync)
    lg = legend(right, (10, 10))
    n = np.asarray(result.runs, dtype=float)
    nd = np.linspace(0, n[-1] + 0.5, 50)
    fw = np.asarray(result.frame_work) * 1e3
    pr = np.asarray(result.per_round) * 1e3
    right.plot(
        nd,
        (result.f0 + result.f1 * nd) * 1e3,
        pen=pg.mkPen(blue, width=2),
        name=f"frame work law f₀ + f₁·n: f₀ = {result.f0 * 1e3:.3g} ms, "
        f"f₁ = {result.f1 * 1e3:.3g} ms",
    )
    right.plot(
        n,
        fw,
        pen=None,
        symbol="o",
        symbolSize=9,
        symbolBrush=pg.mkBrush(blue),
        symbolPen=pg.mkPen("w"),
        name="frame work measured (median frame)",
    )
    law2 = pg.PlotDataItem(
        nd, result.t1 * nd * 1e3, pen=pg.mkPen(orange, width=2, style=Qt.PenStyle.DashLine)
    )
    dots2 = pg.PlotDataItem(
        n,
        pr,
        pen=None,
        symbol="s",
        symbolSize=8,
        symbolBrush=pg.mkBrush(orange),
        symbolPen=pg.mkPen("w"),
    )
    vb2.addItem(law2)
    vb2.addItem(dots2)
    lg.addItem(law2, f"trainer law n·t₁: t₁ = {result.t1 * 1e3:.3g} ms (right axis)")
    lg.addItem(dots2, "trainer measured (right axis)")
    right.setXRange(0, n[-1] + 0.5, padding=0)
    top = np.nanmax(np.concatenate([fw, (result.f0 + result.f1 * nd) * 1e3]))
    # three bands: the legend at the top, the frame work below half the height, the
    # trainer's round in the lowest third (each series drawn to its own axis)
    right.setYRange(0, top * 2.0, padding=0)
    vb2.setYRange(0, max(pr.max(), result.t1 * n[-1] * 1e3) / 0.3, padding=0)
    win.ci.layout.setColumnStretchFactor(0, 1)
    win.ci.layout.setColumnStretchFactor(1, 1)
    win.show()
    for _ in range(3):
        _app.processEvents()
    sync()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    exporter = pg.exporters.ImageExporter(win.scene())
    exporter.parameters()["width"] = size[0]
    exporter.parameters()["height"] = size[1]
    exporter.export(str(path))
    win.close()
    win.deleteLater()
    _app.processEvents()
    return path


CASES = {
    "vectorization": bench_vectorization,
    "trainer": bench_trainer,
    "surface": bench_surface,
    "gui": bench_gui,
    "race": bench_race,
    "paint": bench_paint,
    "long-run": bench_long_run,
    "startup": bench_startup,
    "export": bench_export,
    "loader": bench_loader,
    "stalls": bench_stalls,
    "scale": bench_scale,
}


def fmt(v: float | None, digits: int = 3) -> str:
    if v is None:
        return "—"
    if v != v:  # NaN
        return "n/a"
    return f"{v:.{digits}g}" if abs(v) < 1e4 else f"{v:,.0f}"


def table(rows: list[Row]) -> str:
    head = ["case", "measured", "reference", "ratio", "goal", "met"]
    body = [
        [
            r.case,
            f"{fmt(r.measured)} {r.unit}",
            "—" if r.reference is None else f"{fmt(r.reference)} {r.unit}",
            "—" if r.ratio is None else f"{fmt(r.ratio)}×",
            r.goal,
            "—" if r.met is None else ("met" if r.met else "NOT MET"),
        ]
        for r in rows
    ]
    widths = [max(len(x[i]) for x in [head, *body]) for i in range(len(head))]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in body:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    notes = [f"- {r.case}: {r.note}" for r in rows if r.note]
    return "\n".join(lines + (["", *notes] if notes else []))


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numpy {np.__version__}, {platform.system()} {platform.release()}"
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m gd_visualizer.bench", description=__doc__)
    p.add_argument("--quick", action="store_true", help="small sizes, about a minute at most")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the rows as JSON")
    p.add_argument("--only", nargs="*", choices=list(CASES), help="run only these cases")
    p.add_argument("--plot", type=Path, metavar="PNG", help="also draw the scale case as an image")
    args = p.parse_args(argv)
    if args.plot and args.only and "scale" not in args.only:
        p.error("--plot draws the scale case: add it to --only")
    rows: list[Row] = []
    print(f"gd-visualizer benchmark ({'quick' if args.quick else 'full'}) on {machine()}")
    from .qt.settings import settings_kept_in

    # the windows measured here keep their settings and last session in a folder of their
    # own: running the benchmark never touches what the user's app remembers
    with (
        tempfile.TemporaryDirectory(prefix="gd-bench-settings-") as folder,
        settings_kept_in(Path(folder)),
    ):
        for name, fn in CASES.items():
            if args.only and name not in args.only:
                continue
            t0 = time.perf_counter()
            new = fn(args.quick)
            rows += new
            print(f"  {name}: {time.perf_counter() - t0:.1f} s", flush=True)
    print()
    print(table(rows))
    if args.json:
        records = [dict(asdict(r), machine=machine(), quick=args.quick) for r in rows]
        args.json.write_text(json.dumps(records, indent=2) + "\n")
    if args.plot and SCALE_RESULT is not None:
        print(f"plot: {write_scale_plot(SCALE_RESULT, args.plot)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
