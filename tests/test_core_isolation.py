"""The numerical core is importable without any GUI library."""

import subprocess
import sys


def test_core_imports_no_qt():
    code = (
        "import sys, gd_visualizer.core as c\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph',"
        " 'shiboken6')]\n"
        "assert c.propagate and not bad, bad\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
