"""``python main.py export``: every bad input is exit 2 and one line; no traceback, ever."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from gd_visualizer.app import main

REPO = Path(__file__).parents[1]
LONG = "n" * 300


def export(out, *extra: str, dataset="blobs", frames="3", **kw) -> int:
    args = ["export", "--dataset", dataset, "--learning-rate", "1", "--iterations", "10",
            "--frames", frames, "--out", str(out), "--size", "320x240", *extra]  # fmt: skip
    for key, value in kw.items():
        args += [f"--{key.replace('_', '-')}", value]
    try:
        return main(args)
    except SystemExit as exc:  # argparse
        return exc.code


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0] and err[0].startswith("gd-visualizer export: error: ")
    return err[0]


def test_empty_out_is_refused_not_the_current_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert export("") == 2
    assert "the output folder name is empty" in one_error_line(capsys)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", ["out", "out/sub", "parent/out"])
def test_long_folder_names_are_one_line(tmp_path, capsys, where):
    out = {"out": tmp_path / LONG, "out/sub": tmp_path / LONG / "sub",
           "parent/out": tmp_path / "missing" / LONG}[where]  # fmt: skip
    assert export(out) == 2
    assert "File name too long" in one_error_line(capsys)
    assert list(tmp_path.iterdir()) == []


def test_long_dataset_name_is_one_line(tmp_path, capsys):
    assert export(tmp_path / "o", dataset=str(tmp_path / (LONG + ".csv"))) == 2
    assert "cannot be read (File name too long)" in one_error_line(capsys)


def test_fifo_and_devices_are_named_for_what_they_are(tmp_path, capsys):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    assert export(tmp_path / "o", dataset=str(fifo)) == 2  # must not block opening it
    assert f"{fifo}: is a FIFO (named pipe), not a regular file" in one_error_line(capsys)
    assert export(tmp_path / "o", dataset="/dev/zero") == 2
    assert "/dev/zero: is a character device, not a regular file" in one_error_line(capsys)
    link = tmp_path / "zero.csv"
    link.symlink_to("/dev/zero")
    assert export(tmp_path / "o", dataset=str(link)) == 2
    assert "is a character device, not a regular file" in one_error_line(capsys)
    assert export(tmp_path / "o", dataset=str(tmp_path)) == 2
    assert "is a folder, not a CSV file" in one_error_line(capsys)
    assert export(tmp_path / "o", dataset=str(tmp_path / "absent.csv")) == 2
    assert "absent.csv: no such file" in one_error_line(capsys)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("frames", " 5", "' 5' is not a whole number"),
        ("frames", "5 ", "'5 ' is not a whole number"),
        ("frames", "1_0", "'1_0' is not a whole number"),
        ("frames", "\u0663", "is not a whole number"),  # ARABIC-INDIC DIGIT THREE
        ("frames", "+3", "'+3' is not a whole number"),
        ("frames", "3.0", "'3.0' is not a whole number"),
        pytest.param("frames", "9" * 5000, "the frame count must be between", id="5000-digits"),
        ("iterations", "1e3", "'1e3' is not a whole number"),
        ("seed", "\uff11", "is not a whole number"),  # FULLWIDTH DIGIT ONE
        ("frame_ms", "8_0", "'8_0' is not a whole number"),
        ("learning_rate", "\u0661", "is not a number"),
        ("learning_rate", "1_0", "'1_0' is not a number"),
        ("learning_rate", " 1", "' 1' is not a number"),
        ("learning_rate", "0x10", "'0x10' is not a number"),
        ("learning_rate", "inf", "is not a number"),
        ("learning_rate", "1e999", "must be a positive number"),
        ("noise", "nan", "is not a number"),
        ("noise", "-1", "must be a finite number >= 0"),
        ("noise", "1_0", "'1_0' is not a number"),
        ("size", "1_280x800", "is not WIDTHxHEIGHT"),
        ("size", "\u0661\u0662\u0668\u0660x800", "is not WIDTHxHEIGHT"),
        ("size", " 640x400", "is not WIDTHxHEIGHT"),
        ("dataset", "a\nb.csv", "a\\nb.csv: no such file"),
    ],
)
def test_numbers_are_plain_ascii(tmp_path, capsys, option, value, message):
    assert export(tmp_path / "o", **{option: value}) == 2
    assert message in one_error_line(capsys)
    assert not (tmp_path / "o").exists()


def test_plain_numbers_still_work(tmp_path, capsys):
    code = export(tmp_path / "o", frames="2", learning_rate="5e-1", noise="0.25", seed="007",
                  size="320X240", frame_ms="120")  # fmt: skip
    assert code == 0
    summary = json.loads((tmp_path / "o" / "run.json").read_text())
    assert summary["frames"]["count"] == 2 and summary["learning_rate"] == 0.5


def test_one_frame_is_one_frame(tmp_path, capsys):
    assert export(tmp_path / "o", frames="1") == 0
    assert "wrote 1 frame, animation.png and run.json" in capsys.readouterr().out


def test_unexpected_errors_are_one_line_and_status_1(tmp_path, capsys, monkeypatch):
    from gd_visualizer.qt.export_job import Export

    def boom(self, report=None):
        raise RuntimeError("boom\nand a second line")

    monkeypatch.setattr(Export, "run_all", boom)
    assert export(tmp_path / "o") == 1
    line = one_error_line(capsys)
    assert "RuntimeError: boom\\nand a second line" in line


# -- real subprocesses --------------------------------------------------------------------


def run_export(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "main.py", "export", "--learning-rate", "1", "--size", "640x400", *args],
        cwd=REPO, capture_output=True, timeout=120, check=False, **kw,
    )  # fmt: skip


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_full_disk_is_one_line_and_keeps_the_earlier_export(tmp_path):
    """A write that the system refuses (here: over RLIMIT_FSIZE, EFBIG) fails like a full
    disk: libpng prints nothing (frames are encoded in memory), one line, status 2."""
    out = tmp_path / "out"
    first = run_export("--dataset", "xor", "--iterations", "20", "--frames", "2",
                       "--out", str(out))  # fmt: skip
    assert first.returncode == 0, first.stderr
    (out / "movie.mkv.part").write_bytes(b"half a movie")
    (out / "frame_my_holiday_photo.png").write_bytes(b"holiday")
    (out / "notes.txt").write_bytes(b"notes")
    before = snapshot(out)

    def small_files_only():
        resource.setrlimit(resource.RLIMIT_FSIZE, (60_000, resource.RLIM_INFINITY))

    run = run_export("--dataset", "moons", "--iterations", "50", "--frames", "8", "--out",
                     str(out), "--overwrite", preexec_fn=small_files_only)  # fmt: skip
    err = run.stderr.decode().strip().splitlines()
    assert run.returncode == 2 and len(err) == 1, err
    assert "writing failed (File too large)" in err[0]
    assert snapshot(out) == before


def test_stdout_closed_by_its_reader_finishes_quietly(tmp_path):
    """``export … | head -1``: progress stops, the export completes, status 0, no traceback."""
    out = tmp_path / "piped"
    proc = subprocess.Popen(
        [sys.executable, "main.py", "export", "--dataset", "moons", "--learning-rate", "1",
         "--iterations", "50", "--frames", "10", "--out", str(out), "--size", "320x240"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        first = proc.stdout.readline()
        proc.stdout.close()  # as head -1 does after its line
        err = proc.stderr.read()
        assert proc.wait(timeout=120) == 0, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    assert first.startswith(b"training")
    assert err == b""
    assert (out / "animation.png").exists() and (out / "frame_0010.png").exists()


def test_folder_and_dataset_names_that_are_not_utf8(tmp_path):
    base = os.fsencode(tmp_path)
    csv = base + b"/caf\xe9.csv"  # Latin-1, not UTF-8
    with open(csv, "w") as fh:
        fh.write("a,b,y\n" + "".join(f"{i},{(i * 7) % 11},{i % 2}\n" for i in range(40)))
    out = base + b"/out\xff"
    run = subprocess.run(
        [sys.executable, "main.py", "export", "--dataset", csv, "--learning-rate", "1",
         "--iterations", "10", "--frames", "2", "--out", out, "--size", "320x240"],
        cwd=REPO, capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0 and run.stderr == b"", run.stderr
    assert sorted(os.listdir(out)) == [b"animation.png", b"frame_0001.png", b"frame_0002.png",
                                       b"run.json"]  # fmt: skip
    assert b"out\\xff" in run.stdout.splitlines()[-1]  # shown, escaped, on one line
    with open(out + b"/run.json", "rb") as fh:
        summary = json.load(fh)
    assert summary["dataset"]["name"] == "caf\\xe9"
    assert summary["dataset"]["source"].endswith("caf\\xe9.csv")
    again = subprocess.run(
        [sys.executable, "main.py", "export", "--dataset", "moons", "--learning-rate", "1",
         "--iterations", "10", "--frames", "2", "--out", out],
        cwd=REPO, capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    err = again.stderr.decode().strip().splitlines()
    assert again.returncode == 2 and len(err) == 1 and "out\\xff: already holds an export" in err[0]
