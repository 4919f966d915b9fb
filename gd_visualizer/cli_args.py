"""Command-line helpers shared by ``gd-visualizer`` and ``gd-visualizer export``.

Every parse error is one line on stderr and exit status 2.  Numbers are plain ASCII:
``5``, ``0.5``, ``1e-3`` — not `` 5``, ``1_0`` or ``٣`` (which Python's int() and float() take).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import signal
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

# Nothing heavy is imported here (the datasets come in when an argument is parsed), so that
# ``main.py export`` takes over SIGINT and SIGTERM a few milliseconds after it starts.

MAX_ITERATIONS = 100_000
#: the largest mini-batch size a command line takes
MAX_BATCH_SIZE = 1_000_000
#: exit status after a signal: 128 + its number, as a shell reports it
EXIT_STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}

_WHOLE = re.compile(r"-?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SIZE = re.compile(r"([0-9]{1,9})[xX]([0-9]{1,9})")
_CSV_SUFFIXES = (".csv", ".tsv", ".txt")


def one_line(text: str) -> str:
    """``text`` with line breaks and other unprintable characters escaped: one line, printable."""
    text = os.fsencode(text).decode("utf-8", "backslashreplace") if _has_surrogates(text) else text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= c <= "\udfff" for c in text)


class ArgumentParser(argparse.ArgumentParser):
    """argparse that reports errors as one line on stderr and exits 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {one_line(message)}\n")


def say(text: str) -> None:
    """Print a line on stdout; once the reader has gone (a closed pipe), print nothing more.

    A progress line is a courtesy: ``gd-visualizer export … | head -1`` finishes its work
    quietly, like a Unix tool, instead of dying with a BrokenPipeError traceback (and so
    does a stdout that cannot be written at all, e.g. ``> /dev/full``).
    """
    try:
        try:
            print(text, flush=True)
        except UnicodeEncodeError:  # a terminal that cannot show every character
            encoding = getattr(sys.stdout, "encoding", None) or "ascii"
            print(text.encode(encoding, "backslashreplace").decode(encoding), flush=True)
    except OSError:  # BrokenPipeError above all
        stdout_gone()


def flush_stdout() -> None:
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except OSError:
        stdout_gone()


def stdout_gone() -> None:
    """Send the rest of stdout (and Python's flush at exit) to /dev/null."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (a test's capture)
        pass


class Interrupted(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class Interrupts:
    """While active, SIGINT and SIGTERM only record that they came (Qt-safe: nothing is
    raised inside whatever Python code Qt happens to be running); :meth:`check` raises
    :class:`Interrupted` between steps.  The previous handlers come back on exit."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous: dict[int, object] = {}

    def __enter__(self) -> Interrupts:
        for sig in self.SIGNALS:
            try:
                self._previous[sig] = signal.signal(sig, self._handle)
            except ValueError:  # not the main thread: signals are not ours to handle
                pass
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)  # type: ignore[arg-type]
        self._previous = {}

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum

    def check(self) -> None:
        if self.signum is not None:
            raise Interrupted(self.signum)


def _float(text: str) -> float:
    if not _FLOAT.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{_quoted(text)} is not a number")
    return float(text)


def positive_float(text: str) -> float:
    v = _float(text)
    if not (math.isfinite(v) and v > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {_quoted(text)}")
    return v


def non_negative_float(text: str) -> float:
    v = _float(text)
    if not (math.isfinite(v) and v >= 0):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {_quoted(text)}")
    return v


def _whole(text: str, low: int, high: int, what: str) -> int:
    if not _WHOLE.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{_quoted(text)} is not a whole number")
    v = int(text) if len(text) <= 30 else None  # (int() refuses 4,300 digits and more)
    if v is None or not low <= v <= high:
        raise argparse.ArgumentTypeError(
            f"{what} must be between {low:,} and {high:,}, got {_quoted(text)[1:-1]}"
        )
    return v


def _quoted(text: str, limit: int = 60) -> str:
    """``repr(text)`` on one line, shortened in the middle when it is long."""
    if len(text) > limit:
        text = text[: limit // 2] + "…" + text[-limit // 2 :]
    return one_line(repr(text))


def iteration_count(text: str) -> int:
    return _whole(text, 1, MAX_ITERATIONS, "the iteration count")


def whole(low: int, high: int, what: str):
    def parse(text: str) -> int:
        return _whole(text, low, high, what)

    return parse


def dataset_arg(text: str) -> str:
    """A built-in dataset's name, or the path of an existing regular file (.csv, .tsv, .txt)."""
    from .core import DATASETS

    if text.lower() in DATASETS:
        return text.lower()
    name = one_line(text)
    try:
        st = os.stat(text)
    except (FileNotFoundError, NotADirectoryError):
        st = None
    except OSError as exc:
        raise argparse.ArgumentTypeError(
            f"{name}: cannot be read ({exc.strerror or exc})"
        ) from None
    except ValueError:  # an embedded NUL
        raise argparse.ArgumentTypeError(f"{name}: not a valid file name") from None
    is_table = text.lower().endswith(".csv") or Path(text).suffix.lower() in _CSV_SUFFIXES
    if st is None:
        if is_table:
            raise argparse.ArgumentTypeError(f"{name}: no such file")
    elif stat.S_ISDIR(st.st_mode):
        raise argparse.ArgumentTypeError(f"{name}: is a folder, not a CSV file")
    elif not stat.S_ISREG(st.st_mode):
        raise argparse.ArgumentTypeError(f"{name}: is {_kind(st.st_mode)}, not a regular file")
    elif is_table:
        return text
    raise argparse.ArgumentTypeError(
        f"unknown dataset {_quoted(text)}; use one of {', '.join(DATASETS)} or a .csv file"
    )


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"  # (no other kinds on POSIX)


def size_arg(text: str) -> tuple[int, int]:
    m = _SIZE.fullmatch(text)
    if m is None:
        raise argparse.ArgumentTypeError(f"{_quoted(text)} is not WIDTHxHEIGHT, e.g. 1280x800")
    w, h = int(m[1]), int(m[2])
    if not (320 <= w <= 7680 and 240 <= h <= 4320):
        raise argparse.ArgumentTypeError(
            f"{text}: the size must be between 320x240 and 7680x4320 pixels"
        )
    return w, h


def pair_arg(text: str) -> tuple[str, str]:
    parts = tuple(v.strip() for v in text.split(","))
    if len(parts) != 2 or not all(parts):
        raise argparse.ArgumentTypeError(f"{_quoted(text)} must be two names separated by a comma")
    return parts  # type: ignore[return-value]


def classes_arg(text: str) -> tuple[str, ...]:
    """Two or three class names separated by commas (three: softmax regression)."""
    parts = tuple(v.strip() for v in text.split(","))
    if len(parts) not in (2, 3) or not all(parts):
        raise argparse.ArgumentTypeError(
            f"{_quoted(text)} must be two or three names separated by commas"
        )
    return parts


def out_dir_arg(text: str) -> Path:
    """An output folder; an empty name (which would mean the current folder) is refused."""
    if not text:
        raise argparse.ArgumentTypeError(
            "the output folder name is empty; give a folder (. for the current one)"
        )
    if "\0" in text:
        raise argparse.ArgumentTypeError(f"{_quoted(text)} is not a valid folder name")
    return Path(text)


@dataclass(frozen=True)
class RunSpec:
    """The settings of one run on the command line (``batch_size`` None: all m samples)."""

    optimizer: str
    learning_rate: float
    batch_size: int | None = None


def optimizer_arg(text: str) -> str:
    """One of the trainer's optimizers, by name (gd, momentum, rmsprop, adam)."""
    from .core import OPTIMIZERS

    if text.lower() not in OPTIMIZERS:
        raise argparse.ArgumentTypeError(
            f"unknown optimizer {_quoted(text)}; use one of {', '.join(OPTIMIZERS)}"
        )
    return text.lower()


def batch_size_arg(text: str) -> int:
    return _whole(text, 1, MAX_BATCH_SIZE, "the batch size")


def run_spec_arg(text: str) -> RunSpec:
    """``OPTIMIZER:RATE`` or ``OPTIMIZER:RATE:BATCH``, e.g. ``adam:0.05`` or ``gd:0.1:32``."""
    parts = [part.strip() for part in text.split(":")]
    if len(parts) not in (2, 3):
        raise argparse.ArgumentTypeError("use OPTIMIZER:RATE or OPTIMIZER:RATE:BATCH")
    batch = batch_size_arg(parts[2]) if len(parts) == 3 else None
    return RunSpec(optimizer_arg(parts[0]), positive_float(parts[1]), batch)


def compare_arg(text: str) -> tuple[RunSpec, ...]:
    """2 to MAX_RUNS different run specs separated by commas (see :func:`run_spec_arg`)."""
    from .model.run import MAX_RUNS

    texts = [t.strip() for t in text.split(",")]
    specs: list[RunSpec] = []
    for spec_text in texts:  # each spec's own mistake first, then their number
        try:
            spec = run_spec_arg(spec_text)
        except argparse.ArgumentTypeError as exc:
            raise argparse.ArgumentTypeError(f"{_quoted(spec_text)}: {exc}") from None
        if spec in specs:
            raise argparse.ArgumentTypeError(f"{_quoted(spec_text)}: the same run twice")
        specs.append(spec)
    if not 2 <= len(texts) <= MAX_RUNS:
        raise argparse.ArgumentTypeError(
            f"give 2 to {MAX_RUNS} runs separated by commas, got {len(texts)}"
        )
    return tuple(specs)
