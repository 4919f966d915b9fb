"""Run the real app in an X window, train a little and save a screenshot of the screen.

Usage: python tests/xvfb_smoke.py OUT.png [iterations] [--size WxH] [--dataset NAME]
       [--raw] [--lr LR] [--text-scale F]          (DISPLAY must point at an X server)
"""

from __future__ import annotations

import argparse
import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from gd_visualizer.qt import MainWindow


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("iterations", nargs="?", type=int, default=300)
    p.add_argument("--size", default="1440x900")
    p.add_argument("--dataset", default=None)
    p.add_argument("--raw", action="store_true", help="standardize off")
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--noise", type=float, default=None)
    p.add_argument("--text-scale", type=float, default=1.0)
    args = p.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    target = args.iterations
    app = QApplication([sys.argv[0], "-platform", "xcb"])
    window = MainWindow(dataset=args.dataset, restore_settings=False)
    window.move(0, 0)
    window.resize(width, height)
    if args.noise is not None:
        window.controls.noise_spin.setValue(args.noise)
    if args.raw:
        window.controls.standardize_check.setChecked(False)
    if args.lr is not None:
        window.controls.lr_spin.setValue(args.lr)
    window.set_text_scale(args.text_scale)
    window.controls.iter_spin.setValue(target)
    window.controls.speed_slider.setValue(window.controls.speed_slider.maximum())
    window.show()
    status = {"code": 1}

    def poll() -> None:
        if len(window.history) > target and window.surface_view.image.image is not None:
            timer.stop()
            QTimer.singleShot(400, shoot)  # let the last frame paint

    def shoot() -> None:
        screen = QGuiApplication.primaryScreen()
        shot = screen.grabWindow(0, 0, 0, width, height)  # the X server's own pixels
        status["code"] = 0 if shot.save(args.out) else 3
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
    QTimer.singleShot(120_000, give_up)
    rc = app.exec()
    return rc or status["code"]


if __name__ == "__main__":
    sys.exit(main())
