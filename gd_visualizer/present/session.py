"""Sessions: everything on screen in one JSON file (``.gdviz``) — the data, every setting,
every run with its history, the shown iteration — written and read back exactly; Qt-free.

A run is restored by training it again with the learning rate of each recorded update (the
trainer is deterministic, so the history comes back to the last bit); the saved history is
kept to check that.  A file from a newer version, a truncated, hand-edited or huge one is
refused with a message naming what is wrong and where.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core import (
    DATASETS,
    MULTICLASS_DATASETS,
    OPTIMIZERS,
    Dataset,
    DatasetError,
    HistoryView,
    make_dataset,
)
from ..core.logistic import LOSSES
from ..core.multiclass import theta_size
from ..core.surface import slice_keys
from ..model.run import HISTORY_FIELDS, MAX_ITERATIONS, MAX_RUNS
from .files import shown, whole_file

FORMAT = "gd-visualizer session"
VERSION = 1
SUFFIX = ".gdviz"
#: a session file larger than this is refused (a history of 10⁵ entries is ~20 MB)
MAX_BYTES = 200 * 2**20
#: the step panel's tabs a lesson may open, in the panel's order
LESSON_PANELS = ("graph", "warmup", "slope", "loss", "loop")


def lesson_files() -> list[Path]:
    """The lessons shipped in resources/lessons, in their numbered order."""
    from ..resources import resources_dir

    folder = resources_dir() / "lessons"
    return sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []


def lesson_title(path: Path) -> str:
    """A lesson file's title (its file name when it cannot be read)."""
    try:
        return read_session(path).lesson.get("title") or path.stem
    except SessionError:
        return path.stem


class SessionError(Exception):
    """A session that cannot be read or written; the message says what and where."""


@dataclass(frozen=True)
class RunState:
    """One run: its settings and its recorded history."""

    learning_rate: float
    budget: int
    optimizer: str = "gd"
    batch_size: int | None = None
    visible: bool = True
    history: HistoryView | None = None

    @property
    def rates(self) -> tuple[float, ...]:
        """The learning rate of each update made (the replay's schedule)."""
        h = self.history
        if h is None or len(h) < 2:
            return ()
        return tuple(float(v) for v in h.learning_rates[:-1])


@dataclass(frozen=True)
class Session:
    """What a window shows, as a file holds it."""

    data: dict  # {"kind": "builtin", name, samples, noise, seed} or {"kind": "points", …}
    runs: tuple[RunState, ...]
    standardize: bool = True
    crosses: bool = False
    loss: str = "cross_entropy"
    lambd: float = 0.0
    speed: float = math.inf
    slice_key: str = "w1-w2"
    log_scale: bool = False
    through_end: bool = False
    sample: int = 0
    selected: int = 0
    shown: int | None = None  # the scrubber's entry (None: the newest)
    start: tuple[tuple[float, ...], float] = ((0.0, 0.0), 0.0)
    #: a lesson's {"title", "text"} and, optionally, "panel": the step panel's tab to open
    lesson: dict = field(default_factory=dict)


# -- data ------------------------------------------------------------------------------------
def session_classes(data: dict) -> int:
    """How many classes a session's data has (read as :meth:`_Reader.data` returns it)."""
    if data["kind"] == "builtin":
        return 3 if data["name"] in MULTICLASS_DATASETS else 2
    return len(data["class_names"])


def builtin_data(name: str, samples: int, noise: float | None, seed: int) -> dict:
    return {"kind": "builtin", "name": name, "samples": samples, "noise": noise, "seed": seed}


def points_data(ds: Dataset) -> dict:
    """A dataset by its points (a file, an edited or a drawn dataset: self-contained)."""
    return {
        "kind": "points",
        "name": ds.name,
        "feature_names": list(ds.feature_names),
        "class_names": list(ds.class_names),
        "x1": ds.X[0].tolist(),
        "x2": ds.X[1].tolist(),
        "labels": [int(v) for v in ds.Y[0]],
        "notes": list(ds.notes),
        "source": ds.source,
    }


def session_dataset(session: Session) -> Dataset:
    """The dataset a session was made on."""
    d = session.data
    if d["kind"] == "builtin":
        try:
            return make_dataset(d["name"], d["samples"], d["noise"], d["seed"])
        except DatasetError as exc:
            raise SessionError(f"data: {exc}") from None
    X = np.array([d["x1"], d["x2"]], dtype=float).reshape(2, -1)
    Y = np.array(d["labels"], dtype=float).reshape(1, -1)
    return Dataset(
        X,
        Y,
        tuple(d["feature_names"]),
        tuple(d["class_names"]),
        name=d["name"],
        source=d.get("source"),
        notes=tuple(d.get("notes", ())),
    )


# -- writing ---------------------------------------------------------------------------------
def _history_json(h: HistoryView) -> dict:
    return {key: np.asarray(getattr(h, key)).tolist() for key in HISTORY_FIELDS} | {
        "stride": int(h.stride)
    }


def session_json(s: Session) -> str:
    """The session as the file's text (floats written to round-trip exactly)."""
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "data": s.data,
        "settings": {
            "standardize": s.standardize,
            "crosses": s.crosses,
            "loss": s.loss,
            "lambd": s.lambd,
            "speed": None if math.isinf(s.speed) else s.speed,
            "slice": s.slice_key,
            "log_scale": s.log_scale,
            "through_end": s.through_end,
            "sample": s.sample,
        },
        "start": {"w": list(s.start[0]), "b": s.start[1]},
        "runs": [
            {
                "learning_rate": r.learning_rate,
                "budget": r.budget,
                "optimizer": r.optimizer,
                "batch_size": r.batch_size,
                "visible": r.visible,
                "history": None if r.history is None else _history_json(r.history),
            }
            for r in s.runs
        ],
        "selected": s.selected,
        "shown": s.shown,
    }
    if s.lesson:
        doc["lesson"] = s.lesson
    return json.dumps(doc, allow_nan=False, separators=(",", ":"))


def write_session(path: str | os.PathLike[str], s: Session) -> None:
    """Write the file whole (an earlier one is replaced only once the new one is complete)."""
    path = Path(path)
    try:
        text = session_json(s)
    except ValueError as exc:  # a non-finite number (a run that diverged)
        raise SessionError(f"{shown(path)}: cannot be written: {exc}") from None
    try:
        with whole_file(path) as fh:
            fh.write(text.encode("utf-8"))
    except OSError as exc:
        raise SessionError(f"{shown(path)}: could not be written ({exc.strerror or exc})") from None


# -- reading ---------------------------------------------------------------------------------
def read_session(path: str | os.PathLike[str]) -> Session:
    """The session in ``path``; SessionError says what is wrong and where."""
    path = Path(path)
    name = shown(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise SessionError(f"{name}: not a file")
        if size > MAX_BYTES:
            raise SessionError(f"{name}: {size / 2**20:.0f} MB is too large for a session")
        raw = path.read_bytes()
    except OSError as exc:
        raise SessionError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    return parse_session(raw, name)


def parse_session(raw: bytes | str, name: str = "session") -> Session:
    try:
        doc = json.loads(raw)
    except UnicodeDecodeError:
        raise SessionError(f"{name}: not a session file (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise SessionError(
            f"{name}: not a session file, or cut short: {exc.msg} at line {exc.lineno}, "
            f"column {exc.colno}"
        ) from None
    r = _Reader(name)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise SessionError(f'{name}: not a gd-visualizer session (no "format": "{FORMAT}")')
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise SessionError(f'{name}: "version" must be a whole number')
    if version > VERSION:
        raise SessionError(
            f"{name}: made by a newer gd-visualizer (session version {version}); this one "
            f"reads version {VERSION} — update gd-visualizer to open it"
        )
    data = r.data(r.get(doc, "data", dict, "data"))
    settings = r.get(doc, "settings", dict, "settings")
    start = r.get(doc, "start", dict, "start")
    runs = r.get(doc, "runs", list, "runs")
    if not 1 <= len(runs) <= MAX_RUNS:
        raise SessionError(f"{name}: runs: 1 to {MAX_RUNS} runs, found {len(runs)}")
    states = tuple(r.run(run, f"runs[{i}]") for i, run in enumerate(runs))
    n_x = 5 if r.get(settings, "crosses", bool, "settings.crosses") else 2
    classes = session_classes(data)
    if classes > 2:  # softmax regression on the two features: θ = (W, b), w = θ[:-1]
        n_x = theta_size(classes, 2) - 1
    w = r.floats(r.get(start, "w", list, "start.w"), "start.w", n_x)
    selected = r.get(doc, "selected", int, "selected")
    if not 0 <= selected < len(states):
        raise SessionError(f"{name}: selected: no run {selected} (there are {len(states)})")
    shown_at = doc.get("shown")
    if shown_at is not None and (not isinstance(shown_at, int) or shown_at < 0):
        raise SessionError(f"{name}: shown must be null or an entry number ≥ 0")
    speed = settings.get("speed")
    loss = r.get(settings, "loss", str, "settings.loss")
    if loss not in LOSSES:
        raise SessionError(f"{name}: settings.loss: unknown loss {loss!r}")
    if classes > 2 and loss != "cross_entropy":
        raise SessionError(
            f"{name}: settings.loss: three classes train by softmax regression with the "
            f"cross-entropy, found {loss!r}"
        )
    slice_key = r.get(settings, "slice", str, "settings.slice")
    keys = slice_keys(2 if classes > 2 or n_x == 2 else 5, classes)
    if slice_key not in keys:
        raise SessionError(
            f"{name}: settings.slice: no slice {slice_key!r} of these parameters; "
            f"one of {', '.join(keys[:6])}{' …' if len(keys) > 6 else ''}"
        )
    return Session(
        data=data,
        runs=states,
        standardize=r.get(settings, "standardize", bool, "settings.standardize"),
        crosses=n_x == 5 and classes == 2,
        loss=loss,
        lambd=r.number(settings.get("lambd"), "settings.lambd", low=0.0),
        speed=math.inf if speed is None else r.number(speed, "settings.speed", low=0.0),
        slice_key=slice_key,
        log_scale=r.get(settings, "log_scale", bool, "settings.log_scale"),
        through_end=r.get(settings, "through_end", bool, "settings.through_end"),
        sample=r.get(settings, "sample", int, "settings.sample"),
        selected=selected,
        shown=shown_at,
        start=(tuple(w), r.number(start.get("b"), "start.b")),
        lesson=r.lesson(doc.get("lesson")),
    )


class _Reader:
    """Checks of one file's values; each failure names the file and the value's place."""

    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, where: str, what: str) -> SessionError:
        return SessionError(f"{self.name}: {where}: {what}")

    def get(self, d: dict, key: str, kind: type, where: str):
        if key not in d:
            raise self.fail(where, "missing")
        v = d[key]
        if kind is int and (isinstance(v, bool) or not isinstance(v, int)):
            raise self.fail(where, f"must be a whole number, found {type(v).__name__}")
        if not isinstance(v, kind):
            raise self.fail(where, f"must be {kind.__name__}, found {type(v).__name__}")
        return v

    def number(self, v, where: str, low: float | None = None) -> float:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise self.fail(where, f"must be a finite number, found {v!r}"[:200])
        if low is not None and v < low:
            raise self.fail(where, f"must be at least {low:g}, found {v!r}")
        return float(v)

    def floats(self, v: list, where: str, n: int | None = None) -> list[float]:
        if n is not None and len(v) != n:
            raise self.fail(where, f"must hold {n} numbers, found {len(v)}")
        return [self.number(x, f"{where}[{i}]") for i, x in enumerate(v)]

    def data(self, d: dict) -> dict:
        kind = d.get("kind")
        if kind == "builtin":
            name = self.get(d, "name", str, "data.name")
            if name not in DATASETS:
                raise self.fail("data.name", f"unknown built-in dataset {name!r}")
            samples = self.get(d, "samples", int, "data.samples")
            noise = d.get("noise")
            if noise is not None:
                noise = self.number(noise, "data.noise", low=0.0)
            seed = self.get(d, "seed", int, "data.seed")
            return builtin_data(name, samples, noise, seed)
        if kind != "points":
            raise self.fail("data.kind", 'must be "builtin" or "points"')
        x1 = self.floats(self.get(d, "x1", list, "data.x1"), "data.x1")
        x2 = self.floats(self.get(d, "x2", list, "data.x2"), "data.x2", len(x1))
        labels = self.get(d, "labels", list, "data.labels")
        names = self.get(d, "feature_names", list, "data.feature_names")
        classes = self.get(d, "class_names", list, "data.class_names")
        if (
            len(names) != 2
            or len(classes) not in (2, 3)
            or not all(isinstance(v, str) for v in (*names, *classes))
        ):
            raise self.fail("data", "feature_names must be two names, class_names two or three")
        codes = range(len(classes))
        if len(labels) != len(x1) or any(v not in codes or isinstance(v, bool) for v in labels):
            last = ", ".join(str(k) for k in codes)
            raise self.fail("data.labels", f"must be {len(x1)} labels, each one of {last}")
        return {
            "kind": "points",
            "name": str(d.get("name", "data")),
            "feature_names": names,
            "class_names": classes,
            "x1": x1,
            "x2": x2,
            "labels": labels,
            "notes": [str(v) for v in d.get("notes", [])],
            "source": d.get("source") if isinstance(d.get("source"), str) else None,
        }

    def run(self, d, where: str) -> RunState:
        if not isinstance(d, dict):
            raise self.fail(where, "must be an object")
        lr = self.number(d.get("learning_rate"), f"{where}.learning_rate")
        if lr <= 0:
            raise self.fail(f"{where}.learning_rate", "must be positive")
        budget = self.get(d, "budget", int, f"{where}.budget")
        if not 1 <= budget <= MAX_ITERATIONS:
            raise self.fail(f"{where}.budget", f"must be 1 … {MAX_ITERATIONS:,}")
        optimizer = self.get(d, "optimizer", str, f"{where}.optimizer")
        if optimizer not in OPTIMIZERS:
            raise self.fail(f"{where}.optimizer", f"unknown optimizer {optimizer!r}")
        batch = d.get("batch_size")
        if batch is not None and (
            not isinstance(batch, int) or isinstance(batch, bool) or batch < 1
        ):
            raise self.fail(f"{where}.batch_size", "must be null or a whole number ≥ 1")
        history = d.get("history")
        return RunState(
            learning_rate=lr,
            budget=budget,
            optimizer=optimizer,
            batch_size=batch,
            visible=bool(d.get("visible", True)),
            history=None if history is None else self.history(history, f"{where}.history"),
        )

    def history(self, d, where: str) -> HistoryView:
        if not isinstance(d, dict):
            raise self.fail(where, "must be an object")
        arrays = {}
        n = None
        for key in HISTORY_FIELDS:
            v = self.get(d, key, list, f"{where}.{key}")
            try:
                a = np.array(v, dtype=np.int64 if key == "iterations" else float)
            except (TypeError, ValueError, OverflowError):
                raise self.fail(f"{where}.{key}", "must hold numbers only") from None
            if n is None:
                n = len(a)
            if len(a) != n or (key in ("weights", "dws") and a.ndim != 2):
                raise self.fail(f"{where}.{key}", f"must hold {n} entries like the others")
            arrays[key] = a
        if not n:
            raise self.fail(where, "is empty")
        rates = arrays["learning_rates"]
        if not (np.all(np.isfinite(rates)) and np.all(rates > 0)):
            raise self.fail(f"{where}.learning_rates", "must be positive finite numbers")
        its = arrays["iterations"]
        if its[0] != 0 or np.any(np.diff(its) != 1):
            raise self.fail(f"{where}.iterations", "must count 0, 1, 2, … (a thinned history "
                            "cannot be replayed)")  # fmt: skip
        return HistoryView(**arrays, stride=1)

    def lesson(self, d) -> dict:
        if d is None:
            return {}
        if not isinstance(d, dict) or not all(isinstance(d.get(k), str) for k in ("title", "text")):
            raise self.fail("lesson", "must have a title and a text")
        panel = d.get("panel")
        if panel is not None and panel not in LESSON_PANELS:
            raise self.fail("lesson.panel", f"must be one of {', '.join(LESSON_PANELS)}")
        return {k: d[k] for k in ("title", "text", "panel") if d.get(k) is not None}
