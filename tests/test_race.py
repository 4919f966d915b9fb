"""Races in the window: several runs on one data and start, trained together, each
exactly a Trainer run alone; the scrubber shows one iteration of all of them."""

from __future__ import annotations

import numpy as np
import pytest

from gd_visualizer.core import Trainer
from gd_visualizer.model import RUN_COLOURS, Race, run_name, verdict_label
from gd_visualizer.model.run import RunStatus
from gd_visualizer.present.scene import entry_at
from gd_visualizer.qt import MainWindow

WAIT = 20_000


@pytest.fixture
def win(qtbot):
    w = MainWindow(dataset="iris", learning_rate=0.5, iterations=60, restore_settings=False)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: len(w.history) == 1, timeout=WAIT)
    yield w
    w.shutdown()


def finished(w) -> bool:
    return not w.is_playing and all(
        r.status is not None and r.status.finished and r.status.iteration >= r.budget
        for r in w.runs
    )


def alone(w, run) -> Trainer:
    X, Y = w.training_data
    t = Trainer(
        X,
        Y,
        learning_rate=run.learning_rate,
        num_iterations=run.budget,
        optimizer=run.optimizer,
        batch_size=run.batch_size,
    )
    t.run(run.budget)
    return t


def test_three_raced_runs_each_equal_a_trainer_alone(qtbot, win):
    assert win.add_run(learning_rate=2.0) == 1
    assert win.add_run(learning_rate=0.05, optimizer="adam") == 2
    assert [r.optimizer for r in win.runs] == ["gd", "gd", "adam"]
    assert [r.learning_rate for r in win.runs] == [0.5, 2.0, 0.05]
    win.play()
    qtbot.waitUntil(lambda: finished(win), timeout=WAIT)
    for run in win.runs:
        t = alone(win, run)
        h, ref = run.history.view(), t.view()
        assert len(h) == len(ref) == 61
        for key in ("weights", "biases", "costs", "dws", "dbs", "learning_rates"):
            np.testing.assert_array_equal(getattr(h, key), getattr(ref, key), err_msg=key)
        t.close()
    # the window's history stays the selected run's
    np.testing.assert_array_equal(win.history.costs, win.runs[0].history.costs)
    win.controller.select_run(2)
    np.testing.assert_array_equal(win.history.costs, win.runs[2].history.costs)
    assert win.controls.optimizer_combo.currentData() == "adam"
    assert win.controls.learning_rate() == 0.05


def test_a_mini_batch_run_races_deterministically(qtbot, win):
    win.add_run(learning_rate=0.5, batch_size=8)
    win.play()
    qtbot.waitUntil(lambda: finished(win), timeout=WAIT)
    run = win.runs[1]
    t = alone(win, run)
    np.testing.assert_array_equal(run.history.weights, t.view().weights)
    t.close()
    # the full-data cost of a mini-batch run is not the batch run's
    assert not np.array_equal(run.history.costs, win.runs[0].history.costs)


def test_the_scrubber_shows_one_iteration_of_every_run(qtbot, win):
    win.add_run(learning_rate=0.1)
    win.add_run(learning_rate=0.1, optimizer="momentum")
    win.play()
    qtbot.waitUntil(lambda: finished(win), timeout=WAIT)
    win.history_slider.setValue(17)
    scene = win.controller.scene()
    assert scene.scrubber.iteration == 17 and scene.iteration == 17
    assert len(scene.traces) == 2
    for trace, run in zip(scene.traces, win.runs[1:], strict=True):
        assert int(trace.iterations[trace.index]) == 17
        np.testing.assert_array_equal(trace.w, run.history.weights[17])
        assert trace.colour == run.colour
    assert len({r.colour for r in win.runs}) == 3
    # the surface shows each raced run's point at iteration 17, in its colour
    win.drawer.draw_now()
    view = win.surface_view
    for run, dot in zip(win.runs[1:], view.race_points, strict=True):
        w = run.history.weights[17]
        assert dot.isVisible() and dot.getData()[0].tolist() == [float(w[0])]
        assert dot.getData()[1].tolist() == [float(w[1])]  # the w1-w2 slice
        assert dot.brush().color().name().upper() == run.colour.upper()
    # hidden runs are not drawn
    win.controller.set_run_visible(1, False)
    assert [t.key for t in win.controller.scene().traces] == [win.runs[2].key]
    win.drawer.draw_now()
    assert [d.isVisible() for d in view.race_points] == [True, False]
    assert view.race_points[0].brush().color().name().upper() == win.runs[2].colour.upper()


def test_a_run_added_while_paused_catches_up(qtbot, win):
    win.play()
    qtbot.waitUntil(lambda: finished(win), timeout=WAIT)
    i = win.add_run(learning_rate=0.3, optimizer="rmsprop")
    run = win.runs[i]
    qtbot.waitUntil(lambda: len(run.history) == 61, timeout=WAIT)
    t = alone(win, run)
    np.testing.assert_array_equal(run.history.weights, t.view().weights)
    t.close()
    assert not win.is_playing


def test_changing_a_runs_optimizer_restarts_only_it(qtbot, win):
    win.add_run(learning_rate=0.5)
    win.play()
    qtbot.waitUntil(lambda: finished(win), timeout=WAIT)
    before = win.runs[0].history.view()
    win.controller.select_run(1)
    win.controls.optimizer_combo.setCurrentIndex(win.controls.optimizer_combo.findData("adam"))
    assert win.runs[1].optimizer == "adam"
    qtbot.waitUntil(
        lambda: win.runs[1].status is not None and win.runs[1].status.iteration == 60,
        timeout=WAIT,
    )
    t = alone(win, win.runs[1])
    np.testing.assert_array_equal(win.runs[1].history.weights, t.view().weights)
    t.close()
    np.testing.assert_array_equal(win.runs[0].history.weights, before.weights)


def test_rate_sweep_adds_five_rates_and_the_panel_lists_them(qtbot, win):
    added = win.controller.rate_sweep()
    assert len(added) == 4  # α itself is already racing
    rates = sorted(r.learning_rate for r in win.runs)
    assert rates == [0.05, 0.167, 0.5, 1.5, 5.0]
    table = win.runs_panel.table
    assert table.rowCount() == 5
    assert [table.item(i, 0).text() for i in range(5)] == [r.name for r in win.runs]
    # a second sweep adds nothing new
    assert win.controller.rate_sweep() == []


def test_remove_and_duplicate_from_the_panel(qtbot, win):
    win.runs_panel.duplicate_button.click()
    assert len(win.runs) == 2 and win.controller.race.selected == 1
    win.runs_panel.remove_button.click()
    assert len(win.runs) == 1
    assert not win.runs_panel.remove_button.isEnabled()  # the last run stays
    win.controller.remove_run(0)
    assert len(win.runs) == 1


def test_bad_runs_are_refused_with_a_message(win):
    with pytest.raises(ValueError, match="optimizer"):
        win.add_run(learning_rate=0.1, optimizer="sgd-nesterov")
    with pytest.raises(ValueError, match="learning rate"):
        win.add_run(learning_rate=-1.0)
    for _ in range(7):
        win.add_run(learning_rate=0.1)
    with pytest.raises(ValueError, match="at most 8"):
        win.add_run(learning_rate=0.1)


def test_names_colours_and_verdict_labels():
    assert run_name(0.1) == "α = 0.1"
    assert run_name(0.05, "adam") == "Adam α = 0.05"
    assert run_name(0.1, "momentum", 32) == "momentum α = 0.1, batch 32"
    assert run_name(0.1, "gd", 1) == "α = 0.1, SGD"
    race = Race()
    for _ in range(4):
        race.add_run()
    assert [r.colour for r in race.runs] == list(RUN_COLOURS[:5])
    race.remove_run(1)
    assert race.add_run().colour == RUN_COLOURS[1]  # a freed colour is used again
    assert verdict_label(RunStatus(status="converged", converged_at=1234)) == "converged at 1,234"
    assert verdict_label(RunStatus(status="oscillating")) == "oscillating"
    assert verdict_label(None) == "—"


def test_entry_at_picks_the_last_entry_not_after():
    class H:
        iterations = np.array([0, 2, 4, 6])

        def __len__(self):
            return 4

    assert [entry_at(H(), k) for k in (0, 1, 2, 5, 6, 99)] == [0, 0, 1, 2, 3, 3]


def test_play_from_a_scrubbed_iteration_branches_every_run(qtbot, win):
    win.add_run(learning_rate=0.1, optimizer="momentum")
    win.play()
    qtbot.waitUntil(lambda: finished(win), timeout=WAIT)
    old = [r.history.view() for r in win.runs]
    win.history_slider.setValue(20)
    win.controls.lr_spin.setValue(0.25)  # the selected run only
    win.play()
    qtbot.waitUntil(lambda: finished(win), timeout=WAIT)
    for run, before in zip(win.runs, old, strict=True):
        h = run.history.view()
        assert len(h) == 61
        np.testing.assert_array_equal(h.weights[:21], before.weights[:21])
        assert len(run.ghosts) == 1 and run.ghosts[0].iterations[0] == 20
    assert win.runs[0].history.learning_rates[30] == 0.25
    assert win.runs[1].history.learning_rates[30] == 0.1
    # the momentum run went on from its own state at 20 (velocity included): as if never
    # scrubbed, since its rate did not change
    np.testing.assert_array_equal(win.runs[1].history.weights, old[1].weights)


def test_new_data_and_reset_restart_every_run(qtbot, win):
    from gd_visualizer.core import make_dataset

    win.add_run(learning_rate=1.0)
    win.play()
    qtbot.waitUntil(lambda: finished(win), timeout=WAIT)
    win.set_dataset(make_dataset("moons", 150))
    qtbot.waitUntil(
        lambda: all(len(r.history) == 1 for r in win.runs) and win.dataset.name == "moons",
        timeout=WAIT,
    )
    win.play()
    qtbot.waitUntil(lambda: finished(win), timeout=WAIT)
    for run in win.runs:
        t = alone(win, run)
        np.testing.assert_array_equal(run.history.weights, t.view().weights)
        t.close()
    win.reset()
    qtbot.waitUntil(lambda: all(len(r.history) == 1 for r in win.runs), timeout=WAIT)


def test_removing_the_selected_run_while_racing(qtbot, win):
    for lr in (0.2, 0.3):
        win.add_run(learning_rate=lr)
    win.controller.select_run(2)
    win.controls.iter_spin.setValue(5000)
    win.play()
    qtbot.waitUntil(lambda: len(win.runs[2].history) > 50, timeout=WAIT)
    win.controller.remove_run(2)
    assert [r.learning_rate for r in win.runs] == [0.5, 0.2]
    assert win.controller.race.selected == 1
    assert win.controls.learning_rate() == 0.2
    win.pause()
    qtbot.waitUntil(lambda: not win.is_playing, timeout=WAIT)
    assert win.controller.scene() is not None


def test_the_visibility_box_in_the_table_hides_a_run(qtbot, win):
    from PySide6.QtCore import Qt

    win.add_run(learning_rate=0.2)
    win.play()
    qtbot.waitUntil(lambda: finished(win), timeout=WAIT)
    item = win.runs_panel.table.item(1, 0)
    item.setCheckState(Qt.CheckState.Unchecked)
    assert not win.runs[1].visible
    assert win.controller.scene().traces == ()
    assert win.surface_view.race_paths.lines() == []


def test_the_window_exports_every_visible_run(qtbot, win, tmp_path):
    import json

    from gd_visualizer.present.record import ExportSettings
    from gd_visualizer.qt.export_job import Export

    win.add_run(learning_rate=2.0)
    win.add_run(learning_rate=0.05, optimizer="adam")
    win.add_run(learning_rate=0.01)
    win.controller.set_run_visible(3, False)  # hidden: not exported
    win.play()
    qtbot.waitUntil(lambda: finished(win), timeout=WAIT)
    record = win.run_record()
    assert [r.name for r in record.runs] == [r.name for r in win.runs[:3]]
    Export(record, ExportSettings(out_dir=tmp_path, frames=4, size=(640, 400))).run_all()
    summary = json.loads((tmp_path / "run.json").read_text())
    assert [r["optimizer"] for r in summary["runs"]] == ["gd", "gd", "adam"]
    for entry, run in zip(summary["runs"], win.runs, strict=False):
        assert entry["w"] == run.history.weights[-1].tolist()
        assert entry["colour"] == run.colour
    assert len(list(tmp_path.glob("frame_*.png"))) == 4


def test_a_run_changed_while_playing_slowly_catches_up_at_once(qtbot, win):
    """At 1 iteration per second, a run started afresh mid-race must not crawl back at
    that pace (20 iterations would take 20 s): it catches up unpaced, the others wait."""
    win.add_run(learning_rate=0.2)
    for _ in range(20):
        win.step()
    qtbot.waitUntil(lambda: all(len(r.history) == 21 for r in win.runs), timeout=WAIT)
    win.controller.set_speed(1.0)
    win.play()
    win.controller.select_run(1)
    win.controls.optimizer_combo.setCurrentIndex(win.controls.optimizer_combo.findData("adam"))
    qtbot.waitUntil(lambda: len(win.runs[1].history) >= 21, timeout=5_000)
    assert len(win.runs[0].history) <= 23  # the other run waited (at 1 it/s)
    win.pause()


def test_a_batch_of_m_or_more_is_all_m(qtbot, win):
    i = win.add_run(learning_rate=0.5, batch_size=1000)  # iris: m = 100
    assert win.runs[i].batch_size is None and win.runs[i].name == "α = 0.5"
    win.controller.select_run(i)
    win.controls.batch_spin.setValue(100)
    assert win.runs[i].batch_size is None
    assert win.controls.batch_spin.value() == 0  # shown as "all m"
    win.controls.batch_spin.setValue(10)
    assert win.runs[i].batch_size == 10 and win.runs[i].name == "α = 0.5, batch 10"


def test_the_caption_says_how_a_single_run_steps():
    from gd_visualizer.core import make_dataset
    from gd_visualizer.model import TrainingData, run_method
    from gd_visualizer.present import scene as present

    data = TrainingData.from_dataset(make_dataset("iris"), True)
    t = Trainer(data.X, data.Y, learning_rate=0.1, num_iterations=3, optimizer="adam",
                batch_size=8)  # fmt: skip
    t.run(3)
    s = present.make_scene(t.view(), 3, "w1-w2", method=run_method("adam", 8))
    assert "Adam, batch 8 · α = 0.1" in present.caption(data, s)
    plain = present.make_scene(t.view(), 3, "w1-w2")
    assert " · α = 0.1 · " in present.caption(data, plain)
    assert run_method() == "" and run_method("gd", 1) == "SGD"
    t.close()
