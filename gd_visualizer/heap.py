"""Pauses of Python's cyclic garbage collector, kept off the window's frames.

A full collection walks every object the collector tracks, holding the GIL: every
thread waits, the GUI thread's frame included.  Measured on the slower 2-core AMD EPYC:
25 ms for the ~80,000 objects of the app with its window up, 70 ms once numba is loaded
(~170,000); while numba loaded on the trainer thread, the collector ran full collections
of 17, 43 and 71 ms, the longest GUI stalls of the benchmark's loading cases.

Most of those objects live as long as the process (modules, classes, the window's
widgets, numba's compiled code).  The app runs no collection while it starts
(:func:`starting`), then :func:`freeze_long_lived` collects once and moves every object
that is left into the collector's permanent generation (``gc.freeze``), which no
collection walks again.  A long load (numba's) runs with no collection either
(:func:`made_for_life`), and once the app froze its objects, what the load made is
frozen too.  A freeze takes every object alive in every thread.
Reference counting frees everything as before; only a reference cycle among frozen
objects that becomes garbage later is never collected (switching datasets six times
after the freeze left none), which for objects kept for good costs nothing.

Standard library only: the core, the window and the command lines all use it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.RLock()  # (a collection run under it may call back: finalizers)
_starting = 0  # starting() blocks running now
_window_up = False  # freeze_long_lived was called: the start is over
_loading = 0  # made_for_life blocks running now, in any thread
_was_enabled: bool | None = None  # the collector's state before a pause began
_freezing = False  # the app froze its objects (tests and the export command do not)


def _pause_or_resume() -> None:
    """The collector off while the app starts or a long load runs, else as it was
    (with ``_lock`` held)."""
    global _was_enabled
    pause = (_starting > 0 and not _window_up) or _loading > 0
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
        _starting += 1
        _pause_or_resume()
    try:
        yield
    finally:
        with _lock:
            _starting -= 1
            _pause_or_resume()


def freeze_long_lived() -> None:
    """Collect once, then freeze every object left: later full collections skip them,
    and from now on :func:`made_for_life` freezes what its loads leave.  Ends the start's
    pause (:func:`starting`).  The app calls it once its window is up, while the window
    is idle (the collection: ~30 ms, once)."""
    global _freezing, _window_up
    with _lock:
        _window_up = True
        _freezing = True
        gc.collect()  # what the start left as garbage is not frozen with the rest
        gc.freeze()
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


class Load:
    """What a :func:`made_for_life` block says of itself.

    ``tidy``: collect what the block left before it is frozen (the default).  A young
    collection walks everything the block made, holding every thread (~35 ms for
    numba's objects); a block that knows it left little garbage sets it to False, and
    that little is frozen with the rest (numba read from its cache: ~800 objects,
    ~240 KB; compiling, half of the ~14 MB it makes is garbage)."""

    tidy = True


@contextmanager
def made_for_life() -> Iterator[Load]:
    """Run a block that makes objects kept for the process's life (importing numba,
    loading compiled kernels): no collection runs meanwhile, since each would walk what
    is being made, again and again as it grows.  If the process freezes
    (:func:`freeze_long_lived`) and the block succeeds, what it made is then frozen
    (collected first unless it says otherwise, :class:`Load`).  Blocks may overlap in
    several threads: that happens once the last one ends, and the collector runs again
    (if it ran before the first began)."""
    global _loading
    load = Load()
    with _lock:
        _loading += 1
        _pause_or_resume()
    ok = False
    try:
        yield load
        ok = True
    finally:
        with _lock:
            _loading -= 1
            if _loading == 0 and _freezing and ok:  # (a failure's traceback is not kept)
                if load.tidy:
                    gc.collect(0)  # (everything made while paused is still in the youngest)
                gc.freeze()
            _pause_or_resume()


def _reset() -> None:
    """Back to a process that never paused nor froze (for the tests)."""
    global _starting, _window_up, _loading
    with _lock:
        _starting, _window_up, _loading = 0, False, 0
        _pause_or_resume()
    thaw()
