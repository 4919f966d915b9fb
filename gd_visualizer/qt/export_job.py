"""Export a recorded run as PNG frames, an animated PNG and a run summary.

An export renders from the recorded history, never from the live trainer, so a
finished run exports exactly and repeatably (identical bytes on a rerun).  The
work is a generator of small steps: the command line runs it straight
through; the window runs a few steps per event-loop turn, so no step blocks a
frame, while cost surfaces and PNG encoding run on a worker thread.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QImage

from ..core import SLICES
from ..core.surface import compute_surface
from ..present.apng import write_apng
from ..present.files import check_out_dir, existing_outputs
from ..present.record import (
    VIEW_NAMES,
    ExportError,
    ExportSettings,
    RunRecord,
    frame_indices,
    frame_name,
    run_summary,
)
from .frames import FrameRenderer


def _save_png(image: QImage, path: Path) -> None:
    tmp = path.with_name(path.name + ".part")
    if not image.save(str(tmp), "PNG"):
        tmp.unlink(missing_ok=True)
        raise ExportError(f"{path}: could not be written")
    os.replace(tmp, path)


@dataclass
class Progress:
    done: int
    total: int
    message: str = ""


class Export:
    """One export job; iterate :meth:`steps` to run it (each step is small)."""

    def __init__(self, run: RunRecord, settings: ExportSettings) -> None:
        if not set(settings.views) <= set(VIEW_NAMES) or not settings.views:
            raise ExportError(f"views must be some of {', '.join(VIEW_NAMES)}")
        if settings.slice_key not in SLICES:
            raise ExportError(f"unknown surface slice {settings.slice_key!r}")
        if settings.frame_ms < 1:
            raise ExportError("the frame duration must be at least 1 ms")
        self.run = run
        self.settings = settings
        self.indices = frame_indices(len(run.history), settings.frames)
        self.out_dir = Path(settings.out_dir)
        self.written: list[Path] = []
        self._finals: list[Path] = []
        self.cancelled = False
        self.finished = False

    def steps(self) -> Iterator[Progress]:
        check_out_dir(self.out_dir, self.settings.overwrite)
        if self.settings.overwrite:
            for old in existing_outputs(self.out_dir):
                old.unlink()
        renderer = FrameRenderer(self.run, self.settings)
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gd-export")
        total = len(self.indices)
        pending: list[Future] = []
        surfaces: dict[float, Future] = {}
        try:
            # cost surfaces for every frame, computed off this thread, in order
            requests = [renderer.surface_request(int(i)) for i in self.indices]
            for req in requests:
                if req is not None and req.fixed not in surfaces:
                    surfaces[req.fixed] = pool.submit(compute_surface, req)
            shown: float | None = None
            for k, index in enumerate(self.indices):
                req = requests[k]
                surface = None
                if req is not None and req.fixed != shown:
                    fut = surfaces[req.fixed]
                    while not fut.done():
                        yield Progress(k, total, "computing the cost surface")
                        _wait(fut, 0.005)
                    surface = fut.result()
                    shown = req.fixed
                renderer.set_frame(int(index), surface)
                image = renderer.new_image()
                for part in renderer.parts():
                    renderer.render_part(image, part)
                    yield Progress(k, total, "rendering")
                path = self.out_dir / frame_name(k + 1, total)
                pending.append(pool.submit(_save_png, image, path))
                self.written.append(path)
                while len(pending) > 2:  # bound the frames waiting to be encoded
                    pending.pop(0).result()
                yield Progress(k + 1, total, f"frame {k + 1}/{total}")
            for fut in pending:
                fut.result()
            pending = []
            yield Progress(total, total, "writing animation.png")
            write_apng(self.written, self.out_dir / "animation.png", self.settings.frame_ms)
            self._finals.append(self.out_dir / "animation.png")
            summary = run_summary(self.run, self.settings, self.indices)
            tmp = self.out_dir / "run.json.part"
            tmp.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
            os.replace(tmp, self.out_dir / "run.json")
            self.finished = True
            yield Progress(total, total, "done")
        except OSError as exc:
            raise ExportError(f"{self.out_dir}: writing failed ({exc.strerror or exc})") from None
        finally:
            for fut in surfaces.values():
                fut.cancel()
            for fut in pending:
                try:
                    fut.result()
                except Exception:  # the export is being abandoned anyway
                    pass
            pool.shutdown(wait=True, cancel_futures=True)
            renderer.close()
            renderer.deleteLater()
            if not self.finished:
                self._clean_up()

    def _clean_up(self) -> None:
        """An export that did not finish leaves nothing that looks complete."""
        for path in [*self.written, *self._finals]:
            path.unlink(missing_ok=True)
        if self.out_dir.is_dir():
            for part in self.out_dir.glob("*.part"):
                part.unlink(missing_ok=True)

    def run_all(self, report=None) -> None:
        for p in self.steps():
            if report is not None:
                report(p)


def _wait(fut: Future, seconds: float) -> None:
    try:
        fut.exception(timeout=seconds)
    except TimeoutError:
        pass
