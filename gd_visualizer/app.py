"""Command line: ``gd-visualizer [options]`` opens the app; ``gd-visualizer export …`` renders."""

from __future__ import annotations

import os
import sys

from .cli_args import ArgumentParser, dataset_arg, iteration_count, positive_float
from .core import BUILTIN_DATASETS


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
        from .export_cli import export_main  # the export command (imports no window code)

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
