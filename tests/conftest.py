"""Test configuration: headless Qt, isolated settings, a window factory, and no leaked
threads or timers."""

from __future__ import annotations

import gc
import os
import sys
import threading
import weakref

import pytest

# Headless by default; the Xvfb smoke test sets its own platform in a subprocess.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

#: every QThread and QTimer started during the session (patched in, not fed by the app)
_STARTED_THREADS: weakref.WeakSet = weakref.WeakSet()
_STARTED_TIMERS: weakref.WeakSet = weakref.WeakSet()
WAIT = 20_000


def _track_qt_starts() -> None:
    """Record every QThread.start and QTimer.start, whoever calls them."""
    try:
        from PySide6.QtCore import QThread, QTimer
    except ImportError:  # the core tests run without Qt
        return
    if getattr(QThread.start, "_tracked", False):
        return
    thread_start, timer_start = QThread.start, QTimer.start

    def start_thread(self, *args, **kwargs):
        _STARTED_THREADS.add(self)
        return thread_start(self, *args, **kwargs)

    def start_timer(self, *args, **kwargs):
        _STARTED_TIMERS.add(self)
        return timer_start(self, *args, **kwargs)

    start_thread._tracked = True
    QThread.start = start_thread
    QTimer.start = start_timer


def pytest_configure(config):
    if sys.modules.get("PySide6") is not None or os.environ.get("GD_TESTS_WITHOUT_QT") != "1":
        _track_qt_starts()


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path):
    """Each test reads and writes QSettings in its own folder."""
    if sys.modules.get("PySide6") is not None:
        from PySide6.QtCore import QSettings

        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield


def _alive(obj, check) -> bool:
    try:
        return bool(check(obj))
    except RuntimeError:  # the C++ object is gone: not running
        return False


@pytest.fixture(autouse=True)
def _no_leaked_threads_or_timers():
    """Fail any test that leaves a QThread, a QTimer, a thread-pool task or one of the
    app's Python threads (kernel helpers, export pool: named ``gd-…``) running, or the
    garbage collector switched off."""
    yield
    if sys.modules.get("PySide6") is not None:
        from PySide6.QtCore import QThreadPool
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        if app is not None:
            for widget in app.topLevelWidgets():
                widget.close()
            app.processEvents()
            running = [
                t.objectName() or repr(t)
                for t in list(_STARTED_THREADS)
                if _alive(t, lambda t: t.isRunning())
            ]
            assert not running, f"threads left running: {running}"
            assert QThreadPool.globalInstance().activeThreadCount() == 0, (
                "thread-pool task left running"
            )
            timers = [
                t.objectName() or repr(t)
                for t in list(_STARTED_TIMERS)
                if _alive(t, lambda t: t.isActive())
            ]
            _STARTED_TIMERS.clear()
            assert not timers, f"timers left running: {timers}"
    helpers = [t.name for t in threading.enumerate() if t.name.startswith("gd-") and t.is_alive()]
    assert not helpers, f"helper threads left running: {helpers}"
    # the app pauses the collector while it starts (gd_visualizer.heap): never for good
    assert gc.isenabled(), "the garbage collector was left switched off"


@pytest.fixture
def make_window(qtbot):
    """A factory of main windows (as napari's ``make_napari_viewer``): each is shown,
    has its first history entry, and is closed (threads joined) after the test."""
    from gd_visualizer.qt import MainWindow

    made = []

    def factory(show: bool = True, **kwargs):
        w = MainWindow(**kwargs)
        qtbot.addWidget(w)
        made.append(w)
        if show:
            w.show()
        qtbot.waitUntil(lambda: len(w.history) >= 1, timeout=WAIT)
        return w

    yield factory
    for w in made:
        w.close()
