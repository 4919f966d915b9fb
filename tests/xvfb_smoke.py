"""Run the real app in an X window, train a little and save a screenshot of the screen.

Usage: python tests/xvfb_smoke.py OUT.png [iterations]   (DISPLAY must point at an X server)
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from gd_visualizer.qt import MainWindow


def main() -> int:
    out = sys.argv[1]
    target = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    app = QApplication([sys.argv[0], "-platform", "xcb"])
    window = MainWindow(restore_settings=False)
    window.move(0, 0)
    window.resize(1440, 900)
    window.controls.iter_slider.setValue(target)
    window.controls.speed_slider.setValue(window.controls.speed_slider.maximum())
    window.show()
    status = {"code": 1}

    def poll() -> None:
        if len(window.history) > target and window.surface_view.image.image is not None:
            timer.stop()
            QTimer.singleShot(300, shoot)  # let the last frame paint

    def shoot() -> None:
        screen = QGuiApplication.primaryScreen()
        shot = screen.grabWindow(0, 0, 0, 1440, 900)  # the X server's own pixels
        status["code"] = 0 if shot.save(out) else 3
        window.close()
        app.quit()

    def give_up() -> None:
        print("smoke: the run did not finish in time", file=sys.stderr)
        window.close()
        app.exit(4)

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(50)
    QTimer.singleShot(1000, window.play)
    QTimer.singleShot(60_000, give_up)
    rc = app.exec()
    return rc or status["code"]


if __name__ == "__main__":
    sys.exit(main())
