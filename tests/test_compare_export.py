"""Exporting a race: ``export --compare``, ``--optimizer`` and ``--batch-size``, run.json's
"runs", frames over the longest run, and each run drawn in its colour."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from gd_visualizer.app import main
from gd_visualizer.core import Trainer, make_dataset
from gd_visualizer.model import RUN_COLOURS, TrainingData
from gd_visualizer.present.record import (
    ExportSettings,
    RunRecord,
    clock_run,
    frame_indices,
    race_frames,
    race_hold,
)

RACE = "gd:0.1,gd:1,momentum:0.1,adam:0.05"
#: run.json's top-level keys for a single run (unchanged by races)
SINGLE_RUN_KEYS = {
    "dataset", "w", "b", "cost", "accuracy", "iterations", "learning_rate",
    "learning_rates_used", "diverged", "status", "divergence", "history_stride", "frames",
    "animation",
}  # fmt: skip


def export(out: Path, *extra: str, iterations: str = "30", frames: str = "3") -> int:
    args = ["export", "--dataset", "iris", "--iterations", iterations, "--frames", frames,
            "--out", str(out), "--size", "400x300", *extra]  # fmt: skip
    try:
        return main(args)
    except SystemExit as exc:  # argparse
        return exc.code


def summary(out: Path) -> dict:
    return json.loads((out / "run.json").read_text())


def iris(standardize: bool = True) -> TrainingData:
    """Iris as the command line prepares it."""
    return TrainingData.from_dataset(make_dataset("iris", 200, None, 0), standardize)


def trained(data: TrainingData, iterations: int, **settings) -> Trainer:
    t = Trainer(data.X, data.Y, num_iterations=iterations, **settings)
    t.run(iterations)
    return t


def test_compare_writes_every_run_as_if_trained_alone(tmp_path, capsys):
    out = tmp_path / "race"
    assert export(out, "--compare", RACE) == 0
    s = summary(out)
    runs = s["runs"]
    expected = [("gd", 0.1), ("gd", 1.0), ("momentum", 0.1), ("adam", 0.05)]
    assert [(r["optimizer"], r["learning_rate"]) for r in runs] == expected
    assert [r["colour"] for r in runs] == list(RUN_COLOURS[:4])
    assert [r["name"] for r in runs] == ["α = 0.1", "α = 1", "momentum α = 0.1", "Adam α = 0.05"]
    data = iris()
    for r, (optimizer, rate) in zip(runs, expected, strict=True):
        t = trained(data, 30, learning_rate=rate, optimizer=optimizer)
        assert r["w"] == t.w.ravel().tolist()  # to the bit
        assert r["b"] == t.b and r["cost"] == t.cost
        assert r["accuracy"] == t.accuracy() and r["iterations"] == 30
        assert r["batch_size"] is None and r["status"] == t.status and r["diverged"] is False
    # the lead's outcome stays at the top level, with today's keys
    assert set(s) == SINGLE_RUN_KEYS | {"runs"}
    assert (s["w"], s["b"], s["cost"]) == (runs[0]["w"], runs[0]["b"], runs[0]["cost"])
    assert s["frames"]["iterations"] == [0, 15, 30] and s["frames"]["count"] == 3
    assert sorted(p.name for p in out.glob("frame_*.png")) == [
        f"frame_000{i}.png" for i in (1, 2, 3)
    ]
    said = capsys.readouterr().out
    assert "training 4 runs of 30 iterations on 100 samples" in said
    assert "Adam α = 0.05: trained 30 iterations" in said


def test_single_run_with_optimizer_and_batch_size(tmp_path):
    out = tmp_path / "adam"
    args = ("--learning-rate", "0.05", "--optimizer", "adam", "--batch-size", "16")
    assert export(out, *args) == 0
    s = summary(out)
    t = trained(iris(), 30, learning_rate=0.05, optimizer="adam", batch_size=16)
    assert s["w"] == t.w.ravel().tolist() and s["b"] == t.b and s["cost"] == t.cost
    assert set(s) == SINGLE_RUN_KEYS  # a single run's run.json is as it was


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--compare", "adam:x,gd:1"], "argument --compare: 'adam:x': 'x' is not a number"),
        (["--compare", "gd:0.1"], "give 2 to 8 runs separated by commas, got 1"),
        (["--compare", ",".join(f"gd:{k}" for k in range(1, 10))], "got 9"),
        (["--compare", "sgd:0.1,gd:1"], "'sgd:0.1': unknown optimizer 'sgd'; use one of gd,"),
        (["--compare", "gd,gd:1"], "'gd': use OPTIMIZER:RATE or OPTIMIZER:RATE:BATCH"),
        (["--compare", "gd:0.1,gd:1:2:3"], "'gd:1:2:3': use OPTIMIZER:RATE"),
        (["--compare", "gd:-1,gd:1"], "'gd:-1': must be a positive number"),
        (["--compare", "gd:1,gd:1:0"], "'gd:1:0': the batch size must be between 1 and"),
        (["--compare", "gd:0.1,gd:0.10"], "'gd:0.10': the same run twice"),
        (["--compare", "gd:0.1,gd:1", "--learning-rate", "1"], "not allowed with argument"),
        (["--compare", "gd:0.1,gd:1", "--optimizer", "adam"], "--optimizer and --batch-size"),
        (["--compare", "gd:0.1,gd:1", "--batch-size", "8"], "--optimizer and --batch-size"),
        ([], "one of the arguments --learning-rate --compare is required"),
        (["--learning-rate", "1", "--optimizer", "sgd"], "unknown optimizer 'sgd'"),
        (["--learning-rate", "1", "--batch-size", "0"], "the batch size must be between 1"),
    ],
)
def test_bad_race_arguments_exit_2_with_one_line(tmp_path, capsys, args, message):
    assert export(tmp_path / "x", *args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and "Traceback" not in err[0], err
    assert not (tmp_path / "x").exists()


def test_frames_span_the_longest_run_when_one_diverges(tmp_path):
    """Raw iris at α = 1e306 overflows at the second update and stops (α = 1000 only
    oscillates: the cross-entropy's gradient is bounded); the lead stopping does not cut
    the animation short."""
    out = tmp_path / "div"
    args = ("--no-standardize", "--compare", "gd:1e306,gd:0.1,adam:0.05")
    assert export(out, *args, iterations="40", frames="5") == 0
    s = summary(out)
    lead, *others = s["runs"]
    assert lead["diverged"] is True and lead["status"] == "diverged" and lead["iterations"] < 40
    assert [r["iterations"] for r in others] == [40, 40]
    assert not any(r["diverged"] for r in others)
    assert all(np.isfinite(r["cost"]) for r in s["runs"])
    assert s["diverged"] is True and s["iterations"] == lead["iterations"]
    assert s["frames"]["iterations"] == [0, 10, 20, 30, 40]
    assert len(list(out.glob("frame_*.png"))) == 5


# -- Qt-free: the frames' clock and the held axes ---------------------------------------


def race(*settings: dict, standardize: bool = True, iterations: int = 30) -> RunRecord:
    """A race on iris: one record per run's settings, the first the lead."""
    data = iris(standardize)
    runs = []
    for colour, kw in zip(RUN_COLOURS, settings, strict=False):
        t = trained(data, iterations, **kw)
        runs.append(
            RunRecord(
                data.dataset,
                data.X,
                data.Y,
                t.view(),
                data.standardized,
                divergence=t.divergence_reason,
                status=t.status,
                colour=colour,
                name=str(kw),
                optimizer=kw.get("optimizer", "gd"),
            )
        )
    return dataclasses.replace(runs[0], others=tuple(runs[1:]))


def test_race_frames_follow_the_longest_run():
    run = race(dict(learning_rate=1e306), dict(learning_rate=0.1), standardize=False)
    short, long = run.history, run.others[0].history
    assert len(short) == 2 and clock_run(run) is run.others[0]
    frames = race_frames(run, 4)
    assert [f.clock.iteration for f in frames] == [0, 10, 20, 30]
    assert [f.entries for f in frames] == [(0, 0), (1, 10), (1, 20), (1, 30)]
    assert all((f.clock.length, f.clock.last_iteration) == (len(long), 30) for f in frames)
    # a run alone: the frames are its own entries, as before races
    alone = race(dict(learning_rate=0.1))
    assert [f.entries for f in race_frames(alone, 7)] == [
        (int(i),) for i in frame_indices(len(alone.history), 7)
    ]


def test_held_axes_hold_every_run():
    adam = dict(learning_rate=0.05, optimizer="adam")
    run = race(dict(learning_rate=0.1), dict(learning_rate=1.0), adam)
    hold = race_hold(run, iris(), "w1-w2")
    for r in run.runs:
        h = r.history
        assert hold.cost_range[0] <= h.costs.min() and h.costs.max() <= hold.cost_range[1]
        half = hold.extent[1]
        assert np.all(np.abs(h.weights) <= half)


# -- the frame --------------------------------------------------------------------------


def colour_pixels(image: np.ndarray, colour: str, tolerance: int = 30) -> int:
    """How many pixels are within ``tolerance`` (per channel) of ``colour`` ("#RRGGBB")."""
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    return int(np.sum(np.all(np.abs(image.astype(int) - rgb) <= tolerance, axis=-1)))


def test_exported_frame_draws_each_run_in_its_colour(qtbot, tmp_path):
    from PySide6.QtCore import QPoint

    from gd_visualizer.core.surface import compute_surface
    from gd_visualizer.qt.frames import FrameRenderer

    run = race(dict(learning_rate=1.0), dict(learning_rate=0.05, optimizer="adam"))
    settings = ExportSettings(out_dir=tmp_path, frames=1, size=(640, 400))
    renderer = FrameRenderer(run, settings)
    qtbot.addWidget(renderer)
    frame = race_frames(run, 1)[0]
    image = renderer.render_frame(frame, compute_surface(renderer.surface_request(frame)))
    assert "2 runs race" in renderer.caption.text()
    view = renderer.views["surface"]
    top_left = view.mapTo(renderer, QPoint(0, 0))
    image = image.copy(top_left.x(), top_left.y(), view.width(), view.height())
    ptr = image.constBits()
    rows = np.frombuffer(ptr, np.uint8).reshape(image.height(), image.bytesPerLine())
    pixels = rows[:, : 3 * image.width()].reshape(image.height(), image.width(), 3)
    counts = [colour_pixels(pixels, r.colour) for r in run.runs]
    assert RUN_COLOURS[0] != RUN_COLOURS[1] and all(n >= 40 for n in counts), counts


def _frame_pixels(image) -> np.ndarray:
    ptr = image.constBits()
    rows = np.frombuffer(ptr, np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, : 3 * image.width()].reshape(image.height(), image.width(), 3).copy()


def test_an_export_frame_is_painted_only_by_its_renderer(qtbot, tmp_path, monkeypatch):
    """The renderer is shown off screen for its layout: the event loop must not repaint
    its plots at their export size (at 4K that was 15-25 ms per plot, for nothing)."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    from gd_visualizer.core.surface import compute_surface
    from gd_visualizer.qt.frames import FrameRenderer

    painted = []
    paint = pg.GraphicsView.paintEvent

    def counted(view, event):
        painted.append(view)
        return paint(view, event)

    monkeypatch.setattr(pg.GraphicsView, "paintEvent", counted)
    run = race(dict(learning_rate=1.0))
    renderer = FrameRenderer(run, ExportSettings(out_dir=tmp_path, frames=2, size=(800, 500)))
    qtbot.addWidget(renderer)
    frames = race_frames(run, 2)
    for frame in frames:
        renderer.set_frame(frame, compute_surface(renderer.surface_request(frame)))
        for _ in range(3):
            QApplication.processEvents()
        assert painted == []
        image = renderer.render_frame(frame, None)
        assert len(painted) >= 4  # every plot, in strips
        assert _frame_pixels(image).std() > 10  # something was drawn
        painted.clear()


def test_strips_render_the_settled_frame(qtbot, tmp_path):
    """A frame rendered in strips right after its scene changed equals the same frame
    rendered again once every layout change has been applied: the axes' first paint
    (which sizes them to their tick labels) moves nothing between two strips.  Unsettled,
    the first frame here differed in 235,030 of its 1.6 million pixels (every plot moved);
    what may still differ is a marker's rounding (the surface's gradient arrow, ~60 px)."""
    from PySide6.QtWidgets import QApplication

    from gd_visualizer.core.surface import compute_surface
    from gd_visualizer.qt.frames import FrameRenderer

    run = race(dict(learning_rate=1.0), iterations=60)
    settings = ExportSettings(out_dir=tmp_path, frames=3, size=(1600, 1000))
    renderer = FrameRenderer(run, settings)
    qtbot.addWidget(renderer)
    for frame in race_frames(run, 3):
        surface = compute_surface(renderer.surface_request(frame))
        first = _frame_pixels(renderer.render_frame(frame, surface))
        for _ in range(3):
            QApplication.processEvents()
        again = _frame_pixels(renderer.render_frame(frame, surface))
        differ = int(np.any(first != again, axis=-1).sum())
        assert differ <= 200, differ
