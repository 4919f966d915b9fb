"""What the views leave out of a frame (issue 16) without changing what is seen: a path's
vertices within a pixel of the one before, a long cost curve beyond two vertices per pixel
column, the evenly thinned path, and the empty items that are not set again."""

from __future__ import annotations

import numpy as np
import pytest

from gd_visualizer.qt.views.costcurve import CostCurveView
from gd_visualizer.qt.views.surface import MAX_PATH_POINTS, on_pixels, path_vertices, thin


def _distance_to_polyline(px: np.ndarray, py: np.ndarray, vx: np.ndarray, vy: np.ndarray):
    """Each point's distance to the polyline through (vx, vy), by brute force."""
    ax, ay, bx, by = vx[:-1], vy[:-1], vx[1:], vy[1:]
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    out = np.empty(len(px))
    for k, (x, y) in enumerate(zip(px, py, strict=True)):
        t = np.where(
            length2 > 0, ((x - ax) * dx + (y - ay) * dy) / np.where(length2 > 0, length2, 1), 0
        )
        t = np.clip(t, 0, 1)
        out[k] = np.min(np.hypot(ax + t * dx - x, ay + t * dy - y))
    return out


def _spiral(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A path that converges like gradient descent: fast at first, then creeping."""
    rng = np.random.default_rng(seed)
    k = np.arange(n)
    r = 3.0 * 0.995**k
    return r * np.cos(0.05 * k) + 1e-4 * rng.normal(size=n), r * np.sin(0.05 * k) - 0.5


@pytest.mark.parametrize("pixel", [(0.01, 0.01), (0.004, 0.02), (0.05, 0.003)])
def test_a_path_drawn_on_pixels_stays_within_a_pixel_of_every_vertex(pixel):
    x, y = _spiral(3000)
    keep = on_pixels(x, y, pixel)
    assert keep[0] == 0 and keep[-1] == len(x) - 1
    assert np.all(np.diff(keep) > 0)
    assert len(keep) < len(x) / 3  # the creeping end collapses
    # measured in pixels, every left-out vertex lies on the drawn line within a pixel's
    # diagonal (it shares a pixel with a vertex kept before it)
    sx, sy = pixel
    d = _distance_to_polyline(x / sx, y / sy, x[keep] / sx, y[keep] / sy)
    assert d.max() <= np.sqrt(2) + 1e-9


def test_every_vertex_is_kept_where_the_path_moves_more_than_a_pixel():
    x = np.arange(50.0)
    y = np.zeros(50)
    np.testing.assert_array_equal(on_pixels(x, y, (0.5, 0.5)), np.arange(50))
    # no pixel size (a view not shown yet): nothing is left out
    x, y = _spiral(100)
    np.testing.assert_array_equal(on_pixels(x, y, (0.0, 0.0)), np.arange(100))
    np.testing.assert_array_equal(on_pixels(x, y, (np.nan, 1.0)), np.arange(100))


def test_a_non_finite_vertex_is_never_left_out():
    x = np.array([0.0, 0.001, np.nan, 0.002, np.inf, 0.003, 0.004])
    y = np.zeros(7)
    keep = on_pixels(x, y, (1.0, 1.0))
    assert {2, 4} <= set(keep.tolist())
    assert keep[0] == 0 and keep[-1] == 6


@pytest.mark.parametrize("n", [4001, 4002, 10_000, 123_457])
def test_thinning_keeps_the_first_and_last_and_spaces_evenly(n):
    idx = thin(n, MAX_PATH_POINTS)
    assert len(idx) == MAX_PATH_POINTS
    assert idx[0] == 0 and idx[-1] == n - 1
    gaps = np.diff(idx)
    assert gaps.min() >= 1
    even = (n - 1) / (MAX_PATH_POINTS - 1)
    assert np.all(np.abs(gaps - even) <= 1)
    assert thin(MAX_PATH_POINTS, MAX_PATH_POINTS) == slice(None)


def test_path_vertices_start_and_end_where_the_path_does():
    x, y = _spiral(20_000)
    vx, vy = path_vertices(x, y, 15_000, (0.01, 0.01))
    assert (vx[0], vy[0]) == (x[0], y[0])
    assert (vx[-1], vy[-1]) == (x[14_999], y[14_999])
    assert len(vx) <= MAX_PATH_POINTS


def test_a_long_cost_curve_is_drawn_as_each_pixel_columns_extremes(qtbot):
    view = CostCurveView()
    qtbot.addWidget(view)
    view.resize(700, 400)
    view.show()
    qtbot.waitExposed(view)
    n = 200_000
    its = np.arange(n, dtype=float)
    rng = np.random.default_rng(1)
    costs = 0.7 * np.exp(-its / 20_000) + 0.02 * rng.random(n)  # noisy: peaks matter
    view.show_curve(its, costs, n - 1, tight=True)
    x, y = view.curve.getData()  # what is drawn
    width = view.plot.getPlotItem().vb.width()
    assert 0 < width < 700
    assert len(x) <= 2 * width + 8  # two vertices per pixel column (and the ends)
    # the envelope is kept: the highest and lowest J are among the drawn vertices
    assert y.max() == costs.max()
    assert y.min() == costs.min()


def test_an_empty_ghost_is_not_set_again(qtbot):
    view = CostCurveView()
    qtbot.addWidget(view)
    calls = []
    original = view.ghost.setData
    view.ghost.setData = lambda *a, **k: (calls.append(a), original(*a, **k))
    view.show_ghost(None, None)
    assert calls == []  # empty already
    view.show_ghost(np.arange(3.0), np.array([1.0, 0.5, 0.2]))
    view.show_ghost(None, None)
    assert len(calls) == 2
    x, _ = view.ghost.getData()
    assert x is None or len(x) == 0


def test_plots_show_axes_on_the_left_and_below_only(qtbot):
    from gd_visualizer.qt.views import PANELS

    for name, cls in PANELS.items():
        view = cls()
        qtbot.addWidget(view)
        item = view.plot.getPlotItem()
        shown = {
            side for side in ("left", "bottom", "top", "right") if item.getAxis(side).isVisible()
        }
        assert shown == {"left", "bottom"}, name


def test_an_axis_label_still_follows_its_text(qtbot):
    """The axes skip typesetting an unchanged label (overriding pyqtgraph's private
    ``_updateLabel``, which must still exist); a new label still shows."""
    import pyqtgraph as pg

    from gd_visualizer.qt.views._style import make_plot

    assert callable(getattr(pg.AxisItem, "_updateLabel", None))
    plot = make_plot("testPlot", "a title")
    qtbot.addWidget(plot)
    item = plot.getPlotItem()
    for text in ("J(w, b)", "J(W, b)", "J(w, b)"):
        item.setLabel("left", text)
        assert text in item.getAxis("left").label.toPlainText()


@pytest.mark.parametrize("view_name", ["boundary", "sigmoid"])
def test_a_legend_is_rebuilt_only_when_its_entries_change(qtbot, view_name):
    """New data with the same classes keep the legend (a rebuild lays the plot out again,
    3-5 ms on the GUI thread); other classes rename it."""
    from gd_visualizer.core import make_dataset
    from gd_visualizer.model import TrainingData
    from gd_visualizer.qt.views import PANELS

    view = PANELS[view_name]()
    qtbot.addWidget(view)
    legend = view.plot.getPlotItem().outside_legend

    def bind(name: str, **size) -> None:
        view.bind(TrainingData.from_dataset(make_dataset(name, **size), True, False))

    def names() -> list[str]:
        return [label.text for _, label in legend.items]

    bind("moons", n_samples=200)
    rows = list(legend.items)
    bind("moons", n_samples=5000)  # the same classes, more samples
    assert all(a is b for a, b in zip(legend.items, rows, strict=True))
    bind("iris")
    assert "versicolor" in names() and all(
        a is not b for a, b in zip(legend.items, rows, strict=False)
    )


def _shown_plot(qtbot, name: str, size: tuple[int, int], xr, yr, show: bool = True):
    """One of the app's plots (make_plot), ``size`` pixels, its view over ``xr`` × ``yr``;
    shown and exposed unless ``show`` is False."""
    from gd_visualizer.qt.views._style import make_plot

    plot = make_plot(name, name)
    qtbot.addWidget(plot)
    plot.resize(*size)
    if show:
        plot.show()
        qtbot.waitExposed(plot)
    item = plot.getPlotItem()
    item.setXRange(*xr, padding=0)
    item.setYRange(*yr, padding=0)
    return plot, item


def test_a_marker_is_drawn_where_its_point_is_and_hidden_where_it_cannot_be(qtbot):
    """A marker (a one-point item Qt paints) shows at its point's pixel, in its colour; a
    point that is not finite or far outside the view hides it (Qt cannot draw there)."""
    import pyqtgraph as pg
    from PySide6.QtCore import QPointF

    from gd_visualizer.qt.views._style import Marker, add_marker

    plot, item = _shown_plot(qtbot, "markerPlot", (400, 300), (0, 10), (0, 10))
    marker = add_marker(item, Marker("o", 14, pg.mkPen("k"), "#FF0000"))
    for x, y in ((np.inf, 1.0), (np.nan, 1.0), (1e300, 5.0), (5.0, -1e12)):
        marker.setData([x], [y])
        assert not marker.isVisible() and marker.getData()[0].size == 0
        plot.grab()  # painting it does not fail
    marker.setData([3.0], [7.0])
    assert marker.isVisible() and marker.getData()[0].tolist() == [3.0]
    at = plot.mapFromScene(item.getViewBox().mapViewToScene(QPointF(3.0, 7.0)))
    image = plot.grab().toImage()
    red = image.pixelColor(at.x(), at.y())
    assert (red.red(), red.green(), red.blue()) == (255, 0, 0)
    marker.setData([], [])
    assert not marker.isVisible()
    # a point beyond the view shows once the view grows to it (the surface's extent grows
    # after a big step; the per-example loss tab sets its range after the ring)
    marker.setData([45.0], [-30.0])
    assert not marker.isVisible()
    item.setXRange(-50, 50, padding=0)
    item.setYRange(-50, 50, padding=0)
    assert marker.isVisible() and marker.getData()[0].tolist() == [45.0]
    item.setXRange(0, 1, padding=0)
    assert not marker.isVisible()


def test_the_misclassified_rings_are_the_misclassified_samples(qtbot):
    """The sigmoid view rings exactly the drawn samples on the wrong side of σ = 0.5, frame
    after frame, while the rings move in place (checked against σ(wᵀx + b) directly)."""
    from gd_visualizer.core import make_dataset
    from gd_visualizer.model import TrainingData
    from gd_visualizer.qt.views import PANELS

    view = PANELS["sigmoid"]()
    qtbot.addWidget(view)
    data = TrainingData.from_dataset(make_dataset("moons", n_samples=400, seed=1), True, False)
    view.bind(data)
    rng = np.random.default_rng(3)
    for _ in range(5):
        w, b = rng.normal(size=2) * 2, float(rng.normal())
        view.show_state(w, b)
        a = 1 / (1 + np.exp(-(w @ data.X + b)))
        wrong = (a > 0.5) != (data.Y[0] > 0.5)
        rings = view.wrong.data
        assert len(rings) == data.X.shape[1]
        np.testing.assert_array_equal(rings["visible"], wrong)
        np.testing.assert_allclose(rings["x"][wrong], (w @ data.X + b)[wrong], rtol=1e-9)


def _pixels_of(image, colour: str) -> np.ndarray:
    """(x, y) of every pixel of ``image`` (a QImage) in exactly ``colour``."""
    from PySide6.QtGui import QColor, QImage

    image = image.convertToFormat(QImage.Format.Format_RGB32)
    c = QColor(colour)
    rgb = np.frombuffer(image.constBits(), np.uint8).reshape(
        image.height(), image.bytesPerLine() // 4, 4
    )[:, : image.width(), 2::-1]
    ys, xs = np.nonzero((rgb == (c.red(), c.green(), c.blue())).all(axis=2))
    return np.stack([xs, ys], axis=1)


@pytest.mark.parametrize("width", [1.0, 2.0])  # a path, and separate segments
def test_raced_lines_are_drawn_where_a_curve_draws_them(qtbot, width):
    """One item draws every raced run's line: pixel for pixel where pyqtgraph's own curve
    item draws the same line with the same pen, non-finite points left out alike."""
    import pyqtgraph as pg

    from gd_visualizer.qt.views._style import RaceLines

    plot, item = _shown_plot(qtbot, "raceLinesPlot", (420, 320), (0, 10), (-2, 2))
    x = np.linspace(0.5, 9.5, 300)
    y1 = np.sin(x)
    y2 = np.cos(x) * 1.5
    y2[100:110] = np.nan  # a gap
    y2[200] = np.inf
    lines = RaceLines(item, width=width)
    lines.show([(x, y1, "#E69F00"), (x, y2, "#56B4E9")])
    ours = plot.grab().toImage()
    assert [c for *_, c in lines.lines()] == ["#E69F00", "#56B4E9"]
    lines.show([])
    assert lines.lines() == []
    reference = []
    for yy, colour in ((y1, "#E69F00"), (y2, "#56B4E9")):
        curve = pg.PlotCurveItem(x, yy, pen=pg.mkPen(colour, width=width))
        item.addItem(curve)
        reference.append(curve)
    theirs = plot.grab().toImage()
    for colour in ("#E69F00", "#56B4E9"):
        a, b = _pixels_of(ours, colour), _pixels_of(theirs, colour)
        assert len(a) > 300
        assert np.array_equal(a, b)


def test_raced_lines_bounds_hold_every_pixel_they_draw(qtbot):
    """Qt repaints only what an item's bounds cover: every pixel a raced line (and its
    outline) paints lies within its bounds, also after the view zooms out or in."""
    from PySide6.QtGui import QImage

    from gd_visualizer.qt.views._style import RaceLines

    plot, item = _shown_plot(qtbot, "raceBoundsPlot", (400, 300), (0, 10), (0, 10), show=False)
    lines = RaceLines(item, width=2, outline=True)
    x = np.array([1.0, 2.0, np.nan, 6.0, 6.5, 8.0])
    y = np.array([3.0, 4.0, 9.0, 1.0, 0.5, np.inf])
    lines.show([(x, y, "#E69F00")])  # before the plot is laid out and shown
    plot.show()
    qtbot.waitExposed(plot)
    vb = item.getViewBox()
    for span in (10.0, 1000.0, 7.0):  # as shown, zoomed out 100×, zoomed in
        item.setXRange(5 - span / 2, 5 + span / 2, padding=0)
        item.setYRange(5 - span / 2, 5 + span / 2, padding=0)
        image = plot.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
        # the line's own pixels and its dark outline's
        drawn = _pixels_of(image, "#E69F00")
        assert len(drawn) > 5
        bounds = plot.mapFromScene(vb.mapViewToScene(lines.boundingRect())).boundingRect()
        rgb = np.frombuffer(image.constBits(), np.uint8).reshape(
            image.height(), image.bytesPerLine() // 4, 4
        )[:, : image.width(), :3]
        dark = np.argwhere(rgb.max(axis=2) < 90)[:, ::-1]  # (x, y) of the outline's pixels
        near = np.array([np.abs(drawn - d).max(axis=1).min() <= 3 for d in dark], dtype=bool)
        outline = dark[near] if len(dark) else dark
        assert len(outline) > len(drawn) // 2
        for px, py in [*map(tuple, drawn), *map(tuple, outline)]:
            assert bounds.adjusted(-1, -1, 1, 1).contains(px, py), (span, px, py, bounds)


@pytest.mark.parametrize("log", [False, True])
def test_raced_cost_curves_are_thinned_as_the_selected_runs_curve(qtbot, log):
    """The raced runs' cost curves are clipped to the view and peak-downsampled by
    ``peaks``; pyqtgraph does it for the selected run's curve: both give the same vertices."""
    from gd_visualizer.qt.views.costcurve import peaks

    view = CostCurveView()
    qtbot.addWidget(view)
    view.resize(700, 400)
    view.show()
    qtbot.waitExposed(view)
    view.set_log(log)
    n = 120_000
    its = np.arange(n, dtype=float)
    rng = np.random.default_rng(3)
    costs = 0.7 * np.exp(-its / 20_000) + 0.02 * rng.random(n)
    view.show_curve(its, costs, n - 1, tight=True)
    vb = view.plot.getPlotItem().getViewBox()
    vb.setXRange(30_000, 80_000, padding=0)  # part of the curve: clipped to the view
    qtbot.waitUntil(lambda: view.curve.getData()[0] is not None)
    view.plot.grab()  # pyqtgraph thins the curve for the view it paints
    x, y = view.curve.getData()
    r = vb.viewRect()
    view_range = (r.left(), r.right()), (r.top(), r.bottom()), vb.width()
    mx, my = peaks(its, np.log10(costs) if log else costs, *view_range)
    assert 2 < len(mx) <= 2 * (1.05 * vb.width() + 4)  # ~two per pixel column, and the ends
    np.testing.assert_array_equal(mx, x)
    np.testing.assert_allclose(my, y, rtol=1e-12)


def test_raced_cost_curves_keep_gaps_and_clip_only_far_beyond_the_view():
    """``peaks`` leaves a non-finite J as it is (a gap, as pyqtgraph draws one) and clips a
    finite J only beyond RANGE_LIMIT view heights."""
    from gd_visualizer.qt.views.costcurve import RANGE_LIMIT, peaks

    its = np.arange(10)
    costs = np.array([0.7, 0.6, np.inf, 0.5, np.nan, 0.4, 0.3, 0.2, 0.1, 0.05])
    x, y = peaks(its, costs, (0, 9), (0.0, 1.0), 500)
    np.testing.assert_array_equal(x, its)
    np.testing.assert_array_equal(y, costs)  # nothing clipped, the gaps kept
    costs[3] = 1e300  # a diverging run: far beyond the view
    _, y = peaks(its, costs, (0, 9), (0.0, 1.0), 500)
    assert y[3] == 1.0 + RANGE_LIMIT * 1.0
    assert np.isposinf(y[2]) and np.isnan(y[4])
    np.testing.assert_array_equal(np.delete(y, [2, 3, 4]), np.delete(costs, [2, 3, 4]))
