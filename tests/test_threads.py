"""Workers run behind the GUI thread (read back from the kernel, /proc, not from the app)."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from gd_visualizer.qt.threads import BACKGROUND_NICE

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's"
)


def thread_nice() -> dict[str, list[int]]:
    """The nice value of each of this process's threads, by the thread's name."""
    out: dict[str, list[int]] = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            # field 19 of stat is the nice value (the name, field 2, is in parentheses)
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended meanwhile
            continue
        out.setdefault(name, []).append(int(fields[16]))
    return out


def test_workers_run_behind_the_gui_thread(make_window, qtbot):
    gui = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    if gui >= BACKGROUND_NICE:
        pytest.skip(f"the tests run at nice {gui}: workers cannot be placed behind them")
    make_window()
    workers = ("gd-training", "gd-surface", "gd-tasks")
    qtbot.waitUntil(lambda: all(n in thread_nice() for n in workers), timeout=5000)
    qtbot.waitUntil(
        lambda: all(min(thread_nice()[n]) >= BACKGROUND_NICE for n in workers), timeout=5000
    )
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == gui < BACKGROUND_NICE
