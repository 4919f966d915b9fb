"""Drawn and edited data: points added to or removed from a dataset, with undo and redo.

Datasets are immutable, so an edit makes a new one and the history keeps the old ones.
Coordinates are in the dataset's own feature units (what a CSV file holds), never in the
standardized units the trainer sees.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..core import Dataset

#: the name of the dataset that starts empty and is drawn by clicking
DRAWN = "drawn"
#: coordinates beyond this are refused (as the CSV loader refuses them)
MAX_COORDINATE = 1e150
#: undo keeps at most this many steps
UNDO_DEPTH = 200


def drawn_dataset() -> Dataset:
    """An empty dataset to draw in (two classes, features x1 and x2)."""
    return Dataset(
        np.empty((2, 0)), np.empty((1, 0)), ("x1", "x2"), ("class 0", "class 1"), name=DRAWN
    )


def _edited(ds: Dataset, X: np.ndarray, Y: np.ndarray) -> Dataset:
    """``ds`` with new samples, noted as edited by hand (a drawn dataset always is)."""
    notes = ds.notes
    if ds.name != DRAWN and "edited by hand" not in notes:
        notes = (*notes, "edited by hand")
    return dataclasses.replace(ds, X=X, Y=Y, notes=notes)


def with_point(ds: Dataset, x1: float, x2: float, label: int) -> Dataset:
    """``ds`` with one more sample at (x1, x2) of class ``label`` (0 or 1)."""
    x1, x2 = float(x1), float(x2)
    if not all(math.isfinite(v) and abs(v) <= MAX_COORDINATE for v in (x1, x2)):
        raise ValueError(f"a point needs two finite coordinates up to ±1e150, got ({x1}, {x2})")
    if label not in (0, 1) or ds.n_classes != 2:
        raise ValueError(f"the label must be 0 or 1 (two classes), got {label!r}")
    X = np.hstack([ds.X, [[x1], [x2]]])
    Y = np.hstack([ds.Y, [[float(label)]]])
    return _edited(ds, X, Y)


def without_point(ds: Dataset, index: int) -> Dataset:
    """``ds`` without sample ``index`` (0-based)."""
    if not 0 <= int(index) < ds.m:
        raise ValueError(f"no sample {index}: the data has {ds.m} (0 … {ds.m - 1})")
    keep = np.ones(ds.m, dtype=bool)
    keep[int(index)] = False
    return _edited(ds, ds.X[:, keep], ds.Y[:, keep])


def with_point_moved(ds: Dataset, index: int, x1: float, x2: float) -> Dataset:
    """``ds`` with sample ``index`` moved to (x1, x2) (its class and place kept)."""
    if not 0 <= int(index) < ds.m:
        raise ValueError(f"no sample {index}: the data has {ds.m} (0 … {ds.m - 1})")
    x1, x2 = float(x1), float(x2)
    if not all(math.isfinite(v) and abs(v) <= MAX_COORDINATE for v in (x1, x2)):
        raise ValueError(f"a point needs two finite coordinates up to ±1e150, got ({x1}, {x2})")
    X = ds.X.copy()
    X[:, int(index)] = (x1, x2)
    return _edited(ds, X, ds.Y.copy())


class EditHistory:
    """The datasets before (undo) and after (redo) the current one."""

    def __init__(self) -> None:
        self._undo: list[Dataset] = []
        self._redo: list[Dataset] = []

    def clear(self) -> None:
        self._undo.clear()
        self._redo.clear()

    def did(self, before: Dataset) -> None:
        """An edit replaced ``before``: it can be undone; what was undone is gone."""
        self._undo.append(before)
        del self._undo[:-UNDO_DEPTH]
        self._redo.clear()

    def undo(self, current: Dataset) -> Dataset | None:
        if not self._undo:
            return None
        self._redo.append(current)
        return self._undo.pop()

    def redo(self, current: Dataset) -> Dataset | None:
        if not self._redo:
            return None
        self._undo.append(current)
        return self._redo.pop()

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)
