"""What an export may touch in its output folder (Qt-free)."""

from __future__ import annotations

import os
from pathlib import Path

from .record import ExportError


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
