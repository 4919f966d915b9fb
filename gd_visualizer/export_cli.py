"""``gd-visualizer export``: train a run (or race several) and export it as PNG frames, APNG
and run.json.

Every bad input is one line on stderr and exit status 2; anything unexpected is one line and
status 1.  SIGINT and SIGTERM only set a flag that is checked between small steps, so the
command stops cleanly (status 130 or 143, one line on stderr) and leaves the output folder
exactly as it was; a signal that arrives once the new export is in place changes nothing
(status 0).  When stdout is a pipe whose reader has gone, the progress lines stop and the
export runs to its end.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time

from .cli_args import (
    EXIT_STATUS,
    ArgumentParser,
    Interrupted,
    Interrupts,
    RunSpec,
    batch_size_arg,
    classes_arg,
    compare_arg,
    dataset_arg,
    flush_stdout,
    non_negative_float,
    one_line,
    optimizer_arg,
    out_dir_arg,
    pair_arg,
    positive_float,
    say,
    size_arg,
    whole,
)
from .core import DATASETS, MULTICLASS_DATASETS, DatasetError, Trainer, load_csv, make_dataset
from .core.surface import slice_keys
from .core.trainer import replay
from .model import TrainingData
from .model.run import RUN_COLOURS, run_name
from .present.files import check_out_dir, plural, shown
from .present.record import ANIMATION_FILES, ExportError, ExportSettings, RunRecord

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
        "frames (frame_0001.png, …), an animated PNG (animation.png) and/or GIF (animation.gif, "
        "--format) and a summary (run.json). "
        "With --compare, several runs race from the same start on the same data, each drawn in "
        "its colour; the first one's numbers are shown. Runs without a display.",
        epilog="Files are written into a hidden staging folder inside DIR and moved into place "
        "only when all are complete; an earlier export (frame_NNNN.png, animation.png, "
        "animation.gif, run.json) is replaced only then, as a whole, and nothing else in DIR is "
        "ever touched. "
        "Exit status: 0 done; 2 bad input or the export could not be written (one line on "
        "stderr, DIR as it was); 1 anything unexpected (one line); 130 or 143 stopped by "
        "SIGINT or SIGTERM (DIR as it was). When stdout's reader goes away (| head -1), the "
        "progress lines stop and the export still completes.",
    )
    p.add_argument(
        "--dataset",
        required=True,
        type=dataset_arg,
        metavar="NAME|PATH.csv",
        help=f"a built-in dataset ({', '.join(DATASETS)}) or a CSV file",
    )
    rate = p.add_mutually_exclusive_group(required=True)
    rate.add_argument(
        "--learning-rate", type=positive_float, metavar="LR", help="the rate of a single run"
    )
    rate.add_argument(
        "--compare",
        type=compare_arg,
        metavar="SPEC,SPEC,…",
        help="race 2 to 8 runs instead of one: each SPEC is OPTIMIZER:RATE or "
        "OPTIMIZER:RATE:BATCH, e.g. gd:0.1,gd:1,momentum:0.1,adam:0.05 (not with "
        '--learning-rate, --optimizer or --batch-size); run.json lists them under "runs"',
    )
    p.add_argument(
        "--optimizer",
        type=optimizer_arg,
        metavar="NAME",
        help="gd, momentum, rmsprop or adam (default gd)",
    )
    p.add_argument(
        "--batch-size",
        type=batch_size_arg,
        metavar="N",
        help="samples per update, 1 … 1,000,000 (default: all of them)",
    )
    p.add_argument(
        "--iterations",
        required=True,
        metavar="N",
        type=whole(1, MAX_EXPORT_ITERATIONS, "the iteration count"),
    )
    output_options(p, frames_required=True)
    p.add_argument(
        "--seed",
        type=whole(0, 2**31 - 1, "the seed"),
        default=0,
        help="seed of a built-in dataset and of the mini-batches' order",
    )
    p.add_argument(
        "--samples",
        type=whole(2, 1_000_000, "the sample count"),
        default=200,
        help="samples of a built-in dataset (default 200)",
    )
    p.add_argument(
        "--noise", type=non_negative_float, default=None, help="noise of a built-in dataset"
    )
    p.add_argument("--features", type=pair_arg, metavar="A,B", help="CSV feature columns")
    p.add_argument("--label", metavar="C", help="CSV label column")
    p.add_argument(
        "--classes",
        type=classes_arg,
        metavar="P,Q[,R]",
        help="the classes to keep (P -> 0, Q -> 1; R -> 2: softmax regression) when the label "
        "has more",
    )
    p.add_argument(
        "--standardize",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="train on standardized features (default: on)",
    )
    p.add_argument(
        "--slice",
        default=None,
        metavar="P-Q",
        help="the cost-surface slice: w1-w2 (default), w1-b or w2-b; with --crosses any two "
        "of w1 … w5, b (e.g. w3-w5); for three classes any two of W11 … W32, b1 … b3 "
        "(default W11-W12)",
    )
    p.add_argument(
        "--crosses",
        action="store_true",
        help="train on five features: the two and x1², x2², x1·x2 (standardized like them); "
        "the boundary can curve (xor, circles)",
    )
    p.add_argument(
        "--loss",
        choices=("cross_entropy", "l2", "l1"),
        default="cross_entropy",
        help="the loss: the course's cross-entropy (default), L2 = (1/m)·Σ(a − y)² or "
        "L1 = (1/m)·Σ|a − y|; run.json then says which",
    )
    p.add_argument(
        "--lambd",
        type=non_negative_float,
        default=0.0,
        metavar="L",
        help="L2 regularization λ: J + (λ/2m)·‖w‖², dw + (λ/m)·w (default 0)",
    )
    return p


def output_options(p: ArgumentParser, frames_required: bool) -> None:
    """The options of what an export writes (shared by a run's export and a session's)."""
    p.add_argument(
        "--frames",
        required=frames_required,
        default=None if frames_required else 60,
        metavar="K",
        type=whole(1, 100_000, "the frame count"),
        help="frames sampled evenly from the first to the last iteration (of the longest run "
        "in a race; at most N+1)" + ("" if frames_required else "; default 60"),
    )
    p.add_argument("--out", required=True, type=out_dir_arg, metavar="DIR", help="output folder")
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
        "--format",
        choices=tuple(ANIMATION_FILES),
        default="apng",
        help="the animation: apng writes animation.png (exact colours; default), gif writes "
        "animation.gif (plays in slide software; 256 colours, durations rounded to 10 ms, at "
        "least 20 ms), both writes both",
    )
    p.add_argument(
        "--log-scale",
        action="store_true",
        help="the cost curve on a log scale (a race's curves span decades)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an earlier export in DIR")


def session_parser() -> ArgumentParser:
    p = ArgumentParser(
        prog="gd-visualizer export --session",
        description="Export a saved session (.gdviz, File ▸ Save session… in the window): its "
        "data, settings and runs, trained again exactly as they were; the selected run leads "
        "and every other visible run races beside it.",
    )
    p.add_argument("--session", required=True, metavar="FILE", help="a .gdviz session file")
    p.add_argument(
        "--play",
        action="store_true",
        help="then train every run on to its iteration budget, as Play would (a lesson is "
        "saved ready to play, with no history yet)",
    )
    output_options(p, frames_required=False)
    return p


PROG = "gd-visualizer export"
#: training runs in chunks of about this many sample-iterations between interrupt checks
TRAIN_CHUNK = 2_000_000


def fail(message: str, status: int = 2) -> int:
    print(f"{PROG}: error: {one_line(message)}", file=sys.stderr, flush=True)
    return status


def export_main(argv: list[str], interrupts: Interrupts | None = None) -> int:
    """The export command; ``interrupts``: signal handling its caller already set up."""
    if interrupts is None:
        with Interrupts() as own:
            return export_main(argv, own)
    try:
        return _export(argv, interrupts)
    except Interrupted as exc:
        print(
            f"{PROG}: interrupted by {exc}; the output folder was left as it was",
            file=sys.stderr,
            flush=True,
        )
        return EXIT_STATUS[exc.signum]
    except MemoryError:
        return fail("out of memory", 1)
    except Exception as exc:  # one line, never a traceback
        return fail(f"{type(exc).__name__}: {exc}", 1)
    finally:
        flush_stdout()


def _export(argv: list[str], interrupts: Interrupts) -> int:
    if any(a == "--session" or a.startswith("--session=") for a in argv):
        return _export_session(argv, interrupts)
    args = export_parser().parse_args(argv)
    three = args.dataset in MULTICLASS_DATASETS or len(args.classes or ()) == 3
    if three and (args.crosses or args.loss != "cross_entropy"):
        what = "--crosses" if args.crosses else f"--loss {args.loss}"
        return fail(
            f"{what}: {args.dataset} has three classes, trained by softmax regression on the "
            "two features with its cross-entropy (the loss and crosses are for two classes)"
        )
    keys = slice_keys(5 if args.crosses else 2, 3 if three else 2)
    args.slice = keys[0] if args.slice is None else args.slice
    if args.slice not in keys:
        extra = "" if args.crosses or three else " (slices of w3 … w5 need --crosses)"
        return fail(f"--slice {args.slice!r}: use one of {', '.join(keys)}{extra}")
    if args.frames > args.iterations + 1:
        return fail(
            f"--frames {args.frames} is more than the run's {args.iterations + 1} recorded "
            f"iterations (0 … {args.iterations})"
        )
    if args.compare is not None and (args.optimizer is not None or args.batch_size is not None):
        return fail(
            "--optimizer and --batch-size set a single run; with --compare give each run's "
            "own (e.g. adam:0.05:32)"
        )
    is_csv = args.dataset not in DATASETS
    if not is_csv and (args.features or args.label or args.classes):
        return fail("--features, --label and --classes apply to a CSV dataset")
    try:
        if is_csv:
            ds = load_csv(
                args.dataset,
                features=args.features,
                label=args.label,
                classes=args.classes,
                cancel=lambda: interrupts.signum is not None,  # Ctrl+C stops a long load
            )
            extra = {}
        else:
            ds = make_dataset(args.dataset, args.samples, args.noise, args.seed)
            extra = {"seed": args.seed, "samples_requested": args.samples, "noise": args.noise}
    except DatasetError as exc:
        return fail(str(exc))
    interrupts.check()
    # a name and source that print, draw and go into JSON (a file name need not be UTF-8)
    ds = dataclasses.replace(
        ds, name=one_line(ds.name), source=None if ds.source is None else shown(ds.source)
    )

    try:
        check_out_dir(args.out, args.overwrite)  # changes nothing: training may be stopped
    except ExportError as exc:
        return fail(str(exc))

    # as the window prepares it
    data = TrainingData.from_dataset(ds, args.standardize, args.crosses)
    specs = run_specs(args)
    what = plural(args.iterations, "iteration")
    if len(specs) > 1:
        what = f"{len(specs)} runs of {what}"
    say(f"training {what} on {ds.m:,} samples")
    runs = [
        _train(data, spec, args, interrupts, colour=colour, extra=extra, racing=len(specs) > 1)
        for spec, colour in zip(specs, RUN_COLOURS, strict=False)
    ]
    interrupts.check()
    return _write(args, dataclasses.replace(runs[0], others=tuple(runs[1:])), interrupts)


def run_specs(args: argparse.Namespace) -> tuple[RunSpec, ...]:
    """The runs to train: those of --compare, or the single run of the other options."""
    if args.compare is None:
        return (RunSpec(args.optimizer or "gd", args.learning_rate, args.batch_size),)
    return args.compare


def _train(
    data: TrainingData,
    spec: RunSpec,
    args: argparse.Namespace,
    interrupts: Interrupts,
    *,
    colour: str,
    extra: dict,
    racing: bool,
) -> RunRecord:
    """One run from the start (0, 0), trained in chunks with interrupt checks between them."""
    m = data.dataset.m
    trainer = Trainer(
        data.X,
        data.Y,
        learning_rate=spec.learning_rate,
        num_iterations=args.iterations,
        history_capacity=max(100_000, args.iterations + 2 + args.iterations % 2),
        optimizer=spec.optimizer,
        batch_size=spec.batch_size,
        seed=args.seed,
        loss=args.loss,
        lambd=args.lambd,
        classes=data.classes,
    )
    batch = None if trainer.batch_size >= m else trainer.batch_size
    name = run_name(spec.learning_rate, spec.optimizer, batch)
    try:
        t0 = time.perf_counter()
        chunk = max(1, TRAIN_CHUNK // max(1, m))
        while not trainer.finished:
            interrupts.check()
            trainer.run(chunk)
        train_s = time.perf_counter() - t0
        state = "diverged: " + trainer.divergence_reason if trainer.diverged else trainer.status
        say(
            f"{name + ': ' if racing else ''}trained {plural(trainer.iteration, 'iteration')} "
            f"in {train_s:.2f} s (J = {trainer.cost:.6g}; {state})"
        )
        return RunRecord(
            dataset=data.dataset,
            X=data.X,
            Y=data.Y,
            history=trainer.view(),
            standardized=data.standardized,
            divergence=trainer.divergence_reason,
            status=trainer.status,
            extra=extra,
            optimizer=spec.optimizer,
            batch_size=batch,
            name=name,
            colour=colour,
            loss=args.loss,
            lambd=args.lambd,
            crosses=args.crosses,
        )
    finally:
        trainer.close()  # its helper thread (large data) ends here; the history stays


def _export_session(argv: list[str], interrupts: Interrupts) -> int:
    """``export --session FILE``: the session's runs trained again, exported as a race."""
    from .present.session import SessionError, read_session, session_dataset

    args = session_parser().parse_args(argv)
    try:
        s = read_session(args.session)
        data = TrainingData.from_dataset(session_dataset(s), s.standardize, s.crosses)
        check_out_dir(args.out, args.overwrite)
    except (SessionError, ExportError) as exc:
        return fail(str(exc))
    records = []
    for i, state in enumerate(s.runs):
        interrupts.check()
        trainer = Trainer(
            data.X, data.Y, w=s.start[0], b=s.start[1], learning_rate=state.learning_rate,
            num_iterations=state.budget, history_capacity=max(100_000, len(state.rates) + 2),
            optimizer=state.optimizer, batch_size=state.batch_size, loss=s.loss, lambd=s.lambd,
            classes=data.classes,
        )  # fmt: skip
        try:
            replay(trainer, state.rates)
            chunk = max(1, TRAIN_CHUNK // max(1, data.X.shape[1]))
            while args.play and not trainer.finished:
                interrupts.check()
                trainer.run(chunk)
            records.append(
                RunRecord(
                    dataset=data.dataset, X=data.X, Y=data.Y, history=trainer.view(),
                    standardized=data.standardized, divergence=trainer.divergence_reason,
                    status=trainer.status, optimizer=state.optimizer,
                    batch_size=state.batch_size, colour=RUN_COLOURS[i % len(RUN_COLOURS)],
                    name=run_name(state.learning_rate, state.optimizer, state.batch_size),
                    loss=s.loss, lambd=s.lambd, crosses=s.crosses,
                )
            )  # fmt: skip
        finally:
            trainer.close()
    say(f"trained {plural(len(records), 'run')} of the session again on {data.dataset.m:,} samples")
    lead = records[s.selected]
    others = [r for i, r in enumerate(records) if i != s.selected and s.runs[i].visible]
    args.slice = s.slice_key
    args.log_scale = args.log_scale or s.log_scale
    return _write(args, dataclasses.replace(lead, others=tuple(others)), interrupts)


def _write(args: argparse.Namespace, run: RunRecord, interrupts: Interrupts) -> int:
    # Qt: offscreen unless a display is there (and never ask for one)
    if not os.environ.get("QT_QPA_PLATFORM") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    from .qt.export_job import Export

    app = QApplication.instance() or QApplication([sys.argv[0]])
    interrupts.check()
    settings = ExportSettings(
        out_dir=args.out,
        frames=args.frames,
        size=args.size,
        views=args.views,
        frame_ms=args.frame_ms,
        overwrite=args.overwrite,
        slice_key=args.slice,
        log_scale=args.log_scale,
        format=args.format,
    )
    last = [-1]

    def report(p) -> None:
        interrupts.check()
        if p.done != last[0] and p.message.startswith("frame"):
            last[0] = p.done
            say(f"  {p.message}")

    try:
        job = Export(run, settings)
        t0 = time.perf_counter()
        try:
            job.run_all(report)
        except Interrupted:
            if not job.finished:
                raise
            # too late to stop: the new export was already in place
        seconds = time.perf_counter() - t0
    except ExportError as exc:
        return fail(str(exc))
    finally:
        # the frame renderer's widgets go now, while Qt is whole (never at interpreter exit)
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        del app
    n = len(job.frames)
    say(
        f"wrote {plural(n, 'frame')}, {', '.join(settings.animations)} and run.json to "
        f"{shown(args.out)} "
        f"in {seconds:.2f} s ({n / seconds:.1f} frames/s at {args.size[0]}x{args.size[1]})"
    )
    return 0
