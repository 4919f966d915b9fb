"""The window fits a classroom: 1366×768 and a 1024×768 projector, at larger text too."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QAbstractButton, QLabel, QScrollArea, QWidget

WAIT = 20_000


def _clipped(window) -> list[str]:
    """Every visible label or button narrower or lower than its text needs, and every
    plot title wider than its plot."""
    bad = []
    for w in window.findChildren(QWidget):
        if not w.isVisibleTo(window) or w.window() is not window:
            continue
        if isinstance(w, QLabel) and w.text():
            if w.wordWrap():
                need_h = w.heightForWidth(w.width())
                if need_h > w.height() + 1:
                    bad.append(f"label {w.text()[:40]!r}: {w.height()} < {need_h} px high")
            elif w.sizeHint().width() > w.width() + 1:
                bad.append(f"label {w.text()[:40]!r}: {w.width()} < {w.sizeHint().width()} px")
        elif isinstance(w, QAbstractButton) and w.text():
            if w.minimumSizeHint().width() > w.width() + 1:
                bad.append(f"button {w.text()!r}: {w.width()} < {w.minimumSizeHint().width()}")
    for scroll in window.findChildren(QScrollArea):
        view = scroll.viewport()
        for w in scroll.widget().findChildren(QLabel):
            if w.isVisibleTo(window) and w.text():
                right = w.mapTo(view, w.rect().topRight()).x()
                if right > view.width() + 1:
                    bad.append(f"label {w.text()[:40]!r} reaches {right} > {view.width()}")
    for plot in window.findChildren(pg.PlotWidget):
        if not plot.isVisibleTo(window):
            continue  # a hidden panel or tab is checked when it is shown
        item = plot.getPlotItem()
        title = item.titleLabel
        if title.item.boundingRect().width() > plot.width():
            bad.append(f"title of {plot.objectName()} wider than the plot")
        parts = {"data area": item.vb, "bottom axis": item.getAxis("bottom")}
        legend = getattr(item, "outside_legend", None)
        if legend is not None:
            parts["legend"] = legend
        for what, part in parts.items():
            right = part.sceneBoundingRect().right()
            if right > plot.width() + 1:
                bad.append(f"{what} of {plot.objectName()} reaches {right:.0f} > {plot.width()}")
    # no widget of a view is laid over another (a layout short of room overlaps them)
    for name, panel in window.panels.items():
        shown = [
            w for w in panel.findChildren(QWidget) if w.parent() is panel and w.isVisibleTo(window)
        ]
        for k, a in enumerate(shown):
            for b in shown[k + 1 :]:
                if a.geometry().intersects(b.geometry()):
                    bad.append(f"in {name}: {a.objectName() or type(a).__name__} overlaps "
                               f"{b.objectName() or type(b).__name__}")  # fmt: skip
    return bad


def _settled(qtbot, window) -> list[str]:
    """What :func:`_clipped` finds once the layout has taken in the last changes (Qt lays
    a window out on the next turn of its event loop, before it paints)."""
    from pytestqt.exceptions import TimeoutError as WaitTimeout

    try:
        qtbot.waitUntil(lambda: _clipped(window) == [], timeout=2000)
    except WaitTimeout:
        pass
    return _clipped(window)


@pytest.mark.parametrize(
    "size, text_scale", [((1366, 768), 1.0), ((1024, 768), 1.0), ((1366, 768), 1.3)]
)
def test_nothing_is_cut_off(qtbot, make_window, size, text_scale):
    w = make_window(restore_settings=False)
    w.set_text_scale(text_scale)
    w.resize(*size)
    qtbot.waitUntil(lambda: (w.width(), w.height()) == size, timeout=WAIT)
    for _ in range(3):
        w.step()
    qtbot.waitUntil(lambda: len(w.history) == 4, timeout=WAIT)
    w.drawer.draw_now()
    # the window's content fits the window (no panel pushed out of sight)
    central = w.centralWidget()
    assert central.minimumSizeHint().width() <= size[0]
    assert w.minimumSizeHint().height() <= size[1]
    assert central.geometry().right() < size[0]
    for name, panel in w.panels.items():
        right = panel.mapTo(w, panel.rect().topRight()).x()
        assert right < size[0], f"{name} panel reaches x = {right}"
        assert panel.width() >= 250, f"{name} panel is only {panel.width()} px wide"
    assert _settled(qtbot, w) == []


@pytest.mark.parametrize("size", [(1440, 900), (1366, 768), (1024, 768)])
def test_the_step_panel_fits_beside_the_views(qtbot, make_window, size):
    w = make_window(restore_settings=False)
    w.show_step_panel()
    w.resize(*size)
    qtbot.waitUntil(lambda: (w.width(), w.height()) == size, timeout=WAIT)
    w.step()
    qtbot.waitUntil(lambda: len(w.history) == 2, timeout=WAIT)
    assert w.minimumSizeHint().height() <= size[1]
    panel = w.step_panel
    assert panel.height() >= 150, "the panel is squeezed to nothing"
    for name, view in w.panels.items():
        assert view.height() >= 170, f"{name} is only {view.height()} px high"
    for k in range(panel.count()):
        panel.setCurrentIndex(k)
        w.drawer.draw_now()
        qtbot.waitUntil(lambda: panel.currentWidget().isVisible(), timeout=WAIT)
        # a tab may scroll, but nothing in it is cut off sideways, nor laid over another
        assert _settled(qtbot, w) == [], panel.tabText(k)


@pytest.mark.parametrize("dataset", ["iris", "blobs", "overlap", "xor", "moons", "circles"])
def test_legends_never_cover_the_data(qtbot, make_window, dataset):
    w = make_window(restore_settings=False, dataset=dataset)
    w.resize(1024, 768)
    qtbot.waitUntil(lambda: w.width() == 1024, timeout=WAIT)
    w.drawer.draw_now()
    for name in ("boundary", "sigmoid"):
        item = w.panels[name].plot.getPlotItem()
        legend = item.outside_legend
        assert len(legend.items) >= 2
        data_area = item.vb.sceneBoundingRect()
        assert not legend.sceneBoundingRect().intersects(data_area), name
        # and every drawn sample lies in the data area
        for sc in (i for i in item.items if isinstance(i, pg.ScatterPlotItem)):
            xs, ys = sc.getData()
            for x, y in zip(xs[:50], ys[:50], strict=True):
                p = item.vb.mapViewToScene(pg.Point(float(x), float(y)))
                assert not legend.sceneBoundingRect().contains(p)


def test_colour_levels_stay_put_across_frames_of_a_run(qtbot, make_window):
    w = make_window(restore_settings=False)
    w.controls.iter_spin.setValue(60)
    w.controls.speed_slider.setValue(w.controls.speed_slider.maximum())
    w.play()
    qtbot.waitUntil(lambda: len(w.history) == 61 and not w.is_playing, timeout=WAIT)
    surface = w.surface_view
    qtbot.waitUntil(lambda: surface.image.image is not None, timeout=WAIT)
    levels = surface.colorbar.levels()
    scale = surface.scale
    for i in (0, 10, 30, 60, 45):
        w.history_slider.setValue(i)
        qtbot.waitUntil(lambda: w.controller.surface_key is not None, timeout=WAIT)
        assert surface.colorbar.levels() == levels and surface.scale is scale
    # the scale is relative to the minimum, on a log scale: the valley is resolved
    J = surface.image.image
    assert np.isclose(np.nanmin(J), scale.lo, atol=1e-3)
    w.reset()  # a new run: a new scale
    qtbot.waitUntil(lambda: len(w.history) == 1, timeout=WAIT)
    w.drawer.draw_now()
    assert surface.scale is None or surface.scale is not scale


def test_a_stray_drag_does_not_pan_a_plot(qtbot, make_window):
    from PySide6.QtCore import QPoint, Qt

    w = make_window(restore_settings=False)
    for panel in w.panels.values():
        vb = panel.plot.getPlotItem().vb
        before = vb.viewRange()
        qtbot.mousePress(panel.plot.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(150, 100))
        qtbot.mouseMove(panel.plot.viewport(), QPoint(60, 40))
        qtbot.mouseRelease(panel.plot.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(60, 40))
        assert vb.viewRange() == before


def test_larger_text_reaches_every_label(qtbot, make_window):
    w = make_window(restore_settings=False)
    labels = [w.readout.values["cost"], w.controls.data_info, w.surface_view.note]
    before = [label.fontInfo().pointSizeF() for label in labels]
    w.set_text_scale(1.5)
    for label in labels:
        label.ensurePolished()
    after = [label.fontInfo().pointSizeF() for label in labels]
    assert all(a >= 1.4 * b for a, b in zip(after, before, strict=True)), (before, after)
    bar = w.surface_view.colorbar.axis
    assert bar.style["tickFont"].pointSizeF() >= 1.4 * 9


def test_a_long_title_is_cut_and_never_pushes_the_plot_out(qtbot, make_window):
    """At 1024×768 a title like "Decision boundary (2,500 of 5,000 shown)" is wider than its
    plot: the title is cut; the data area and the legend stay inside the plot."""
    from gd_visualizer.core import make_dataset

    w = make_window(restore_settings=False)
    w.resize(1024, 768)
    qtbot.waitUntil(lambda: (w.width(), w.height()) == (1024, 768), timeout=WAIT)
    w.set_dataset(make_dataset("moons", 5000))
    boundary = w.panels["boundary"].plot.getPlotItem()
    qtbot.waitUntil(lambda: "of 5,000 shown" in boundary.titleLabel.text, timeout=WAIT)
    w.set_text_scale(1.3)  # (the title is typeset again at the new size)
    qtbot.waitUntil(lambda: "of 5,000 shown" in w.sigmoid_view.plot.getPlotItem().titleLabel.text,
                    timeout=WAIT)  # fmt: skip
    long_titles = 0
    for plot in w.findChildren(pg.PlotWidget):
        if not plot.isVisibleTo(w):
            continue
        item = plot.getPlotItem()
        long_titles += item.titleLabel.item.boundingRect().width() > plot.width()
        parts = {"data area": item.vb, "bottom axis": item.getAxis("bottom")}
        if getattr(item, "outside_legend", None) is not None:
            parts["legend"] = item.outside_legend
        for what, part in parts.items():
            right = part.sceneBoundingRect().right()
            assert right <= plot.width() + 1, f"{what} of {plot.objectName()} reaches {right:.0f}"
    assert long_titles >= 1  # (the case this is about)


def test_play_and_pause_do_not_move_the_plots(qtbot, make_window):
    """The surface's start-point hint hides while training; its line stays, so no plot
    jumps at Play and Pause."""
    w = make_window(restore_settings=False)
    w.resize(1366, 768)
    qtbot.waitUntil(lambda: (w.width(), w.height()) == (1366, 768), timeout=WAIT)

    def places():
        return [p.plot.mapTo(w, p.plot.rect().topLeft()) for p in w.panels.values()] + [
            p.plot.size() for p in w.panels.values()
        ]

    paused = places()
    w.controls.iter_spin.setValue(100_000)
    w.play()
    qtbot.waitUntil(lambda: not w.surface_view.hint.isVisible(), timeout=WAIT)
    qtbot.waitUntil(lambda: len(w.history) > 3, timeout=WAIT)
    assert places() == paused
    w.pause()
    qtbot.waitUntil(lambda: w.surface_view.hint.isVisible(), timeout=WAIT)
    assert places() == paused
