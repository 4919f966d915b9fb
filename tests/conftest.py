"""Test configuration: headless Qt, isolated settings, and no leaked threads or timers."""

from __future__ import annotations

import os
import sys

import pytest

# Headless by default; the Xvfb smoke test sets its own platform in a subprocess.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path):
    """Each test reads and writes QSettings in its own folder."""
    if "PySide6" in sys.modules:
        from PySide6.QtCore import QSettings

        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield


@pytest.fixture(autouse=True)
def _no_leaked_threads_or_timers():
    """Fail any test that leaves a QThread, a thread-pool task or a QTimer running."""
    yield
    if "PySide6" not in sys.modules:
        return
    from PySide6.QtCore import QThreadPool, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return
    for widget in app.topLevelWidgets():
        widget.close()
    app.processEvents()
    from gd_visualizer.qt.controller import THREADS

    running = [t.objectName() for t in list(THREADS) if t.isRunning()]
    assert not running, f"threads left running: {running}"
    assert QThreadPool.globalInstance().activeThreadCount() == 0, "thread-pool task left running"
    timers = [
        t.objectName() or repr(t)
        for w in app.topLevelWidgets()
        for t in w.findChildren(QTimer)
        if t.isActive()
    ]
    assert not timers, f"timers left running: {timers}"
