"""Command line: ``gd-visualizer [options]`` opens the app; ``gd-visualizer export …`` renders."""

from __future__ import annotations

import os
import sys
from argparse import Namespace
from typing import TYPE_CHECKING

from .cli_args import (
    ArgumentParser,
    Interrupts,
    dataset_arg,
    flush_stdout,
    iteration_count,
    one_line,
    positive_float,
)

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from .qt import MainWindow


def app_parser() -> ArgumentParser:
    from .core import DATASETS

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
        help=f"a built-in dataset ({', '.join(DATASETS)}) or a CSV file",
    )
    p.add_argument("--learning-rate", type=positive_float, metavar="LR", help="learning rate α")
    p.add_argument(
        "--iterations", type=iteration_count, metavar="N", help="iteration budget (1 … 100000)"
    )
    p.add_argument(
        "--session",
        metavar="FILE",
        help="open a saved session (.gdviz): its data, settings and runs as they were",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the app or, for ``export …``, the export command; the exit status.

    Bad input exits 2 with one line on stderr; anything unexpected is one line and status 1,
    never a traceback.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "export":
        # signals only set a flag from here on (before the heavy imports), until it returns
        with Interrupts() as interrupts:
            from .export_cli import export_main  # the export command (imports no window code)

            return export_main(argv[1:], interrupts)
    try:
        return _app(argv)
    except BrokenPipeError:  # --help into a pipe whose reader has gone
        return 0
    except Exception as exc:  # one line, never a traceback
        print(f"gd-visualizer: error: {one_line(f'{type(exc).__name__}: {exc}')}", file=sys.stderr)
        return 1
    finally:
        flush_stdout()  # now, so that a closed pipe is not a traceback at exit


def _app(argv: list[str]) -> int:
    from .heap import starting

    # no collection until the window is up (open_window): what is made meanwhile is kept
    with starting():
        return _start(argv)


def _start(argv: list[str]) -> int:
    args = prepare(argv)
    if args.session is not None:
        from .present.session import SessionError, read_session

        try:
            read_session(args.session)  # a bad file: one line, before any window
        except SessionError as exc:
            print(f"gd-visualizer: error: {one_line(str(exc))}", file=sys.stderr)
            return 2
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
    app, window = make_window(args)
    if args.session is not None:
        window.load_session(args.session)
    from .qt import open_window

    open_window(window)
    return app.exec()


def prepare(argv: list[str]) -> Namespace:
    """The app's arguments, and its Qt-free modules loaded (the benchmark starts the app
    through this and :func:`make_window`, as ``main`` does).

    The window's model, maths and presenter load before PySide6: PySide6 hooks every later
    import to read the module's source (looking for its ``__feature__`` switches), which
    for these ~25 modules was ~20 ms of start-up (AMD EPYC, measured side by side).
    ``numpy.ma`` too: numpy loads it on the first ``np.unique`` or ``np.quantile``, which
    was on the surface's thread while the window started, holding the GIL ~20 ms; loaded
    here it takes ~8 ms, and the window's first paint came ~10 ms sooner (AMD EPYC,
    alternate runs).
    """
    args = app_parser().parse_args(argv)
    import numpy.ma  # noqa: F401

    from . import core, model  # noqa: F401
    from .model import points  # noqa: F401
    from .present import files, lesson, record, scene, session  # noqa: F401

    return args


def make_window(args: Namespace, restore_settings: bool = True) -> tuple[QApplication, MainWindow]:
    """The application and its window for ``args``, not shown yet (``restore_settings``:
    the window opens as the user left it)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("gd-visualizer")
    app.setOrganizationName("gd-visualizer")
    from .qt import MainWindow

    window = MainWindow(
        dataset=args.dataset,
        learning_rate=args.learning_rate,
        iterations=args.iterations,
        restore_settings=restore_settings,
    )
    return app, window
