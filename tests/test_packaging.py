"""Resources are found from a checkout and from an installed wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def test_resources_from_the_checkout():
    from gd_visualizer.resources import resource_path

    assert resource_path("iris.csv").read_text().startswith("sepal_length_cm")


@pytest.mark.slow
def test_wheel_carries_the_resources_and_finds_them(tmp_path):
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next(tmp_path.glob("gd_visualizer-*.whl"))
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        assert "gd_visualizer/resources/iris.csv" in names
        assert "gd_visualizer/core/logistic.py" in names
        zf.extractall(site)
    code = (
        "from gd_visualizer.resources import resource_path\n"
        "from gd_visualizer.core import make_dataset\n"
        "print(resource_path('iris.csv'))\n"
        "print(make_dataset('iris').m)\n"
    )
    run = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(site)!r})\n{code}"],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    path, m = run.stdout.split()
    assert Path(path).is_relative_to(site) and m == "100"
