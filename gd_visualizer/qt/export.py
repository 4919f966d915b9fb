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
import struct
import zlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from ..core import SLICES, Dataset, HistoryView
from ..core.surface import SurfaceRequest, SurfaceResult, compute_surface
from .views import BoundaryView, CostCurveView, SigmoidView, SurfaceView

VIEW_NAMES = ("boundary", "surface", "sigmoid", "cost")
SURFACE_GRID = 128
#: the cost surface is recomputed when the fixed parameter moves this share of the extent
SURFACE_STEP = 0.01


class ExportError(Exception):
    """An export that cannot start or cannot finish; the message says why."""


@dataclass(frozen=True)
class ExportSettings:
    out_dir: Path
    frames: int
    size: tuple[int, int] = (1280, 800)
    views: tuple[str, ...] = VIEW_NAMES
    frame_ms: int = 80
    overwrite: bool = False
    slice_key: str = "w1-w2"
    log_scale: bool = False


@dataclass(frozen=True)
class RunRecord:
    """Everything an export needs about one run (copies, never live arrays)."""

    dataset: Dataset
    X: np.ndarray  # as trained (standardized when that was on)
    Y: np.ndarray
    history: HistoryView
    standardized: bool
    divergence: str | None = None
    extra: dict = field(default_factory=dict)  # more for run.json (dataset settings, …)

    @property
    def diverged(self) -> bool:
        return self.divergence is not None


def frame_indices(n_entries: int, k: int) -> np.ndarray:
    """K history indices spread evenly from the first entry to the last."""
    if k < 1 or n_entries < 1:
        raise ExportError("an export needs at least one frame and one recorded iteration")
    k = min(k, n_entries)
    if k == 1:
        return np.array([n_entries - 1])
    return np.unique(np.round(np.linspace(0, n_entries - 1, k)).astype(int))


def frame_name(i: int, k: int) -> str:
    """``frame_0001.png`` … (1-based, zero-padded to at least 4 digits)."""
    return f"frame_{i:0{max(4, len(str(k)))}d}.png"


def existing_outputs(out_dir: Path) -> list[Path]:
    if not out_dir.is_dir():
        return []
    names = [p for p in out_dir.iterdir() if p.name.startswith("frame_") and p.suffix == ".png"]
    names += [p for p in (out_dir / "animation.png", out_dir / "run.json") if p.exists()]
    return sorted(names)


def check_out_dir(out_dir: Path, overwrite: bool) -> None:
    """Raise ExportError unless ``out_dir`` can take a new export."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportError(f"{out_dir}: exists and is not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"{out_dir}: cannot create the folder ({exc.strerror or exc})") from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise ExportError(f"{out_dir}: the folder is not writable")
    old = existing_outputs(out_dir)
    if old and not overwrite:
        raise ExportError(
            f"{out_dir}: already holds an export ({old[0].name}, …); "
            "choose another folder or allow overwriting (--overwrite)"
        )


# -- the animated PNG ------------------------------------------------------------------


def _chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    pos = 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        yield kind, data[pos + 8 : pos + 8 + length]
        pos += 12 + length


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def write_apng(frames: list[Path], out: Path, frame_ms: int) -> None:
    """Assemble PNG files of one size into an animated PNG that loops forever.

    The frames' compressed image data is copied as it is (IDAT -> fdAT), so no
    frame is decoded or re-encoded, and none is merged with an identical
    neighbour.  Written to a temporary name, then renamed: a failure never
    leaves an ``animation.png`` that looks complete.
    """
    if not frames:
        raise ExportError("no frames to assemble")
    tmp = out.with_name(out.name + ".part")
    seq = 0
    try:
        with open(tmp, "wb") as fh:
            fh.write(b"\x89PNG\r\n\x1a\n")
            ihdr = None
            for i, path in enumerate(frames):
                data = path.read_bytes()
                if data[:8] != b"\x89PNG\r\n\x1a\n":
                    raise ExportError(f"{path}: not a PNG file")
                chunks = list(_chunks(data))
                header = chunks[0][1]
                if i == 0:
                    ihdr = header
                    fh.write(_chunk(b"IHDR", header))
                    fh.write(_chunk(b"acTL", struct.pack(">II", len(frames), 0)))
                    for kind, body in chunks[1:]:  # colour information before the image
                        if kind in (b"sRGB", b"gAMA", b"cHRM", b"iCCP", b"pHYs"):
                            fh.write(_chunk(kind, body))
                elif header != ihdr:
                    raise ExportError(f"{path}: frame size or format differs from the first frame")
                width, height = struct.unpack(">II", header[:8])
                fh.write(
                    _chunk(
                        b"fcTL",
                        struct.pack(">IIIIIHHBB", seq, width, height, 0, 0, frame_ms, 1000, 0, 0),
                    )
                )
                seq += 1
                for kind, body in chunks:
                    if kind != b"IDAT":
                        continue
                    if i == 0:
                        fh.write(_chunk(b"IDAT", body))
                    else:
                        fh.write(_chunk(b"fdAT", struct.pack(">I", seq) + body))
                        seq += 1
            fh.write(_chunk(b"IEND", b""))
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# -- rendering ---------------------------------------------------------------------------


class FrameRenderer(QWidget):
    """The chosen views composed like the window, with a caption, at a fixed size."""

    def __init__(self, run: RunRecord, settings: ExportSettings) -> None:
        super().__init__()
        self.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        self.setStyleSheet("background: white;")
        self.run = run
        self.settings = settings
        self.caption = QLabel()
        self.caption.setStyleSheet("font-size: 15px; font-weight: bold; padding: 2px 6px;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        grid = QGridLayout()
        grid.setSpacing(6)
        layout.addLayout(grid, 1)
        self.views: dict[str, QWidget] = {}
        names = [v for v in VIEW_NAMES if v in settings.views]
        cols = 1 if len(names) == 1 else 2
        for k, name in enumerate(names):
            view = {
                "boundary": BoundaryView,
                "surface": SurfaceView,
                "sigmoid": SigmoidView,
                "cost": CostCurveView,
            }[name]()
            grid.addWidget(view, k // cols, k % cols)
            self.views[name] = view
        self._prepare()
        self.resize(*settings.size)
        self.setFixedSize(*settings.size)
        self.show()  # never on screen (WA_DontShowOnScreen); lays the widgets out

    def _prepare(self) -> None:
        run, h = self.run, self.run.history
        ds = run.dataset
        names = ds.feature_names
        if run.standardized:
            names = (f"{names[0]} (standardized)", f"{names[1]} (standardized)")
        theta = np.column_stack([h.weights, h.biases])
        self.theta = theta
        if "boundary" in self.views:
            self.views["boundary"].set_data(ds, run.X, names)
        if "sigmoid" in self.views:
            sig: SigmoidView = self.views["sigmoid"]
            sig.set_data(run.X, run.Y, ds.class_names)
            zmax = max(
                float(np.max(np.abs(t[:2] @ run.X + t[2])))
                for t in theta[:: max(1, len(theta) // 200)]
            )
            zmax = max(zmax, float(np.max(np.abs(theta[-1, :2] @ run.X + theta[-1, 2]))))
            sig.fix_z_range(1.1 * zmax)
        if "surface" in self.views:
            surf: SurfaceView = self.views["surface"]
            surf.hide_controls()
            surf.set_slice(self.settings.slice_key)
            surf.spec = SLICES[self.settings.slice_key]
            surf._set_labels()
            spec = surf.spec
            px, py = theta[:, spec.x_param], theta[:, spec.y_param]
            half = max(3.0, 1.25 * float(np.max(np.abs(np.concatenate([px, py])))))
            self.extent = (-half, half, -half, half)
            surf.set_extent(self.extent)
        if "cost" in self.views:
            cost: CostCurveView = self.views["cost"]
            cost.log_box.setChecked(self.settings.log_scale)
            cost.log_box.hide()
            cost.fix_range(float(h.iterations[-1]), h.costs)

    def surface_request(self, index: int) -> SurfaceRequest | None:
        if "surface" not in self.views:
            return None
        spec = SLICES[self.settings.slice_key]
        fixed = float(self.theta[index, spec.fixed_param])
        span = self.extent[1] - self.extent[0]
        step = SURFACE_STEP * span
        fixed = round(fixed / step) * step  # one surface per bucket of the fixed parameter
        xs = np.linspace(self.extent[0], self.extent[1], SURFACE_GRID)
        ys = np.linspace(self.extent[2], self.extent[3], SURFACE_GRID)
        return SurfaceRequest(0, self.run.X, self.run.Y, spec, xs, ys, fixed)

    def set_frame(self, index: int, surface: SurfaceResult | None) -> None:
        h = self.run.history
        w, b = h.weights[index], float(h.biases[index])
        it = int(h.iterations[index])
        lr = float(h.learning_rates[max(0, index - 1)] if index else h.learning_rates[0])
        text = (
            f"{self.run.dataset.name} · iteration {it:,} of {int(h.iterations[-1]):,} · "
            f"J = {h.costs[index]:.6g} · α = {lr:.4g} · w = ({w[0]:.4g}, {w[1]:.4g}) · b = {b:.4g}"
        )
        if self.run.diverged and index == len(h) - 1:
            text += " · diverged"
        self.caption.setText(text)
        if "boundary" in self.views:
            self.views["boundary"].show_state(w, b)
        if "sigmoid" in self.views:
            self.views["sigmoid"].show_state(w, b)
        if "surface" in self.views:
            spec = SLICES[self.settings.slice_key]
            if surface is not None:
                self.views["surface"].show_surface(surface)
            self.views["surface"].show_path(
                self.theta[:, spec.x_param], self.theta[:, spec.y_param], index
            )
        if "cost" in self.views:
            self.views["cost"].show_curve(h.iterations[: index + 1], h.costs[: index + 1], index)

    def parts(self) -> list[QWidget]:
        """The pieces rendered one at a time (each a small step)."""
        return [self.caption, *self.views.values()]

    def new_image(self) -> QImage:
        img = QImage(self.width(), self.height(), QImage.Format.Format_RGB888)
        img.fill(Qt.GlobalColor.white)
        return img

    def render_part(self, image: QImage, part: QWidget) -> None:
        painter = QPainter(image)
        try:
            part.render(painter, part.mapTo(self, QPoint(0, 0)))
        finally:
            painter.end()

    def render_frame(self, index: int, surface: SurfaceResult | None) -> QImage:
        self.set_frame(index, surface)
        image = self.new_image()
        for part in self.parts():
            self.render_part(image, part)
        return image


def _save_png(image: QImage, path: Path) -> None:
    tmp = path.with_name(path.name + ".part")
    if not image.save(str(tmp), "PNG"):
        tmp.unlink(missing_ok=True)
        raise ExportError(f"{path}: could not be written")
    os.replace(tmp, path)


def run_summary(run: RunRecord, settings: ExportSettings, indices: np.ndarray) -> dict:
    h = run.history
    w, b = h.weights[-1], float(h.biases[-1])
    z = w @ run.X + b
    accuracy = float(np.mean((z > 0) == (run.Y[0] > 0.5)))
    used = h.learning_rates[:-1] if len(h) > 1 else h.learning_rates
    ds = run.dataset
    return {
        "dataset": {
            "name": ds.name,
            "source": ds.source,
            "samples": ds.m,
            "feature_names": list(ds.feature_names),
            "class_names": list(ds.class_names),
            "standardized": run.standardized,
            **run.extra,
        },
        "w": [float(v) for v in w],
        "b": b,
        "cost": float(h.costs[-1]),
        "accuracy": accuracy,
        "iterations": int(h.iterations[-1]),
        "learning_rate": float(used[-1]),
        "learning_rates_used": sorted({float(v) for v in used}),
        "diverged": run.diverged,
        "divergence": run.divergence,
        "history_stride": int(h.stride),
        "frames": {
            "count": len(indices),
            "width": settings.size[0],
            "height": settings.size[1],
            "frame_ms": settings.frame_ms,
            "views": [v for v in VIEW_NAMES if v in settings.views],
            "iterations": [int(h.iterations[i]) for i in indices],
            "files": [frame_name(k + 1, len(indices)) for k in range(len(indices))],
        },
        "animation": "animation.png",
    }


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
