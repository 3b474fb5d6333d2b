"""Writing a build's outputs so that a reader never sees a half-done change.

Every output is first *staged*: written in full to a hidden temporary file in
its final folder. Only when the whole build has succeeded are the staged files
renamed into place (a rename within a folder is atomic); if it fails, they are
deleted and the previous output is exactly as it was. A file whose bytes are
already right is not staged at all, so its mtime shows when it last changed.

Outputs are not fsynced: they can always be built again, and the rename
already makes each one appear whole.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

# Folders known to exist in this build (mkdir on an existing folder costs ~70 µs on
# a busy disk), and numbers that make temporary names unique without retries.
_FOLDERS: set[str] = set()
_SERIAL = itertools.count()


def forget_folders() -> None:
    """Call at the start of each build: folders may have been removed since the last one."""
    _FOLDERS.clear()


def stage(out: Path, relative: str, data: bytes, token: str,
          twin: str | None = None) -> tuple[str, str] | None:
    """Write ``data`` beside ``out/relative`` as a hidden temporary file, unless it is already there.

    Returns (temporary, final) for the commit, or None when the file already
    holds exactly these bytes (it is then left alone, mtime and all). ``twin`` is
    a temporary file staged in this build with the same bytes: the new one is a
    hard link to it, which costs a directory entry instead of a file (creating
    files is what an empty output folder's build mostly waits on).
    """
    # Plain os calls, not pathlib: a full build compares some 30,000 outputs this way.
    final = os.path.join(out, relative)
    try:
        fd = os.open(final, os.O_RDONLY)
    except (FileNotFoundError, NotADirectoryError):
        pass
    else:
        try:  # one byte more than expected: a file that grew since fstat differs too
            same = os.fstat(fd).st_size == len(data) and os.read(fd, len(data) + 1) == data
        finally:
            os.close(fd)
        if same:
            return None
    folder = os.path.dirname(final)
    if folder not in _FOLDERS:
        os.makedirs(folder, exist_ok=True)
        _FOLDERS.add(folder)
    # Unique without mkstemp's random retries and chmod: pid and counter never repeat in a build.
    temp = f"{folder}/.{os.path.basename(final)}.{os.getpid()}-{next(_SERIAL)}.{token}.tmp"
    if twin is not None:
        try:
            os.link(twin, temp)
            return temp, final
        except OSError:
            pass  # no hard links on this file system: write a copy
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as for open()
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except BaseException:
        os.unlink(temp)
        raise
    return temp, final


def commit(staged: list[tuple[str, str]]) -> None:
    """Rename every staged file over its final path."""
    for temp, final in staged:
        os.replace(temp, final)


def unstage(staged: list[tuple[str, str]]) -> None:
    """Delete staged files, and the folders that staging created and left empty."""
    for temp, _final in staged:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
    for temp, _final in staged:
        folder = os.path.dirname(temp)
        for _level in range(2):  # s/{code}/ and, in a first build, s/ itself
            try:
                os.rmdir(folder)  # only ever succeeds on an empty folder
            except OSError:
                break
            folder = os.path.dirname(folder)


def sweep(out: Path, token: str) -> None:
    """Remove this build's temporary files that a crashed worker could not report."""
    suffix = f".{token}.tmp"
    for folder, _dirs, files in os.walk(out):
        for name in files:
            if name.endswith(suffix):
                try:
                    os.unlink(os.path.join(folder, name))
                except FileNotFoundError:
                    pass


def delete_output(out: Path, relative: str) -> None:
    path = out / relative
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    folder = path.parent
    while folder != out and out in folder.parents:  # drop folders the deletion emptied
        try:
            folder.rmdir()
        except OSError:
            break
        folder = folder.parent


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_bytes(data)
    os.replace(temp, path)
