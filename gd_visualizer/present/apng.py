"""PNG frames encoded from pixels, and the animated PNG assembled from them without
decoding or re-encoding them."""

from __future__ import annotations

import struct
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .files import check_stop, shown, whole_file
from .record import ExportError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: zlib level of a frame's image data.  Measured on 1280×800 frames of the four views (one
#: core of an AMD EPYC): level 3 takes 5.5 ms and 144 kB, level 6 11 ms and 115 kB, where
#: Qt's PNG writer (adaptive filters, level 6) took 26 ms and 141 kB
PNG_LEVEL = 3
#: the image data is split into IDAT chunks of at most this many bytes
IDAT_BYTES = 1 << 20


def encode_png(
    pixels: np.ndarray, dots_per_meter: tuple[int, int] | None = None, level: int = PNG_LEVEL
) -> bytes:
    """8-bit RGB ``pixels`` (height × width × 3) as the bytes of a PNG file, losslessly.

    Rows are stored unfiltered (the views' flat areas compress as well as with libpng's
    adaptive filters) and deflated at ``level``; the same pixels always give the same
    bytes.  ``dots_per_meter`` (x, y) is written as the pHYs chunk, as Qt's writer does.
    Pure numpy and zlib, which leave the GIL while they work: a worker thread encodes
    while the GUI thread draws the next frame.
    """
    height, width, depth = pixels.shape
    if depth != 3 or pixels.dtype != np.uint8 or not (height and width):
        raise ExportError("a frame must be 8-bit RGB pixels, at least 1×1")
    rows = np.zeros((height, 1 + 3 * width), np.uint8)  # each row: filter 0, its pixels
    rows[:, 1:] = pixels.reshape(height, 3 * width)
    data = zlib.compress(rows, level)
    out = [PNG_SIGNATURE, _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))]
    if dots_per_meter is not None:
        out.append(_chunk(b"pHYs", struct.pack(">IIB", *dots_per_meter, 1)))
    out += [_chunk(b"IDAT", data[i : i + IDAT_BYTES]) for i in range(0, len(data), IDAT_BYTES)]
    out.append(_chunk(b"IEND", b""))
    return b"".join(out)


def _chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    pos = 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        yield kind, data[pos + 8 : pos + 8 + length]
        pos += 12 + length


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(body, zlib.crc32(kind))
    return b"".join((struct.pack(">I", len(body)), kind, body, struct.pack(">I", crc)))


def write_apng(
    frames: list[Path], out: Path, frame_ms: int, stop: threading.Event | None = None
) -> None:
    """Assemble PNG files of one size into an animated PNG that loops forever.

    The frames' compressed image data is copied as it is (IDAT -> fdAT), so no
    frame is decoded or re-encoded, and none is merged with an identical
    neighbour.  Written to a temporary name, then renamed: a failure never
    leaves an ``animation.png`` that looks complete.  ``stop`` (set from another
    thread) ends it between two frames with :class:`ExportCancelled`.
    """
    if not frames:
        raise ExportError("no frames to assemble")
    seq = 0
    with whole_file(out) as fh:
        fh.write(PNG_SIGNATURE)
        ihdr = None
        for i, path in enumerate(frames):
            check_stop(stop)
            data = path.read_bytes()
            if data[:8] != PNG_SIGNATURE:
                raise ExportError(f"{shown(path)}: not a PNG file")
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
                raise ExportError(
                    f"{shown(path)}: frame size or format differs from the first frame"
                )
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
