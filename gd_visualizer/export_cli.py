"""``gd-visualizer export``: train a run and export it as PNG frames, APNG and run.json."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .cli_args import ArgumentParser, dataset_arg, pair_arg, positive_float, size_arg, whole
from .core import BUILTIN_DATASETS, DatasetError, Trainer, load_csv, make_dataset

VIEWS = ("boundary", "surface", "sigmoid", "cost")
MAX_EXPORT_ITERATIONS = 1_000_000


def views_arg(text: str) -> tuple[str, ...]:
    if text.strip().lower() == "all":
        return VIEWS
    names = tuple(v.strip().lower() for v in text.split(",") if v.strip())
    bad = [v for v in names if v not in VIEWS]
    if bad or not names:
        raise argparse.ArgumentTypeError(
            f"unknown view {', '.join(bad) or text!r}; use all or some of {','.join(VIEWS)}"
        )
    return tuple(dict.fromkeys(names))


def export_parser() -> ArgumentParser:
    p = ArgumentParser(
        prog="gd-visualizer export",
        description="Train logistic regression by gradient descent and export the run as PNG "
        "frames (frame_0001.png, …), an animated PNG (animation.png) and a summary (run.json). "
        "Runs without a display.",
    )
    p.add_argument(
        "--dataset",
        required=True,
        type=dataset_arg,
        metavar="NAME|PATH.csv",
        help=f"a built-in dataset ({', '.join(BUILTIN_DATASETS)}) or a CSV file",
    )
    p.add_argument("--learning-rate", required=True, type=positive_float, metavar="LR")
    p.add_argument(
        "--iterations",
        required=True,
        metavar="N",
        type=whole(1, MAX_EXPORT_ITERATIONS, "the iteration count"),
    )
    p.add_argument(
        "--frames",
        required=True,
        metavar="K",
        type=whole(1, 100_000, "the frame count"),
        help="frames sampled evenly from the first to the last iteration (at most N+1)",
    )
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder")
    p.add_argument(
        "--size",
        type=size_arg,
        default=(1280, 800),
        metavar="WxH",
        help="frame size in pixels (default 1280x800)",
    )
    p.add_argument(
        "--views",
        type=views_arg,
        default=VIEWS,
        metavar="all|boundary,surface,…",
        help="which views each frame shows (default all four)",
    )
    p.add_argument(
        "--frame-ms",
        type=whole(1, 60_000, "the frame duration"),
        default=80,
        metavar="MS",
        help="duration of one animation frame (default 80 ms)",
    )
    p.add_argument(
        "--seed", type=whole(0, 2**31 - 1, "the seed"), default=0, help="seed of a built-in dataset"
    )
    p.add_argument(
        "--samples",
        type=whole(2, 1_000_000, "the sample count"),
        default=200,
        help="samples of a built-in dataset (default 200)",
    )
    p.add_argument("--noise", type=float, default=None, help="noise of a built-in dataset")
    p.add_argument("--features", type=pair_arg, metavar="A,B", help="CSV feature columns")
    p.add_argument("--label", metavar="C", help="CSV label column")
    p.add_argument(
        "--classes",
        type=pair_arg,
        metavar="P,Q",
        help="the two classes to keep (P -> 0, Q -> 1) when the label has more",
    )
    p.add_argument(
        "--standardize",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="train on standardized features (default: on)",
    )
    p.add_argument(
        "--slice",
        choices=("w1-w2", "w1-b", "w2-b"),
        default="w1-w2",
        help="the cost-surface slice (default w1-w2)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an earlier export in DIR")
    return p


def fail(message: str) -> int:
    print(f"gd-visualizer export: error: {message}", file=sys.stderr)
    return 2


def export_main(argv: list[str]) -> int:
    args = export_parser().parse_args(argv)
    if args.frames > args.iterations + 1:
        return fail(
            f"--frames {args.frames} is more than the run's {args.iterations + 1} recorded "
            f"iterations (0 … {args.iterations})"
        )
    is_csv = args.dataset not in BUILTIN_DATASETS
    if not is_csv and (args.features or args.label or args.classes):
        return fail("--features, --label and --classes apply to a CSV dataset")
    try:
        if is_csv:
            ds = load_csv(
                args.dataset, features=args.features, label=args.label, classes=args.classes
            )
            extra = {}
        else:
            ds = make_dataset(args.dataset, args.samples, args.noise, args.seed)
            extra = {"seed": args.seed, "samples_requested": args.samples, "noise": args.noise}
    except DatasetError as exc:
        return fail(str(exc))

    # Qt: offscreen unless a display is there (and never ask for one)
    if not os.environ.get("QT_QPA_PLATFORM") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    from .present.files import check_out_dir
    from .present.record import ExportError, ExportSettings, RunRecord
    from .qt.export_job import Export

    try:
        check_out_dir(args.out, args.overwrite)
    except ExportError as exc:
        return fail(str(exc))

    std = ds.standardization() if args.standardize else None
    X = std.apply(ds.X) if std is not None else ds.X
    capacity = max(100_000, args.iterations + 2 + args.iterations % 2)
    trainer = Trainer(
        X,
        ds.Y,
        learning_rate=args.learning_rate,
        num_iterations=args.iterations,
        history_capacity=capacity,
    )
    t0 = time.perf_counter()
    trainer.run(args.iterations)
    train_s = time.perf_counter() - t0
    state = "diverged: " + trainer.divergence_reason if trainer.diverged else "done"
    print(
        f"trained {trainer.iteration:,} iterations in {train_s:.2f} s "
        f"(J = {trainer.cost:.6g}; {state})",
        flush=True,
    )

    app = QApplication.instance() or QApplication([sys.argv[0]])
    from .qt import MainWindow  # noqa: F401 - applies the plot style

    run = RunRecord(
        dataset=ds,
        X=X,
        Y=ds.Y,
        history=trainer.view(),
        standardized=std is not None,
        divergence=trainer.divergence_reason,
        extra=extra,
    )
    settings = ExportSettings(
        out_dir=args.out,
        frames=args.frames,
        size=args.size,
        views=args.views,
        frame_ms=args.frame_ms,
        overwrite=args.overwrite,
        slice_key=args.slice,
    )
    try:
        job = Export(run, settings)
        t0 = time.perf_counter()
        last = [-1]

        def report(p) -> None:
            if p.done != last[0] and p.message.startswith("frame"):
                last[0] = p.done
                print(f"  {p.message}", flush=True)

        job.run_all(report)
        seconds = time.perf_counter() - t0
    except ExportError as exc:
        return fail(str(exc))
    del app
    n = len(job.indices)
    print(
        f"wrote {n} frames, animation.png and run.json to {args.out} "
        f"in {seconds:.2f} s ({n / seconds:.1f} frames/s at {args.size[0]}x{args.size[1]})"
    )
    return 0
