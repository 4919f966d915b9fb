"""Export: frames, animated PNG and run.json, from the command line and from the window."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gd_visualizer.app import main
from gd_visualizer.core import Trainer, make_dataset

WAIT = 30_000


def export(out: Path, *extra: str, dataset="blobs", lr="0.5", iterations="40", frames="5"):
    return main(
        [
            "export",
            "--dataset", dataset,
            "--learning-rate", lr,
            "--iterations", iterations,
            "--frames", frames,
            "--out", str(out),
            "--size", "640x400",
            *extra,
        ]
    )  # fmt: skip


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=float)


def apng_frames(path: Path) -> tuple[int, dict]:
    with Image.open(path) as im:
        return im.n_frames, dict(im.info)


def test_export_command_writes_frames_apng_and_summary(tmp_path, capsys):
    out = tmp_path / "out"
    assert export(out, "--frame-ms", "120", "--seed", "3") == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["animation.png"] + [f"frame_000{i}.png" for i in range(1, 6)] + ["run.json"]
    frames = [pixels(out / f"frame_000{i}.png") for i in range(1, 6)]
    assert all(f.shape == (400, 640, 3) for f in frames)
    assert all(f.std() > 20 for f in frames)  # not blank
    assert all(np.abs(frames[i] - frames[i + 1]).mean() > 0.1 for i in range(4))  # progress
    with Image.open(out / "animation.png") as apng:
        assert apng.n_frames == 5 and apng.info["loop"] == 0 and apng.info["duration"] == 120
        for i in range(5):  # every animation frame is the corresponding PNG frame
            apng.seek(i)
            np.testing.assert_array_equal(np.asarray(apng.convert("RGB"), dtype=float), frames[i])
    summary = json.loads((out / "run.json").read_text())
    ds = make_dataset("blobs", 200, None, 3)
    std = ds.standardization()
    t = Trainer(std.apply(ds.X), ds.Y, learning_rate=0.5, num_iterations=40)
    t.run(40)
    assert summary["w"] == pytest.approx(t.w.ravel().tolist(), rel=1e-12)
    assert summary["b"] == pytest.approx(t.b, rel=1e-12)
    assert summary["cost"] == pytest.approx(t.cost, rel=1e-12)
    assert summary["accuracy"] == pytest.approx(t.accuracy())
    assert summary["iterations"] == 40 and summary["learning_rate"] == 0.5
    assert summary["diverged"] is False
    assert summary["frames"]["count"] == 5
    assert summary["frames"]["iterations"] == [0, 10, 20, 30, 40]
    assert (summary["frames"]["width"], summary["frames"]["height"]) == (640, 400)
    assert "frames/s" in capsys.readouterr().out


def test_export_is_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert export(a, dataset="moons") == 0
    assert export(b, dataset="moons") == 0
    for p in sorted(a.iterdir()):
        assert p.read_bytes() == (b / p.name).read_bytes(), p.name


def test_frame_names_and_indices():
    from gd_visualizer.present.record import frame_indices, frame_name

    assert frame_name(1, 5) == "frame_0001.png"
    assert frame_name(7, 10_001) == "frame_00007.png"
    assert frame_indices(101, 5).tolist() == [0, 25, 50, 75, 100]
    assert frame_indices(101, 1).tolist() == [100]  # one frame shows the final iteration
    assert len(frame_indices(11, 11)) == 11


def test_single_view(tmp_path):
    out = tmp_path / "o"
    assert export(out, "--views", "cost", iterations="20", frames="21") == 0
    assert (out / "frame_0021.png").exists() and not (out / "frame_0022.png").exists()
    assert json.loads((out / "run.json").read_text())["frames"]["views"] == ["cost"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (dict(dataset="nope"), "unknown dataset 'nope'"),
        (dict(lr="0"), "must be a positive number"),
        (dict(lr="-2"), "must be a positive number"),
        (dict(iterations="0"), "the iteration count must be between"),
        (dict(iterations="10", frames="12"), "--frames 12 is more than the run's 11"),
    ],
)
def test_export_bad_arguments(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as info:
        code = export(tmp_path / "x", **args)
        raise SystemExit(code)
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not (tmp_path / "x").exists() or not any((tmp_path / "x").iterdir())


def test_export_bad_csv_and_folders(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,y\n1,2,0\n3,x,1\n5,6,1\n")
    assert export(tmp_path / "o1", dataset=str(bad)) == 2
    assert "line 3, column 'b'" in capsys.readouterr().err
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    assert export(blocker) == 2
    assert "is not a folder" in capsys.readouterr().err
    assert export(blocker / "sub") == 2
    assert "cannot create the folder" in capsys.readouterr().err
    out = tmp_path / "again"
    assert export(out) == 0
    before = (out / "frame_0001.png").read_bytes()
    assert export(out, dataset="xor") == 2  # earlier frames: refused without --overwrite
    assert "already holds an export" in capsys.readouterr().err
    assert (out / "frame_0001.png").read_bytes() == before
    assert export(out, "--overwrite", dataset="xor") == 0
    assert (out / "frame_0001.png").read_bytes() != before


def test_export_csv_with_columns_and_classes(tmp_path):
    iris = Path(__file__).parents[1] / "resources" / "iris.csv"
    out = tmp_path / "iris"
    code = export(
        out,
        "--features", "sepal_length_cm,sepal_width_cm",
        "--label", "species",
        "--classes", "setosa,versicolor",
        "--no-standardize",
        dataset=str(iris), lr="0.05", iterations="30", frames="3",
    )  # fmt: skip
    assert code == 0
    summary = json.loads((out / "run.json").read_text())
    assert summary["dataset"]["class_names"] == ["setosa", "versicolor"]
    assert summary["dataset"]["standardized"] is False and summary["dataset"]["samples"] == 100


def test_a_far_too_large_rate_runs_on_and_says_so(tmp_path):
    """Raw iris at α = 50 (11× the guaranteed bound): J rises and falls but stays bounded,
    which is not divergence; the run goes on to its budget and run.json says so."""
    out = tmp_path / "osc"
    assert (
        export(out, "--no-standardize", dataset="iris", lr="50", iterations="500", frames="4") == 0
    )
    summary = json.loads((out / "run.json").read_text())
    assert summary["diverged"] is False and summary["iterations"] == 500
    assert summary["status"] in ("oscillating", "descending")
    assert summary["frames"]["count"] == 4 and np.isfinite(summary["cost"])


def test_non_finite_run_still_exports_as_diverged(tmp_path):
    """Features of 1e100 and α = 1e150 overflow z at the first update: training stops at
    the last finite state, and the export says diverged."""
    data = tmp_path / "huge.csv"
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2)) * 1e100
    rows = [f"{a:.6e},{b:.6e},{int(a > 0)}" for a, b in X]
    data.write_text("a,b,y\n" + "\n".join(rows) + "\n")
    out = tmp_path / "div"
    code = export(
        out, "--no-standardize", dataset=str(data), lr="1e150", iterations="50", frames="1"
    )
    assert code == 0
    summary = json.loads((out / "run.json").read_text())
    assert summary["diverged"] is True and summary["status"] == "diverged"
    assert summary["iterations"] < 50 and np.isfinite(summary["cost"])


def test_export_runs_without_a_display(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")}
    out = tmp_path / "headless"
    run = subprocess.run(
        [sys.executable, "main.py", "export", "--dataset", "overlap", "--learning-rate", "1",
         "--iterations", "20", "--frames", "3", "--out", str(out), "--size", "400x300"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
        cwd=Path(__file__).parents[1],
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "frame 3/3" in run.stdout and (out / "animation.png").exists()
    assert "Traceback" not in run.stderr


# -- from the window -------------------------------------------------------------------


@pytest.fixture
def trained(qtbot):
    from gd_visualizer.qt import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: len(w.history) == 1, timeout=WAIT)
    w.controls.iter_slider.setValue(60)
    w.controls.speed_slider.setValue(w.controls.speed_slider.maximum())
    w.play()
    qtbot.waitUntil(lambda: len(w.history) == 61 and not w.is_playing, timeout=WAIT)
    return w


def _ask(monkeypatch, out, frames=6, views=("boundary", "surface", "sigmoid", "cost")):
    from gd_visualizer.present.record import ExportSettings
    from gd_visualizer.qt.export_dialog import ExportDialog

    def ask(parent, max_frames, defaults):
        assert max_frames == 61
        return ExportSettings(out_dir=out, frames=frames, size=(640, 400), views=views)

    monkeypatch.setattr(ExportDialog, "ask", staticmethod(ask))


def test_window_export(qtbot, monkeypatch, trained, tmp_path):
    out = tmp_path / "win"
    _ask(monkeypatch, out)
    trained.export_action.trigger()
    qtbot.waitUntil(lambda: trained.exporter is not None and trained.exporter.done, timeout=WAIT)
    assert (out / "animation.png").exists()
    assert apng_frames(out / "animation.png")[0] == 6
    summary = json.loads((out / "run.json").read_text())
    h = trained.history
    assert summary["frames"]["iterations"] == [0, 12, 24, 36, 48, 60]
    assert summary["w"] == pytest.approx(h.weights[-1].tolist())
    assert "Exported 6 frames" in trained.statusBar().currentMessage()


def test_window_export_cancel_leaves_nothing(qtbot, monkeypatch, trained, tmp_path):
    out = tmp_path / "cancel"
    _ask(monkeypatch, out, frames=40)
    trained.export_action.trigger()
    runner = trained.exporter
    qtbot.waitUntil(lambda: len(runner.job.written) >= 2, timeout=WAIT)
    from PySide6.QtWidgets import QPushButton

    cancel = next(
        b for b in trained.export_progress.findChildren(QPushButton) if b.text() == "Cancel"
    )
    cancel.click()  # as the user does
    assert runner.done and not runner.job.finished
    assert not (out / "animation.png").exists() and not (out / "run.json").exists()
    assert not list(out.glob("frame_*.png")) and not list(out.glob("*.part"))


def test_window_export_asks_before_replacing(qtbot, monkeypatch, trained, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    out = tmp_path / "ask"
    out.mkdir()
    (out / "frame_0001.png").write_bytes(b"earlier")
    _ask(monkeypatch, out)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    trained.export_action.trigger()
    assert trained.exporter is None
    assert (out / "frame_0001.png").read_bytes() == b"earlier"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    trained.export_action.trigger()
    qtbot.waitUntil(lambda: trained.exporter.done, timeout=WAIT)
    assert (out / "frame_0001.png").read_bytes() != b"earlier"


def test_save_picture(qtbot, monkeypatch, trained, tmp_path):
    from PySide6.QtWidgets import QFileDialog

    path = tmp_path / "pic"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    trained.picture_action.trigger()
    img = pixels(tmp_path / "pic.png")
    assert img.std() > 20 and img.shape[0] > 300


def test_window_replace_then_cancel_keeps_the_earlier_export(qtbot, monkeypatch, trained, tmp_path):
    from PySide6.QtWidgets import QMessageBox, QPushButton

    out = tmp_path / "again"
    _ask(monkeypatch, out, frames=3)
    trained.export_action.trigger()
    qtbot.waitUntil(lambda: trained.exporter.done, timeout=WAIT)
    (out / "notes.txt").write_bytes(b"the user's own")
    (out / "movie.mkv.part").write_bytes(b"half a movie")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert len(before) == 7
    _ask(monkeypatch, out, frames=40)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    trained.export_action.trigger()
    runner = trained.exporter
    qtbot.waitUntil(lambda: len(runner.job.written) >= 2, timeout=WAIT)
    cancel = next(
        b for b in trained.export_progress.findChildren(QPushButton) if b.text() == "Cancel"
    )
    cancel.click()
    assert runner.done and not runner.job.finished
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # byte for byte
    assert "the earlier export is as it was" in trained.statusBar().currentMessage()


def test_window_export_of_one_frame_says_one_frame(qtbot, monkeypatch, trained, tmp_path):
    _ask(monkeypatch, tmp_path / "one", frames=1)
    trained.export_action.trigger()
    qtbot.waitUntil(lambda: trained.exporter is not None and trained.exporter.done, timeout=WAIT)
    assert "Exported 1 frame, animation.png" in trained.statusBar().currentMessage()
