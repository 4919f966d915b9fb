"""Start gd-visualizer.

``python main.py [--dataset NAME|PATH.csv] [--learning-rate LR] [--iterations N]``
"""

import sys

from gd_visualizer.app import main

if __name__ == "__main__":
    sys.exit(main())
