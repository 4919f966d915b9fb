"""An export touches only what it wrote, and replaces an earlier export only once complete.

Qt-free tests of :class:`OutputFolder` first, then the export job (failure, cancel, the final
swap stopped or failing), then the window's flow (replace, then cancel).
"""

from __future__ import annotations

import errno
import json
import os
import threading
from pathlib import Path

import pytest

from gd_visualizer.present import files as files_module
from gd_visualizer.present.files import (
    ExportCancelled,
    OutputFolder,
    check_out_dir,
    existing_outputs,
    plural,
)
from gd_visualizer.present.record import ExportError, ExportSettings

WAIT = 30_000

#: files a user keeps beside an export; none of them may ever change
USER_FILES = {
    "movie.mkv.part": b"half a movie",
    "frame_my_holiday_photo.png": b"\x89PNG holiday",
    "notes.txt": b"my notes\n",
    "frame_\u0663\u0663\u0663\u0663.png": b"arabic-indic digits are not an export's",
    "frame_0001.png.part": b"someone else's partial file",
    "animation.png.bak": b"backup",
    ".gd-export-mine": b"a file that merely looks like a staging folder",
    "photos/frame_0001.png": b"in a subfolder",
}


def snapshot(folder: Path) -> dict[str, bytes | str]:
    out: dict[str, bytes | str] = {}
    for root, dirs, names in os.walk(folder):
        for name in dirs + names:
            p = Path(root, name)
            key = str(p.relative_to(folder))
            out[key] = "folder" if p.is_dir() and not p.is_symlink() else p.read_bytes()
    return out


def add_user_files(folder: Path) -> None:
    for name, data in USER_FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)


def fake_export(folder: Path, frames: int = 3, tag: bytes = b"old") -> None:
    """An earlier export as an export leaves it (frames, animation.png, run.json)."""
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"frame_{i:04d}.png" for i in range(1, frames + 1)]
    for name in names:
        (folder / name).write_bytes(tag + b" " + name.encode())
    (folder / "animation.png").write_bytes(tag + b" animation")
    summary = {"frames": {"files": names}, "animation": "animation.png"}
    (folder / "run.json").write_text(json.dumps(summary))


def user_bytes(folder: Path) -> dict[str, bytes]:
    return {n: (folder / n).read_bytes() for n in USER_FILES}


# -- OutputFolder (no Qt) ------------------------------------------------------------------


def test_names_an_export_writes():
    ok = ["frame_0001.png", "frame_12345.png", "animation.png", "run.json"]
    not_ok = ["frame_my_holiday_photo.png", "frame_001.png", "frame_\u0663\u0663\u0663\u0663.png",
              "frame_0001.PNG", "frame_0001.png.part", "movie.mkv.part", "run.json.part",
              "frame_+001.png", "../run.json"]  # fmt: skip
    assert all(files_module.EXPORT_NAME.fullmatch(n) for n in ok)
    assert not any(files_module.EXPORT_NAME.fullmatch(n) for n in not_ok)
    assert plural(1, "frame") == "1 frame" and plural(2, "frame") == "2 frames"
    assert plural(1000, "frame") == "1,000 frames" and plural(0, "frame") == "0 frames"


def test_earlier_export_is_what_its_run_json_lists(tmp_path):
    out = tmp_path / "o"
    fake_export(out, frames=3)
    (out / "frame_0009.png").write_bytes(b"a frame the earlier export did not write")
    add_user_files(out)
    assert [p.name for p in existing_outputs(out)] == [
        "animation.png", "frame_0001.png", "frame_0002.png", "frame_0003.png", "run.json"
    ]  # fmt: skip
    (out / "run.json").write_text("{not json")  # then: every name an export writes
    assert [p.name for p in existing_outputs(out)] == [
        "animation.png", "frame_0001.png", "frame_0002.png", "frame_0003.png",
        "frame_0009.png", "run.json",
    ]  # fmt: skip
    (out / "run.json").write_text(json.dumps({"frames": {"files": ["../../etc/passwd"]}}))
    assert "passwd" not in str(existing_outputs(out))


def test_check_changes_nothing_and_refuses_clearly(tmp_path):
    check_out_dir(tmp_path / "a" / "b", overwrite=False)
    assert not (tmp_path / "a").exists()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="exists and is not a folder"):
        check_out_dir(blocker, False)
    with pytest.raises(ExportError, match=r"cannot create the folder \(.*file is not a folder"):
        check_out_dir(blocker / "x" / "y", False)
    with pytest.raises(ExportError, match="too long"):
        check_out_dir(tmp_path / ("n" * 300), False)
    with pytest.raises(ExportError, match="too long"):
        check_out_dir(tmp_path / ("n" * 300) / "sub", False)
    fake_export(tmp_path / "old")
    with pytest.raises(ExportError, match="already holds an export"):
        check_out_dir(tmp_path / "old", False)
    check_out_dir(tmp_path / "old", True)
    only_user = tmp_path / "user"
    only_user.mkdir()
    add_user_files(only_user)
    check_out_dir(only_user, False)  # nothing an export wrote: no question to ask


def _write_new(folder: OutputFolder, frames: int = 2) -> None:
    for i in range(1, frames + 1):
        folder.write(f"frame_{i:04d}.png", f"new {i}".encode())
    folder.write("animation.png", b"new animation")
    folder.write("run.json", b"{}")


def test_commit_replaces_only_the_earlier_export(tmp_path):
    out = tmp_path / "o"
    fake_export(out, frames=3)
    add_user_files(out)
    folder = OutputFolder(out, overwrite=True)
    folder.open()
    assert folder.staging.parent == out and folder.staging.name.startswith(".gd-export-")
    _write_new(folder, frames=2)
    assert (out / "frame_0003.png").read_bytes() == b"old frame_0003.png"  # not before commit
    folder.commit()
    assert folder.committed and folder.replaced == [
        "animation.png", "frame_0001.png", "frame_0002.png", "frame_0003.png", "run.json"
    ]  # fmt: skip
    assert sorted(p.name for p in out.iterdir() if p.name not in USER_FILES) == [
        "animation.png", "frame_0001.png", "frame_0002.png", "photos", "run.json"
    ]  # fmt: skip
    assert (out / "frame_0001.png").read_bytes() == b"new 1"
    assert user_bytes(out) == USER_FILES
    folder.abort()  # after a commit: nothing
    assert (out / "frame_0001.png").exists()


def test_abort_removes_only_what_it_made(tmp_path):
    out = tmp_path / "new" / "deeper"
    folder = OutputFolder(out, overwrite=False)
    folder.open()
    _write_new(folder)
    folder.abort()
    folder.abort()  # twice is fine
    assert not (tmp_path / "new").exists()  # the folders it made are gone again
    kept = tmp_path / "kept"
    fake_export(kept)
    add_user_files(kept)
    before = snapshot(kept)
    folder = OutputFolder(kept, overwrite=True)
    folder.open()
    _write_new(folder)
    folder.abort()
    assert snapshot(kept) == before


@pytest.mark.parametrize("fail_at", [1, 4, 6, 9])  # moving aside (1, 4), moving in (6, 9)
def test_a_failing_swap_is_undone(tmp_path, monkeypatch, fail_at):
    out = tmp_path / "o"
    fake_export(out, frames=3)  # 5 files to move aside, then 4 new ones to move in
    add_user_files(out)
    before = snapshot(out)
    folder = OutputFolder(out, overwrite=True)
    folder.open()
    _write_new(folder)
    real_move, calls = files_module._move, [0]

    def move(src, dst):
        calls[0] += 1
        if calls[0] == fail_at:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_move(src, dst)

    monkeypatch.setattr(files_module, "_move", move)
    with pytest.raises(ExportError, match=r"No space left on device.*nothing was changed"):
        folder.commit()
    folder.abort()
    assert snapshot(out) == before


def test_a_stopped_swap_is_undone(tmp_path, monkeypatch):
    out = tmp_path / "o"
    fake_export(out, frames=3)
    add_user_files(out)
    before = snapshot(out)
    stop = threading.Event()
    folder = OutputFolder(out, overwrite=True, stop=stop)
    folder.open()
    _write_new(folder)
    real_move, calls = files_module._move, [0]

    def move(src, dst):
        calls[0] += 1
        if calls[0] == 7:  # all moved aside, one new file moved in
            stop.set()
        return real_move(src, dst)

    monkeypatch.setattr(files_module, "_move", move)
    with pytest.raises(ExportCancelled):
        folder.commit()
    folder.abort()
    assert snapshot(out) == before


def test_an_undo_that_fails_keeps_the_earlier_files(tmp_path, monkeypatch):
    out = tmp_path / "o"
    fake_export(out, frames=1)
    folder = OutputFolder(out, overwrite=True)
    folder.open()
    _write_new(folder, frames=1)
    real_move, calls = files_module._move, [0]

    def move(src, dst):
        calls[0] += 1
        if calls[0] >= 4:  # the first new file (3 earlier ones are aside), and every undo
            raise OSError(errno.EIO, "Input/output error")
        return real_move(src, dst)

    monkeypatch.setattr(files_module, "_move", move)
    with pytest.raises(ExportError, match=r"could not be undone.*its files are in") as info:
        folder.commit()
    folder.abort()
    kept = Path(str(info.value).rsplit("its files are in ", 1)[1])
    assert sorted(p.name for p in kept.iterdir()) == ["animation.png", "frame_0001.png", "run.json"]
    assert folder.stuck


def test_no_overwrite_when_an_export_appears_meanwhile(tmp_path):
    out = tmp_path / "o"
    folder = OutputFolder(out, overwrite=False)
    folder.open()
    _write_new(folder)
    fake_export(out, frames=1, tag=b"concurrent")
    with pytest.raises(ExportError, match="appeared in the folder meanwhile"):
        folder.commit()
    folder.abort()
    assert (out / "frame_0001.png").read_bytes() == b"concurrent frame_0001.png"
    assert not [p for p in out.iterdir() if p.name.startswith(".gd-export-")]


# -- the export job ---------------------------------------------------------------------------


def _run():
    from gd_visualizer.core import Trainer, make_dataset
    from gd_visualizer.present.record import RunRecord

    ds = make_dataset("moons", 100)
    t = Trainer(ds.X, ds.Y, learning_rate=0.5, num_iterations=30)
    t.run(30)
    return RunRecord(ds, ds.X, ds.Y, t.view(), standardized=False)


def _settings(out: Path, frames: int = 6, overwrite: bool = True) -> ExportSettings:
    return ExportSettings(out_dir=out, frames=frames, size=(320, 240), overwrite=overwrite)


@pytest.fixture
def earlier(tmp_path) -> Path:
    """A folder with an earlier export and a user's files."""
    out = tmp_path / "out"
    fake_export(out, frames=4)
    add_user_files(out)
    return out


@pytest.mark.parametrize("fail_at", ["frame_0001.png", "frame_0003.png", "animation.png",
                                     "run.json"])  # fmt: skip
def test_full_disk_keeps_earlier_export_and_user_files(qtbot, earlier, monkeypatch, fail_at):
    from gd_visualizer.qt import export_job
    from gd_visualizer.qt.export_job import Export

    before = snapshot(earlier)
    real_write = files_module._write_file

    def write(path, data):
        if path.name == fail_at:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(path, data)

    def apng(frames, out, frame_ms, stop=None):
        out.with_name("animation.png.part").write_bytes(b"the first bytes")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files_module, "_write_file", write)
    if fail_at == "animation.png":
        monkeypatch.setattr(export_job, "write_apng", apng)
    job = Export(_run(), _settings(earlier))
    with pytest.raises(ExportError, match="No space left on device"):
        job.run_all()
    assert not job.finished
    assert snapshot(earlier) == before


@pytest.mark.parametrize("stop_at", ["preparing", "rendering", "frame 3/6",
                                     "writing animation.png", "writing run.json",
                                     "moving the files into place", "done"])  # fmt: skip
def test_cancel_at_any_step_keeps_earlier_export_and_user_files(
    qtbot, earlier, monkeypatch, stop_at
):
    from gd_visualizer.qt import export_job
    from gd_visualizer.qt.export_job import Export

    before = snapshot(earlier)
    job = Export(_run(), _settings(earlier))
    # the worker's last three jobs are quick: hold each until the export is told to stop
    real_apng, real_write, real_check = (
        export_job.write_apng, files_module._write_file, OutputFolder._check_stop
    )  # fmt: skip

    def apng(frames, out, frame_ms, stop=None):
        stop.wait(timeout=60)
        return real_apng(frames, out, frame_ms, stop)

    def write(path, data):
        if path.name == "run.json":
            job.folder.stop.wait(timeout=60)
        return real_write(path, data)

    def check_stop(self):
        self.stop.wait(timeout=60)
        return real_check(self)

    if stop_at == "writing animation.png":
        monkeypatch.setattr(export_job, "write_apng", apng)
    elif stop_at == "writing run.json":
        monkeypatch.setattr(files_module, "_write_file", write)
    elif stop_at == "moving the files into place":
        monkeypatch.setattr(OutputFolder, "_check_stop", check_stop)
    steps = job.steps()
    seen = []
    for p in steps:
        seen.append(p.message)
        if p.message == stop_at:
            break
    steps.close()  # as the window's Cancel does
    assert stop_at in seen, seen
    if stop_at == "done":  # too late to cancel: the new export is in place
        assert job.finished and user_bytes(earlier) == USER_FILES
        assert (earlier / "run.json").read_bytes() != before["run.json"]
        return
    assert not job.finished
    assert snapshot(earlier) == before


def test_overwrite_replaces_only_the_earlier_export(qtbot, earlier):
    from gd_visualizer.qt.export_job import Export

    job = Export(_run(), _settings(earlier, frames=2))
    job.run_all()
    assert job.finished and user_bytes(earlier) == USER_FILES
    names = sorted(p.name for p in earlier.iterdir() if p.name not in USER_FILES)
    assert names == ["animation.png", "frame_0001.png", "frame_0002.png", "photos", "run.json"]
    assert json.loads((earlier / "run.json").read_text())["frames"]["count"] == 2
    assert job.written == [earlier / "frame_0001.png", earlier / "frame_0002.png"]


def test_disk_work_runs_off_the_calling_thread(qtbot, tmp_path, monkeypatch):
    """While animation.png, run.json or the swap is written, the steps keep coming."""
    from gd_visualizer.qt import export_job
    from gd_visualizer.qt.export_job import Export

    gates = {name: threading.Event() for name in ("apng", "json", "commit")}
    callers = set()
    real_apng, real_write, real_commit = (
        export_job.write_apng, files_module._write_file, OutputFolder.commit
    )  # fmt: skip

    def held(name, real):
        def run(*args, **kwargs):
            callers.add(threading.current_thread().name)
            gates[name].wait(timeout=60)
            return real(*args, **kwargs)

        return run

    def write(path, data):
        if path.name == "run.json":
            return held("json", real_write)(path, data)
        return real_write(path, data)

    monkeypatch.setattr(export_job, "write_apng", held("apng", real_apng))
    monkeypatch.setattr(files_module, "_write_file", write)
    monkeypatch.setattr(OutputFolder, "commit", held("commit", real_commit))
    job = Export(_run(), _settings(tmp_path / "o", frames=3))
    waiting = {"writing animation.png": "apng", "writing run.json": "json",
               "moving the files into place": "commit"}  # fmt: skip
    counts = dict.fromkeys(waiting, 0)
    for p in job.steps():
        if p.message in waiting:
            counts[p.message] += 1
            if counts[p.message] == 3:  # three steps came while the worker was held
                gates[waiting[p.message]].set()
    assert job.finished and all(n >= 3 for n in counts.values()), counts
    assert callers and not any(c == threading.main_thread().name for c in callers)


def test_rerun_is_byte_identical_and_matches_a_file_save(qtbot, tmp_path):
    """Frames are encoded in memory, losslessly: a rerun gives the same bytes, a frame holds
    the pixels a QImage.save to a file keeps, and encoding them again gives the frame's bytes."""
    from PySide6.QtGui import QImage

    from gd_visualizer.qt.export_job import Export

    Export(_run(), _settings(tmp_path / "a", frames=3)).run_all()
    Export(_run(), _settings(tmp_path / "b", frames=3)).run_all()
    for p in sorted((tmp_path / "a").iterdir()):
        assert p.read_bytes() == (tmp_path / "b" / p.name).read_bytes(), p.name
    image = QImage(str(tmp_path / "a" / "frame_0002.png"))
    image.save(str(tmp_path / "resaved.png"), "PNG")
    from gd_visualizer.qt.export_job import encode_png

    rgb = QImage.Format.Format_RGB888
    decoded = QImage.fromData(encode_png(image))
    resaved = QImage(str(tmp_path / "resaved.png"))
    assert decoded.convertToFormat(rgb) == resaved.convertToFormat(rgb)
    assert encode_png(decoded) == (tmp_path / "a" / "frame_0002.png").read_bytes()


# -- the window's flow ----------------------------------------------------------------------


@pytest.fixture
def flow(qtbot, monkeypatch):
    from PySide6.QtWidgets import QWidget

    from gd_visualizer.qt.export_progress import ExportFlow

    host = QWidget()
    qtbot.addWidget(host)
    f = ExportFlow(host)
    f.messages = []
    f.errors = []
    f.message.connect(lambda text, ms: f.messages.append(text))
    f.failed.connect(lambda text, title: f.errors.append((title, text)))
    yield f
    f.cancel()


def _ask(monkeypatch, out: Path, frames: int, answer="Yes") -> list[str]:
    from PySide6.QtWidgets import QMessageBox

    from gd_visualizer.qt.export_dialog import ExportDialog

    asked: list[str] = []

    def ask(parent, max_frames, defaults):
        return ExportSettings(out_dir=out, frames=frames, size=(320, 240))

    def question(parent, title, text, *args, **kwargs):
        asked.append(title)
        return getattr(QMessageBox.StandardButton, answer)

    monkeypatch.setattr(ExportDialog, "ask", staticmethod(ask))
    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def _click_cancel(dialog) -> None:
    from PySide6.QtWidgets import QPushButton

    next(b for b in dialog.findChildren(QPushButton) if b.text() == "Cancel").click()


def test_flow_replace_then_cancel_keeps_earlier_export(qtbot, monkeypatch, flow, earlier):
    before = snapshot(earlier)
    asked = _ask(monkeypatch, earlier, frames=30)
    chosen = []
    flow.folderChosen.connect(chosen.append)
    assert flow.start(_run(), ExportSettings(out_dir=earlier, frames=30))
    assert asked == ["Replace the earlier export?"] and chosen == [str(earlier)] and flow.busy
    runner = flow.runner
    qtbot.waitUntil(lambda: len(runner.job.written) >= 2, timeout=WAIT)
    _click_cancel(flow.dialog)
    assert runner.done and not runner.job.finished and not flow.busy and flow.dialog is None
    assert snapshot(earlier) == before
    assert flow.messages == ["Export cancelled; the earlier export is as it was"]


def test_flow_cancel_during_the_swap_keeps_earlier_export(qtbot, monkeypatch, flow, earlier):
    before = snapshot(earlier)
    _ask(monkeypatch, earlier, frames=5)
    reached = threading.Event()
    real_check, calls = OutputFolder._check_stop, [0]

    def check_stop(self):
        calls[0] += 1
        if calls[0] == 8:  # 6 earlier files moved aside, one new file moved in
            reached.set()
            self.stop.wait(timeout=60)  # until Cancel
        return real_check(self)

    monkeypatch.setattr(OutputFolder, "_check_stop", check_stop)
    assert flow.start(_run(), ExportSettings(out_dir=earlier, frames=5))
    qtbot.waitUntil(reached.is_set, timeout=WAIT)
    assert not (earlier / "frame_0003.png").exists()  # mid-swap indeed
    _click_cancel(flow.dialog)
    assert not flow.runner.job.finished
    assert snapshot(earlier) == before
    assert flow.messages == ["Export cancelled; the earlier export is as it was"]


def test_flow_says_no_to_replace(qtbot, monkeypatch, flow, earlier):
    before = snapshot(earlier)
    _ask(monkeypatch, earlier, frames=3, answer="No")
    assert not flow.start(_run(), ExportSettings(out_dir=earlier, frames=3))
    assert flow.runner is None and flow.dialog is None and not flow.busy
    assert snapshot(earlier) == before


def test_flow_one_frame_and_failure_messages(qtbot, monkeypatch, flow, tmp_path):
    out = tmp_path / "one"
    _ask(monkeypatch, out, frames=1)
    assert flow.start(_run(), ExportSettings(out_dir=out, frames=1))
    qtbot.waitUntil(lambda: flow.runner.done, timeout=WAIT)
    assert flow.messages[-1].startswith("Exported 1 frame, animation.png and run.json to ")
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    _ask(monkeypatch, blocker, frames=2)
    assert flow.start(_run(), ExportSettings(out_dir=blocker, frames=2))
    qtbot.waitUntil(lambda: flow.runner.done, timeout=WAIT)
    assert flow.errors and flow.errors[-1][0] == "Export failed"
    assert "exists and is not a folder" in flow.errors[-1][1]


def test_cancel_after_the_swap_reports_the_export_finished(qtbot, tmp_path):
    from gd_visualizer.qt.export_dialog import ExportRunner

    runner = ExportRunner(_run(), _settings(tmp_path / "o", frames=2, overwrite=False))
    results = []
    runner.finished.connect(lambda folder: results.append("finished"))
    runner.cancelled.connect(lambda: results.append("cancelled"))
    for p in runner._steps:  # drive it by hand up to its last step, then press Cancel
        if p.message == "done":
            break
    runner.cancel()
    assert results == ["finished"] and runner.job.finished
    assert (tmp_path / "o" / "run.json").exists()


def test_flow_refuses_a_second_export_while_one_runs(qtbot, monkeypatch, flow, tmp_path):
    _ask(monkeypatch, tmp_path / "a", frames=30)
    assert flow.start(_run(), ExportSettings(out_dir=tmp_path / "a", frames=30))
    first = flow.runner
    assert not flow.start(_run(), ExportSettings(out_dir=tmp_path / "b", frames=3))
    assert flow.runner is first and flow.messages == ["An export is already running"]
    flow.cancel()
    assert first.done and not (tmp_path / "a").exists()
    assert flow.messages[-1] == "Export cancelled; nothing was left behind"


def test_dialog_refuses_an_empty_folder(qtbot, tmp_path):
    from PySide6.QtWidgets import QDialogButtonBox

    from gd_visualizer.qt.export_dialog import ExportDialog

    dialog = ExportDialog(10, ExportSettings(out_dir=tmp_path, frames=5))
    qtbot.addWidget(dialog)
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled()
    dialog.folder.setText("")
    assert not ok.isEnabled()  # an empty folder would mean the current directory
    dialog.folder.setText("   ")
    assert not ok.isEnabled()
    dialog.folder.setText(str(tmp_path / "x"))
    assert ok.isEnabled()


def test_a_tick_begins_no_step_that_would_end_past_its_slice(qtbot, tmp_path, monkeypatch):
    """Steps of 6 ms on a clock we control: a tick of 8 ms runs one (a second, begun at
    6 ms, would end at 12: the window held past its frame); steps of 1.5 ms fill it."""
    from gd_visualizer.qt import export_dialog
    from gd_visualizer.qt.export_dialog import SLICE_SECONDS, ExportRunner
    from gd_visualizer.qt.export_job import Progress

    clock = [0.0]
    monkeypatch.setattr(export_dialog, "_clock", lambda: clock[0])

    def steps(ms: float):
        for k in range(1000):
            clock[0] += ms / 1000
            yield Progress(k, 1000, "rendering")

    runner = ExportRunner(_run(), _settings(tmp_path / "o", frames=2))
    runner._steps.close()
    done = []
    runner.progressed.connect(lambda k, _n, _m: done.append(k))
    for ms, per_tick in ((6.0, 1), (1.5, 5)):
        runner._steps = steps(ms)
        for _ in range(3):
            before = len(done)
            runner._tick()
            assert len(done) - before == per_tick
    assert 5 * 1.5 <= SLICE_SECONDS * 1000 < 6 * 1.5  # (the slice the counts are for)
    runner._steps.close()
    assert not (tmp_path / "o").exists()
