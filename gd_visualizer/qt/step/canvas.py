"""The computation graph of one step, painted: nodes with their forward values (blue),
the backward pass with its derivatives (red), in the notes' colours."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from ...present.lesson import GraphTexts

FORWARD = QColor("#1f5fbf")  # the notes draw the forward pass in blue
BACKWARD = QColor("#c62828")  # and the backward pass in red
#: node -> (column, row) on a 4 × 5 grid; inputs stacked on the left
PLACES = {
    "x1": (0, 0), "w1": (0, 1), "x2": (0, 2), "w2": (0, 3), "b": (0, 4),
    "z": (1, 2), "a": (2, 2), "L": (3, 2),
}  # fmt: skip
FORWARD_EDGES = [
    ("x1", "z"),
    ("w1", "z"),
    ("x2", "z"),
    ("w2", "z"),
    ("b", "z"),
    ("z", "a"),
    ("a", "L"),
]
#: the backward pass: from the node whose derivative flows back to the node it reaches
BACKWARD_EDGES = [("L", "a"), ("a", "z"), ("z", "w1"), ("z", "w2"), ("z", "b")]


class GraphCanvas(QWidget):
    """Paints :class:`GraphTexts`; repaints only when the texts change."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("graphCanvas")
        self.texts: GraphTexts | None = None
        self.setMinimumSize(560, 170)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def show_texts(self, texts: GraphTexts | None) -> None:
        if texts != self.texts:
            self.texts = texts
            self.update()

    # -- geometry ---------------------------------------------------------------------
    def _rects(self, fm: QFontMetricsF) -> dict[str, QRectF]:
        """Inputs stacked on the left (their derivatives left of them), z, a and L in a row."""
        w, h = self.width(), self.height()
        line = fm.height()
        row_h = (h - 4) / 5
        rects = {}
        for name, (col, row) in PLACES.items():
            if col == 0:
                height = min(line + 8, row_h - 2)
                top = 2 + row * row_h + (row_h - height) / 2
                rects[name] = QRectF(0.21 * w, top, 0.11 * w, height)
            else:
                left, width = ((0.39, 0.19), (0.62, 0.15), (0.81, 0.185))[col - 1]
                height = 2 * line + 8
                top = 2 + 2 * row_h + row_h / 2 - height / 2 - line / 2
                rects[name] = QRectF(left * w, top, width * w, height)
        return rects

    # -- painting ---------------------------------------------------------------------
    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        if self.texts is None:
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "no iteration to show yet")
            return
        fm = QFontMetricsF(p.font())
        rects = self._rects(fm)
        for a, b in FORWARD_EDGES:
            self._arrow(p, rects[a], rects[b], FORWARD, -3.0)
        for a, b in BACKWARD_EDGES:
            self._arrow(p, rects[a], rects[b], BACKWARD, 3.0, dashed=True)
        for name, rect in rects.items():
            p.setPen(QPen(FORWARD, 1.5))
            p.setBrush(QColor("#eef3fb"))
            p.drawRoundedRect(rect, 6, 6)
            p.setPen(QColor("#111"))
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.texts.nodes[name])
            back = self.texts.backward.get(name)
            if not back:
                continue
            p.setPen(BACKWARD)
            if PLACES[name][0] == 0:  # left of an input: the derivative that reached it
                room = QRectF(0, rect.top() - 4, rect.left() - 6, rect.height() + 8)
                flags = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            else:
                room = QRectF(rect.left() - 4, rect.bottom() + 6, rect.width() + 8, 3 * fm.height())
                flags = Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap
            p.drawText(room, flags, back)
        p.end()

    def _arrow(self, p: QPainter, a: QRectF, b: QRectF, colour: QColor, offset: float,
               dashed: bool = False) -> None:  # fmt: skip
        """An arrow from box a to box b (right edge to left edge when b is to the right)."""
        if b.center().x() > a.center().x():
            start = QPointF(a.right(), a.center().y() + offset)
            end = QPointF(b.left(), b.center().y() + offset)
        else:
            start = QPointF(a.left(), a.center().y() + offset)
            end = QPointF(b.right(), b.center().y() + offset)
        pen = QPen(colour, 1.6)
        if dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.drawLine(start, end)
        d = end - start
        length = max((d.x() ** 2 + d.y() ** 2) ** 0.5, 1e-9)
        ux, uy = d.x() / length, d.y() / length
        head = QPolygonF(
            [
                end,
                QPointF(end.x() - 9 * ux + 4 * uy, end.y() - 9 * uy - 4 * ux),
                QPointF(end.x() - 9 * ux - 4 * uy, end.y() - 9 * uy + 4 * ux),
            ]
        )
        path = QPainterPath()
        path.addPolygon(head)
        p.fillPath(path, colour)
