"""Export a recorded run (or a race of runs) as PNG frames, an animated PNG and/or GIF (the
settings' ``format``) and a run summary.

An export renders from the recorded history, never from the live trainer, so a
finished run exports exactly and repeatably (identical bytes on a rerun).  The
work is a generator of small steps: the command line runs it straight
through; the window runs a few steps per event-loop turn.  Only drawing runs
on the calling thread; everything that touches the disk (creating the folders,
PNG encoding and writing, the animations, run.json, the final swap) and the cost
surfaces run on one worker thread that the generator polls, so no step waits
long for either.

Files are written into a staging folder and replace an earlier export only once
the new one is complete (see :class:`~gd_visualizer.present.files.OutputFolder`);
closing the generator early stops the worker and removes everything it wrote.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from PySide6.QtGui import QImage

from ..core.surface import compute_surface, slice_keys
from ..present import apng
from ..present.apng import write_apng
from ..present.files import OutputFolder, shown
from ..present.record import (
    ANIMATION_FILES,
    VIEW_NAMES,
    ExportError,
    ExportSettings,
    RaceFrame,
    RunRecord,
    frame_name,
    race_frames,
    run_summary,
)
from .frames import FrameRenderer
from .threads import lower_priority

T = TypeVar("T")

#: a step waits this long for the worker before yielding (the caller may do other work)
POLL_SECONDS = 0.004
#: at most this many rendered frames wait to be encoded (each holds a whole image)
MAX_PENDING = 2


def encode_png(image: QImage) -> bytes:
    """The image as PNG bytes, encoded in memory (see :func:`~gd_visualizer.present.apng.
    encode_png`: its pixels exactly, 8-bit RGB, several times faster than Qt's writer)."""
    if image.isNull():
        raise ExportError("a frame could not be encoded as PNG")
    if image.format() != QImage.Format.Format_RGB888:
        image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    rows = np.frombuffer(image.constBits(), np.uint8, count=h * stride).reshape(h, stride)
    pixels = rows[:, : 3 * w].reshape(h, w, 3)
    return apng.encode_png(pixels, (image.dotsPerMeterX(), image.dotsPerMeterY()))


@dataclass
class Progress:
    done: int
    total: int
    message: str = ""


class Export:
    """One export job; iterate :meth:`steps` to run it (each step is small).

    ``written`` lists the frames whose files are complete (in the staging folder
    until the export finishes, under the names they get in ``out_dir``).
    """

    def __init__(self, run: RunRecord, settings: ExportSettings) -> None:
        if not set(settings.views) <= set(VIEW_NAMES) or not settings.views:
            raise ExportError(f"views must be some of {', '.join(VIEW_NAMES)}")
        if settings.slice_key not in slice_keys(run.X.shape[0], run.classes):
            raise ExportError(f"unknown surface slice {settings.slice_key!r}")
        if settings.frame_ms < 1:
            raise ExportError("the frame duration must be at least 1 ms")
        if settings.format not in ANIMATION_FILES:
            formats = ", ".join(ANIMATION_FILES)
            raise ExportError(f"unknown animation format {settings.format!r}; use {formats}")
        self.run = run
        self.settings = settings
        self.frames: tuple[RaceFrame, ...] = race_frames(run, settings.frames)
        self.out_dir = Path(settings.out_dir)
        self.written: list[Path] = []
        self.folder: OutputFolder | None = None
        self.finished = False

    @property
    def indices(self) -> list[int]:
        """The entries of the run the frames walk along (the longest raced), one per frame."""
        return [f.clock.index for f in self.frames]

    def steps(self) -> Iterator[Progress]:
        total = len(self.frames)
        stop = threading.Event()
        folder = self.folder = OutputFolder(self.out_dir, self.settings.overwrite, stop)
        pool = ThreadPoolExecutor(1, "gd-export", initializer=lower_priority)
        renderer: FrameRenderer | None = None
        pending: deque[tuple[Future, int]] = deque()
        surfaces: dict[float, Future] = {}
        try:
            yield from _wait_for(pool.submit(folder.open), Progress(0, total, "preparing"))
            renderer = FrameRenderer(self.run, self.settings, build_now=False)
            for _ in renderer.build_steps():  # a panel per step, never a long turn
                yield Progress(0, total, "preparing")
            # cost surfaces for every frame, computed on the worker, in order
            requests = []
            slice_end = time.perf_counter() + POLL_SECONDS
            for frame in self.frames:
                req = renderer.surface_request(frame)
                requests.append(req)
                if req is not None and req.held not in surfaces:
                    surfaces[req.held] = pool.submit(compute_surface, req)
                if time.perf_counter() > slice_end:
                    yield Progress(0, total, "preparing")
                    slice_end = time.perf_counter() + POLL_SECONDS
            shown_held: tuple | None = None
            for k, frame in enumerate(self.frames):
                req = requests[k]
                surface = None
                if req is not None and req.held != shown_held:
                    progress = Progress(k, total, "computing the cost surface")
                    surface = yield from _wait_for(surfaces[req.held], progress)
                    shown_held = req.held
                rendering = Progress(k, total, "rendering")
                image = yield from _each_step(renderer.frame_steps(frame, surface), rendering)
                name = frame_name(k + 1, total)
                pending.append((pool.submit(_save_png, folder, name, image), k))
                del image
                while pending and (len(pending) > MAX_PENDING or pending[0][0].done()):
                    yield from self._collect(pending, Progress(k, total, "encoding"))
                yield Progress(k + 1, total, f"frame {k + 1}/{total}")
            while pending:
                yield from self._collect(pending, Progress(total, total, "encoding"))
            for name in self.settings.animations:
                progress = Progress(total, total, f"writing {name}")
                yield from _wait_for(pool.submit(self._assemble, folder, name, stop), progress)
            progress = Progress(total, total, "writing run.json")
            yield from _wait_for(pool.submit(self._write_summary, folder), progress)
            progress = Progress(total, total, "moving the files into place")
            yield from _wait_for(pool.submit(folder.commit), progress)
            self.finished = True
            yield Progress(total, total, "done")
        except OSError as exc:
            raise ExportError(
                f"{shown(self.out_dir)}: writing failed ({exc.strerror or exc})"
            ) from None
        finally:
            # stop the worker (an animation and the swap stop between two files; a frame
            # being encoded finishes), wait for it, then remove whatever this export wrote
            stop.set()
            for fut in surfaces.values():
                fut.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            if renderer is not None:
                renderer.close()
                renderer.deleteLater()
            folder.abort()
            self.finished = folder.committed

    def _collect(self, pending: deque[tuple[Future, int]], progress: Progress):
        fut, k = pending[0]
        yield from _wait_for(fut, progress)
        pending.popleft()
        self.written.append(self.out_dir / frame_name(k + 1, len(self.frames)))

    def _assemble(self, folder: OutputFolder, name: str, stop: threading.Event) -> None:
        """Write the animation ``name`` from the frames in the staging folder (on the worker)."""
        total = len(self.frames)
        frames = [folder.path(frame_name(k + 1, total)) for k in range(total)]
        if name == "animation.gif":
            # Pillow loads here, on the worker and for a GIF only: imported when the export
            # started, on the GUI thread, it froze the window 18 ms (AMD EPYC)
            from ..present.gif import write_gif

            write_gif(frames, folder.path(name), self.settings.frame_ms, stop)
        else:
            write_apng(frames, folder.path(name), self.settings.frame_ms, stop)

    def _write_summary(self, folder: OutputFolder) -> None:
        summary = run_summary(self.run, self.settings, self.frames)
        folder.write("run.json", (json.dumps(summary, indent=2) + "\n").encode("utf-8"))

    def run_all(self, report: Callable[[Progress], Any] | None = None) -> None:
        """Run every step; an exception from ``report`` stops the export (and cleans up)."""
        with contextlib.closing(self.steps()) as steps:
            for p in steps:
                if report is not None:
                    report(p)


def _save_png(folder: OutputFolder, name: str, image: QImage) -> None:
    folder.write(name, encode_png(image))


def _each_step(steps: Generator[None, None, T], progress: Progress) -> Generator[Progress, None, T]:
    """Run ``steps``, yielding ``progress`` after each; what ``steps`` returns."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value
        yield progress


def _wait_for(fut: Future, progress: Progress):
    """Yield ``progress`` until ``fut`` is done (waiting a little each time); its result."""
    while True:
        try:
            fut.exception(timeout=POLL_SECONDS)
        except TimeoutError:
            yield progress
            continue
        return fut.result()
