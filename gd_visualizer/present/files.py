"""What an export may touch in its output folder, and how it replaces an earlier one (Qt-free).

An export writes every file into a private staging folder inside the output folder
(``.gd-export-XXXXXX``, made by :func:`tempfile.mkdtemp`, so that every rename stays on one
filesystem) and touches the output folder itself only in :meth:`OutputFolder.commit`, once the
new export is complete:

1. the earlier export's files are moved aside into the staging folder,
2. the new files are moved in,
3. the moved-aside files and the staging folder are deleted.

Steps 1 and 2 are undone (every move reversed) if they fail or are stopped, so until step 3
begins the output folder is exactly as it was.  Only names an export writes are ever moved:
``frame_NNNN.png`` (ASCII digits), ``animation.png``, ``animation.gif`` and ``run.json``; when
the earlier ``run.json`` parses, exactly the files it lists.  Everything else in the folder (a
user's ``movie.mkv.part``, ``frame_my_holiday_photo.png``, ``notes.txt``) is never touched.

An earlier export is replaced as a whole: an export with ``--format gif`` followed by one with
``--format apng`` leaves no ``animation.gif`` (the earlier run.json listed it, so it goes with
the rest).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from .record import ANIMATION_FILES, ExportError

#: the animation files an export may write (whatever its format)
ANIMATION_NAMES = frozenset(name for names in ANIMATION_FILES.values() for name in names)
#: the names an export writes
EXPORT_NAME = re.compile(
    "|".join([r"frame_[0-9]{4,}\.png", *map(re.escape, sorted(ANIMATION_NAMES)), r"run\.json"])
)
STAGING_PREFIX = ".gd-export-"
#: an earlier run.json larger than this is not read for its list of files
MAX_SUMMARY_BYTES = 64 * 2**20


class ExportCancelled(ExportError):
    """The export was stopped; nothing it wrote is left."""


def plural(n: int, noun: str) -> str:
    """``1 frame``, ``2 frames``, ``1,000 frames``."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def shown(path: os.PathLike[str] | str) -> str:
    """A path for a message: bytes that are not UTF-8 shown as ``\\xNN``, so it always prints."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _is_file_or_link(path: Path) -> bool:
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return False
    return stat.S_ISREG(mode) or stat.S_ISLNK(mode)


def existing_outputs(out_dir: Path) -> list[Path]:
    """The files of an earlier export in ``out_dir`` (only names an export writes).

    When the earlier ``run.json`` parses, exactly the files it lists (and itself); otherwise
    every file named like an export's.
    """
    out_dir = Path(out_dir)
    try:
        if not out_dir.is_dir():
            return []
        names = {e.name for e in os.scandir(out_dir) if EXPORT_NAME.fullmatch(e.name)}
    except (OSError, ValueError):
        return []
    listed = _listed_in_summary(out_dir / "run.json") if "run.json" in names else None
    if listed is not None:
        names &= listed | {"run.json"}
    return sorted(out_dir / n for n in names if _is_file_or_link(out_dir / n))


def _listed_in_summary(path: Path) -> set[str] | None:
    """The names a run.json says its export wrote, or None when it is not one of ours."""
    try:
        if path.stat().st_size > MAX_SUMMARY_BYTES:
            return None
        summary = json.loads(path.read_bytes())
        files = summary["frames"]["files"]
        animations = [summary.get("animation", "animation.png"), *summary.get("animations", [])]
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    names = {f for f in files if EXPORT_NAME.fullmatch(f) and f.startswith("frame_")}
    return names | {a for a in animations if isinstance(a, str) and a in ANIMATION_NAMES}


def check_stop(stop: threading.Event | None) -> None:
    """Raise :class:`ExportCancelled` once ``stop`` (set from another thread) is set."""
    if stop is not None and stop.is_set():
        raise ExportCancelled("the export was cancelled")


@contextlib.contextmanager
def whole_file(out: Path) -> Iterator[BinaryIO]:
    """A file to write ``out`` into, named ``out.part`` until the block ends without an error.

    Only then is it renamed to ``out``; a failure or a cancel removes it, so it never leaves a
    file that looks complete.
    """
    tmp = out.with_name(out.name + ".part")
    try:
        with open(tmp, "wb") as fh:
            yield fh
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def check_out_dir(out_dir: Path, overwrite: bool) -> None:
    """Raise ExportError unless ``out_dir`` can take a new export; changes nothing on disk."""
    OutputFolder(out_dir, overwrite).check()


class OutputFolder:
    """An export's output folder: new files go to a staging folder until :meth:`commit`.

    Use: :meth:`open` (creates the folder if needed and the staging folder), :meth:`write` or
    :meth:`path` for each new file, then :meth:`commit` or :meth:`abort`.  ``stop`` (an event set
    from another thread) makes a running :meth:`commit` undo its moves and raise
    :class:`ExportCancelled`.  Not thread-safe: one thread at a time (the export's worker).
    """

    def __init__(
        self, out_dir: os.PathLike[str] | str, overwrite: bool, stop: threading.Event | None = None
    ) -> None:
        self.out_dir = Path(out_dir)
        self.overwrite = overwrite
        self.stop = stop if stop is not None else threading.Event()
        self.staging: Path | None = None
        self._written: dict[str, None] = {}  # names given out by path(), in order
        self.committed = False
        self.replaced: list[str] = []  # names of the earlier export that the commit replaced
        self._created: list[Path] = []  # folders that open() made (removed again by abort())
        self.stuck = False  # an undo failed: the staging folder holds old files, so it stays

    # -- before the export ---------------------------------------------------------------
    def check(self) -> None:
        """Raise ExportError unless the folder can take a new export; changes nothing."""
        out = self.out_dir
        try:
            is_dir = out.is_dir()
            exists = is_dir or out.exists()
        except (OSError, ValueError) as exc:
            raise ExportError(f"{shown(out)}: cannot use this folder ({_describe(exc)})") from None
        if exists and not is_dir:
            raise ExportError(f"{shown(out)}: exists and is not a folder")
        if not exists:
            parent = out.absolute().parent
            while not _exists(parent):
                parent = parent.parent
            if not parent.is_dir():
                raise ExportError(
                    f"{shown(out)}: cannot create the folder ({shown(parent)} is not a folder)"
                )
            if not os.access(parent, os.W_OK | os.X_OK):
                raise ExportError(
                    f"{shown(out)}: cannot create the folder ({shown(parent)} is not writable)"
                )
            _check_name_lengths(out, parent)
            return
        if not os.access(out, os.W_OK | os.X_OK):
            raise ExportError(f"{shown(out)}: the folder is not writable")
        old = existing_outputs(out)
        if old and not self.overwrite:
            raise ExportError(
                f"{shown(out)}: already holds an export ({shown(old[0].name)}, …); "
                "choose another folder or allow overwriting (--overwrite)"
            )

    def open(self) -> None:
        """Check, create the folder (and its parents) if needed, and make the staging folder."""
        self.check()
        missing: list[Path] = []
        p = self.out_dir.absolute()
        while not _exists(p):
            missing.append(p)
            p = p.parent
        for folder in reversed(missing):
            try:
                folder.mkdir()
            except FileExistsError:
                continue
            except OSError as exc:
                self._remove_created()
                raise ExportError(
                    f"{shown(self.out_dir)}: cannot create the folder ({_why(exc)})"
                ) from None
            self._created.append(folder)
        try:
            self.staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.out_dir))
        except OSError as exc:
            self._remove_created()
            raise ExportError(
                f"{shown(self.out_dir)}: cannot write in the folder ({_why(exc)})"
            ) from None

    # -- during the export ---------------------------------------------------------------
    def path(self, name: str) -> Path:
        """Where the new file ``name`` is written until the commit (in the staging folder)."""
        if not EXPORT_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a name an export writes")
        if self.staging is None:
            raise RuntimeError("open() the output folder first")
        self._written[name] = None
        return self.staging / name

    def write(self, name: str, data: bytes) -> Path:
        """Write a whole new file; the path it went to (in the staging folder)."""
        check_stop(self.stop)
        path = self.path(name)
        _write_file(path, data)
        return path

    @property
    def written(self) -> list[str]:
        """The names of the new files, in the order they were first written."""
        return list(self._written)

    # -- the end -------------------------------------------------------------------------
    def commit(self) -> None:
        """Replace the earlier export by the new files; undone if it fails or is stopped."""
        if self.staging is None:
            raise RuntimeError("open() the output folder first")
        out, staging = self.out_dir, self.staging
        new = [n for n in self._written if _lexists(staging / n)]
        old = {p.name for p in existing_outputs(out)}
        if old and not self.overwrite:
            raise ExportError(
                f"{shown(out)}: an export appeared in the folder meanwhile; nothing was replaced"
            )
        for name in new:  # whatever holds a name we write is replaced, and only if a file
            p = out / name
            if _lexists(p):
                if not _is_file_or_link(p):
                    raise ExportError(f"{shown(p)}: is in the way and is not a file")
                old.add(name)
        aside = staging / "replaced"
        aside.mkdir()
        moved_old: list[str] = []
        moved_new: list[str] = []
        try:
            for name in sorted(old):
                self._check_stop()
                _move(out / name, aside / name)
                moved_old.append(name)
            for name in new:
                self._check_stop()
                _move(staging / name, out / name)
                moved_new.append(name)
        except BaseException as exc:
            try:
                for name in reversed(moved_new):
                    _move(out / name, staging / name)
                for name in reversed(moved_old):
                    _move(aside / name, out / name)
            except OSError as undo:
                self.stuck = True
                raise ExportError(
                    f"{shown(out)}: replacing the earlier export failed ({_describe(exc)}) and "
                    f"could not be undone ({_why(undo)}); its files are in {shown(aside)}"
                ) from None
            if isinstance(exc, OSError):
                raise ExportError(
                    f"{shown(out)}: replacing the earlier export failed ({_why(exc)}); "
                    "nothing was changed"
                ) from None
            raise
        # the point of no return: the new export is complete and in place
        self.committed = True
        self.replaced = sorted(old)
        shutil.rmtree(staging, ignore_errors=True)
        self.staging = None

    def abort(self) -> None:
        """Remove everything this export made (the staging folder, folders it created).

        Safe to call more than once, and after :meth:`commit` (then it does nothing).
        """
        if self.committed:
            return
        if self.staging is not None and not self.stuck:
            shutil.rmtree(self.staging, ignore_errors=True)
            if not _lexists(self.staging):
                self.staging = None
        if self.staging is None:
            self._remove_created()

    def _check_stop(self) -> None:
        check_stop(self.stop)

    def _remove_created(self) -> None:
        for folder in reversed(self._created):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only while empty: never anything we did not make
        self._created = []


def _write_file(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)


def _move(src: Path, dst: Path) -> None:
    os.replace(src, dst)


def _exists(p: Path) -> bool:
    try:
        os.stat(p)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return True  # there, but not usable: the caller's checks say why
    return True


def _lexists(p: Path) -> bool:
    try:
        os.lstat(p)
    except OSError:
        return False
    return True


def _check_name_lengths(out: Path, parent: Path) -> None:
    try:
        limit = os.pathconf(parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    for part in out.parts:
        if len(os.fsencode(part)) > limit:
            raise ExportError(
                f"{shown(out)}: cannot create the folder "
                f"({os.strerror(errno.ENAMETOOLONG)}: a name is longer than {limit} bytes)"
            )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return _why(exc)
    return str(exc) or type(exc).__name__
