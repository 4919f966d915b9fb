"""Datasets: built-in 2-feature problems and a forgiving, precise CSV loader."""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..resources import resource_path

__all__ = [
    "BUILTIN_DATASETS",
    "CsvInfo",
    "Dataset",
    "DatasetError",
    "Standardization",
    "inspect_csv",
    "load_csv",
    "make_dataset",
]

#: Largest CSV file the loader reads (bytes).
MAX_FILE_BYTES = 200 * 1024 * 1024

BUILTIN_DATASETS: dict[str, str] = {
    "blobs": "two separable Gaussian blobs",
    "overlap": "two overlapping Gaussians",
    "xor": "XOR quadrants (no line separates them)",
    "moons": "two interleaved half-moons",
    "circles": "a ring around a disc",
    "iris": "iris: versicolor vs virginica (petal length, petal width)",
}


class DatasetError(ValueError):
    """Bad input for a dataset; the message says what is wrong and where."""


@dataclass(frozen=True)
class Standardization:
    """x_std = (x - mean) / std, per feature; maps coefficients back to raw units."""

    mean: np.ndarray  # (n_x, 1)
    std: np.ndarray  # (n_x, 1)

    @classmethod
    def fit(cls, X: np.ndarray) -> Standardization:
        mean = X.mean(axis=1, keepdims=True)
        std = X.std(axis=1, keepdims=True)
        std = np.where(std > 0, std, 1.0)  # a constant feature stays as it is
        return cls(mean, std)

    def apply(self, X: np.ndarray) -> np.ndarray:
        return (X - self.mean) / self.std

    def to_raw(self, w: np.ndarray, b: float) -> tuple[np.ndarray, float]:
        """Coefficients for raw features: wᵀ(x - μ)/σ + b = (w/σ)ᵀx + (b - Σ wμ/σ)."""
        w = np.asarray(w, dtype=float).reshape(-1, 1)
        w_raw = w / self.std
        return w_raw, float(b - np.sum(w_raw * self.mean))


@dataclass(frozen=True)
class Dataset:
    """Two features and binary labels in the course's layout."""

    X: np.ndarray  # (2, m) float64, one example per column
    Y: np.ndarray  # (1, m) float64 of 0/1
    feature_names: tuple[str, str]
    class_names: tuple[str, str]
    name: str = "data"
    source: str | None = None  # the file it came from, if any
    notes: tuple[str, ...] = field(default=())

    @property
    def m(self) -> int:
        return int(self.X.shape[1])

    def standardization(self) -> Standardization:
        return Standardization.fit(self.X)

    def describe(self) -> str:
        n1 = int(self.Y.sum())
        return (
            f"{self.name}: {self.m} samples, {self.m - n1} {self.class_names[0]} / "
            f"{n1} {self.class_names[1]}"
        )


# -- built-in datasets ------------------------------------------------------------

_DEFAULT_NOISE = {
    "blobs": 0.6,
    "overlap": 1.2,
    "xor": 0.25,
    "moons": 0.15,
    "circles": 0.1,
    "iris": 0.0,
}


def make_dataset(
    name: str, n_samples: int = 200, noise: float | None = None, seed: int = 0
) -> Dataset:
    """A built-in dataset by name (see :data:`BUILTIN_DATASETS`).

    Deterministic for a given seed. ``noise`` is the spread of the Gaussian
    noise (a per-dataset default when None); ``iris`` is the real data and
    ignores ``n_samples``, ``noise`` and ``seed``.
    """
    key = str(name).strip().lower()
    if key not in BUILTIN_DATASETS:
        raise DatasetError(
            f"unknown dataset {name!r}; choose one of: {', '.join(BUILTIN_DATASETS)}"
        )
    if key == "iris":
        return _iris()
    n = int(n_samples)
    if n < 2:
        raise DatasetError(f"n_samples must be at least 2, got {n_samples}")
    sigma = _DEFAULT_NOISE[key] if noise is None else float(noise)
    if not (math.isfinite(sigma) and sigma >= 0):
        raise DatasetError(f"noise must be a finite number >= 0, got {noise}")
    rng = np.random.default_rng(seed)
    n0 = n // 2
    n1 = n - n0
    Y = np.concatenate([np.zeros(n0), np.ones(n1)])
    if key in ("blobs", "overlap"):
        sep = 2.0 if key == "blobs" else 1.0
        centers = np.where(Y[:, None] > 0.5, [sep, sep], [-sep, -sep])
        P = centers + rng.normal(scale=sigma, size=(n, 2))
    elif key == "xor":
        P = rng.uniform(-1.0, 1.0, size=(n, 2))
        # class 1 where the signs differ
        Y = (np.sign(P[:, 0]) != np.sign(P[:, 1])).astype(float)
        P = P + rng.normal(scale=sigma, size=(n, 2))
    elif key == "moons":
        t0 = rng.uniform(0.0, np.pi, n0)
        t1 = rng.uniform(0.0, np.pi, n1)
        outer = np.column_stack([np.cos(t0), np.sin(t0)])
        inner = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
        P = np.vstack([outer, inner]) + rng.normal(scale=sigma, size=(n, 2))
    else:  # circles: class 1 is the inner disc
        t = rng.uniform(0.0, 2 * np.pi, n)
        r = np.where(Y > 0.5, 0.4, 1.0)
        P = np.column_stack([r * np.cos(t), r * np.sin(t)])
        P = P + rng.normal(scale=sigma, size=(n, 2))
    order = rng.permutation(n)
    return Dataset(
        X=np.ascontiguousarray(P[order].T, dtype=np.float64),
        Y=Y[order].reshape(1, -1).astype(np.float64),
        feature_names=("x1", "x2"),
        class_names=("class 0", "class 1"),
        name=key,
    )


def _iris() -> Dataset:
    ds = load_csv(
        resource_path("iris.csv"),
        features=("petal_length_cm", "petal_width_cm"),
        label="species",
        classes=("versicolor", "virginica"),
    )
    return Dataset(ds.X, ds.Y, ds.feature_names, ds.class_names, name="iris", source=None)


# -- CSV ------------------------------------------------------------------------

_DELIMITERS = ("\t", ";", ",")
_DELIM_NAMES = {"\t": "tab", ";": "semicolon", ",": "comma"}
_COMMA_DECIMAL = re.compile(r"^[+-]?\d*,\d+(?:[eE][+-]?\d+)?$")
_DOT_DECIMAL = re.compile(r"^[+-]?\d*\.\d+(?:[eE][+-]?\d+)?$")
_TRUE = {"true", "yes", "t", "y"}
_FALSE = {"false", "no", "f", "n"}


def _read_text(path: Path) -> str:
    shown = str(path)
    try:
        if path.is_dir():
            raise DatasetError(f"{shown}: is a folder, not a CSV file")
        size = path.stat().st_size
    except FileNotFoundError:
        raise DatasetError(f"{shown}: no such file") from None
    except OSError as exc:
        raise DatasetError(f"{shown}: cannot be read ({exc.strerror or exc})") from None
    if size > MAX_FILE_BYTES:
        raise DatasetError(
            f"{shown}: the file is {size / 2**20:.0f} MB; the largest file gd-visualizer "
            f"loads is {MAX_FILE_BYTES / 2**20:.0f} MB"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"{shown}: cannot be read ({exc.strerror or exc})") from None
    if not data.strip():
        raise DatasetError(f"{shown}: the file is empty")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with a byte-order mark
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise DatasetError(f"{shown}: not valid UTF-16 text") from None
    if b"\x00" in data[:65536]:
        raise DatasetError(f"{shown}: not a text file (it contains binary data)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")  # every byte decodes; check below that it is text
    head = text[:65536]
    control = sum(1 for ch in head if ord(ch) < 32 and ch not in "\t\r\n\f")
    if control > 0.01 * len(head):
        raise DatasetError(f"{shown}: not a text file (it contains binary data)")
    return text


def _sniff_delimiter(lines: list[tuple[int, str]]) -> str:
    sample = [text for _, text in lines[:50]]
    best, best_score = ",", (-1, -1)
    for rank, delim in enumerate(reversed(_DELIMITERS)):
        counts = [len(row) for row in csv.reader(sample, delimiter=delim)]
        if not counts or counts[0] < 2:
            continue
        consistent = sum(1 for c in counts if c == counts[0] or c == counts[0] + 1)
        score = (consistent, rank)
        if score > best_score:
            best, best_score = delim, score
    return best


def _parse_number(cell: str, decimal_comma: bool) -> float | None:
    """The cell as a float, or None when it is not a number."""
    if decimal_comma:
        cell = cell.replace(",", ".")
    try:
        return float(cell)
    except ValueError:
        return None


@dataclass(frozen=True)
class _Table:
    shown: str
    header: list[str]
    rows: list[tuple[int, list[str]]]
    numeric: list[bool]
    decimal_comma: bool


@dataclass(frozen=True)
class CsvInfo:
    """What a column picker needs to know about a CSV file."""

    path: str
    columns: tuple[str, ...]
    numeric: tuple[bool, ...]
    classes: dict[str, tuple[str, ...]]  # column -> its distinct values (when few)


def _read_table(path: str | os.PathLike[str]) -> _Table:
    path = Path(path)
    shown = str(path)
    text = _read_text(path)
    lines = [(i + 1, ln) for i, ln in enumerate(text.splitlines()) if ln.strip()]
    if not lines:
        raise DatasetError(f"{shown}: the file is empty")
    delim = _sniff_delimiter(lines)
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, skipinitialspace=True)
    start = 1
    try:
        for raw in reader:
            cells = [c.strip() for c in raw]
            if any(cells):  # blank lines are skipped; numbering follows the file
                rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DatasetError(f"{shown}: line {start}: cannot be parsed as CSV ({exc})") from None
    if not rows:
        raise DatasetError(f"{shown}: the file is empty")

    # decimal commas: only with a delimiter other than the comma, and unambiguous
    decimal_comma = False
    if delim != ",":
        comma_at = next(((n, c) for n, r in rows[1:] for c in r if _COMMA_DECIMAL.match(c)), None)
        if comma_at is not None:
            dot_at = next(((n, c) for n, r in rows[1:] for c in r if _DOT_DECIMAL.match(c)), None)
            if dot_at is not None:
                raise DatasetError(
                    f"{shown}: mixes decimal commas (line {comma_at[0]}: {comma_at[1]!r}) and "
                    f"decimal points (line {dot_at[0]}: {dot_at[1]!r}); use one of them"
                )
            decimal_comma = True

    def is_num(cell: str) -> bool:
        return _parse_number(cell, decimal_comma) is not None

    first_line, first = rows[0]
    if all(c != "" and is_num(c) for c in first):
        if len(first) != 3:
            raise DatasetError(
                f"{shown}: line {first_line}: no header row; a file without a header must have "
                f"exactly 3 numeric columns (x1, x2, y), this one has {len(first)}"
            )
        header = ["x1", "x2", "y"]
        body = rows
    else:
        header = list(first)
        while header and header[-1] == "":
            header.pop()  # a trailing delimiter on the header line
        if len(header) < 2:
            raise DatasetError(
                f"{shown}: line {first_line}: the header names {len(header)} column(s); "
                "a dataset needs two features and a label"
            )
        body = rows[1:]
        if any(h == "" for h in header):
            col = header.index("") + 1
            raise DatasetError(f"{shown}: line {first_line}: column {col} has no name")
        seen: dict[str, int] = {}
        for i, h in enumerate(header):  # duplicate names become "name.2", …
            seen[h] = seen.get(h, 0) + 1
            if seen[h] > 1:
                header[i] = f"{h}.{seen[h]}"
    ncol = len(header)
    if not body:
        raise DatasetError(f"{shown}: has a header row but no data rows")
    table: list[tuple[int, list[str]]] = []
    for n, r in body:
        while len(r) > ncol and r[-1] == "":
            r = r[:-1]  # trailing delimiters
        if len(r) != ncol:
            raise DatasetError(
                f"{shown}: line {n} has {len(r)} fields but the header has {ncol} "
                f"({_DELIM_NAMES[delim]}-separated)"
            )
        table.append((n, r))

    # which columns are numeric: most of their non-empty cells parse as numbers
    numeric = []
    for j in range(ncol):
        cells = [r[j] for _, r in table if r[j] != ""]
        numeric.append(bool(cells) and sum(map(is_num, cells)) * 2 > len(cells))
    return _Table(shown, header, table, numeric, decimal_comma)


def inspect_csv(path: str | os.PathLike[str]) -> CsvInfo:
    """Columns of a CSV file for a column picker: names, which are numeric, and
    the distinct values of each non-numeric or few-valued column."""
    t = _read_table(path)
    classes: dict[str, tuple[str, ...]] = {}
    for j, name in enumerate(t.header):
        values = sorted({r[j] for _, r in t.rows if r[j] != ""})
        if len(values) <= 20:
            classes[name] = tuple(values)
    return CsvInfo(str(path), tuple(t.header), tuple(t.numeric), classes)


def load_csv(
    path: str | os.PathLike[str],
    features: Sequence[str] | None = None,
    label: str | None = None,
    classes: Sequence[str] | None = None,
) -> Dataset:
    """Load a 2-feature binary dataset from a CSV file.

    A header row names the columns; a headerless file of exactly three numeric
    columns is read as x1, x2, y.  ``features`` picks two numeric columns and
    ``label`` the label column (defaults: the last column is the label, the
    features the first two numeric columns other than it).  Labels may be
    0/1, -1/1, true/false or any two strings (sorted, first -> 0); with more
    than two classes, ``classes=(a, b)`` keeps those rows, a -> 0 and b -> 1.
    Comma, semicolon and tab delimiters, quotes, a UTF-8 BOM, CRLF line ends,
    Latin-1 text and decimal commas (with a semicolon or tab delimiter) are
    accepted.  Anything else raises :class:`DatasetError` naming the file, the
    1-based line and the column.
    """
    table_ = _read_table(path)
    shown, header, table = table_.shown, table_.header, table_.rows
    numeric, decimal_comma, ncol = table_.numeric, table_.decimal_comma, len(table_.header)

    def column(name: str, role: str) -> int:
        if name not in header:
            raise DatasetError(
                f"{shown}: no column named {name!r} for the {role} (columns: {', '.join(header)})"
            )
        return header.index(name)

    label_j = column(label, "label") if label is not None else ncol - 1
    if features is not None:
        feats = list(features)
        if len(feats) != 2:
            raise DatasetError(f"{shown}: choose exactly two feature columns, got {len(feats)}")
        feat_j = [column(f, "features") for f in feats]
        if feat_j[0] == feat_j[1]:
            raise DatasetError(f"{shown}: the two feature columns must differ")
        if label_j in feat_j:
            raise DatasetError(
                f"{shown}: column {header[label_j]!r} cannot be both a feature and the label"
            )
        for j in feat_j:
            if not numeric[j]:
                raise DatasetError(f"{shown}: column {header[j]!r} is not numeric")
    else:
        feat_j = [j for j in range(ncol) if numeric[j] and j != label_j][:2]
        if len(feat_j) < 2:
            names = [header[j] for j in range(ncol) if numeric[j] and j != label_j]
            raise DatasetError(
                f"{shown}: needs two numeric feature columns besides the label "
                f"{header[label_j]!r}; found {len(names)}"
                + (f" ({', '.join(names)})" if names else "")
            )

    # labels
    label_name = header[label_j]
    for n, r in table:
        if r[label_j] == "":
            raise DatasetError(f"{shown}: line {n}, column {label_name!r}: the label is empty")
    raw_labels = [r[label_j] for _, r in table]
    values = _label_keys(raw_labels, decimal_comma)
    distinct = sorted(set(values), key=_sort_key)
    if classes is not None:
        wanted = [str(c).strip() for c in classes]
        if len(wanted) != 2 or wanted[0] == wanted[1]:
            raise DatasetError(f"{shown}: choose two different classes, got {list(classes)}")
        keys = _label_keys(wanted, decimal_comma)
        for c, k in zip(wanted, keys, strict=True):
            if k not in distinct:
                raise DatasetError(
                    f"{shown}: column {label_name!r} has no class {c!r} "
                    f"(classes: {', '.join(_show(v) for v in distinct)})"
                )
        keep = [i for i, v in enumerate(values) if v in keys]
        y = [1.0 if values[i] == keys[1] else 0.0 for i in keep]
        class_names = (wanted[0], wanted[1])
    else:
        if len(distinct) < 2:
            raise DatasetError(
                f"{shown}: column {label_name!r} has a single class "
                f"({_show(distinct[0])}); logistic regression needs two"
            )
        if len(distinct) > 2:
            shown_classes = ", ".join(_show(v) for v in distinct[:10])
            more = ", …" if len(distinct) > 10 else ""
            raise DatasetError(
                f"{shown}: column {label_name!r} has {len(distinct)} classes "
                f"({shown_classes}{more}); choose two of them"
            )
        neg, pos = distinct
        if {neg, pos} == {"false", "true"}:
            neg, pos = "false", "true"
        keep = list(range(len(values)))
        y = [1.0 if v == pos else 0.0 for v in values]
        class_names = (_show(neg), _show(pos))

    # features of the rows kept
    X = np.empty((2, len(keep)))
    for k, i in enumerate(keep):
        n, r = table[i]
        for a, j in enumerate(feat_j):
            cell = r[j]
            where = f"{shown}: line {n}, column {header[j]!r}"
            if cell == "":
                raise DatasetError(f"{where}: the value is empty")
            v = _parse_number(cell, decimal_comma)
            if v is None:
                raise DatasetError(f"{where}: {cell!r} is not a number")
            if not math.isfinite(v):
                raise DatasetError(f"{where}: {cell!r} is not a finite number")
            X[a, k] = v
    Y = np.asarray(y, dtype=np.float64).reshape(1, -1)
    notes = ()
    if decimal_comma:
        notes = ("decimal commas read as decimal points",)
    return Dataset(
        X=X,
        Y=Y,
        feature_names=(header[feat_j[0]], header[feat_j[1]]),
        class_names=class_names,
        name=Path(path).stem,
        source=shown,
        notes=notes,
    )


def _label_keys(raw: list[str], decimal_comma: bool) -> list[object]:
    """Canonical label values: floats when all parse, else booleans, else strings."""
    nums = [_parse_number(v, decimal_comma) for v in raw]
    if all(v is not None and math.isfinite(v) for v in nums):
        return [float(v) for v in nums]  # type: ignore[arg-type]
    low = [v.lower() for v in raw]
    if all(v in _TRUE or v in _FALSE for v in low):
        return ["true" if v in _TRUE else "false" for v in low]
    return list(raw)


def _sort_key(v: object) -> tuple[int, object]:
    return (0, v) if isinstance(v, float) else (1, str(v))


def _show(v: object) -> str:
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v)
