"""Ctrl+C and SIGTERM during ``python main.py export``: a clean stop, the folder as it was.

Each run puts an earlier export and a user's own files into the output folder, starts a real
export subprocess with ``--overwrite``, waits for a moment (a line on its stdout), sends the
signal and checks: exit status 130 (SIGINT) or 143 (SIGTERM), never a crash; exactly one line
on stderr; the folder byte for byte as before.

The moments: during training; while frames are rendered; while animation.png is assembled;
in the middle of the final swap (half the earlier export moved aside and some new files moved
in).  The last two are too short to hit by timing, so for them the subprocess runs main()
through a small wrapper that prints a marker there and holds that worker step until the
export is told to stop: the signal then certainly arrives at that moment.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).parents[1]
TIMEOUT = 90

# The wrapper for the two short moments: holds a worker step until the export says stop.
HOOK = r"""
import sys
from gd_visualizer.present import files
from gd_visualizer.qt import export_job

moment = sys.argv.pop(1)
if moment == "apng":
    real_apng = export_job.write_apng

    def write_apng(frames, out, frame_ms, stop=None):
        print("MARK assembling animation.png", flush=True)
        stop.wait()  # set only when the export is being stopped
        return real_apng(frames, out, frame_ms, stop)

    export_job.write_apng = write_apng
else:
    real_check = files.OutputFolder._check_stop
    calls = [0]

    def check_stop(self):
        calls[0] += 1
        if calls[0] == 10:  # 7 earlier files moved aside, 2 new ones moved in
            print("MARK swapping", flush=True)
            self.stop.wait()
        return real_check(self)

    files.OutputFolder._check_stop = check_stop
from gd_visualizer.app import main

sys.exit(main(sys.argv[1:]))
"""

USER_FILES = {
    "notes.txt": b"my notes\n",
    "movie.mkv.part": b"half a movie",
    "frame_my_holiday_photo.png": b"\x89PNG not really",
    ".hidden": b"",
    "sub/frame_0001.png": b"not in the export's folder itself",
}


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry under ``folder``: files by their bytes, folders and links by kind."""
    out: dict[str, bytes | str] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root, name)
            key = str(p.relative_to(folder))
            if p.is_symlink():
                out[key] = "link -> " + os.readlink(p)
            elif p.is_dir():
                out[key] = "folder"
            else:
                out[key] = p.read_bytes()
    return out


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A folder with an earlier export (5 frames, animation.png, run.json) and user files."""
    folder = tmp_path_factory.mktemp("interrupt") / "template"
    run = subprocess.run(
        [sys.executable, "main.py", "export", "--dataset", "xor", "--learning-rate", "1",
         "--iterations", "20", "--frames", "5", "--out", str(folder), "--size", "320x240"],
        cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    for name, data in USER_FILES.items():
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_bytes(data)
    assert len([p for p in folder.iterdir() if p.name.startswith("frame_0")]) == 5
    return folder


def wait_for_line(proc: subprocess.Popen, marker: bytes, timeout: float = 60) -> bytes:
    """Read the subprocess's stdout until a line contains ``marker``; all that was read."""
    seen = b""
    deadline = time.monotonic() + timeout
    fd = proc.stdout.fileno()
    while marker not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"no {marker!r} on stdout: {seen[-500:]!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 65536)
            assert chunk, f"stdout closed before {marker!r}: {seen[-500:]!r}"
            seen += chunk
    return seen


MOMENTS = {
    # moment: (extra arguments, marker on stdout, wrapper hook or None)
    "training": (["--dataset", "moons", "--samples", "2000", "--iterations", "300000",
                  "--frames", "10"], b"training", None),
    "frames": (["--dataset", "moons", "--iterations", "100", "--frames", "60"],
               b"frame 3/60", None),
    "apng": (["--dataset", "moons", "--iterations", "100", "--frames", "10"],
             b"MARK assembling", "apng"),
    "swap": (["--dataset", "moons", "--iterations", "100", "--frames", "10"],
             b"MARK swapping", "swap"),
}  # fmt: skip
RUNS = {"training": 2, "frames": 3, "apng": 2, "swap": 3}  # per signal: 20 runs in all


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("moment", list(MOMENTS))
def test_signal_stops_export_and_leaves_folder_as_it_was(tmp_path, template, moment, sig):
    extra, marker, hook = MOMENTS[moment]
    for run in range(RUNS[moment]):
        out = tmp_path / f"run{run}"
        shutil.copytree(template, out, symlinks=True)
        before = snapshot(out)
        if hook is None:
            command = [sys.executable, "main.py"]
        else:
            command = [sys.executable, "-c", HOOK, hook]
        command += ["export", "--learning-rate", "1", "--out", str(out), "--size", "320x240",
                    "--overwrite", *extra]  # fmt: skip
        proc = subprocess.Popen(
            command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0
        )
        try:
            wait_for_line(proc, marker)
            proc.send_signal(sig)
            _, err = proc.communicate(timeout=TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        expected = 130 if sig == signal.SIGINT else 143
        lines = err.decode("utf-8", "replace").strip().splitlines()
        assert proc.returncode == expected, (moment, run, proc.returncode, lines)
        assert len(lines) == 1 and "interrupted by" in lines[0], lines
        assert snapshot(out) == before, (moment, run)


def test_handlers_are_restored_after_an_export(tmp_path):
    from gd_visualizer.app import main

    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    code = main(["export", "--dataset", "blobs", "--learning-rate", "1", "--iterations", "5",
                 "--frames", "2", "--out", str(tmp_path / "o"), "--size", "320x240"])  # fmt: skip
    assert code == 0
    assert {s: signal.getsignal(s) for s in before} == before


def test_signal_in_process_between_steps_cleans_up(tmp_path, capsys, monkeypatch):
    """A SIGINT raised mid-export in this very process: status 130, the folder untouched."""
    from gd_visualizer.app import main
    from gd_visualizer.qt import export_job

    out = tmp_path / "o"
    out.mkdir()
    (out / "movie.mkv.part").write_bytes(b"keep me")
    before = snapshot(out)
    real = export_job.encode_png
    calls = [0]

    def encode(image):
        calls[0] += 1
        if calls[0] == 3:
            os.kill(os.getpid(), signal.SIGINT)  # handled on the main thread, between steps
        return real(image)

    monkeypatch.setattr(export_job, "encode_png", encode)
    code = main(["export", "--dataset", "blobs", "--learning-rate", "1", "--iterations", "40",
                 "--frames", "20", "--out", str(out), "--size", "320x240"])  # fmt: skip
    assert code == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "interrupted by SIGINT" in err[0]
    assert snapshot(out) == before
