"""Smoke test: the app in a real X window under Xvfb, with a screenshot."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

HERE = Path(__file__).parent


def _xvfb_or_skip() -> str:
    exe = shutil.which("Xvfb")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("Xvfb is not installed, but CI must run the X window smoke test")
        pytest.skip(
            "Xvfb is not installed (apt-get install xvfb xauth); the X window smoke test needs it"
        )
    return exe


@pytest.mark.xvfb
def test_app_in_a_real_x_window(tmp_path):
    exe = _xvfb_or_skip()
    server = subprocess.Popen(
        [exe, "-displayfd", "1", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        display = server.stdout.readline().strip()
        assert display.isdigit(), "Xvfb did not report a display"
        env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
        env.update(DISPLAY=f":{display}", QT_QPA_PLATFORM="xcb", XDG_CONFIG_HOME=str(tmp_path))
        out = tmp_path / "screenshot.png"
        run = subprocess.run(
            [sys.executable, str(HERE / "xvfb_smoke.py"), str(out), "300"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert run.returncode == 0, run.stderr[-3000:]
        img = np.asarray(Image.open(out).convert("RGB"), dtype=float)
        assert img.shape[:2] == (900, 1440)
        assert img.std() > 20  # a real picture, not a blank screen
        # the plots have white backgrounds and coloured data
        assert (img.min(axis=2) > 245).mean() > 0.1
        assert ((img[..., 2] - img[..., 0]) > 60).mean() > 0.001  # some blue (class 0 / heatmap)
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()
