"""Command-line helpers shared by ``gd-visualizer`` and ``gd-visualizer export``.

Every parse error is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from .core import BUILTIN_DATASETS

MAX_ITERATIONS = 100_000


class ArgumentParser(argparse.ArgumentParser):
    """argparse that reports errors as one line on stderr and exits 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(v) and v > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return v


def iteration_count(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= v <= MAX_ITERATIONS:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_ITERATIONS:,}, got {v}")
    return v


def dataset_arg(text: str) -> str:
    if text.lower() in BUILTIN_DATASETS:
        return text.lower()
    if text.lower().endswith(".csv") or Path(text).suffix.lower() in (".tsv", ".txt"):
        if not Path(text).is_file():
            raise argparse.ArgumentTypeError(f"{text}: no such file")
        return text
    raise argparse.ArgumentTypeError(
        f"unknown dataset {text!r}; use one of {', '.join(BUILTIN_DATASETS)} or a .csv file"
    )


def whole(low: int, high: int, what: str):
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= v <= high:
            raise argparse.ArgumentTypeError(
                f"{what} must be between {low:,} and {high:,}, got {v}"
            )
        return v

    return parse


def size_arg(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT, e.g. 1280x800") from None
    if not (320 <= w <= 7680 and 240 <= h <= 4320):
        raise argparse.ArgumentTypeError(
            f"{text}: the size must be between 320x240 and 7680x4320 pixels"
        )
    return w, h


def pair_arg(text: str) -> tuple[str, str]:
    parts = tuple(v.strip() for v in text.split(","))
    if len(parts) != 2 or not all(parts):
        raise argparse.ArgumentTypeError(f"{text!r} must be two names separated by a comma")
    return parts  # type: ignore[return-value]
