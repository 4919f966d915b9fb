"""Command line: ``gd-visualizer [options]`` opens the app; ``gd-visualizer export …`` renders."""

from __future__ import annotations

import argparse
import math
import os
import sys
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


def app_parser() -> ArgumentParser:
    p = ArgumentParser(
        prog="gd-visualizer",
        description="See gradient descent train logistic regression: decision boundary, "
        "cost surface, sigmoid and cost curve, live and linked. "
        "Use 'gd-visualizer export --help' to render animations without a window.",
    )
    p.add_argument(
        "--dataset",
        type=dataset_arg,
        metavar="NAME|PATH.csv",
        help=f"a built-in dataset ({', '.join(BUILTIN_DATASETS)}) or a CSV file",
    )
    p.add_argument("--learning-rate", type=positive_float, metavar="LR", help="learning rate α")
    p.add_argument(
        "--iterations", type=iteration_count, metavar="N", help="iteration budget (1 … 100000)"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "export":
        from .export_cli import export_main

        return export_main(argv[1:])
    args = app_parser().parse_args(argv)
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
    ):
        print(
            "gd-visualizer: no display found (DISPLAY is not set); run it in a desktop session, "
            "under xvfb-run, or use 'gd-visualizer export' to render without a window",
            file=sys.stderr,
        )
        return 2
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("gd-visualizer")
    app.setOrganizationName("gd-visualizer")
    from .qt import MainWindow

    window = MainWindow(
        dataset=args.dataset, learning_rate=args.learning_rate, iterations=args.iterations
    )
    window.show()
    return app.exec()
