"""Files that are not regular files are refused with a true message, promptly: a FIFO
(which would block), /dev/zero and links to it (which never end), sockets, folders.  The
hang-prone cases run in a child process with a timeout and a memory limit, so a
regression fails the test instead of hanging or exhausting the machine."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from gd_visualizer.core import datasets as datasets_module
from gd_visualizer.core.datasets import DatasetError, inspect_csv, load_csv

ROOT = Path(__file__).parents[1]
posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs (POSIX)")

CHILD = r"""
import os, sys
from gd_visualizer.core import datasets
path = sys.argv[1]
if len(sys.argv) > 2:  # the file changes type between the first look and the open
    regular, real_stat = sys.argv[2], os.stat
    datasets.os.stat = lambda p, *a, **k: real_stat(regular if str(p) == path else p, *a, **k)
for fn in (datasets.load_csv, datasets.inspect_csv):
    try:
        fn(path)
    except datasets.DatasetError as exc:
        print(type(exc).__name__, exc, flush=True)
    else:
        print("loaded", flush=True)
"""


def _limit_memory() -> None:  # runs in the child: a runaway read fails at 1.5 GB
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))


def in_child(*args: str) -> list[str]:
    """load_csv and inspect_csv of a path in a child process, 30 s at most."""
    run = subprocess.run(
        [sys.executable, "-c", CHILD, *args],
        capture_output=True, text=True, timeout=30, cwd=ROOT, preexec_fn=_limit_memory,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.splitlines()
    assert len(lines) == 2, run.stdout
    return lines


@posix_only
def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    for line in in_child(str(fifo)):
        assert line == f"DatasetError {fifo}: is a FIFO/named pipe, not a regular file"


@posix_only
def test_link_to_a_fifo_is_refused(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "data.csv"
    link.symlink_to(fifo)
    for line in in_child(str(link)):
        assert line == f"DatasetError {link}: is a FIFO/named pipe, not a regular file"


@posix_only
def test_fifo_swapped_in_after_the_first_look_does_not_block(tmp_path):
    """The type is checked again on the opened descriptor, opened without blocking."""
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    regular = tmp_path / "regular.csv"
    regular.write_text("a,b,y\n1,2,0\n3,4,1\n")
    for line in in_child(str(fifo), str(regular)):
        assert line == f"DatasetError {fifo}: is a FIFO/named pipe, not a regular file"


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_dev_zero_and_a_link_to_it_are_refused(tmp_path):
    link = tmp_path / "zeros.csv"
    link.symlink_to("/dev/zero")
    for path in ("/dev/zero", str(link)):
        for line in in_child(path):
            assert line == f"DatasetError {path}: is a character device, not a regular file"


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="needs Unix sockets")
def test_socket_is_refused(tmp_path):
    path = tmp_path / "s.csv"
    if len(str(path)) > 100:
        pytest.skip("path too long for a Unix socket")
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
        for fn in (load_csv, inspect_csv):
            with pytest.raises(DatasetError, match="is a socket, not a regular file"):
                fn(path)


def test_folder_dangling_link_and_bad_names(tmp_path):
    for fn in (load_csv, inspect_csv):
        with pytest.raises(DatasetError, match=r"is a folder, not a CSV file"):
            fn(tmp_path)
        link = tmp_path / "gone.csv"
        if not link.is_symlink():
            link.symlink_to(tmp_path / "missing.csv")
        with pytest.raises(DatasetError, match=r"gone.csv: is a link to a file that does not "):
            fn(link)
        with pytest.raises(DatasetError, match=r"cannot be read \(embedded null byte\)"):
            fn(str(tmp_path / "a\x00b.csv"))


def test_size_cap_holds_while_reading_a_growing_file(tmp_path, monkeypatch):
    """stat says the file is small; it grows while being read: reading stops at the cap."""
    monkeypatch.setattr(datasets_module, "MAX_FILE_BYTES", 100_000)
    p = tmp_path / "growing.csv"
    p.write_text("a,b,y\n" + "1,2,0\n3,4,1\n" * 6000)  # 72 kB: under the cap
    grown = []

    def cancel() -> bool:  # called before each read: the file grows after the first look
        if not grown:
            with open(p, "a") as fh:
                fh.write("5,6,1\n" * 20_000)
            grown.append(True)
        return False

    with pytest.raises(DatasetError, match=r"more than 100,000 bytes read from the file; the "
                       r"largest file gd-visualizer loads is 100,000 bytes"):  # fmt: skip
        load_csv(p, cancel=cancel)
    assert grown
