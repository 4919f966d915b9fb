"""What the window remembers between launches (QSettings), read defensively."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from ..core import DATASETS
from ..model import MAX_ITERATIONS
from ..model.run import SLICE_KEYS

DEFAULT_DATASET = "iris"


@dataclass
class AppSettings:
    dataset: str = DEFAULT_DATASET
    n_samples: int = 200
    noise: float = 0.0  # 0: the dataset's own
    seed: int = 0
    standardize: bool = True
    learning_rate: float = 0.1
    iterations: int = 1000
    speed: float = 200.0
    slice: str = "w1-w2"
    log_scale: bool = False
    export_dir: str = ""
    text_scale: float = 1.0
    geometry: QByteArray | None = None


#: the folders that hold the settings instead of the user's, innermost last
#: (see :func:`settings_kept_in`)
_FOLDERS: list[Path] = []


@contextmanager
def settings_kept_in(folder: Path) -> Iterator[None]:
    """Within it, the settings and the last session are read and written in ``folder``,
    on any platform: the benchmark's windows must not touch what the user's app keeps."""
    _FOLDERS.append(Path(folder))
    try:
        yield
    finally:
        _FOLDERS.pop()


def _store() -> QSettings:
    if _FOLDERS:
        return QSettings(str(_FOLDERS[-1] / "gd-visualizer.conf"), QSettings.Format.IniFormat)
    return QSettings("gd-visualizer", "gd-visualizer")


def last_session_path() -> Path:
    """Where the window keeps the session it closed with (beside its settings)."""
    return Path(_store().fileName()).parent / "last-session.gdviz"


def load_settings(restore: bool = True) -> AppSettings:
    """The remembered settings; anything missing, garbled or out of range is the default."""
    d = AppSettings()
    if not restore:
        return d
    s = _store()

    def get(key: str, kind, ok=lambda v: True, clamp: tuple[int, int] | None = None):
        default = getattr(d, key)
        try:
            raw = s.value(key, default)
            if kind is bool:
                v = str(raw).lower() in ("true", "1")
            else:
                v = kind(raw)
            if clamp is not None:
                v = min(max(v, clamp[0]), clamp[1])
            if isinstance(v, float) and not (math.isfinite(v) or key == "speed"):
                return default
            return v if ok(v) else default
        except (TypeError, ValueError, OverflowError):
            return default

    geometry = s.value("geometry")
    return AppSettings(
        dataset=get("dataset", str, lambda v: v in DATASETS),
        n_samples=get("n_samples", int, clamp=(2, 1_000_000)),
        noise=get("noise", float, lambda v: 0.0 <= v <= 5.0),
        seed=get("seed", int, clamp=(0, 2**31 - 1)),
        standardize=get("standardize", bool),
        learning_rate=get("learning_rate", float, lambda v: 1e-12 <= v <= 1e6),
        iterations=get("iterations", int, clamp=(1, MAX_ITERATIONS)),
        speed=get("speed", float, lambda v: v >= 1),
        slice=get("slice", str, lambda v: v in SLICE_KEYS),
        log_scale=get("log_scale", bool),
        export_dir=get("export_dir", str),
        text_scale=get("text_scale", float, lambda v: 0.6 <= v <= 3.0),
        geometry=geometry if isinstance(geometry, QByteArray) else None,
    )


def save_settings(settings: AppSettings) -> None:
    s = _store()
    for key, value in asdict(settings).items():
        if value is None:
            continue
        s.setValue(key, ("true" if value else "false") if isinstance(value, bool) else value)
    s.sync()


def clear_settings() -> None:
    """Restore defaults: forget everything remembered."""
    s = _store()
    s.clear()
    s.sync()
