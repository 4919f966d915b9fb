"""Worker threads run behind the GUI thread.

On a two-core machine the trainer, the cost surface, a file loader and an export's
encoder can all be busy at once.  At the GUI thread's priority they take turns with it
for a core, and the window waits its turn in the middle of a frame.  A worker started
here runs at a lower priority, so the GUI thread gets a core as soon as it has work.
On Linux that is the thread's nice value (``QThread`` priorities do nothing there), and
the threads a worker starts (a thread pool's: the trainer's second kernel thread, the
surface's tiles) inherit it.  Elsewhere a
``QThread`` started by :func:`start_background` runs at Qt's ``LowPriority``, and
:func:`lower_priority` (a pool's initializer) does nothing.
"""

from __future__ import annotations

import os
import sys
import threading

from PySide6.QtCore import Qt, QThread

#: a worker's nice value on Linux (the GUI thread keeps the process's, normally 0).
#: Linux's idle class (SCHED_IDLE) was measured instead, on the 2-core AMD EPYC: the empty
#: window beside the trainer and the surface at 10⁶ samples (the benchmark's "GUI stall
#: floor") stalled 12–19 ms instead of 20–32, but with two other busy programs on the
#: machine the idle-class workers made no progress at all in 60 s (at nice 10 they train,
#: slowly): a student's busy laptop would stop training outright.
BACKGROUND_NICE = 10


def lower_priority() -> None:
    """Run the calling thread behind the GUI thread (never raises; a no-op where the
    platform has no per-thread nice value)."""
    if not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    try:
        nice = os.getpriority(os.PRIO_PROCESS, tid)
        if nice < BACKGROUND_NICE:
            os.setpriority(os.PRIO_PROCESS, tid, BACKGROUND_NICE)
    except OSError:  # not allowed here (a sandbox): the thread runs as it is
        pass


def background_thread(name: str) -> QThread:
    """A ``QThread`` named ``name`` that runs behind the GUI thread once started with
    :func:`start_background`."""
    thread = QThread()
    thread.setObjectName(name)
    # (a direct connection: called in the new thread, as it starts)
    thread.started.connect(lower_priority, Qt.ConnectionType.DirectConnection)
    return thread


def start_background(thread: QThread) -> None:
    """Start a thread from :func:`background_thread` (``thread.start()`` would give it the
    GUI thread's priority outside Linux)."""
    thread.start(QThread.Priority.LowPriority)
