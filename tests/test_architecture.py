"""The shape of the code: import contracts, no import side effects, core without Qt."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    """`lint-imports` checks the contracts in pyproject.toml (core knows no Qt, model and
    presenter are Qt-free, layers, panels independent, the collector's pauses standard library
    only)."""
    exe = Path(sys.executable).with_name("lint-imports")
    cmd = [str(exe)] if exe.exists() else ["lint-imports"]
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "BROKEN" not in run.stdout and "5 kept, 0 broken" in run.stdout


def _python(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **env},
    )


def test_importing_a_qt_module_builds_no_window_and_sets_no_options():
    run = _python(
        "import sys, pyqtgraph as pg\n"
        "before = dict(pg.CONFIG_OPTIONS)\n"
        "import gd_visualizer.qt, gd_visualizer.qt.controller, gd_visualizer.qt.views\n"
        "assert 'gd_visualizer.qt.main_window' not in sys.modules, 'window imported'\n"
        "assert dict(pg.CONFIG_OPTIONS) == before, 'plot options changed at import'\n"
        "from gd_visualizer.qt import MainWindow  # loaded on first use\n"
        "print('ok')\n"
    )
    assert run.returncode == 0 and "ok" in run.stdout, run.stderr


def test_model_and_presenter_import_without_qt():
    run = _python(
        "import sys\n"
        "for name in ('PySide6', 'pyqtgraph', 'shiboken6'):\n"
        "    sys.modules[name] = None  # any import of them fails\n"
        "import gd_visualizer.core, gd_visualizer.model, gd_visualizer.present.scene\n"
        "import gd_visualizer.present.record, gd_visualizer.present.apng\n"
        "print('ok')\n"
    )
    assert run.returncode == 0 and "ok" in run.stdout, run.stderr


@pytest.mark.slow
def test_core_tests_pass_with_qt_absent():
    """The core's own tests run in a Python where PySide6 and pyqtgraph cannot be imported."""
    core_tests = ["tests/test_logistic.py", "tests/test_trainer.py", "tests/test_surface.py"]
    code = (
        "import sys\n"
        "for name in ('PySide6', 'pyqtgraph', 'shiboken6'):\n"
        "    sys.modules[name] = None\n"
        "import pytest\n"
        f"sys.exit(pytest.main(['-q', '-p', 'no:pytest-qt', '-p', 'no:cacheprovider', "
        "'-W', 'ignore::pytest.PytestConfigWarning', "
        f"*{core_tests!r}]))\n"
    )
    run = _python(code, GD_TESTS_WITHOUT_QT="1")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert " passed" in run.stdout
