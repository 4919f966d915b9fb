"""The command line: clear errors, exit code 2, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from gd_visualizer.app import app_parser, main


def run_main(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "main.py", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_help_explains_options():
    out = run_main("--help")
    assert out.returncode == 0
    for option in ("--dataset", "--learning-rate", "--iterations", "export"):
        assert option in out.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--learning-rate", "-1"], "must be a positive number"),
        (["--learning-rate", "abc"], "'abc' is not a number"),
        (["--iterations", "0"], "must be between 1 and 100,000"),
        (["--dataset", "nope"], "unknown dataset 'nope'"),
        (["--dataset", "missing.csv"], "missing.csv: no such file"),
        (["--dataset", "/dev/zero"], "/dev/zero: is a character device, not a regular file"),
        (["--dataset", "n" * 300 + ".csv"], "cannot be read (File name too long)"),
        (["--iterations", "\u0663"], "is not a whole number"),
        (["--iterations", " 5"], "' 5' is not a whole number"),
        (["--iterations", "1_0"], "'1_0' is not a whole number"),
        (["--learning-rate", "1_0"], "'1_0' is not a number"),
        (["--learning-rate", "\u0661"], "is not a number"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(capsys, args, message):
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and "Traceback" not in err[0]


def test_a_fifo_is_not_a_missing_file(capsys, tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(SystemExit) as info:
        main(["--dataset", str(fifo)])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is a FIFO (named pipe), not a regular file" in err[0]


def test_parser_accepts_good_arguments(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("a,b,y\n1,2,0\n3,4,1\n")
    args = app_parser().parse_args(
        ["--dataset", str(p), "--learning-rate", "0.5", "--iterations", "200"]
    )
    assert args.dataset == str(p) and args.learning_rate == 0.5 and args.iterations == 200
    assert app_parser().parse_args(["--dataset", "Moons"]).dataset == "moons"


def test_window_takes_command_line_settings(qtbot, tmp_path):
    from gd_visualizer.qt import MainWindow

    p = tmp_path / "two.csv"
    p.write_text("u,v,c\n" + "".join(f"{i},{(i * 7) % 11},{i % 2}\n" for i in range(40)))
    w = MainWindow(dataset=str(p), learning_rate=0.25, iterations=321)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.dataset.name == "two", timeout=15_000)
    assert w.controls.learning_rate() == pytest.approx(0.25)
    assert w.controls.iterations() == 321
    qtbot.waitUntil(lambda: len(w.history) == 1, timeout=15_000)
    w.play()
    qtbot.waitUntil(lambda: len(w.history) == 322, timeout=15_000)
    assert set(w.history.learning_rates[:-1]) == {0.25}


def test_the_window_modules_without_qt_load_before_pyside6():
    """``prepare`` loads every Qt-free module the window needs before PySide6, whose
    import hook reads the source of each module imported after it."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from gd_visualizer.app import prepare\n"
        "prepare([])\n"
        "assert 'PySide6' not in sys.modules, 'prepare loaded Qt'\n"
        "before = set(sys.modules)\n"
        "from gd_visualizer.qt import MainWindow\n"
        "late = sorted(m for m in set(sys.modules) - before if m.startswith('gd_visualizer.')\n"
        "              and not m.startswith('gd_visualizer.qt'))\n"
        "print(late)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "[]", out.stdout
