"""Animated GIF made from the exported PNG frames, for slide software that plays GIF but not
animated PNG (Qt-free; Pillow quantizes and LZW-encodes)."""

from __future__ import annotations

import math
import threading
from pathlib import Path

import numpy as np
from PIL import GifImagePlugin, Image

from .files import check_stop, shown, whole_file
from .record import ExportError

#: the palette is chosen from at most this many frames, spread over the animation …
PALETTE_FRAMES = 16
#: … thinned (every n-th pixel of every n-th row) to about this many pixels in all
PALETTE_PIXELS = 4_000_000
#: GIF holds 256 colours; the palette has 255 and this index means "as in the previous frame"
UNCHANGED = 255
#: GIF stores a frame's duration in centiseconds; browsers and slide software play 0 or 1 cs
#: as 10 cs, so 2 cs (50 frames/s) is the shortest duration that plays as written everywhere
MIN_DELAY_CS = 2


def gif_delay_cs(frame_ms: int) -> int:
    """A frame's duration in GIF's centiseconds: ``frame_ms`` to the nearest 10 ms, at least 20.

    15 ms -> 2 cs (20 ms), 124 ms -> 12 cs (120 ms), 125 ms -> 13 cs; 1 to 14 ms -> 2 cs.
    """
    return max(MIN_DELAY_CS, (frame_ms + 5) // 10)


def write_gif(
    frames: list[Path], out: Path, frame_ms: int, stop: threading.Event | None = None
) -> None:
    """Encode PNG files of one size as an animated GIF that loops forever, one frame per file.

    Every frame uses one palette, chosen once from a sample of the frames (see
    :func:`shared_palette`), so no colour flickers from frame to frame, and is mapped to it
    without dithering: nearest colours keep the heatmaps' gradients smooth, and a part of the
    picture that did not change maps to the same pixels.  So each frame after the first stores
    only the box around the pixels that changed, the unchanged ones in it transparent (drawn
    over the previous frame), which makes the file several times smaller.  Identical
    neighbours stay two frames.  Frames are read one at a time (the sample, then each frame),
    so memory holds about two frames.  Written to a temporary name, then renamed; ``stop``
    (set from another thread) ends it between two frames with ``ExportCancelled``.
    """
    if not frames:
        raise ExportError("no frames to assemble")
    palette = shared_palette(frames, stop)
    duration = 10 * gif_delay_cs(frame_ms)  # Pillow takes ms and stores ms // 10
    previous: np.ndarray | None = None
    with whole_file(out) as fh:
        for path in frames:
            check_stop(stop)
            image = _read(path).quantize(palette=palette, dither=Image.Dither.NONE)
            indices = np.asarray(image)
            if previous is None:
                header, _ = GifImagePlugin.getheader(image, info={"loop": 0})  # 0: forever
                fh.writelines(header)
                fh.writelines(GifImagePlugin.getdata(image, duration=duration))
            else:
                if indices.shape != previous.shape:
                    raise ExportError(f"{shown(path)}: frame size differs from the first frame")
                delta, offset = _changes(image, indices != previous)
                fh.writelines(
                    GifImagePlugin.getdata(
                        delta, offset, duration=duration, transparency=UNCHANGED, disposal=1
                    )
                )
            previous = indices
        fh.write(b";")  # the GIF trailer


def shared_palette(frames: list[Path], stop: threading.Event | None = None) -> Image.Image:
    """One palette of 255 colours for every frame (a "P" image to quantize with).

    Pillow's fast octree quantizer over a montage of up to :data:`PALETTE_FRAMES` frames spread
    from the first to the last; each is thinned by taking every n-th pixel (never blending, so
    thin lines and text keep their own colours).  Measured on a 60-frame export, it is closer
    to the PNG frames in the viridis surface and the blue-white-orange heatmap than median cut
    or maximum coverage, which show bands in the gradients.
    """
    picks = np.unique(np.linspace(0, len(frames) - 1, min(len(frames), PALETTE_FRAMES)))
    sample: list[Image.Image] = []
    for k in picks.round().astype(int):
        check_stop(stop)
        image = _read(frames[k])
        w, h = image.size
        step = max(1, math.ceil(math.sqrt(len(picks) * w * h / PALETTE_PIXELS)))
        size = (max(1, w // step), max(1, h // step))
        sample.append(image.resize(size, Image.Resampling.NEAREST))
    montage = Image.new("RGB", (max(s.width for s in sample), sum(s.height for s in sample)))
    y = 0
    for part in sample:
        montage.paste(part, (0, y))
        y += part.height
    return montage.quantize(colors=UNCHANGED, method=Image.Quantize.FASTOCTREE)


def _changes(image: Image.Image, changed: np.ndarray) -> tuple[Image.Image, tuple[int, int]]:
    """The box of ``image`` around the ``changed`` pixels, the others in it :data:`UNCHANGED`;
    and the box's top-left corner.  Nothing changed: one unchanged pixel (the frame stays)."""
    rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
    if rows.size == 0:
        x0, y0, x1, y1 = 0, 0, 1, 1
    else:
        x0, y0, x1, y1 = int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1
    delta = image.crop((x0, y0, x1, y1))
    delta.paste(UNCHANGED, mask=Image.fromarray(~changed[y0:y1, x0:x1]))
    return delta, (x0, y0)


def _read(path: Path) -> Image.Image:
    """A frame as RGB pixels, read whole (so its file is closed)."""
    try:
        with Image.open(path) as image:
            return image.convert("RGB")
    except (OSError, SyntaxError) as exc:  # Pillow raises SyntaxError for some broken files
        raise ExportError(f"{shown(path)}: not a readable PNG file ({exc})") from None
