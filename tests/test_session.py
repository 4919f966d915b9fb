"""Sessions (issue 15): save everything on screen, open it in a new window exactly as it
was, export it headless with the same values; bad files change nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from gd_visualizer.model import HISTORY_FIELDS
from gd_visualizer.present import session as session_module
from gd_visualizer.present.record import ExportSettings
from gd_visualizer.qt import MainWindow
from gd_visualizer.qt.export_job import Export

WAIT = 20_000
ROOT = Path(__file__).parents[1]


def window(qtbot, **kw) -> MainWindow:
    w = MainWindow(restore_settings=False, **kw)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: len(w.history) == 1, timeout=WAIT)
    return w


def done(w, n: int) -> bool:
    return not w.is_playing and all(len(r.history) == n for r in w.runs)


@pytest.fixture
def saved(qtbot, tmp_path):
    """A window with two runs, λ, crosses, a slice, log scale, a scrubbed iteration."""
    w = window(qtbot, dataset="moons", learning_rate=0.8, iterations=60)
    c = w.controls
    c.crosses_check.setChecked(True)
    qtbot.waitUntil(lambda: w.training_data[0].shape[0] == 5, timeout=WAIT)
    c.lambd_spin.setValue(0.5)
    w.add_run(learning_rate=0.1, optimizer="adam", batch_size=16)
    w.add_run(learning_rate=3.0)
    w.controller.set_run_visible(2, False)
    qtbot.waitUntil(lambda: all(len(r.history) == 1 for r in w.runs), timeout=WAIT)
    w.play()
    qtbot.waitUntil(lambda: done(w, 61), timeout=WAIT)
    w.controller.set_slice("w3-b")
    w.controller.set_log_scale(True)
    w.controller.select_run(1)
    w.history_slider.setValue(40)
    path = tmp_path / "race.gdviz"
    assert w.save_session(path)
    yield w, path
    w.shutdown()


def test_a_session_opens_exactly_as_it_was_saved(qtbot, saved):
    w, path = saved
    again = window(qtbot, dataset="iris")
    assert again.load_session(path)
    qtbot.waitUntil(lambda: done(again, 61) and again.controller.n_x == 5, timeout=WAIT)
    np.testing.assert_array_equal(again.dataset.X, w.dataset.X)
    np.testing.assert_array_equal(again.training_data[0], w.training_data[0])
    for a, b in zip(w.runs, again.runs, strict=True):
        assert (a.learning_rate, a.optimizer, a.batch_size, a.budget, a.visible, a.colour) == (
            b.learning_rate, b.optimizer, b.batch_size, b.budget, b.visible, b.colour)  # fmt: skip
        for key in HISTORY_FIELDS:  # to the last bit
            np.testing.assert_array_equal(getattr(a.history, key), getattr(b.history, key))
    race, view = again.controller.race, again.controller.view
    assert (race.loss, race.lambd, race.selected) == ("cross_entropy", 0.5, 1)
    assert (view.slice_key, view.log_scale, view.shown) == ("w3-b", True, 40)
    assert again.controller.scene().scrubber.iteration == 40
    assert again.controls.crosses_check.isChecked() and again.controls.lambd_spin.value() == 0.5
    again.shutdown()


def test_a_session_exports_headless_with_the_windows_values(qtbot, saved, tmp_path):
    w, path = saved
    Export(w.run_record(), ExportSettings(out_dir=tmp_path / "win", frames=3, size=(640, 400),
                                          slice_key="w3-b")).run_all()  # fmt: skip
    run = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "export", "--session", str(path), "--out",
         str(tmp_path / "cli"), "--frames", "3", "--size", "640x400"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    win = json.loads((tmp_path / "win" / "run.json").read_text())
    cli = json.loads((tmp_path / "cli" / "run.json").read_text())
    for key in ("w", "b", "cost", "accuracy", "iterations", "status", "runs", "lambd", "crosses"):
        assert cli[key] == win[key], key
    assert len(cli["runs"]) == 2  # the hidden run is not raced


def test_drawn_points_travel_in_the_session(qtbot, tmp_path):
    w = window(qtbot, dataset="iris", iterations=20)
    w.add_point(5.5, 2.0, 0)
    qtbot.waitUntil(lambda: w.dataset.m == 101, timeout=WAIT)
    path = tmp_path / "edited.gdviz"
    assert w.save_session(path)
    doc = json.loads(path.read_text())
    assert doc["data"]["kind"] == "points" and len(doc["data"]["x1"]) == 101
    again = window(qtbot, dataset="moons")
    assert again.load_session(path)
    qtbot.waitUntil(lambda: again.dataset.m == 101, timeout=WAIT)
    np.testing.assert_array_equal(again.dataset.X, w.dataset.X)
    np.testing.assert_array_equal(again.dataset.Y, w.dataset.Y)
    w.shutdown()
    again.shutdown()


def _break(path: Path, how: str, tmp_path: Path) -> Path:
    text = path.read_text()
    bad = tmp_path / f"{how}.gdviz"
    if how == "truncated":
        bad.write_text(text[: len(text) // 2])
    elif how == "newer":
        bad.write_text(text.replace('"version":1', '"version":7'))
    elif how == "types":
        doc = json.loads(text)
        doc["runs"][0]["learning_rate"] = "fast"
        bad.write_text(json.dumps(doc))
    elif how == "history":
        doc = json.loads(text)
        doc["runs"][1]["history"]["costs"] = doc["runs"][1]["history"]["costs"][:-3]
        bad.write_text(json.dumps(doc))
    elif how == "binary":
        bad.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    elif how == "folder":
        bad.mkdir()
    return bad


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("truncated", "cut short"),
        ("newer", "newer gd-visualizer (session version 7)"),
        ("types", "runs[0].learning_rate: must be a finite number, found 'fast'"),
        ("history", "runs[1].history.costs: must hold 61 entries"),
        ("binary", "not a session file"),
        ("folder", "not a file"),
        ("missing", "cannot be read"),
    ],
)
def test_a_bad_session_says_why_and_changes_nothing(qtbot, saved, tmp_path, how, message):
    w, path = saved
    bad = _break(path, how, tmp_path) if how != "missing" else tmp_path / "nowhere.gdviz"
    before = (w.dataset.name, len(w.runs), w.history.costs.copy())
    assert w.load_session(bad) is False
    box = w.findChild(QMessageBox, "errorDialog")
    assert box is not None and message in box.text(), box.text() if box else None
    assert (w.dataset.name, len(w.runs)) == before[:2]
    np.testing.assert_array_equal(w.history.costs, before[2])


def test_a_huge_session_is_refused(qtbot, saved, monkeypatch):
    w, path = saved
    monkeypatch.setattr(session_module, "MAX_BYTES", 1000)
    assert w.load_session(path) is False
    assert "too large" in w.findChild(QMessageBox, "errorDialog").text()


def test_bad_session_on_the_command_lines(tmp_path):
    bad = tmp_path / "bad.gdviz"
    bad.write_text('{"format": "gd-visualizer session", "version": 1, "data": 3}')
    for args in (["--session", str(bad)], ["export", "--session", str(bad), "--out",
                                             str(tmp_path / "o")]):  # fmt: skip
        env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}
        cmd = [sys.executable, str(ROOT / "main.py"), *args]
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False, env=env)
        lines = run.stderr.strip().splitlines()
        assert run.returncode == 2 and len(lines) == 1 and "data: must be dict" in lines[0], lines
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("path", session_module.lesson_files(), ids=lambda p: p.stem)
def test_every_shipped_lesson_opens_and_plays(qtbot, path):
    w = window(qtbot, dataset="iris")
    w.show()
    assert w.load_session(path)
    s = session_module.read_session(path)
    qtbot.waitUntil(lambda: w.controller.race.data is not None
                    and w.dataset.name == session_module.session_dataset(s).name
                    and len(w.runs) == len(s.runs) and len(w.history) == 1,
                    timeout=WAIT)  # fmt: skip
    assert w.sessions.dock.isVisible() and s.lesson["title"] in w.sessions.note.text()
    if "panel" in s.lesson:
        assert w.graph_dock.isVisible()
        assert w.step_panel.currentIndex() == session_module.LESSON_PANELS.index(s.lesson["panel"])
    w.controller.set_speed(float("inf"))
    w.play()
    qtbot.waitUntil(lambda: all(len(r.history) > 10 for r in w.runs), timeout=WAIT)
    w.shutdown()


def test_settings_can_be_kept_in_a_folder_of_their_own(qtbot, tmp_path):
    """settings_kept_in: the benchmark's windows keep their settings and last session in a
    folder of their own, and the user's store is untouched."""
    from gd_visualizer.qt.settings import last_session_path, load_settings, settings_kept_in

    user = last_session_path().parent  # (this test's own, see conftest)
    folder = tmp_path / "elsewhere"
    with settings_kept_in(folder):
        assert last_session_path() == folder / "last-session.gdviz"
        w = window(qtbot, dataset="moons", iterations=5)
        w.controls.lr_spin.setValue(0.37)
        w.play()
        qtbot.waitUntil(lambda: done(w, 6), timeout=WAIT)
        w.close()
        assert (folder / "last-session.gdviz").is_file()
        assert load_settings().learning_rate == pytest.approx(0.37)
    assert last_session_path().parent == user
    assert not last_session_path().exists()
    assert load_settings().learning_rate != pytest.approx(0.37)


def test_the_last_session_is_offered_at_the_next_launch(qtbot):
    first = window(qtbot, dataset="moons", iterations=25)
    first.add_run(learning_rate=1.0)
    first.play()
    qtbot.waitUntil(lambda: done(first, 26), timeout=WAIT)
    first.close()  # keeps the session
    second = window(qtbot, dataset="iris")
    assert second.sessions.reopen_button.isVisibleTo(second)  # offered, not restored silently
    assert second.dataset.name == "iris"
    second.sessions.reopen_button.click()
    qtbot.waitUntil(lambda: second.dataset.name == "moons" and done(second, 26), timeout=WAIT)
    for a, b in zip(first.runs, second.runs, strict=True):
        np.testing.assert_array_equal(a.history.weights, b.history.weights)
    assert not second.sessions.reopen_button.isVisibleTo(second)
    second.shutdown()


def test_a_lesson_exports_as_a_gif_after_playing(tmp_path):
    from PIL import Image

    lesson = session_module.lesson_files()[0]
    out = tmp_path / "gif"
    run = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "export", "--session", str(lesson), "--play",
         "--format", "gif", "--frames", "5", "--size", "640x400", "--out", str(out)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    s = session_module.read_session(lesson)
    summary = json.loads((out / "run.json").read_text())
    assert [r["iterations"] for r in summary["runs"]] == [r.budget for r in s.runs]
    with Image.open(out / "animation.gif") as gif:
        assert gif.n_frames == 5
