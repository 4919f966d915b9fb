"""Pauses of Python's cyclic garbage collector, kept off the window's frames.

A full collection walks every object the collector tracks, holding the GIL: every
thread waits, the GUI thread's frame included.  Measured on the slower 2-core AMD EPYC:
25 ms for the ~80,000 objects of the app with its window up, 70 ms once numba is loaded
(~170,000); while numba loaded on the trainer thread, the collector ran full collections
of 17, 43 and 71 ms, the longest GUI stalls of the benchmark's loading cases.

Most of those objects live as long as the process (modules, classes, the window's
widgets, numba's compiled code).  :func:`freeze_long_lived` moves what exists into the
collector's permanent generation (``gc.freeze``), which no collection walks again; the
app calls it once its window is up, and :func:`made_for_life` freezes what a long load
made (numba's) when the app asked for it.  Reference counting frees everything as
before; only a reference cycle among frozen objects that becomes garbage later is never
collected, which for objects kept for the process's life costs nothing.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_starting = False  # the app is starting: no collection until freeze_long_lived
_loading = 0  # made_for_life blocks running now, in any thread
_was_enabled: bool | None = None  # the collector's state before a pause began
_freezing = False  # the app asked for it (tests and the export command do not)


def _pause_or_resume() -> None:
    """The collector off while the app starts or a long load runs, else as it was
    (with ``_lock`` held)."""
    global _was_enabled
    pause = _starting or _loading > 0
    if pause and _was_enabled is None:
        _was_enabled = gc.isenabled()
        gc.disable()
    elif not pause and _was_enabled is not None:
        if _was_enabled:
            gc.enable()
        _was_enabled = None


@contextmanager
def starting() -> Iterator[None]:
    """The app is starting: no collection until :func:`freeze_long_lived` (its window
    up), or until the block ends (the app did not open: bad input, no display).

    Nearly all it makes until its window is up is kept for the process's life (modules,
    classes, widgets): the ~166 collections that would run meanwhile (~30 ms on the
    slower EPYC, one of them a full one) would find almost nothing to free."""
    global _starting
    with _lock:
        _starting = True
        _pause_or_resume()
    try:
        yield
    finally:
        with _lock:
            _starting = False
            _pause_or_resume()


def freeze_long_lived() -> None:
    """Freeze every object that exists now, and from now on what :func:`made_for_life`
    makes: later full collections skip them; the collector runs again if
    :func:`starting` paused it.  The app calls it once, with its window up."""
    global _freezing, _starting
    with _lock:
        _freezing = True
        gc.freeze()
        _starting = False
        _pause_or_resume()


def thaw() -> None:
    """Undo :func:`freeze_long_lived`: the frozen objects are collected again (for a
    process that opens and closes many windows, as the benchmark does)."""
    global _freezing
    with _lock:
        _freezing = False
        gc.unfreeze()


def freezing() -> bool:
    """Whether this process freezes its long-lived objects (:func:`freeze_long_lived`)."""
    return _freezing


@contextmanager
def made_for_life() -> Iterator[None]:
    """Run a block that makes objects kept for the process's life (importing numba,
    loading compiled kernels): no collection runs meanwhile, since each would walk what
    is being made, again and again as it grows; then they are frozen, if the process
    freezes (:func:`freeze_long_lived`).  Blocks may overlap in several threads: the
    collector runs again once the last one ends (if it ran before the first began)."""
    global _loading
    with _lock:
        _loading += 1
        _pause_or_resume()
    try:
        yield
    finally:
        with _lock:
            _loading -= 1
            if _loading == 0 and _freezing:
                gc.freeze()
            _pause_or_resume()
