"""The GIF export (--format apng|gif|both): frames, timing, colours, run.json, the folder's
files replaced as a whole, cancel and failure on the worker, and the window's dialog."""

from __future__ import annotations

import errno
import json
import os
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence

from gd_visualizer.app import main
from gd_visualizer.present import files as files_module
from gd_visualizer.present import gif as gif_module
from gd_visualizer.present.files import ExportCancelled, existing_outputs
from gd_visualizer.present.gif import gif_delay_cs, write_gif
from gd_visualizer.present.record import ExportError, ExportSettings

WAIT = 30_000
#: a GIF frame's mean absolute difference from its PNG frame, per channel (0 … 255).  Measured
#: 1.2 to 1.4 on these exports (blobs and moons, 320x240 and 640x400) and 1.85 on a 60-frame
#: 1280x800 one; median cut, which shows bands in the heatmaps, measured 3.1 there.  A wrong
#: palette index or a misplaced changed-pixels box is tens of levels off over whole regions.
MAX_MEAN_DIFF = 3.0
#: … and the 99.9th percentile of a pixel's largest channel difference (measured 11 to 12)
MAX_P999_DIFF = 24.0


def export(out: Path, *extra: str, frames: str = "5") -> int:
    return main(
        [
            "export",
            "--dataset", "blobs",
            "--learning-rate", "0.5",
            "--iterations", "40",
            "--frames", frames,
            "--out", str(out),
            "--size", "320x240",
            *extra,
        ]
    )  # fmt: skip


def rgb(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=float)


def gif_frames(path: Path) -> tuple[list[np.ndarray], list[int], int | None]:
    """Every frame's pixels (as shown: each drawn over the previous), durations, loop count."""
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        pixels, durations = [], []
        for frame in ImageSequence.Iterator(gif):
            pixels.append(rgb(frame))
            durations.append(frame.info["duration"])
        return pixels, durations, gif.info.get("loop")


def summary(out: Path) -> dict:
    return json.loads((out / "run.json").read_text())


def test_gif_has_every_frame_with_its_duration_looping_forever(tmp_path):
    out = tmp_path / "gif"
    assert export(out, "--format", "gif", "--frame-ms", "120") == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["animation.gif"] + [f"frame_000{i}.png" for i in range(1, 6)] + ["run.json"]
    with Image.open(out / "animation.gif") as gif:
        assert gif.n_frames == 5 == summary(out)["frames"]["count"]
    pixels, durations, loop = gif_frames(out / "animation.gif")
    assert len(pixels) == 5 and durations == [120] * 5 and loop == 0
    s = summary(out)
    assert s["animation"] == "animation.gif" and "animations" not in s
    assert s["frames"]["frame_ms"] == 120


def test_gif_colours_are_close_to_the_png_frames(tmp_path):
    out = tmp_path / "colours"
    assert export(out, "--format", "gif", "--views", "boundary,surface") == 0  # the heatmaps
    pixels, _, _ = gif_frames(out / "animation.gif")
    for k, shown in enumerate(pixels):
        with Image.open(out / f"frame_{k + 1:04d}.png") as png:
            diff = np.abs(shown - rgb(png))
        assert diff.shape == (240, 320, 3)
        assert (diff.mean(axis=(0, 1)) < MAX_MEAN_DIFF).all(), (k, diff.mean(axis=(0, 1)))
        assert np.percentile(diff.max(axis=2), 99.9) < MAX_P999_DIFF, k


def test_both_writes_both_and_run_json_lists_them(tmp_path):
    out = tmp_path / "both"
    assert export(out, "--format", "both", "--frame-ms", "60") == 0
    with Image.open(out / "animation.png") as apng:
        assert apng.format == "PNG" and apng.n_frames == 5 and apng.info["duration"] == 60
    pixels, durations, _ = gif_frames(out / "animation.gif")
    assert len(pixels) == 5 and durations == [60] * 5
    s = summary(out)
    assert s["animation"] == "animation.png"
    assert s["animations"] == ["animation.png", "animation.gif"]


def test_default_is_the_animated_png_only(tmp_path, capsys):
    out = tmp_path / "default"
    assert export(out) == 0
    assert (out / "animation.png").exists() and not (out / "animation.gif").exists()
    s = summary(out)
    assert s["animation"] == "animation.png" and "animations" not in s
    assert "animation.png and run.json" in capsys.readouterr().out


def test_gif_export_is_repeatable_to_the_byte(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert export(a, "--format", "gif", frames="3") == 0
    assert export(b, "--format", "gif", frames="3") == 0
    assert (a / "animation.gif").read_bytes() == (b / "animation.gif").read_bytes()


@pytest.mark.parametrize("value", ["mp4", "GIF", ""])
def test_a_bad_format_is_one_line_and_status_2(tmp_path, capsys, value):
    out = tmp_path / "bad"
    with pytest.raises(SystemExit) as exit_info:
        export(out, "--format", value)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--format" in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(("first", "second", "left", "gone"), [
    ("gif", "apng", "animation.png", "animation.gif"),
    ("apng", "gif", "animation.gif", "animation.png"),
    ("both", "gif", "animation.gif", "animation.png"),
])  # fmt: skip
def test_a_later_export_replaces_the_earlier_animations_as_a_whole(
    tmp_path, first, second, left, gone
):
    out = tmp_path / "again"
    assert export(out, "--format", first) == 0
    (out / "notes.txt").write_bytes(b"mine")
    assert export(out, "--format", second) == 2  # not without --overwrite
    assert export(out, "--format", second, "--overwrite", frames="3") == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([left, "frame_0001.png", "frame_0002.png", "frame_0003.png",
                            "notes.txt", "run.json"])  # fmt: skip
    assert not (out / gone).exists()
    assert (out / "notes.txt").read_bytes() == b"mine"


def test_a_gif_the_earlier_export_did_not_write_is_left_alone(tmp_path):
    """An earlier run.json lists exactly its files: a user's animation.gif beside an APNG
    export is not that export's, so replacing the export leaves it."""
    out = tmp_path / "mine"
    assert export(out) == 0
    (out / "animation.gif").write_bytes(b"the user's own GIF")
    assert [p.name for p in existing_outputs(out)].count("animation.gif") == 0
    assert export(out, "--overwrite", frames="2") == 0
    assert (out / "animation.gif").read_bytes() == b"the user's own GIF"


def test_a_folder_holding_only_an_animation_gif_holds_an_export(tmp_path):
    out = tmp_path / "lone"
    out.mkdir()
    (out / "animation.gif").write_bytes(b"GIF89a")
    assert [p.name for p in existing_outputs(out)] == ["animation.gif"]


# -- the writer, without Qt ------------------------------------------------------------------


def _pngs(folder: Path, n: int, size=(40, 30)) -> list[Path]:
    """N frames: a viridis-like ramp that shifts, and a square that moves."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    x = np.linspace(0, 1, size[0])[None, :, None]
    for k in range(n):
        ramp = np.broadcast_to(x, (size[1], size[0], 1))
        pixels = (255 * np.concatenate([ramp, (ramp + k / n) % 1, 1 - ramp], axis=2)).round()
        pixels = pixels.astype(np.uint8)
        pixels[5:10, 2 + 3 * k : 7 + 3 * k] = (200, 30, 30)
        paths.append(folder / f"frame_{k + 1:04d}.png")
        Image.fromarray(pixels).save(paths[-1])
    return paths


@pytest.mark.parametrize(("frame_ms", "stored_ms"), [
    (1, 20), (10, 20), (15, 20), (24, 20), (25, 30), (80, 80), (124, 120), (125, 130),
    (60_000, 60_000),
])  # fmt: skip
def test_durations_are_stored_in_centiseconds_at_least_two(frame_ms, stored_ms):
    assert gif_delay_cs(frame_ms) * 10 == stored_ms


def test_a_15_ms_frame_reads_back_as_20_ms(tmp_path):
    frames = _pngs(tmp_path / "f", 3)
    write_gif(frames, tmp_path / "animation.gif", 15)
    _, durations, loop = gif_frames(tmp_path / "animation.gif")
    assert durations == [20, 20, 20] and loop == 0


def test_identical_neighbours_stay_two_frames(tmp_path):
    frames = _pngs(tmp_path / "f", 2)
    frames.insert(1, frames[0])  # the same picture twice
    write_gif(frames, tmp_path / "animation.gif", 80)
    pixels, durations, _ = gif_frames(tmp_path / "animation.gif")
    assert len(pixels) == 3 and durations == [80] * 3
    np.testing.assert_array_equal(pixels[0], pixels[1])
    assert np.abs(pixels[2] - pixels[1]).max() > 100  # the square moved


def test_a_stop_ends_the_gif_and_leaves_no_file(tmp_path):
    frames = _pngs(tmp_path / "f", 3)
    stop = threading.Event()
    stop.set()
    with pytest.raises(ExportCancelled):
        write_gif(frames, tmp_path / "animation.gif", 80, stop)
    assert not (tmp_path / "animation.gif").exists()
    assert not (tmp_path / "animation.gif.part").exists()


def test_frames_of_another_size_are_refused(tmp_path):
    frames = _pngs(tmp_path / "a", 2) + _pngs(tmp_path / "b", 1, size=(41, 30))
    with pytest.raises(ExportError, match="frame size differs"):
        write_gif(frames, tmp_path / "animation.gif", 80)
    assert not list(tmp_path.glob("animation.gif*"))


# -- on the export's worker, inside the staging folder ---------------------------------------


def _run():
    from gd_visualizer.core import Trainer, make_dataset
    from gd_visualizer.present.record import RunRecord

    ds = make_dataset("moons", 100)
    t = Trainer(ds.X, ds.Y, learning_rate=0.5, num_iterations=30)
    t.run(30)
    return RunRecord(ds, ds.X, ds.Y, t.view(), standardized=False)


def _settings(out: Path, fmt: str, frames: int = 4) -> ExportSettings:
    return ExportSettings(out_dir=out, frames=frames, size=(320, 240), overwrite=True, format=fmt)


def _folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.fixture
def earlier(qtbot, tmp_path) -> Path:
    """A folder with an earlier GIF-only export and a user's file."""
    from gd_visualizer.qt.export_job import Export

    out = tmp_path / "earlier"
    Export(_run(), _settings(out, "gif", frames=2)).run_all()
    (out / "notes.txt").write_bytes(b"mine")
    return out


def test_an_unknown_format_is_refused_before_anything_is_written(qtbot, tmp_path):
    from gd_visualizer.qt.export_job import Export

    with pytest.raises(ExportError, match="unknown animation format 'mp4'"):
        Export(_run(), _settings(tmp_path / "x", "mp4"))
    assert not (tmp_path / "x").exists()


def test_the_gif_is_written_on_the_worker_into_the_staging_folder(qtbot, tmp_path, monkeypatch):
    from gd_visualizer.qt import export_job
    from gd_visualizer.qt.export_job import Export

    seen = []

    def spy(real):
        def write(frames, out, frame_ms, stop=None):
            seen.append((out.name, threading.current_thread().name, out.parent))
            return real(frames, out, frame_ms, stop)

        return write

    monkeypatch.setattr(export_job, "write_apng", spy(export_job.write_apng))
    monkeypatch.setattr(gif_module, "write_gif", spy(gif_module.write_gif))
    out = tmp_path / "o"
    job = Export(_run(), _settings(out, "both"))
    job.run_all()
    assert job.finished
    assert [name for name, _, _ in seen] == ["animation.png", "animation.gif"]
    for _, thread, folder in seen:
        assert thread != threading.main_thread().name and thread.startswith("gd-export")
        assert folder.name.startswith(files_module.STAGING_PREFIX) and folder.parent == out
    assert sorted(p.name for p in out.iterdir())[:2] == ["animation.gif", "animation.png"]


def test_cancel_while_the_gif_is_written_keeps_the_earlier_export(qtbot, earlier, monkeypatch):
    from gd_visualizer.qt.export_job import Export

    before = _folder_bytes(earlier)
    real = gif_module.write_gif

    def held(frames, out, frame_ms, stop=None):
        stop.wait(timeout=60)  # set only when the export is being stopped
        return real(frames, out, frame_ms, stop)

    monkeypatch.setattr(gif_module, "write_gif", held)
    job = Export(_run(), _settings(earlier, "both"))
    steps = job.steps()
    for p in steps:
        if p.message == "writing animation.gif":
            break
    steps.close()  # as the window's Cancel and the command's signal handling do
    assert not job.finished
    assert _folder_bytes(earlier) == before


def test_a_failing_gif_keeps_the_earlier_export(qtbot, earlier, monkeypatch):
    from gd_visualizer.qt.export_job import Export

    before = _folder_bytes(earlier)

    def full_disk(frames, out, frame_ms, stop=None):
        out.with_name(out.name + ".part").write_bytes(b"the first bytes")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(gif_module, "write_gif", full_disk)
    job = Export(_run(), _settings(earlier, "gif"))
    with pytest.raises(ExportError, match="No space left on device"):
        job.run_all()
    assert not job.finished
    assert _folder_bytes(earlier) == before
    assert not [n for n in os.listdir(earlier) if n.startswith(files_module.STAGING_PREFIX)]


# -- the window ------------------------------------------------------------------------------


def test_the_export_dialog_offers_the_format(qtbot, tmp_path):
    from gd_visualizer.qt.export_dialog import ExportDialog

    dialog = ExportDialog(10, ExportSettings(out_dir=tmp_path, frames=5))
    qtbot.addWidget(dialog)
    choices = [dialog.format.itemData(i) for i in range(dialog.format.count())]
    assert choices == ["apng", "gif", "both"]
    assert dialog.settings().format == "apng"  # the default
    dialog.format.setCurrentIndex(choices.index("both"))
    assert dialog.settings().format == "both"
    again = ExportDialog(10, ExportSettings(out_dir=tmp_path, frames=5, format="gif"))
    qtbot.addWidget(again)
    assert again.format.currentData() == "gif"  # the defaults' format is preselected


def test_the_window_runner_writes_the_gif(qtbot, tmp_path):
    from gd_visualizer.qt.export_dialog import ExportRunner

    out = tmp_path / "win"
    runner = ExportRunner(_run(), _settings(out, "gif", frames=3))
    with qtbot.waitSignal(runner.finished, timeout=WAIT):
        runner.start()
    pixels, _, _ = gif_frames(out / "animation.gif")
    assert len(pixels) == 3 and not (out / "animation.png").exists()
    assert summary(out)["animation"] == "animation.gif"


def test_an_export_loads_pillow_for_a_gif_only(tmp_path):
    """Importing Pillow froze the window 18 ms when an export started (it was loaded
    with the export's module, on the GUI thread): an animated PNG export, window module
    included, runs without it."""
    import subprocess
    import sys

    code = (
        "import sys; import gd_visualizer.qt.main_window\n"
        "from gd_visualizer.app import main\n"
        "status = main(['export', '--dataset', 'blobs', '--learning-rate', '0.5', "
        "'--iterations', '10', '--frames', '2', '--size', '320x240', '--format', 'apng', "
        f"'--out', {str(tmp_path / 'out')!r}])\n"
        "print(status, 'PIL' in sys.modules)"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.split()[-2:] == ["0", "False"]
    assert (tmp_path / "out" / "animation.png").exists()
