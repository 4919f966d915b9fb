"""The window's first frame: every panel takes the data before the window is shown, and
the first frame is drawn whole, so the window's first paint shows every panel; later
frames are drawn in two halves, one event-loop turn apart (issue 16)."""

from __future__ import annotations

import pytest

from gd_visualizer.qt import MainWindow
from gd_visualizer.qt.drawing import FrameDrawer

WAIT = 20_000


@pytest.fixture
def calls(monkeypatch):
    """The halves each paced frame (``_render``) drew within its own turn."""
    frames: list[list[int]] = []
    inside = []
    render, draw_half = FrameDrawer._render, FrameDrawer.draw_half

    def spy_render(self):
        frames.append([])
        inside.append(True)
        try:
            render(self)
        finally:
            inside.pop()

    def spy_half(self, half, index):
        if inside:
            frames[-1].append(half)
        return draw_half(self, half, index)

    monkeypatch.setattr(FrameDrawer, "_render", spy_render)
    monkeypatch.setattr(FrameDrawer, "draw_half", spy_half)
    return frames


def test_every_panel_has_the_data_before_the_window_is_shown(qtbot):
    w = MainWindow(dataset="iris", restore_settings=False)
    qtbot.addWidget(w)
    assert not w.isVisible()
    assert w.drawer.unbound == set()  # none waits for a later turn
    w.show()
    qtbot.waitUntil(lambda: not w.drawer.first_frame, timeout=WAIT)
    w.controls.dataset_combo.setCurrentIndex(w.controls.dataset_combo.findData("moons"))
    # shown: the panels of a frame's second half take new data a moment later
    later = {n for n, p in w.panels.items() if p.half != 0}
    assert later and w.drawer.unbound == later
    qtbot.waitUntil(lambda: not w.drawer.unbound, timeout=WAIT)
    w.shutdown()


def test_the_first_frame_is_drawn_whole_and_later_ones_in_halves(qtbot, calls):
    w = MainWindow(dataset="iris", iterations=40, restore_settings=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.drawer.frames_drawn >= 1, timeout=WAIT)
    assert calls[0] == [0, 1]  # both halves within the first frame's turn
    w.controls.speed_slider.setValue(w.controls.speed_slider.minimum())
    w.play()
    qtbot.waitUntil(lambda: len(calls) >= 3, timeout=WAIT)
    assert all(frame == [0] for frame in calls[1:3])  # the second half a turn later
    w.shutdown()
