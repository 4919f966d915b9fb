"""The one place that resolves paths under ``resources/``.

From a checkout (or an editable install) the folder sits beside the package;
a wheel carries it inside the package as ``gd_visualizer/resources``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["resource_path", "resources_dir"]

_PACKAGE = Path(__file__).resolve().parent


def resources_dir() -> Path:
    for candidate in (_PACKAGE / "resources", _PACKAGE.parent / "resources"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"gd-visualizer's resources folder is missing (looked beside {_PACKAGE})"
    )


def resource_path(name: str) -> Path:
    """The path of a shipped resource file, e.g. ``resource_path("iris.csv")``."""
    path = resources_dir() / name
    if not path.exists():
        raise FileNotFoundError(f"gd-visualizer resource {name!r} is missing ({path})")
    return path
