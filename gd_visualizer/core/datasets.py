"""Datasets: built-in 2-feature problems and a forgiving, precise, streaming CSV loader.

The loader reads a file in blocks of lines.  The first block (the *head*) is parsed
by the csv module and settles the delimiter, the header, which columns are numeric
and the decimal mark; every later block that is clean (no quotes, the right number
of fields on every line, nothing unusual) is parsed by numpy's C reader, and any
other block by the csv module row by row, so that an error still names its line and
column.  Memory stays a small multiple of the arrays the file becomes.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import math
import os
import re
import stat
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..resources import resource_path

__all__ = [
    "BUILTIN_DATASETS",
    "DATASETS",
    "MAX_ABS_VALUE",
    "MAX_FILE_BYTES",
    "MAX_NOISE",
    "MULTICLASS_DATASETS",
    "REAL_DATASETS",
    "CsvInfo",
    "Dataset",
    "DatasetError",
    "LoadCancelled",
    "Standardization",
    "inspect_csv",
    "load_csv",
    "make_dataset",
]

#: Largest CSV file the loader reads (bytes), checked from the file's size and while reading.
MAX_FILE_BYTES = 200 * 1024 * 1024
#: Largest feature magnitude accepted: x² ≤ 1e300, so wᵀx + b, XXᵀ and the variance stay
#: finite in float64 for any number of rows a 200 MB file can hold (m·1e300 < 1.8e308).
MAX_ABS_VALUE = 1e150
#: Largest noise of a built-in dataset (the window offers 0…5).
MAX_NOISE = 1e6

BUILTIN_DATASETS: dict[str, str] = {
    "blobs": "two separable Gaussian blobs",
    "overlap": "two overlapping Gaussians",
    "xor": "XOR quadrants (no line separates them)",
    "moons": "two interleaved half-moons",
    "circles": "a ring around a disc",
    "iris": "iris: versicolor vs virginica (petal length, petal width)",
}

#: Three-class datasets, trained by softmax regression.
MULTICLASS_DATASETS: dict[str, str] = {
    "iris3": "iris: setosa, versicolor and virginica (petal length, petal width)",
    "blobs3": "three separable Gaussian blobs",
}

#: Real measurements: the sample count, noise and seed do not apply to them.
REAL_DATASETS = frozenset({"iris", "iris3"})

#: Every built-in dataset: the window's list and the command lines' choices.
DATASETS: dict[str, str] = {**BUILTIN_DATASETS, **MULTICLASS_DATASETS}


class DatasetError(ValueError):
    """Bad input for a dataset; the message says what is wrong and where."""


class LoadCancelled(DatasetError):
    """Loading or inspecting a file was cancelled (its ``cancel`` was set)."""


@dataclass(frozen=True)
class Standardization:
    """x_std = (x - mean) / std, per feature; maps coefficients back to raw units."""

    mean: np.ndarray  # (n_x, 1)
    std: np.ndarray  # (n_x, 1)

    @classmethod
    def fit(cls, X: np.ndarray) -> Standardization:
        X = np.asarray(X, dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            mean = X.mean(axis=1, keepdims=True)
            std = X.std(axis=1, keepdims=True)
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(std))):
            # (x - μ)² overflowed: std(x) = s·std(x/s) with s = max|x| never squares a big number
            s = np.max(np.abs(X), axis=1, keepdims=True)
            s = np.where(np.isfinite(s) & (s > 0), s, 1.0)
            scaled = X / s
            mean = s * scaled.mean(axis=1, keepdims=True)
            std = s * scaled.std(axis=1, keepdims=True)
        std = np.where(std > 0, std, 1.0)  # a constant feature stays as it is
        return cls(mean, std)

    def apply(self, X: np.ndarray) -> np.ndarray:
        return (X - self.mean) / self.std

    def invert(self, X_std: np.ndarray) -> np.ndarray:
        """Standardized points back in raw units: x = σ·x_std + μ."""
        return X_std * self.std + self.mean

    def to_raw(self, w: np.ndarray, b: float) -> tuple[np.ndarray, float]:
        """Coefficients for raw features: wᵀ(x - μ)/σ + b = (w/σ)ᵀx + (b - Σ wμ/σ)."""
        w = np.asarray(w, dtype=float).reshape(-1, 1)
        w_raw = w / self.std
        return w_raw, float(b - np.sum(w_raw * self.mean))

    def from_raw(self, w_raw: np.ndarray, b_raw: float) -> tuple[np.ndarray, float]:
        """The inverse of :meth:`to_raw`: w_rawᵀ(σ·x_std + μ) + b_raw = (w_raw·σ)ᵀx_std + …"""
        w_raw = np.asarray(w_raw, dtype=float).reshape(-1, 1)
        return w_raw * self.std, float(b_raw + np.sum(w_raw * self.mean))


@dataclass(frozen=True)
class Dataset:
    """Two features and class labels in the course's layout.

    Two classes (most datasets and CSV files) have labels 0/1; K classes
    (:data:`MULTICLASS_DATASETS`) have labels 0, 1, …, K-1, one name each.
    """

    X: np.ndarray  # (2, m) float64, one example per column
    Y: np.ndarray  # (1, m) float64 of 0/1 (two classes) or 0 … K-1 (K classes)
    feature_names: tuple[str, str]
    class_names: tuple[str, ...]  # one per class: two, or K
    name: str = "data"
    source: str | None = None  # the file it came from, if any
    notes: tuple[str, ...] = field(default=())

    @property
    def m(self) -> int:
        return int(self.X.shape[1])

    def standardization(self) -> Standardization:
        return Standardization.fit(self.X)

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    def class_counts(self) -> list[int]:
        """How many examples each class has, in the order of ``class_names``."""
        if self.n_classes == 2:
            n1 = int(self.Y.sum())  # labels 0/1: the sum counts class 1
            return [self.m - n1, n1]
        return [int(np.count_nonzero(self.Y == k)) for k in range(self.n_classes)]

    def describe(self) -> str:
        counts = " / ".join(
            f"{n:,} {name}" for n, name in zip(self.class_counts(), self.class_names, strict=True)
        )
        return f"{self.name}: {self.m:,} samples, {counts}"


# -- built-in datasets ------------------------------------------------------------

_DEFAULT_NOISE = {
    "blobs": 0.6,
    "overlap": 1.2,
    "xor": 0.25,
    "moons": 0.15,
    "circles": 0.1,
    "iris": 0.0,
    "blobs3": 0.6,
}


def make_dataset(
    name: str, n_samples: int = 200, noise: float | None = None, seed: int = 0
) -> Dataset:
    """A built-in dataset by name (see :data:`BUILTIN_DATASETS` and
    :data:`MULTICLASS_DATASETS`).

    Deterministic for a given seed. ``noise`` is the spread of the Gaussian
    noise (a per-dataset default when None; at most :data:`MAX_NOISE`); ``iris``
    and ``iris3`` are the real data and ignore ``n_samples``, ``noise`` and ``seed``.
    """
    key = str(name).strip().lower()
    if key not in BUILTIN_DATASETS and key not in MULTICLASS_DATASETS:
        known = [*BUILTIN_DATASETS, *MULTICLASS_DATASETS]
        raise DatasetError(f"unknown dataset {name!r}; choose one of: {', '.join(known)}")
    if key == "iris":
        return _iris()
    if key == "iris3":
        return _iris3()
    n = _sample_count(n_samples, 3 if key == "blobs3" else 2)
    sigma = _noise_level(key, noise)
    rng = _generator(seed)
    if key == "blobs3":
        return _blobs3(n, sigma, rng)
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


def _sample_count(n_samples: int, least: int) -> int:
    try:
        n = int(n_samples)
    except (TypeError, ValueError, OverflowError):
        raise DatasetError(f"n_samples must be a whole number, got {n_samples!r}") from None
    if n < least:
        raise DatasetError(f"n_samples must be at least {least}, got {n_samples}")
    return n


def _noise_level(key: str, noise: float | None) -> float:
    if noise is None:
        return _DEFAULT_NOISE[key]
    try:
        sigma = float(noise)
    except (TypeError, ValueError, OverflowError):
        raise DatasetError(f"noise must be a number, got {noise!r}") from None
    if not (math.isfinite(sigma) and 0 <= sigma <= MAX_NOISE):
        raise DatasetError(f"noise must be a finite number from 0 to {MAX_NOISE:g}, got {noise!r}")
    return sigma


def _generator(seed: int) -> np.random.Generator:
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError) as exc:
        raise DatasetError(f"seed must be a non-negative whole number, got {seed!r}") from exc


#: blobs3's centres: radius 2.5 at 90°, 210° and 330° (an equilateral triangle, sides 2.5·√3)
_BLOBS3_CENTERS = 2.5 * np.array([[0.0, 1.0], [-math.sqrt(3) / 2, -0.5], [math.sqrt(3) / 2, -0.5]])


def _blobs3(n: int, sigma: float, rng: np.random.Generator) -> Dataset:
    """Three Gaussian blobs of n/3 examples each (the first n % 3 classes get one more)."""
    sizes = [n // 3 + (k < n % 3) for k in range(3)]
    labels = np.repeat(np.arange(3), sizes)
    P = _BLOBS3_CENTERS[labels] + rng.normal(scale=sigma, size=(n, 2))
    order = rng.permutation(n)
    return Dataset(
        X=np.ascontiguousarray(P[order].T, dtype=np.float64),
        Y=labels[order].reshape(1, -1).astype(np.float64),
        feature_names=("x1", "x2"),
        class_names=("class 0", "class 1", "class 2"),
        name="blobs3",
    )


def _iris3() -> Dataset:
    """All 150 iris flowers, three species (setosa 0, versicolor 1, virginica 2)."""
    return _iris_species("iris3", ("setosa", "versicolor", "virginica"))


def _iris() -> Dataset:
    """The 100 versicolor (0) and virginica (1) flowers."""
    return _iris_species("iris", ("versicolor", "virginica"))


def _iris_species(name: str, species: tuple[str, ...]) -> Dataset:
    """The shipped iris file's petal length and width, of the species kept (numbered in
    that order)."""
    ds = load_csv(
        resource_path("iris.csv"),
        features=("petal_length_cm", "petal_width_cm"),
        label="species",
        classes=species,
    )
    return Dataset(ds.X, ds.Y, ds.feature_names, ds.class_names, name=name, source=None)


# -- CSV: reading the file -----------------------------------------------------------

_DELIMITERS = ("\t", ";", ",")
_DELIM_NAMES = {"\t": "tab", ";": "semicolon", ",": "comma"}
_COMMA_DECIMAL = re.compile(r"^[+-]?\d*,\d+(?:[eE][+-]?\d+)?$")
_DOT_DECIMAL = re.compile(r"^[+-]?\d*\.\d+(?:[eE][+-]?\d+)?$")
_TRUE = {"true", "yes", "t", "y"}
_FALSE = {"false", "no", "f", "n"}

_HEAD_BYTES = 64 * 1024  # the first read: the binary check, the delimiter, the header
#: later reads; a block of lines is parsed at once.  numpy parses a block holding the GIL,
#: so the block is what the GUI thread may wait: 1 MiB held it ~10 ms, 128 KiB ~1.5 ms
#: (the whole load is ~3 % slower: 0.229 -> 0.236 s for 10⁶ rows, AMD EPYC); 5.7 ms on a
#: slower machine of that kind, where 32 KiB (1.4 ms, the load 2 % slower) changed none of
#: the benchmark's GUI stalls: they come from elsewhere (numba's loading, the repaints)
_BLOCK_BYTES = 128 * 1024
_HEAD_MAX_CHARS = 4 * 1024 * 1024  # the head grows to 50 lines, but not beyond this
_CANCEL_ROWS = 1024  # rows parsed one by one between two looks at ``cancel``
_MAX_CLASSES = 1000  # distinct labels remembered (a label column has a few)
_FAST = True  # parse clean blocks with numpy (tests turn it off to compare)

#: ``cancel``: an Event, or a callable that returns True once loading should stop
Cancel = threading.Event | Callable[[], bool] | None


class _NotUtf8(Exception):
    """The file is not UTF-8 after all: read it again as Latin-1."""


def _cancel_check(cancel: Cancel) -> Callable[[], bool]:
    if cancel is None:
        return lambda: False
    is_set = getattr(cancel, "is_set", None)
    if callable(is_set):
        return is_set
    if callable(cancel):
        return cancel
    raise TypeError(f"cancel must be a threading.Event or a callable, not {type(cancel).__name__}")


def _size(n: float) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n:,.0f} bytes"


def _not_regular(mode: int) -> str | None:
    """What a file is when it is not a regular file (None when it is one)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a CSV file"
    if stat.S_ISFIFO(mode):
        return "is a FIFO/named pipe, not a regular file"
    if stat.S_ISCHR(mode):
        return "is a character device, not a regular file"
    if stat.S_ISBLK(mode):
        return "is a block device, not a regular file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file"
    return "is not a regular file"


def _reason(exc: Exception) -> str:
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)


def _open_regular(path: Path, shown: str) -> int:
    """A descriptor of ``path`` (symlinks followed) after checking it is a regular file.

    Opened with O_NONBLOCK so that a FIFO without a writer cannot block the open; the
    type is checked with fstat on the descriptor itself, so a file swapped after the
    first look is still caught.  Devices, FIFOs, sockets and folders are refused:
    their size says nothing about how much they would deliver (/dev/zero never ends).
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise DatasetError(f"{shown}: is a link to a file that does not exist") from None
        raise DatasetError(f"{shown}: no such file") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
        raise DatasetError(f"{shown}: cannot be read ({_reason(exc)})") from None
    what = _not_regular(st.st_mode)
    if what:  # not even opened: opening some devices has side effects
        raise DatasetError(f"{shown}: {what}")
    flags = os.O_RDONLY
    for name in ("O_NONBLOCK", "O_NOCTTY", "O_CLOEXEC", "O_BINARY"):
        flags |= getattr(os, name, 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise DatasetError(f"{shown}: no such file") from None
    except (OSError, ValueError) as exc:
        raise DatasetError(f"{shown}: cannot be read ({_reason(exc)})") from None
    try:
        st = os.fstat(fd)
        what = _not_regular(st.st_mode)
        if what:
            raise DatasetError(f"{shown}: {what}")
        if st.st_size > MAX_FILE_BYTES:
            raise DatasetError(
                f"{shown}: the file is {_size(st.st_size)}; the largest file gd-visualizer "
                f"loads is {_size(MAX_FILE_BYTES)}"
            )
    except BaseException:
        os.close(fd)
        raise
    return fd


class _File:
    """A CSV file's decoded text, in blocks that end at line ends."""

    def __init__(self, path: Path, shown: str, cancelled: Callable[[], bool], latin1: bool):
        self.shown = shown
        self.cancelled = cancelled
        self.latin1 = latin1
        self.eof = False
        self.utf16 = False
        self.fd = _open_regular(path, shown)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def _read(self, n: int) -> bytes:
        parts, got = [], 0
        while got < n:
            data = os.read(self.fd, n - got)
            if not data:
                self.eof = True
                break
            parts.append(data)
            got += len(data)
        return b"".join(parts)

    def _decoder(self, head: bytes) -> codecs.IncrementalDecoder:
        shown = self.shown
        if self.eof and not head.strip():
            raise DatasetError(f"{shown}: the file is empty")
        if head[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with a byte-order mark
            self.utf16 = True
            return codecs.getincrementaldecoder("utf-16")()
        if b"\x00" in head[:65536]:
            raise DatasetError(f"{shown}: not a text file (it contains binary data)")
        return codecs.getincrementaldecoder("latin-1" if self.latin1 else "utf-8-sig")()

    def pieces(self) -> Iterator[str]:
        """Decoded text as read (a first small piece, then large ones)."""
        total, decoder, want = 0, None, _HEAD_BYTES
        while not self.eof:
            if self.cancelled():
                raise LoadCancelled(f"loading {self.shown} was cancelled")
            data = self._read(want)
            total += len(data)
            if total > MAX_FILE_BYTES:  # the size from stat is checked too; files grow
                raise DatasetError(
                    f"{self.shown}: more than {_size(MAX_FILE_BYTES)} read from the file; the "
                    f"largest file gd-visualizer loads is {_size(MAX_FILE_BYTES)}"
                )
            first = decoder is None
            if decoder is None:
                decoder = self._decoder(data)
            try:
                text = decoder.decode(data, final=self.eof)
            except UnicodeDecodeError:
                if self.utf16:
                    raise DatasetError(f"{self.shown}: not valid UTF-16 text") from None
                raise _NotUtf8 from None
            if first and not self.utf16:
                head = text[:65536]
                control = sum(1 for ch in head if ord(ch) < 32 and ch not in "\t\r\n\f")
                if control > 0.01 * len(head):
                    raise DatasetError(f"{self.shown}: not a text file (it contains binary data)")
            want = _BLOCK_BYTES
            if text:
                yield text

    def blocks(self) -> Iterator[str]:
        """The text cut after a line end: every block holds whole lines (the last may
        lack its line end)."""
        carry = ""
        for piece in self.pieces():
            text = carry + piece if carry else piece
            # a final "\r" may be half of a "\r\n": keep it for the next block
            cut = max(text.rfind("\n"), text.rfind("\r", 0, len(text) - 1))
            if cut < 0:
                carry = text
                continue
            carry = text[cut + 1 :]
            yield text[: cut + 1]
        if carry:
            yield carry


class _Lines:
    """Physical lines for the csv module, block by block; counts the lines consumed.

    The line ends are those of ``open(newline="")``: "\\n", "\\r\\n" and "\\r".
    """

    def __init__(self, blocks: Iterator[str]) -> None:
        self._blocks = blocks
        self._lines: list[str] = []
        self._pos = 0
        self.consumed = 0  # number of the last line handed out (1-based)

    def next_block(self) -> str | None:
        """The rest of the current block, or the next block; None at the end."""
        if self._pos < len(self._lines):
            rest = "".join(self._lines[self._pos :])
            self._lines, self._pos = [], 0
            return rest
        return next(self._blocks, None)

    def push(self, text: str) -> None:
        """Hand the lines of ``text`` (a block from :meth:`next_block`) out next."""
        self._lines = io.StringIO(text, newline="").readlines()
        self._pos = 0

    @property
    def at_block_end(self) -> bool:
        return self._pos >= len(self._lines)

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._pos >= len(self._lines):
            text = next(self._blocks, None)  # a quoted field runs on into the next block
            if text is None:
                raise StopIteration
            self.push(text)
        line = self._lines[self._pos]
        self._pos += 1
        self.consumed += 1
        return line


def _sniff_delimiter(text: str) -> str:
    sample = [ln for ln in text.splitlines() if ln.strip()][:50]
    best, best_score = ",", (-1, -1)
    for rank, delim in enumerate(reversed(_DELIMITERS)):
        counts: list[int] = []
        try:
            for row in csv.reader(sample, delimiter=delim):
                counts.append(len(row))
        except csv.Error:  # a field over the csv module's limit; the reader reports it
            pass
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


def _value_key(name: str, decimal_comma: bool) -> tuple[str, object]:
    """What a label denotes: names with the same key are one class.

    A finite number (1, 1.0, 01 and 1e0 are one class), true or false (true, TRUE,
    yes, y, t are one class), else the exact text.
    """
    v = _parse_number(name, decimal_comma)
    if v is not None and math.isfinite(v):
        return ("num", v + 0.0)  # -0.0 and 0.0 alike
    low = name.lower()
    if low in _TRUE:
        return ("bool", True)
    if low in _FALSE:
        return ("bool", False)
    return ("str", name)


class _Classes:
    """The distinct values of a label column, in order of appearance; the name of a
    class is its first spelling in the file."""

    def __init__(self, cap: int | None = None) -> None:
        self.code: dict[tuple[str, object], int] = {}
        self.keys: list[tuple[str, object]] = []
        self.names: list[str | None] = []  # None: wanted by the caller, not seen yet
        self.cap = _MAX_CLASSES if cap is None else cap
        self.too_many = False

    def add(self, key: tuple[str, object], name: str | None) -> int:
        """The class number of ``key`` (registered if new); -1 beyond the cap."""
        c = self.code.get(key)
        if c is None:
            if len(self.keys) >= self.cap:
                self.too_many = True
                return -1
            c = self.code[key] = len(self.keys)
            self.keys.append(key)
            self.names.append(name)
        elif self.names[c] is None and name is not None:
            self.names[c] = name
        return c

    def seen(self) -> list[int]:
        return [c for c, name in enumerate(self.names) if name is not None]

    def ordered(self, codes: list[int]) -> list[int]:
        """Numbers ascending, false before true, else the names in sorted order."""
        kinds = {self.keys[c][0] for c in codes}
        if kinds in ({"num"}, {"bool"}):
            return sorted(codes, key=lambda c: self.keys[c][1])  # type: ignore[arg-type, return-value]
        return sorted(codes, key=lambda c: str(self.names[c]))

    def listing(self, codes: list[int], limit: int = 10) -> str:
        shown = ", ".join(str(self.names[c]) for c in self.ordered(codes)[:limit])
        return shown + (", …" if len(codes) > limit or self.too_many else "")


@dataclass
class _Block:
    """A clean block for numpy: every non-empty line has the header's fields."""

    text: str  # line ends normalised to "\n", simple quotes removed
    numbers: str  # the same with decimal commas made points (when the file uses them)
    delim: str
    nlines: int  # physical lines in the block
    rows: np.ndarray  # offsets (in the block) of the lines that hold a record

    @functools.cached_property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    def cell(self, i: int, j: int) -> str:
        """The text of record ``i``, column ``j`` (as the csv module gives it)."""
        return self.lines[int(self.rows[i])].split(self.delim)[j].strip()


def _block_search(delim: str, number: str) -> re.Pattern[str]:
    """A cell (between delimiters, spaces around) that is a ``number``."""
    d = re.escape(delim)
    return re.compile(rf"(?:^|(?<={d}))[^\S\n]*{number}[^\S\n]*(?={d}|$)", re.MULTILINE)


class _Table:
    """A CSV file being read: its head settles the layout, then blocks of lines follow."""

    def __init__(self, file: _File) -> None:
        self.shown = file.shown
        self.cancelled = file.cancelled
        self.lines = _Lines(file.blocks())
        self.line = 0  # the line being read, for a message about the unexpected
        self.field_limit = csv.field_size_limit()
        # decimal marks (only with a semicolon or tab delimiter): the first cell of each
        self.first_comma: tuple[int, str] | None = None
        self.first_dot: tuple[int, str] | None = None
        self.decimal_comma = False
        self.marks_seen = 0  # changes when a decimal mark is first seen
        self._read_head()

    def _cancel_point(self) -> None:
        if self.cancelled():
            raise LoadCancelled(f"loading {self.shown} was cancelled")

    # -- the head: delimiter, header, numeric columns -------------------------------
    def _read_head(self) -> None:
        shown = self.shown
        text = self.lines.next_block()
        if text is None:
            raise DatasetError(f"{shown}: the file is empty")
        while len(text) < _HEAD_MAX_CHARS and _nonblank_lines(text, 50) < 50:
            more = self.lines.next_block()
            if more is None:
                break
            text += more
        self.delim = delim = _sniff_delimiter(text)
        if delim != ",":
            self._comma_cell = _block_search(delim, r"[+-]?\d*,\d+(?:[eE][+-]?\d+)?")
            self._dot_cell = _block_search(delim, r"[+-]?\d*\.\d+(?:[eE][+-]?\d+)?")
        self.lines.push(text)
        records = list(self._records())
        while len(records) < 2:
            more = self.lines.next_block()
            if more is None:
                break
            self.lines.push(more)
            records += self._records()
        if not records:
            raise DatasetError(f"{shown}: the file is empty")
        if delim != ",":
            for n, r in records[1:]:
                self._scan_decimals(n, r)

        first_line, first = records[0]
        if all(c != "" and self._is_num(c) for c in first):
            if len(first) != 3:
                raise DatasetError(
                    f"{shown}: line {first_line}: no header row; a file without a header must "
                    f"have exactly 3 numeric columns (x1, x2, y), this one has {len(first)}"
                )
            header = ["x1", "x2", "y"]
            body = records
        else:
            header = list(first)
            while header and header[-1] == "":
                header.pop()  # a trailing delimiter on the header line
            if len(header) < 2:
                raise DatasetError(
                    f"{shown}: line {first_line}: the header names {len(header)} column(s); "
                    "a dataset needs two features and a label"
                )
            body = records[1:]
            if any(h == "" for h in header):
                col = header.index("") + 1
                raise DatasetError(f"{shown}: line {first_line}: column {col} has no name")
            seen: dict[str, int] = {}
            for i, h in enumerate(header):  # duplicate names become "name.2", …
                seen[h] = seen.get(h, 0) + 1
                if seen[h] > 1:
                    header[i] = f"{h}.{seen[h]}"
        self.header = header
        self.ncol = ncol = len(header)
        if not body:
            raise DatasetError(f"{shown}: has a header row but no data rows")
        for n, r in body:
            self._fit(n, r)
        self.head_rows = body
        # which columns are numeric: most of their non-empty cells in the head are numbers
        self.numeric = []
        for j in range(ncol):
            cells = [r[j] for _, r in body if r[j] != ""]
            self.numeric.append(bool(cells) and sum(map(self._is_num, cells)) * 2 > len(cells))

    def _is_num(self, cell: str) -> bool:
        return _parse_number(cell, self.decimal_comma) is not None

    # -- rows one by one (csv module) --------------------------------------------------
    def _records(self) -> Iterator[tuple[int, list[str]]]:
        """Records of the current block, stripped, blank ones skipped, with the number of
        their first line; a quoted field may pull in lines of the next block."""
        lines = self.lines
        reader = csv.reader(lines, delimiter=self.delim, skipinitialspace=True)
        count = 0
        while not lines.at_block_end:
            start = self.line = lines.consumed + 1
            try:
                raw = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise DatasetError(self._csv_message(start, exc)) from None
            cells = [c.strip() for c in raw]
            if any(cells):  # blank lines are skipped; numbering follows the file
                yield start, cells
            count += 1
            if count % _CANCEL_ROWS == 0:
                self._cancel_point()

    def _csv_message(self, line: int, exc: csv.Error) -> str:
        if "field larger than field limit" in str(exc):
            return (
                f"{self.shown}: line {line}: a field is longer than {self.field_limit:,} "
                "characters, the most a CSV field may hold"
            )
        return f"{self.shown}: line {line}: cannot be parsed as CSV ({exc})"

    def _fit(self, n: int, cells: list[str]) -> list[str]:
        while len(cells) > self.ncol and cells[-1] == "":
            cells.pop()  # trailing delimiters
        if len(cells) != self.ncol:
            raise DatasetError(
                f"{self.shown}: line {n} has {len(cells)} fields but the header has {self.ncol} "
                f"({_DELIM_NAMES[self.delim]}-separated)"
            )
        return cells

    def _scan_decimals(self, n: int, cells: list[str]) -> None:
        for c in cells:
            if "," in c:
                if self.first_comma is None and _COMMA_DECIMAL.match(c):
                    self.first_comma = (n, c)
                    self._decimal_mark()
            elif "." in c and self.first_dot is None and _DOT_DECIMAL.match(c):
                self.first_dot = (n, c)
                self._decimal_mark()

    def _decimal_mark(self) -> None:
        comma, dot = self.first_comma, self.first_dot
        if comma is not None and dot is not None:
            raise DatasetError(
                f"{self.shown}: mixes decimal commas (line {comma[0]}: {comma[1]!r}) and "
                f"decimal points (line {dot[0]}: {dot[1]!r}); use one of them"
            )
        self.decimal_comma = comma is not None
        self.marks_seen += 1

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """The current block's records, checked: the header's number of fields and one
        decimal mark."""
        scan = self.delim != ","
        for n, cells in self._records():
            self._fit(n, cells)
            if scan:
                self._scan_decimals(n, cells)
            yield n, cells

    # -- blocks at once (numpy) -------------------------------------------------------
    def fast(self, text: str) -> _Block | None:
        """``text`` ready for numpy's reader, or None when it needs the csv module:
        quotes, NUL, a line without the header's number of fields, an overlong line,
        or a decimal mark not yet settled."""
        if not _FAST or "\x00" in text:
            return None
        if "\r" in text:  # the csv module's line ends: "\r\n", "\r" and "\n"
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if '"' in text:
            if not _simple_quotes(text, self.delim):
                return None
            text = text.replace('"', "")
        numbers = text
        if self.delim != ",":
            if self.decimal_comma:
                if "." in text and self._dot_cell.search(text):
                    return None
                if "," in text:
                    numbers = text.replace(",", ".")
            else:
                if "," in text and self._comma_cell.search(text):
                    return None
                if self.first_dot is None and "." in text and self._dot_cell.search(text):
                    return None
        raw = text.encode("utf-8", "surrogatepass")
        u = np.frombuffer(raw, dtype=np.uint8)
        ends = np.flatnonzero(u == 10)
        if not text.endswith("\n"):
            ends = np.append(ends, len(raw))
        starts = np.empty_like(ends)
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
        lengths = ends - starts
        if int(lengths.max()) > self.field_limit:
            return None
        sep = ord(self.delim)
        counts = np.diff(np.searchsorted(np.flatnonzero(u == sep), ends), prepend=0)
        need = self.ncol - 1
        ok = counts == need
        if ok.all():
            rows = np.arange(len(ends))
        else:  # blank lines, or one trailing delimiter
            ok |= lengths == 0
            ok |= (counts == need + 1) & (u[np.maximum(ends - 1, 0)] == sep)
            if not ok.all():
                return None
            rows = np.flatnonzero(lengths > 0)
        return _Block(text, numbers, self.delim, len(ends), rows)


def _simple_quotes(text: str, delim: str) -> bool:
    """Whether every quote in ``text`` opens or closes a whole field with no quote,
    delimiter or line end inside (``"1.5"``, ``"cat"``, ``""``): removing the quotes
    then leaves the fields the csv module reads."""
    u = np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    q = np.flatnonzero(u == 34)
    if len(q) % 2:
        return False
    opening, closing = q[0::2], q[1::2]
    sep, end = ord(delim), len(u)
    before = np.where(opening > 0, u[np.maximum(opening - 1, 0)], 10)
    after = np.where(closing + 1 < end, u[np.minimum(closing + 1, end - 1)], 10)
    if not (((before == sep) | (before == 10)).all() and ((after == sep) | (after == 10)).all()):
        return False
    # no delimiter or line end between the quotes of a pair
    special = np.flatnonzero((u == sep) | (u == 10))
    inside = np.searchsorted(special, closing) - np.searchsorted(special, opening)
    return not inside.any()


def _nonblank_lines(text: str, enough: int) -> int:
    n = 0
    for line in text.splitlines():
        if line.strip():
            n += 1
            if n >= enough:
                break
    return n


def _loadtxt(text: str, delim: str, usecols: object, dtype: object, ndmin: int) -> np.ndarray:
    return np.loadtxt(
        io.StringIO(text),
        delimiter=delim,
        usecols=usecols,
        dtype=dtype,
        comments=None,
        quotechar=None,
        ndmin=ndmin,
    )


def _first_spellings(
    labels: np.ndarray,
) -> tuple[list[str], list[int], Callable[[np.ndarray], np.ndarray]]:
    """The distinct labels of a block, the row where each first appears, and a map
    from one number per distinct label to one number per row."""
    distinct = list(dict.fromkeys(labels.tolist()))
    if len(distinct) <= 8:
        masks = [labels == d for d in distinct]
        first = [int(np.argmax(m)) for m in masks]

        def per_row(values: np.ndarray) -> np.ndarray:
            out = np.empty(len(labels), dtype=values.dtype)
            for m, v in zip(masks, values, strict=True):
                out[m] = v
            return out

        return distinct, first, per_row
    uniq, first_at, inverse = np.unique(labels, return_index=True, return_inverse=True)
    return uniq.tolist(), first_at.tolist(), lambda values: values[inverse]


# -- CSV: load_csv -----------------------------------------------------------------------


class _Load:
    """Gathers two feature columns and the labels of a file, block by block.

    With ``wanted`` (two or three classes) the chosen classes are numbers 0, 1 (and 2)
    and only their rows are kept; without, a third class dooms the load (the arrays are
    dropped, only the classes and line-level errors are still gathered).
    """

    def __init__(
        self,
        table: _Table,
        feat_j: list[int],
        label_j: int,
        wanted: list[str] | None,
    ) -> None:
        self.t = table
        self.feat_j = feat_j
        self.label_j = label_j
        self.label_name = table.header[label_j]
        self.classes = _Classes()
        self.wanted = wanted
        self.kept = 2 if wanted is None else len(wanted)  # rows of classes 0 … kept-1 count
        if wanted is not None:  # the chosen classes are numbers 0, 1 (and 2), in order
            for w in wanted:
                self.classes.add(_value_key(w, table.decimal_comma), None)
        self.features: list[np.ndarray | None] = []  # (k, 2) per block, the rows kept
        self.codes: list[np.ndarray | None] = []  # their class numbers (0 … kept-1)
        self.rows = 0
        self.error: str | None = None  # the first bad value: reported after the classes
        self.doomed = False  # a third class and none chosen: the arrays are not needed
        self._cache: dict[str, int] = {}
        self._cache_marks = table.marks_seen

    def _drop_arrays(self) -> None:
        self.features.clear()
        self.codes.clear()

    def _code(self, name: str) -> int:
        if self._cache_marks != self.t.marks_seen:  # "1,5" is a number now
            self._cache.clear()
            self._cache_marks = self.t.marks_seen
        c = self._cache.get(name)
        if c is None:
            c = self.classes.add(_value_key(name, self.t.decimal_comma), name)
            if len(self._cache) < 10_000:
                self._cache[name] = c
        return c

    def _value(self, n: int, j: int, cell: str) -> float | str:
        """The cell's value, or what is wrong with it."""
        where = f"{self.t.shown}: line {n}, column {self.t.header[j]!r}"
        if cell == "":
            return f"{where}: the value is empty"
        v = _parse_number(cell, self.t.decimal_comma)
        if v is None:
            return f"{where}: {cell!r} is not a number"
        if not math.isfinite(v):
            return f"{where}: {cell!r} is not a finite number"
        if abs(v) > MAX_ABS_VALUE:
            return (
                f"{where}: {cell!r} is too large; gd-visualizer supports values from "
                f"-{MAX_ABS_VALUE:g} to {MAX_ABS_VALUE:g} (rescale the column: other units)"
            )
        return v

    def rows_in(self, records: Iterator[tuple[int, list[str]]]) -> None:
        """Rows one by one (the head, and blocks numpy cannot take)."""
        xs: list[float] = []
        cs: list[int] = []
        label_j, feat_j, wanted = self.label_j, self.feat_j, self.wanted is not None
        kept = self.kept
        for n, cells in records:
            self.rows += 1
            name = cells[label_j]
            if name == "":
                raise DatasetError(
                    f"{self.t.shown}: line {n}, column {self.label_name!r}: the label is empty"
                )
            c = self._code(name)
            if not 0 <= c < kept:
                if not wanted and not self.doomed:
                    self.doomed = True
                    self._drop_arrays()
                    xs, cs = [], []
                continue
            if self.doomed or self.error is not None:
                continue
            a = self._value(n, feat_j[0], cells[feat_j[0]])
            b = self._value(n, feat_j[1], cells[feat_j[1]])
            if isinstance(a, str) or isinstance(b, str):
                self.error = a if isinstance(a, str) else b  # type: ignore[assignment]
                self._drop_arrays()
                xs, cs = [], []
                continue
            xs += (a, b)
            cs.append(c)
        if cs and not self.doomed and self.error is None:
            self.features.append(np.array(xs, dtype=np.float64).reshape(-1, 2))
            self.codes.append(np.array(cs, dtype=np.uint8))

    def _parse(self, blk: _Block, need_x: bool) -> tuple | None:
        """A block's features (when needed) and its distinct labels: their names (first
        spellings), keys, first rows and a map to one number per row; None when numpy
        cannot parse it exactly."""
        t, k = self.t, len(blk.rows)
        F = None
        try:  # numeric labels: no Python string per row
            cols = (*self.feat_j, self.label_j) if need_x else self.label_j
            A = _loadtxt(blk.numbers, t.delim, cols, np.float64, 2 if need_x else 1)
        except ValueError:
            A = None
        if A is not None and A.shape[0] == k:
            L = A[:, 2] if need_x else A
            if np.isfinite(L).all():
                uniq, first_at, inverse = np.unique(L, return_index=True, return_inverse=True)
                first = first_at.tolist()
                keys = [("num", float(v) + 0.0) for v in uniq]
                names = [self._name(key, blk, i) for key, i in zip(keys, first, strict=True)]
                if need_x:
                    F = np.ascontiguousarray(A[:, :2])
                return F, names, keys, first, lambda values: values[inverse]
        try:
            labels = _loadtxt(blk.text, t.delim, self.label_j, object, 1)
            if need_x:
                F = _loadtxt(blk.numbers, t.delim, self.feat_j, np.float64, 2)
        except ValueError:
            return None
        if labels.shape[0] != k or (F is not None and F.shape[0] != k):
            return None
        distinct, first, per_row = _first_spellings(labels)
        names = [d.strip() for d in distinct]
        if "" in names:
            return None  # an empty label: the row-by-row path names its line
        keys = [_value_key(s, t.decimal_comma) for s in names]
        return F, names, keys, first, per_row

    def _labels_present(self, blk: _Block) -> bool:
        """No empty label in the block (all that matters once the classes are too many)."""
        t, k = self.t, len(blk.rows)
        try:
            labels = _loadtxt(blk.numbers, t.delim, self.label_j, np.float64, 1)
        except ValueError:
            try:
                labels = _loadtxt(blk.text, t.delim, self.label_j, object, 1)
            except ValueError:
                return False
            if any(not s.strip() for s in set(labels.tolist())):
                return False
        if len(labels) != k:
            return False
        self.rows += k
        return True

    def _name(self, key: tuple[str, object], blk: _Block, i: int) -> str:
        """The name of a class (looked up in the block only when it is new)."""
        c = self.classes.code.get(key)
        if c is not None and self.classes.names[c] is not None:
            return self.classes.names[c]  # type: ignore[return-value]
        if c is None and self.classes.too_many:
            return ""  # not remembered anyway
        return blk.cell(i, self.label_j)

    def block(self, blk: _Block) -> bool:
        """A clean block at once; False (nothing changed) sends it to :meth:`rows_in`."""
        k = len(blk.rows)
        if k == 0:  # blank lines only (numpy would warn that there is no data)
            return True
        if self.doomed and self.classes.too_many:  # the outcome is settled: only a
            return self._labels_present(blk)  # line-level error could still come
        need_x = not self.doomed and self.error is None
        parsed = self._parse(blk, need_x)
        if parsed is None:
            return False
        F, names, keys, first, per_row = parsed
        code = self.classes.code
        wanted = self.wanted is not None
        if need_x:
            if wanted:  # only the rows of the chosen classes count
                kept = np.array([0 <= code.get(k_, -1) < self.kept for k_ in keys])
                keep = per_row(kept)
                bad = ~(np.abs(F) <= MAX_ABS_VALUE)
                if bad.any() and (bad.any(axis=1) & keep).any():
                    return False
            elif not (np.abs(F) <= MAX_ABS_VALUE).all():
                return False  # not finite, or too large: the row-by-row path says where
        # register new classes in order of appearance, then number the rows
        numbers = [0] * len(keys)
        for i in sorted(range(len(keys)), key=first.__getitem__):
            numbers[i] = self.classes.add(keys[i], names[i])
        self.rows += k
        if not wanted and any(not 0 <= c <= 1 for c in numbers):
            if not self.doomed:
                self.doomed = True
                self._drop_arrays()
            return True
        if not need_x:
            return True
        codes = per_row(np.array(numbers, dtype=np.int32))
        if wanted:
            keep = (codes >= 0) & (codes < self.kept)  # -1: a class beyond the cap
            if not keep.all():
                F, codes = F[keep], codes[keep]
        if len(codes):
            self.features.append(F)
            self.codes.append(codes.astype(np.uint8))
        return True

    def result(self, path: Path) -> Dataset:
        t, cl = self.t, self.classes
        shown, label = t.shown, self.label_name
        seen = cl.seen()
        if self.wanted is not None:
            if self.kept == 3 and len(seen) < 3 and not cl.too_many:
                raise DatasetError(
                    f"{shown}: column {label!r} has only {len(seen)} "
                    f"{'class' if len(seen) == 1 else 'classes'} ({cl.listing(seen, limit=20)}), "
                    f"so three ({', '.join(self.wanted)}) cannot be kept; "
                    "choose two different classes"
                )
            for c in range(self.kept):
                if cl.names[c] is None:
                    listing = cl.listing(seen, limit=20)
                    raise DatasetError(
                        f"{shown}: column {label!r} has no class {self.wanted[c]!r} "
                        f"(classes: {listing})"
                    )
            names = list(range(self.kept))  # Y is the class number: the wanted order
        else:
            if len(seen) == 1:
                raise DatasetError(
                    f"{shown}: column {label!r} has a single class ({cl.names[0]}); "
                    "logistic regression needs two"
                )
            if len(seen) > 2 or cl.too_many:
                count = f"more than {len(seen):,}" if cl.too_many else f"{len(seen)}"
                three = "all three" if len(seen) == 3 and not cl.too_many else "three"
                raise DatasetError(
                    f"{shown}: column {label!r} has {count} classes "
                    f"({cl.listing(seen)}); choose two of them, or {three}"
                )
            names = cl.ordered([0, 1])  # [negative, positive]
        if self.error is not None:
            raise DatasetError(self.error)
        m = sum(len(c) for c in self.codes if c is not None)
        X = np.empty((2, m), dtype=np.float64)
        at = 0
        for i, F in enumerate(self.features):  # freed as copied: memory peaks at ~1.4×
            assert F is not None
            X[:, at : at + len(F)] = F.T
            at += len(F)
            self.features[i] = None
        Y = np.empty((1, m), dtype=np.float64)
        at = 0
        for codes in self.codes:
            assert codes is not None
            if self.wanted is None:  # two classes, numbered as they came: 1 where positive
                np.equal(codes, names[1], out=Y[0, at : at + len(codes)], casting="unsafe")
            else:  # the class number is the label: its place in the wanted order
                Y[0, at : at + len(codes)] = codes
            at += len(codes)
        self.codes.clear()
        return Dataset(
            X=X,
            Y=Y,
            feature_names=(t.header[self.feat_j[0]], t.header[self.feat_j[1]]),
            class_names=tuple(str(cl.names[c]) for c in names),
            name=path.stem,
            source=shown,
            notes=("decimal commas read as decimal points",) if t.decimal_comma else (),
        )


# -- CSV: inspect_csv -----------------------------------------------------------------------


class _Inspect:
    """Counts, per column, the numeric cells and the distinct values (up to 20)."""

    def __init__(self, table: _Table) -> None:
        self.t = table
        n = table.ncol
        self.nonempty = [0] * n
        self.numbers = [0] * n
        self.classes = [_Classes(cap=20) for _ in range(n)]

    def rows_in(self, records: Iterator[tuple[int, list[str]]]) -> None:
        t, nonempty, numbers, classes = self.t, self.nonempty, self.numbers, self.classes
        for _n, cells in records:
            comma = t.decimal_comma
            for j, c in enumerate(cells):
                if c:
                    nonempty[j] += 1
                    if _parse_number(c, comma) is not None:
                        numbers[j] += 1
                    if not classes[j].too_many:
                        classes[j].add(_value_key(c, comma), c)

    def block(self, blk: _Block) -> bool:
        t = self.t
        k = len(blk.rows)
        if k == 0:
            return True
        comma = t.decimal_comma
        if not comma and self._numbers(blk):
            return True
        try:
            A = _loadtxt(blk.text, t.delim, range(t.ncol), object, 2)
        except ValueError:
            return False
        if A.shape[0] != k:
            return False
        for j in range(t.ncol):
            col = A[:, j]
            cl = self.classes[j]
            try:
                values = col.astype(np.float64)  # float() of every cell: all numbers?
            except ValueError:
                values = None
            if values is not None and not comma and np.isfinite(values).all():
                self.nonempty[j] += k
                self.numbers[j] += k
                if not cl.too_many:
                    uniq, first_at = np.unique(values, return_index=True)
                    if len(uniq) > 20:
                        cl.too_many = True
                    else:
                        for i in np.sort(first_at):
                            s = col[i].strip()
                            cl.add(_value_key(s, comma), s)
                continue
            for raw, c in Counter(col.tolist()).items():  # in order of appearance
                s = raw.strip()
                if not s:
                    continue
                self.nonempty[j] += c
                if _parse_number(s, comma) is not None:
                    self.numbers[j] += c
                if not cl.too_many:
                    cl.add(_value_key(s, comma), s)
        return True

    def _numbers(self, blk: _Block) -> bool:
        """A block of finite numbers only (no Python string per cell)."""
        t, k = self.t, len(blk.rows)
        try:
            A = _loadtxt(blk.text, t.delim, range(t.ncol), np.float64, 2)
        except ValueError:
            return False
        if A.shape[0] != k or not np.isfinite(A).all():
            return False
        for j, cl in enumerate(self.classes):
            self.nonempty[j] += k
            self.numbers[j] += k
            if not cl.too_many:
                uniq, first_at = np.unique(A[:, j], return_index=True)
                if len(uniq) > 20:
                    cl.too_many = True
                    continue
                for i in np.sort(first_at).tolist():
                    key = ("num", float(A[i, j]) + 0.0)
                    if key not in cl.code:
                        cl.add(key, blk.cell(i, j))
        return True

    def result(self, path: Path) -> CsvInfo:
        t = self.t
        numeric = tuple(
            n > 0 and k * 2 > n for n, k in zip(self.nonempty, self.numbers, strict=True)
        )
        classes: dict[str, tuple[str, ...]] = {}
        for name, cl in zip(t.header, self.classes, strict=True):
            if not cl.too_many:
                classes[name] = tuple(str(cl.names[c]) for c in cl.ordered(cl.seen()))
        return CsvInfo(str(path), tuple(t.header), numeric, classes)


@dataclass(frozen=True)
class CsvInfo:
    """What a column picker needs to know about a CSV file."""

    path: str
    columns: tuple[str, ...]
    numeric: tuple[bool, ...]
    classes: dict[str, tuple[str, ...]]  # column -> its classes (when at most 20), in order


def _read(
    path: str | os.PathLike[str],
    cancel: Cancel,
    sink: Callable[[_Table], _Load | _Inspect],
) -> object:
    """Stream ``path`` through a sink; only :class:`DatasetError` escapes."""
    cancelled = _cancel_check(cancel)
    file_path = Path(path)
    shown = str(file_path)
    for latin1 in (False, True):
        file: _File | None = None
        table: _Table | None = None
        try:
            file = _File(file_path, shown, cancelled, latin1)
            table = _Table(file)
            consumer = sink(table)
            consumer.rows_in(iter(table.head_rows))
            while (text := table.lines.next_block()) is not None:
                table._cancel_point()
                table.line = table.lines.consumed + 1
                blk = table.fast(text)
                if blk is not None and consumer.block(blk):  # type: ignore[arg-type]
                    table.lines.consumed += blk.nlines
                    continue
                table.lines.push(text)
                consumer.rows_in(table.rows())
            table.line = 0
            return consumer.result(file_path)
        except _NotUtf8:
            continue  # read it again, as Latin-1 (every byte is a character)
        except DatasetError:
            raise
        except MemoryError:
            raise DatasetError(f"{shown}: not enough memory to load it") from None
        except Exception as exc:  # a bug: still a message that names the file and line
            where = f"line {table.line}: " if table is not None and table.line else ""
            raise DatasetError(
                f"{shown}: {where}could not be read ({type(exc).__name__}: {exc})"
            ) from exc
        finally:
            if file is not None:
                file.close()
    raise AssertionError("unreachable: Latin-1 decodes every byte")


def inspect_csv(path: str | os.PathLike[str], *, cancel: Cancel = None) -> CsvInfo:
    """Columns of a CSV file for a column picker: names, which are numeric, and the
    classes of each column with at most 20 (merged as :func:`load_csv` merges them,
    each named by its first spelling in the file).

    ``cancel`` (a ``threading.Event`` or a callable returning True) stops the reading
    with :class:`LoadCancelled`; it is looked at every few milliseconds.
    """
    return _read(path, cancel, _Inspect)  # type: ignore[return-value]


def load_csv(
    path: str | os.PathLike[str],
    features: Sequence[str] | None = None,
    label: str | None = None,
    classes: Sequence[str] | None = None,
    *,
    cancel: Cancel = None,
) -> Dataset:
    """Load a 2-feature dataset of two (or three) classes from a CSV file.

    A header row names the columns; a headerless file of exactly three numeric
    columns is read as x1, x2, y.  ``features`` picks two numeric columns and
    ``label`` the label column (defaults: the last column is the label, the
    features the first two numeric columns other than it; "numeric" is judged on
    the first lines of the file).  Labels may be 0/1, -1/1, true/false, yes/no or
    any two strings (sorted, first -> 0); spellings of one value are one class
    (1, 1.0 and 01; TRUE and true) named by its first spelling in the file.  With
    more than two classes, ``classes=(a, b)`` keeps those rows, a -> 0 and b -> 1,
    and ``classes=(a, b, c)`` keeps three, a -> 0, b -> 1 and c -> 2 (a dataset for
    softmax regression); without ``classes`` a third class is an error that asks
    for them.  Comma, semicolon and tab delimiters, quotes, a UTF-8 BOM, CRLF line
    ends, Latin-1 text and decimal commas (with a semicolon or tab delimiter) are
    accepted.  Feature values must lie within ±:data:`MAX_ABS_VALUE`.

    ``cancel`` (a ``threading.Event`` or a callable returning True) stops the
    loading with :class:`LoadCancelled`; it is looked at every few milliseconds.
    Anything else wrong raises :class:`DatasetError` naming the file, the 1-based
    line and the column.
    """

    def choose(t: _Table) -> _Load:
        shown, header, numeric, ncol = t.shown, t.header, t.numeric, t.ncol

        def column(name: str, role: str) -> int:
            if name not in header:
                raise DatasetError(
                    f"{shown}: no column named {name!r} for the {role} "
                    f"(columns: {', '.join(header)})"
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
        wanted = None
        if classes is not None:
            wanted = [str(c).strip() for c in classes]
            if len(wanted) not in (2, 3) or len(set(wanted)) != len(wanted):
                raise DatasetError(
                    f"{shown}: choose two different classes (or three), got {list(classes)}"
                )
            keys = [_value_key(w, t.decimal_comma) for w in wanted]
            for i, j in ((0, 1), (0, 2), (1, 2))[: 1 if len(wanted) == 2 else 3]:
                if keys[i] == keys[j]:
                    kind, v = keys[i]
                    what = (
                        f"both are the number {_show_number(v)}"  # type: ignore[arg-type]
                        if kind == "num"
                        else f"both mean {'true' if v else 'false'}"
                    )
                    raise DatasetError(
                        f"{shown}: classes {wanted[i]!r} and {wanted[j]!r} are one label value "
                        f"({what}); choose {'two' if len(wanted) == 2 else 'three'} "
                        "different classes"
                    )
        return _Load(t, feat_j, label_j, wanted)

    return _read(path, cancel, choose)  # type: ignore[return-value]


def _show_number(v: float) -> str:
    return str(int(v)) if v.is_integer() and abs(v) < 1e16 else repr(v)
