"""The controller's rules of play, step, scrub, branch, reset and surfaces — no window."""

from __future__ import annotations

import numpy as np
import pytest

from gd_visualizer.core import SLICES, make_dataset, propagate
from gd_visualizer.core.surface import SurfaceResult
from gd_visualizer.model import TrainingData
from gd_visualizer.present import scene as present
from gd_visualizer.qt.controller import RunController

WAIT = 20_000


@pytest.fixture
def ctl(qtbot):
    c = RunController()
    c.set_speed(float("inf"))
    c.set_data(TrainingData.from_dataset(make_dataset("blobs", 60, seed=1), standardize=True))
    qtbot.waitUntil(lambda: len(c.mirror) == 1, timeout=WAIT)
    yield c
    c.shutdown()


def _steps(qtbot, ctl, k):
    n = len(ctl.mirror)
    for _ in range(k):
        ctl.step()
    qtbot.waitUntil(lambda: len(ctl.mirror) == n + k, timeout=WAIT)


def test_each_step_is_the_course_update(qtbot, ctl):
    ctl.set_learning_rate(0.3)
    _steps(qtbot, ctl, 3)
    X, Y = ctl.run.data.X, ctl.run.data.Y
    h = ctl.mirror
    for i in range(3):
        grads, cost = propagate(h.weights[i].reshape(2, 1), h.biases[i], X, Y)
        assert h.costs[i] == pytest.approx(cost, rel=1e-12)
        np.testing.assert_allclose(h.weights[i + 1], h.weights[i] - 0.3 * grads["dw"].ravel())


def test_scrub_then_step_branches_and_keeps_a_ghost(qtbot, ctl):
    _steps(qtbot, ctl, 6)
    ctl.scrub(2)
    assert ctl.shown_index() == 2 and ctl.scene().iteration == 2
    _steps_from = len(ctl.mirror)
    ctl.step()  # continues from iteration 2: entries 3… are dropped, kept as a ghost
    qtbot.waitUntil(lambda: len(ctl.mirror) == 4, timeout=WAIT)
    assert _steps_from == 7 and len(ctl.run.ghosts) == 1 and len(ctl.run.ghosts[0]) == 5
    assert ctl.view.shown is None
    ctl.reset()
    qtbot.waitUntil(lambda: len(ctl.mirror) == 1, timeout=WAIT)
    assert ctl.run.ghosts == []


def test_slice_change_while_paused_redraws_the_path_in_the_new_slice(qtbot, ctl):
    _steps(qtbot, ctl, 5)
    with qtbot.waitSignal(ctl.sceneChanged, timeout=WAIT):
        ctl.set_slice("w1-b")
    s = ctl.scene()
    np.testing.assert_array_equal(s.path_y, ctl.mirror.biases)  # b, not w₂
    assert s.spec is SLICES["w1-b"] and s.fixed == ctl.mirror.weights[-1][1]


def test_a_surface_for_older_data_or_another_slice_is_never_drawn(qtbot, ctl):
    ctl.update_surface(force=True)
    data = ctl.run.data
    spec = SLICES["w1-w2"]
    stale_req = present.surface_request(data, spec, (-3, 3, -3, 3), 0.0, token=0)
    zeros = np.zeros((present.SURFACE_GRID, present.SURFACE_GRID))
    stale = SurfaceResult(stale_req, zeros, np.empty(0), np.empty(0), np.zeros(1))
    # the data change (a new dataset) makes every surface asked for so far stale
    ctl.set_data(TrainingData.from_dataset(make_dataset("moons", 50), standardize=True))
    qtbot.waitUntil(lambda: len(ctl.mirror) == 1 and ctl.run.data.dataset.name == "moons")
    assert not ctl.is_current(stale)
    with qtbot.assertNotEmitted(ctl.surfaceReady, wait=50):
        ctl.surface_worker._publish_result(stale)  # as if the old grid arrived now
        qtbot.waitUntil(lambda: ctl.surface_worker._outbox._value is None, timeout=WAIT)
    # a fresh one for the new data is drawn; one for another slice is not
    with qtbot.waitSignal(ctl.surfaceReady, timeout=WAIT) as got:
        ctl.update_surface(force=True)
    assert got.args[0].request.X is ctl.run.data.X
    ctl.view.slice_key = "w2-b"
    other = SurfaceResult(got.args[0].request, zeros, np.empty(0), np.empty(0), np.zeros(1))
    assert not ctl.is_current(other)


def test_play_extends_a_used_up_budget(qtbot, ctl):
    ctl.set_budget(3)
    ctl.play()
    qtbot.waitUntil(lambda: len(ctl.mirror) == 4 and not ctl.playing, timeout=WAIT)
    ctl.play()  # the budget is used up: Play doubles it instead of doing nothing
    assert ctl.run.budget == 6
    qtbot.waitUntil(lambda: len(ctl.mirror) == 7 and not ctl.playing, timeout=WAIT)


def test_pick_start_moves_the_start_in_the_shown_slice(qtbot, ctl):
    ctl.set_slice("w2-b")
    ctl.pick_start(1.25, -0.5)
    qtbot.waitUntil(lambda: len(ctl.mirror) == 1 and ctl.mirror.biases[0] == -0.5)
    assert ctl.mirror.weights[0].tolist() == [0.0, 1.25]


def test_the_surface_extent_scans_only_new_entries_and_agrees_with_a_full_scan():
    """The controller keeps each run's path reach and scans only the entries trained since
    (six raced runs of 50,000 entries cost ~7 ms a frame when every frame rescanned them);
    frame after frame, through a jump far out, a scrub back and a rewritten history, the
    extent it shows equals present.surface_extent over the whole path."""
    import weakref
    from types import SimpleNamespace

    from gd_visualizer.present import scene as present
    from gd_visualizer.qt.controller import RunController

    rng = np.random.default_rng(7)
    walk = np.cumsum(rng.normal(scale=0.05, size=(3000, 3)), axis=0)
    walk[1700] = (40.0, -3.0, 1.0)  # one entry far out: the extent must grow to it
    walk[2100, 0] = np.inf  # a non-finite entry is left out

    class Mirror:  # what the controller reads of a run's history (weak-referenced)
        weights, biases, revision = walk[:, :2], walk[:, 2], 0

    mirror = Mirror()
    spec = SimpleNamespace(key="w1-w2", x_param=0, y_param=1)
    host = SimpleNamespace(_reaches=weakref.WeakKeyDictionary())
    shown = full = None
    ends = [*range(1, 3000, 97), 900, 2999, 400]  # growing, then scrubbed back
    for n, j in enumerate(ends):
        if n == len(ends) - 2:  # the history is rewritten (thinned): a new revision
            mirror.revision = 1
        reach = RunController._path_reach(host, mirror, spec, j, exact=shown is None)
        shown = present.extent_for(reach, shown)
        full = present.surface_extent(walk[:j, 0], walk[:j, 1], full)
        assert shown == full, j
