"""Atomic writes: a file is replaced whole or not at all, and survives a crash once written.

Each write goes to a hidden temporary file beside its target, is fsynced,
renamed over the target, and the folder is fsynced. :func:`grouped_writes`
makes a batch of such writes durable together, for the HTTP API's groups.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import concurrent.futures

_TEMP_NUMBERS = itertools.count()
# The write group atomic writes of this thread belong to (see grouped_writes), if any.
_GROUP: contextvars.ContextVar[WriteGroup | None] = contextvars.ContextVar("sspage_write_group",
                                                                          default=None)
_SYNC_THREADS = 4  # fsyncs of a write group that run at once
_sync_pool: concurrent.futures.ThreadPoolExecutor | None = None


class WriteGroup:
    """Atomic writes of existing files, made durable together (see :func:`grouped_writes`)."""

    def __init__(self) -> None:
        # path (as a string) -> (path, temp file, its fsync, its bytes), in the order written
        self.pending: dict[str, tuple[Path, Path, concurrent.futures.Future[None], bytes]] = {}
        self.folders: set[Path] = set()
        self.generation = 0  # how many times it was completed
        self.failed: dict[int, OSError] = {}  # generation -> why its files could not be saved

    def add(self, path: Path, temp: Path, fd: int, data: bytes) -> None:
        """``temp`` holds ``path``'s new bytes; fsync it (``fd``, closed after) in the background."""
        global _sync_pool
        if _sync_pool is None:
            # Imported here: only the API's grouped writes use threads, and every command
            # would otherwise pay for the import (with logging's) at start.
            import concurrent.futures

            _sync_pool = concurrent.futures.ThreadPoolExecutor(_SYNC_THREADS,
                                                               thread_name_prefix="sspage-fsync")
        self.discard(path)  # written twice in one group: the last one counts
        self.pending[os.fspath(path)] = (path, temp, _sync_pool.submit(_sync_and_close, fd), data)

    def read(self, path: Path) -> bytes | None:
        """The bytes written to ``path`` and not yet in place, if any."""
        found = self.pending.get(os.fspath(path))
        return None if found is None else found[3]

    def discard(self, path: Path) -> None:
        found = self.pending.pop(os.fspath(path), None)
        if found is not None:
            _wait_quietly(found[2])
            _unlink_quietly(found[1])

    def complete(self) -> None:
        """Wait for the files' fsyncs, rename each into place, then fsync their folders.

        If a file could not be made durable, none is renamed (their temporary
        files are removed), and the error is raised and kept in :attr:`failed`
        under the generation that ends here.
        """
        pending, self.pending = list(self.pending.values()), {}
        generation = self.generation
        self.generation += 1
        try:
            errors = [error for error in map(_error_of, (p[2] for p in pending)) if error]
            if errors:
                raise errors[0]
            for number, (path, temp, _, _) in enumerate(pending):
                try:
                    os.replace(temp, path)
                except OSError:
                    for _, later, _, _ in pending[number:]:
                        _unlink_quietly(later)
                    raise
                self.folders.add(path.parent)
            while self.folders:
                fsync_dir(self.folders.pop())
        except OSError as error:
            for _, temp, _, _ in pending:
                _unlink_quietly(temp)
            self.failed[generation] = error
            raise


@contextlib.contextmanager
def grouped_writes() -> Iterator[WriteGroup]:
    """Within: atomic writes are made durable together, when the block ends or at :func:`complete_writes`.

    Each file that replaces an existing one is written to its temporary file
    and fsynced in the background, but renamed into place only when the group
    completes, after every fsync is done; one fsync per folder then covers
    the renames. A crash leaves each file old or new, never a mix, as a single
    atomic write does, and what the group wrote is never partly in place unless
    it completed. Until then, :func:`read_bytes` on this thread returns the
    bytes written, so a change can build on the one before; other threads see
    the old files. New files are written and renamed at once (their folder's
    fsync waits for the group). The HTTP API writes each group of changes
    this way, and completes it before it commits them.
    """
    group = WriteGroup()
    token = _GROUP.set(group)
    try:
        yield group
    finally:
        _GROUP.reset(token)
        group.complete()


def complete_writes() -> None:
    """Complete this thread's write group now (see :func:`grouped_writes`); it stays open."""
    group = _GROUP.get()
    if group is not None:
        group.complete()


def _sync_dir(folder: Path) -> None:
    group = _GROUP.get()
    if group is None:
        fsync_dir(folder)
    else:
        group.folders.add(folder)


def atomic_write(path: Path, text: str, newline: str = "\n") -> None:
    """Replace ``path`` with ``text``: temp file in the same folder, fsync, rename, fsync folder.

    A crash at any moment leaves either the old file or the new one, never a mix.
    Within :func:`grouped_writes`, the rename of an existing file waits for the group.
    """
    folder = path.parent
    data = (text if newline == "\n" else text.replace("\n", newline)).encode("utf-8")
    exists = True
    mode = 0o644
    try:
        mode = os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        exists = False
    # Hidden, unique per process and call, created exclusively: never someone else's file.
    fd = -1
    while fd < 0:
        temp = folder / f".{path.name}.{os.getpid()}.{next(_TEMP_NUMBERS)}.tmp"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # left by a crashed process that had our pid
            continue
    group = _GROUP.get()
    try:
        written = 0
        while written < len(data):
            written += os.write(fd, data[written:])
        os.chmod(temp, mode)
        if group is not None and exists:
            group.add(path, temp, fd, data)  # the group fsyncs, closes and renames it
            return
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
            fd = -1
        os.replace(temp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        _unlink_quietly(temp)
        raise
    _sync_dir(folder)


def atomic_delete(path: Path) -> None:
    group = _GROUP.get()
    if group is not None:
        group.discard(path)
    os.unlink(path)
    _sync_dir(path.parent)


def _sync_and_close(fd: int) -> None:
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _error_of(future: concurrent.futures.Future[None]) -> OSError | None:
    error = future.exception()
    if error is None or isinstance(error, OSError):
        return error
    raise error


def _wait_quietly(future: concurrent.futures.Future[None]) -> None:
    future.exception()


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def written_bytes(path: Path) -> bytes | None:
    """What this thread's write group wrote to ``path`` and has not yet put in place, if anything."""
    group = _GROUP.get()
    if group is None or not group.pending:
        return None
    return group.read(path)
