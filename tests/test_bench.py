"""The benchmark keeps working: --quick on small sizes, table and JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_bench_quick_runs_and_writes_json(tmp_path):
    out = tmp_path / "bench.json"
    user = tmp_path / "user-config"  # where the user's app keeps its settings (Linux)
    run = subprocess.run(
        [sys.executable, "-m", "gd_visualizer.bench", "--quick", "--json", str(out)],
        capture_output=True, text=True, timeout=300, check=False,
        cwd=Path(__file__).parents[1], env=dict(os.environ, XDG_CONFIG_HOME=str(user)),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    # its windows closed without touching the user's settings or last session
    assert not (user / "gd-visualizer").exists()
    assert "| case" in run.stdout and "vectorization" in run.stdout
    rows = json.loads(out.read_text())
    assert isinstance(rows, list) and len(rows) >= 10
    for row in rows:
        assert {"case", "measured", "unit", "ratio", "goal", "met"} <= set(row)
    cases = " ".join(r["case"] for r in rows)
    for word in ("vectorization", "trainer", "cost surface", "GUI", "start-up", "export"):
        assert word in cases
    # the stalls' floor: the empty window, alone and beside the workers' load
    floors = [r for r in rows if r["case"].startswith("GUI stall floor")]
    assert [f["case"].rsplit(", ", 1)[1] for f in floors] == [
        "nothing else running",
        "m=200,000 in training",
    ]
    assert all(f["met"] is None and f["unit"] == "ms" for f in floors)
    # the loop really is slower than the vectorized code (the seed's claim), even when tiny
    vec = [r for r in rows if r["case"].startswith("vectorization")]
    assert all(r["ratio"] > 1 for r in vec)
