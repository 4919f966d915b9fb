"""Worker threads run behind the GUI thread.

On a two-core machine the trainer, the cost surface, a file loader and an export's
encoder can all be busy at once.  At the GUI thread's priority they take turns with it
for a core, and the window waits its turn in the middle of a frame.  A worker started
here runs at a lower priority, so the GUI thread gets a core as soon as it has work.
On Linux that is the thread's nice value (``QThread`` priorities do nothing there), and
the threads a worker starts (numba's, a thread pool's) inherit it; a worker that only
computes also runs in the idle scheduling class (see :func:`idle_class_allowed`).
Elsewhere a ``QThread`` started by :func:`start_background` runs at Qt's
``LowPriority``, and :func:`lower_priority` (a pool's initializer) does nothing.
"""

from __future__ import annotations

import os
import sys
import threading
from functools import partial

from PySide6.QtCore import Qt, QThread

#: a worker's nice value on Linux (the GUI thread keeps the process's, normally 0)
BACKGROUND_NICE = 10


def lower_priority(idle: bool = False) -> None:
    """Run the calling thread behind the GUI thread (never raises; a no-op where the
    platform has no per-thread nice value); with ``idle``, in the idle class too where
    :func:`idle_class_allowed`."""
    if not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    try:
        nice = os.getpriority(os.PRIO_PROCESS, tid)
        if nice < BACKGROUND_NICE:
            os.setpriority(os.PRIO_PROCESS, tid, BACKGROUND_NICE)
        if idle and idle_class_allowed():
            os.sched_setscheduler(tid, os.SCHED_IDLE, os.sched_param(0))
    except OSError:  # not allowed here (a sandbox): the thread runs as it is
        pass


def idle_class_allowed() -> bool:
    """Whether a worker that only computes runs in Linux's idle class (SCHED_IDLE).

    A thread at nice 10 still keeps a core for a while after the GUI thread wakes up
    for a frame; an idle-class thread gives it up at once.  Measured on the 2-core AMD
    EPYC (the benchmark's "GUI stall floor": the window with no data repainted at 60 Hz
    while the trainer's kernel and the cost surface work on 10⁶ samples), the longest
    stall was 20–32 ms with the workers at nice 10 and 12–19 ms in the idle class; the
    GUI thread's wait for a core in its latest frames (its schedstat) went from 2–12 ms
    to 4 ms at most.

    The cost: the idle class runs only on a core nothing else wants, so another busy
    program (at any priority) slows the training down more than at nice 10.  With one
    core, a busy GUI thread (a window dragged about) would stop the training outright,
    so there the workers stay at nice 10 only.
    """
    return sys.platform.startswith("linux") and (os.cpu_count() or 1) >= 2


def background_thread(name: str, idle: bool = False) -> QThread:
    """A ``QThread`` named ``name`` that runs behind the GUI thread once started with
    :func:`start_background`; ``idle``: a worker that only computes, with no Qt drawing
    (its threads, and any it starts, run in the idle class: see :func:`lower_priority`)."""
    thread = QThread()
    thread.setObjectName(name)
    # (a direct connection: called in the new thread, as it starts)
    thread.started.connect(partial(lower_priority, idle), Qt.ConnectionType.DirectConnection)
    return thread


def start_background(thread: QThread) -> None:
    """Start a thread from :func:`background_thread` (``thread.start()`` would give it the
    GUI thread's priority outside Linux)."""
    thread.start(QThread.Priority.LowPriority)
