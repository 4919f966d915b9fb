"""Workers run behind the GUI thread (read back from the kernel, /proc, not from the app)."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from gd_visualizer.qt.threads import BACKGROUND_NICE, idle_class_allowed, lower_priority

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's"
)


SCHED_OTHER, SCHED_IDLE = 0, 5  # Linux's numbers for the scheduling classes


def stat_field(task: Path, field: int) -> int:
    """Field ``field`` (1-based, as proc(5) numbers them) of a thread's stat."""
    # (the name, field 2, is in parentheses and may hold spaces: split after it)
    return int((task / "stat").read_text().rsplit(")", 1)[1].split()[field - 3])


def thread_stat(field: int) -> dict[str, list[int]]:
    """Field ``field`` of each of this process's threads' stat, by the thread's name."""
    out: dict[str, list[int]] = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            value = stat_field(task, field)
        except OSError:  # the thread ended meanwhile
            continue
        out.setdefault(name, []).append(value)
    return out


def thread_nice() -> dict[str, list[int]]:
    """The nice value of each of this process's threads (stat field 19)."""
    return thread_stat(19)


def thread_policy() -> dict[str, list[int]]:
    """The scheduling class of each of this process's threads (stat field 41)."""
    return thread_stat(41)


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


@pytest.mark.skipif(not idle_class_allowed(), reason="one core: the workers stay at nice")
def test_computing_workers_run_in_the_idle_class(make_window, qtbot):
    make_window()
    workers = ("gd-training", "gd-surface", "gd-tasks")
    qtbot.waitUntil(
        lambda: all(thread_policy().get(n) == [SCHED_IDLE] for n in workers), timeout=5000
    )
    assert os.sched_getscheduler(0) == SCHED_OTHER  # the GUI thread (and the process) not


@pytest.mark.skipif(not idle_class_allowed(), reason="one core: the workers stay at nice")
def test_idle_only_where_asked():
    """A pool's initializer (the export's encoder: Qt's image threads it may start would
    inherit the class) lowers the nice value only; ``idle`` adds the class."""
    done = threading.Event()
    started = threading.Barrier(3)

    def worker(idle: bool) -> None:
        lower_priority(idle)
        started.wait()
        done.wait(10)

    threads = [threading.Thread(target=worker, args=(idle,)) for idle in (False, True)]
    for t in threads:
        t.start()
    try:
        started.wait(10)
        tasks = [Path(f"/proc/self/task/{t.native_id}") for t in threads]
        policy = [stat_field(task, 41) for task in tasks]
        nice = [stat_field(task, 19) for task in tasks]
    finally:
        done.set()
        for t in threads:
            t.join()
    assert policy == [SCHED_OTHER, SCHED_IDLE]
    assert nice == [BACKGROUND_NICE, BACKGROUND_NICE]
