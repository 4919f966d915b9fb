"""The window fits a classroom: 1366×768 and a 1024×768 projector, at larger text too."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

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
    for plot in window.findChildren(pg.PlotWidget):
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
    return bad


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
    assert _clipped(w) == []
