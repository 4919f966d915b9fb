"""Animated PNG assembled from PNG files without decoding or re-encoding them."""

from __future__ import annotations

import struct
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

from .files import check_stop, shown, whole_file
from .record import ExportError


def _chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    pos = 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        yield kind, data[pos + 8 : pos + 8 + length]
        pos += 12 + length


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


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
        fh.write(b"\x89PNG\r\n\x1a\n")
        ihdr = None
        for i, path in enumerate(frames):
            check_stop(stop)
            data = path.read_bytes()
            if data[:8] != b"\x89PNG\r\n\x1a\n":
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
