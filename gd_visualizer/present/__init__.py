"""What a run looks like, decided once for the window and the exporter (Qt-free)."""
