"""The site lock: one writer at a time, across processes.

Every read-modify-write (and, with git, the commit that follows) runs under
this lock. It is an OS-level lock on ``.sspage/lock``: the kernel releases it
when the holder dies, so a leftover lock *file* is never stale and is never
deleted. The file records who holds the lock, for the message shown to a
process that waits too long.

A process waiting for the lock also holds a shared lock on ``.sspage/lock.wait``
while it waits, so that a long-running holder (the HTTP API's writer) can
tell someone is waiting (:meth:`SiteLock.waiting`) and let them in, instead
of letting go every so often just in case.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from .errors import StoreError

DEFAULT_TIMEOUT = 30.0

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

    def _share(fd: int) -> bool:
        return False  # no shared locks: waiters cannot be seen (SiteLock.waiting says None)

    def _waiters(fd: int) -> bool | None:
        return None

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

    def _share(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return True
        except BlockingIOError:  # a holder is looking (_waiters) right now
            return False

    def _waiters(fd: int) -> bool | None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False


class SiteLock:
    """``with SiteLock(path):`` holds the lock; re-entrant within one object."""

    def __init__(self, path: Path, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.path = path
        self.timeout = timeout
        self._fd: int | None = None
        self._depth = 0
        self._on_release: list[Callable[[], None]] = []
        self._wait_path = path.with_name(path.name + ".wait")
        self._wait_fd: int | None = None  # the holder's, kept open to look for waiters

    def __enter__(self) -> SiteLock:
        if self._depth == 0:
            self._acquire()
        self._depth += 1
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            try:
                while self._on_release:
                    self._on_release.pop()()
            finally:
                _unlock(self._fd)
            os.close(self._fd)
            self._fd = None

    def on_release(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (once) just before the lock is next released: work it guards must end."""
        if callback not in self._on_release:
            self._on_release.append(callback)

    def waiting(self) -> bool | None:
        """Whether another process waits for this lock, which this object holds (None: cannot tell)."""
        if self._wait_fd is None:
            self._wait_fd = os.open(self._wait_path, os.O_RDWR | os.O_CREAT, 0o644)
        return _waiters(self._wait_fd)

    def close(self) -> None:
        """Let go of the file kept open by :meth:`waiting`."""
        if self._wait_fd is not None:
            os.close(self._wait_fd)
            self._wait_fd = None

    def _acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        delay = 0.002
        waiting: int | None = None  # the wait file, shared-locked while this process waits
        shared = False
        try:
            while not _try_lock(fd):
                if waiting is None:
                    waiting = os.open(self._wait_path, os.O_RDWR | os.O_CREAT, 0o644)
                if not shared:
                    shared = _share(waiting)
                if time.monotonic() >= deadline:
                    holder = _read_holder(fd)
                    os.close(fd)
                    raise StoreError(
                        f"another sspage process has held {self.path} for over {self.timeout:.0f} s"
                        + (f" ({holder})" if holder else ""),
                        hint="wait for it to finish; the lock is released when that process exits",
                    )
                time.sleep(delay)
                delay = min(delay * 2, 0.05)
        finally:
            if waiting is not None:
                os.close(waiting)  # and with it the shared lock
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}\n".encode(), 0)
        self._fd = fd


def _read_holder(fd: int) -> str:
    try:
        return os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        return ""
