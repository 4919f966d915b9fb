"""Cancellable loading: ``cancel`` (an Event or a callable) stops load_csv and inspect_csv
with LoadCancelled, looked at after every block of ~1 MB and every 1024 rows parsed one
by one, so a window closing while a big file loads waits only a moment."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from gd_visualizer.core import datasets as datasets_module
from gd_visualizer.core.datasets import DatasetError, LoadCancelled, inspect_csv, load_csv


def write_rows(path, m: int, quoted: bool) -> None:
    """m rows; ``quoted``: labels like "a""1" (a doubled quote) that only the csv module
    reads, so every row goes through the row-by-row path."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(m, 2)).round(4)
    y = (X.sum(axis=1) > 0).astype(int)
    fmt = '%.4f,%.4f,"a""%d"' if quoted else "%.4f,%.4f,%d"
    with open(path, "w") as fh:
        fh.write("u,v,label\n")
        np.savetxt(fh, np.column_stack([X, y]), fmt=fmt.split(","), delimiter=",")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cancel")
    write_rows(d / "clean.csv", 1_000_000, quoted=False)
    write_rows(d / "quoted.csv", 300_000, quoted=True)
    return d / "clean.csv", d / "quoted.csv"


def test_cancelled_is_a_dataset_error():
    assert issubclass(LoadCancelled, DatasetError)


@pytest.mark.parametrize("fn", [load_csv, inspect_csv])
def test_already_cancelled(tmp_path, fn):
    p = tmp_path / "d.csv"
    p.write_text("a,b,y\n1,2,0\n3,4,1\n")
    stop = threading.Event()
    stop.set()
    with pytest.raises(LoadCancelled, match=rf"^loading {p} was cancelled$"):
        fn(p, cancel=stop)
    with pytest.raises(LoadCancelled):
        fn(p, cancel=lambda: True)
    assert fn(p, cancel=threading.Event()) is not None  # never set: loads


def test_cancel_must_be_an_event_or_a_callable(tmp_path):
    with pytest.raises(TypeError, match="cancel must be"):
        load_csv(tmp_path / "d.csv", cancel=True)


@pytest.mark.parametrize("which", ["clean", "quoted"])
@pytest.mark.parametrize("fn", [load_csv, inspect_csv])
def test_event_set_from_another_thread_stops_within_a_second(files, which, fn):
    path = files[0] if which == "clean" else files[1]
    stop, started = threading.Event(), threading.Event()
    outcome: list[BaseException | object] = []

    def cancel() -> bool:
        started.set()
        return stop.is_set()

    def work() -> None:
        try:
            outcome.append(fn(path, cancel=cancel))
        except BaseException as exc:  # recorded for the assertion below
            outcome.append(exc)

    thread = threading.Thread(target=work, name="loader-under-test", daemon=True)
    thread.start()
    assert started.wait(timeout=30)  # the file is being read
    stop.set()
    t0 = time.perf_counter()
    thread.join(timeout=1.0)
    waited = time.perf_counter() - t0
    assert not thread.is_alive(), "the loader did not stop within 1 s of the event"
    assert waited < 1.0
    assert len(outcome) == 1 and isinstance(outcome[0], LoadCancelled), outcome


@pytest.mark.parametrize("fn", [load_csv, inspect_csv])
def test_cancel_is_looked_at_often(files, fn, monkeypatch):
    """At least once per block of ~1 MB (numpy) and per 1024 rows (csv module)."""
    clean, quoted = files
    calls = [0]

    def cancel() -> bool:
        calls[0] += 1
        return False

    fn(clean, cancel=cancel)
    assert calls[0] >= clean.stat().st_size / datasets_module._BLOCK_BYTES
    calls[0] = 0
    fn(quoted, cancel=cancel)
    assert calls[0] >= 300_000 / datasets_module._CANCEL_ROWS


def test_cancel_after_some_blocks(files):
    """A callable that turns True midway: nothing half-loaded comes back."""
    clean, _ = files
    calls = [0]

    def cancel() -> bool:
        calls[0] += 1
        return calls[0] > 5

    with pytest.raises(LoadCancelled):
        load_csv(clean, cancel=cancel)
    assert calls[0] == 6
