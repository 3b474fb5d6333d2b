"""The API's one writer: every change a request asks for, in order, through the library.

Request handlers hand a function to :class:`Writer`, which runs it on its own
thread under the site lock, with the same :class:`~sspage.store.Site` methods
the command line uses, so an API write and a CLI or hand edit serialise on
the same lock and never lose each other's changes.

Commits. By default each request is one commit, published before the client
hears back. With a group window (``sspage api --group-commit MS``), changes
that arrive within MS milliseconds of the first one are written as they come
and committed together, in one commit that lists each change, once the window
closes; each client hears back only after that commit. Two changes to one
page, or changes by two authors, are never grouped: the group is committed
first. Either way the next changes are written while the last ones are being
committed, and the site lock is held from the first change until everything
written is committed; the writer lets go as soon as a command-line writer
waits for it (:meth:`~sspage.lock.SiteLock.waiting`).

A group's files are made durable together (:func:`~sspage.atomic.grouped_writes`):
fsynced in the background as they are written, put in place when the group
closes. :class:`GroupedGit` stands in for the site's
:class:`~sspage.git.GitStore`: it journals each change as usual before the
file is written (so a crash leaves nothing unexplained, see docs/git.md), but
commits only when the writer says so, with libgit2 in a helper process
(:mod:`.commits`) where it can, with git's command line where it cannot.
"""

from __future__ import annotations

import concurrent.futures
import functools
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from ..atomic import WriteGroup, complete_writes, grouped_writes
from ..errors import SspageError, StoreError
from ..git import LOCK_TIMEOUT, GitStore, Staging
from ..gitsetup import require_git
from .commits import CommitHelper, Moved, Unsupported

MAX_GROUP = 500  # changes in one grouped commit at most
MAX_QUEUE = 2_000  # requests waiting for the writer at most; more are told to come back
MAX_HOLD = 1.0  # seconds: how long a busy writer keeps the site lock where waiters cannot be seen
LOCK_YIELD = 0.06  # seconds: how long it then waits before taking the lock again, at most


class Busy(Exception):
    """The writer's queue is full."""


class Written(NamedTuple):
    rel: str
    message: str
    author: str | None


class Batch(NamedTuple):
    group: list[Written]
    paths: list[str]
    done: Callable[[], None] | None


class GroupedGit(GitStore):
    """A GitStore whose commits are made by :meth:`flush`, on a thread of its own.

    The writer goes on writing the next group's files while the last group is being
    committed (the commit helper and git do that work, so both cores are used). Commits are made
    in order, one at a time; a file of a group being committed is not written again
    until that commit is published. With ``merge``, groups that queued up while a
    commit was being made are committed together, in one commit (group commit);
    without it each group is its own commit.
    """

    def __init__(self, store: GitStore, site: Path, log: Callable[..., None], *,
                 merge: bool = False) -> None:
        super().__init__(store.top, store.git_dir, site)
        self.committer = CommitHelper.start(self.top, self.env)
        self.group: list[Written] = []
        self.log = log
        self.merge = merge
        self.unflushed = False  # a commit failed; its changes are journaled and retried
        self.inflight: set[str] = set()  # paths handed over but not yet committed
        self.queued: list[Batch] = []
        self.busy = False
        self.closing = False
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._commit_loop, name="sspage-api-commit", daemon=True)
        self.thread.start()

    def prepare(self) -> None:
        """Nothing ahead of time: the kept index belongs to the commit thread, which may be
        using it right now; :meth:`GitStore.commit` brings it up to HEAD itself."""

    def settle(self) -> None:
        pass

    def begin(self, path: Path, message: str, author: str | None) -> None:
        rel = self.rel(path)
        with self.cond:
            busy = rel in self.inflight
        if busy or self._entry(rel).exists():
            # Its last change is still being committed, or a failed commit left it pending
            # (commit_pending below commits that): let the committer finish first.
            self.wait()
        if any(w.rel == rel for w in self.group) or (self.group and self.group[0].author != author):
            self.flush()
            self.wait()
        # GitStore.begin, less its wait for git's index.lock: the committer holds that lock
        # while it stages the last group, and commit() waits for it where it must.
        require_git()
        self._branch()
        if self._entry(rel).exists():
            self.commit_pending([rel])
        self.journal(rel, message, author)

    def finish(self, path: Path, message: str, author: str | None) -> str:
        self.group.append(Written(self.rel(path), message, author))
        return ""

    def flush(self, done: Callable[[], None] | None = None) -> None:
        """Hand the group to the committer; ``done()`` is called once it is committed (or failed)."""
        try:
            complete_writes()  # the group's files are in place, and on disk, before they are committed
        except OSError as error:
            self.group = []  # none of its files changed: nothing to commit
            raise StoreError(f"could not save the change: {error}",
                             hint="check the disk and retry") from None
        group, self.group = self.group, []
        paths = list(dict.fromkeys(w.rel for w in group))
        with self.cond:
            self.inflight.update(paths)
            self.queued.append(Batch(group, paths, done))
            self.cond.notify_all()

    def idle(self) -> bool:
        """Whether every group handed over is committed."""
        with self.cond:
            return not self.queued and not self.busy

    def wait(self) -> None:
        """Until every group handed over is committed."""
        with self.cond:
            while self.queued or self.busy:
                self.cond.wait()

    def close(self) -> None:
        self.wait()
        with self.cond:
            self.closing = True
            self.cond.notify_all()
        self.thread.join()
        if self.committer is not None:
            self.committer.close()

    def _take(self) -> list[Batch]:
        """The next batch, or with ``merge`` every queued batch of the first one's author."""
        if not self.merge:
            return [self.queued.pop(0)]
        author = next((b.group[0].author for b in self.queued if b.group), None)
        taken = []
        while self.queued and (not self.queued[0].group or self.queued[0].group[0].author == author):
            taken.append(self.queued.pop(0))
        return taken

    def _commit_loop(self) -> None:
        while True:
            with self.cond:
                while not self.queued and not self.closing:
                    self.cond.wait()
                if not self.queued:
                    return
                batches = self._take()
                self.busy = True
            group = [written for batch in batches for written in batch.group]
            paths = [path for batch in batches for path in batch.paths]
            try:
                if self.unflushed:
                    self._retry()
                if group:
                    self._commit(group, paths)
            except Exception as error:  # noqa: BLE001 - logged; the clients are still answered
                self.log("error", where="commit", error=repr(error))
            for batch in batches:
                if batch.done is not None:
                    batch.done()
            with self.cond:
                self.busy = False
                self.inflight.difference_update(paths)
                self.cond.notify_all()

    def commit(self, paths: list[str], message: str, author: str | None = None) -> str:
        """As :meth:`GitStore.commit`, with the commit made by libgit2 where it can be.

        git's own index takes the new files meanwhile, with ``git update-index``
        as GitStore does it, and gets its old entries back if the commit fails.
        """
        if self.committer is None:
            return super().commit(paths, message, author)
        listing = self._spawn(["--literal-pathspecs", "ls-files", "--stage", "-z", "--", *paths])
        try:
            saved = self._collect(listing, "ls-files")
        except BaseException:
            listing.communicate()
            raise
        staging = Staging(saved, self._spawn(["update-index", "--add", "--remove", "--", *paths]))
        subject = message.split("\n", 1)[0]
        deadline = time.monotonic() + LOCK_TIMEOUT
        try:
            while True:
                ref, old = self._branch()
                new = self.committer.build(old, paths, message, author)
                try:
                    self.committer.publish(ref, old, new, subject)
                    break
                except Moved as moved:  # someone else committed: build again on their commit
                    if time.monotonic() > deadline:
                        raise StoreError(f"could not move {ref} to the new commit: {moved}",
                                         hint="another git process keeps changing or locking it") \
                            from None
                    time.sleep(0.02)
        except Unsupported as reason:
            self._unstage(staging, paths)
            if not self.committer.alive():
                self.log("error", where="commit helper", error=str(reason),
                         hint="git's command line makes the commits from now on")
                self.committer = None
            return super().commit(paths, message, author)
        except BaseException:
            self._unstage(staging, paths)
            raise
        self._index_took(staging, paths)
        return new

    def _commit(self, group: list[Written], paths: list[str]) -> None:
        started = time.perf_counter()
        try:
            commit = self.commit(paths, group_message([w.message for w in group]), group[0].author)
        except StoreError as error:
            # The files are written and journaled: the next commit (or `sspage commit`)
            # commits them. The clients are told their change was made, which it was.
            self.unflushed = True
            self.log("commit_failed", error=str(error), paths=paths,
                     hint="the changes are saved; they are committed with the next change, or "
                          "by `sspage commit`")
            return
        for rel in paths:
            self._entry(rel).unlink(missing_ok=True)
        self.log("commit", commit=commit[:12], changes=len(group), files=len(paths),
                 ms=round((time.perf_counter() - started) * 1000, 1))

    def _retry(self) -> None:
        try:
            done = self.commit_pending()
        except StoreError as error:
            self.log("commit_failed", error=str(error))
            return
        self.unflushed = False
        if done:
            self.log("commit", changes=len(done), retried=True)


def group_message(messages: list[str]) -> str:
    """One change: its own message. Several: a subject, each change's subject, all trailers."""
    if len(messages) == 1:
        return messages[0]
    subjects, trailers = [], []
    for message in messages:
        subject, _, rest = message.partition("\n")
        subjects.append(subject)
        trailers += [line for line in rest.strip().splitlines() if line]
    pages = {line for line in trailers if line.startswith("Sspage-Page:")}
    noun = "page" if len(pages) == 1 else "pages"
    subject = f"API: {len(messages)} changes to {len(pages)} {noun}"
    body = "\n".join(f"- {line}" for line in subjects)
    return f"{subject}\n\n{body}\n\n" + "\n".join(dict.fromkeys(trailers)) + "\n"


class Job(NamedTuple):
    work: Callable[[], Any]
    author: str | None
    future: concurrent.futures.Future[Any]


class Writer:
    """Runs write jobs one at a time on a thread of its own, under the site lock.

    ``on_commit(paths)`` is called (on the writer's thread) after each flush with
    the repository paths it committed, or the files changed when not committing.
    """

    def __init__(self, site: Any, *, window: float = 0.0, log: Callable[..., None],
                 on_commit: Callable[[list[Path]], None] | None = None) -> None:
        self.site = site
        self.window = window
        self.log = log
        self.on_commit = on_commit
        self.queue: queue.Queue[Job | None] = queue.Queue()
        self.git: GroupedGit | None = None
        if site.commits:
            self.git = GroupedGit(site.git, site.root, log, merge=window > 0)
            site._git = self.git  # the library commits through it (see the module docstring)
        self.changed: list[Path] = []
        previous = site.on_change

        def note(change: Any) -> None:
            self.changed.append(change.path)
            if previous is not None:
                previous(change)

        site.on_change = note
        self.thread = threading.Thread(target=self._run, name="sspage-api-writer", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Finish the queued jobs, then stop."""
        self.queue.put(None)
        self.thread.join()
        if self.git is not None:
            self.git.close()

    def submit(self, work: Callable[[], Any], author: str | None = None) -> concurrent.futures.Future[Any]:
        if self.queue.qsize() >= MAX_QUEUE:
            raise Busy
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self.queue.put(Job(work, author, future))
        return future

    def _run(self) -> None:
        lock = self.site.lock
        while True:
            job = self.queue.get()
            if job is None:
                lock.close()
                return
            try:
                with lock:
                    stop = self._drain(job)
                    if self.git is not None:
                        self.git.wait()  # everything is committed before the lock is let go
            except SspageError as error:  # the site lock could not be had: nothing was written
                if not job.future.done():
                    job.future.set_exception(error)
                continue
            if stop:
                lock.close()
                return
            if not self.queue.empty():
                # Let go for a waiting command-line writer (which retries the lock every
                # 50 ms at most): give it a moment to take its turn.
                deadline = time.monotonic() + LOCK_YIELD
                while time.monotonic() < deadline and lock.waiting() is not False:
                    time.sleep(0.005)

    def _drain(self, job: Job) -> bool:
        """Groups back to back while requests keep coming and no one else waits for the lock.

        Where waiting processes cannot be seen, the lock is let go every MAX_HOLD
        seconds. True: stop.
        """
        started = time.monotonic()
        while True:
            done, stop = self._collect(job)
            changed, self.changed = self.changed, []
            if self.git is not None:
                self.git.flush(functools.partial(self._answer, done, changed))
            else:
                self._answer(done, changed)
            if stop:
                return True
            waiting = self.site.lock.waiting()
            if waiting or (waiting is None and time.monotonic() - started > MAX_HOLD):
                return False
            queued = self._next()
            if queued is False:
                return False
            if queued is None:
                return True
            assert isinstance(queued, Job)
            job = queued

    def _next(self) -> Job | None | bool:
        """The next job; None: stop; False: none came while nothing was being committed.

        A job that comes while a commit is being made is taken at once: were the
        writer to let go of the lock then, it would wait for that commit first.
        """
        while True:
            try:
                return self.queue.get(timeout=0.005)
            except queue.Empty:
                if self.git is None or self.git.idle():
                    return False

    def _collect(self, first: Job) -> tuple[list[tuple[Job, Any, BaseException | None]], bool]:
        """Run ``first`` and what arrives within the window (or the group limit).

        The group's files are written as its changes come, and made durable
        together once it closes (see :func:`~sspage.atomic.grouped_writes`).
        """
        done: list[tuple[Job, Any, BaseException | None]] = []
        generations: list[int] = []  # the write generation each change ended in
        stop = False
        try:
            with grouped_writes() as writes:
                self._apply(first, done, generations, writes)
                deadline = time.monotonic() + self.window
                while self.window > 0 and len(done) < MAX_GROUP:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    try:
                        job = self.queue.get(timeout=remaining)
                    except queue.Empty:
                        break
                    if job is None:
                        stop = True
                        break
                    self._apply(job, done, generations, writes)
        except OSError:
            if self.git is not None:
                self.git.group = []  # its files did not change: nothing to commit
        if writes.failed:
            # Files that could not be made durable were not put in place: those changes
            # were not made (their journal entries are dropped by the next change).
            done = [(job, None, StoreError(f"could not save the change: {writes.failed[number]}",
                                           hint="check the disk and retry"))
                    if failure is None and number in writes.failed else (job, result, failure)
                    for (job, result, failure), number in zip(done, generations, strict=True)]
        return done, stop

    def _answer(self, done: list[tuple[Job, Any, BaseException | None]], changed: list[Path]) -> None:
        """After the group's commit: tell the builder and pusher, then the clients."""
        if self.on_commit is not None and changed:
            try:
                self.on_commit(changed)
            except Exception as error:  # noqa: BLE001 - a failed rebuild must not stop writes
                self.log("error", where="after commit", error=repr(error))
        for job, result, failure in done:
            if failure is not None:
                job.future.set_exception(failure)
            else:
                job.future.set_result(result)

    def _apply(self, job: Job, done: list[tuple[Job, Any, BaseException | None]],
               generations: list[int], writes: WriteGroup) -> None:
        if job.future.set_running_or_notify_cancel() is False:
            return
        self.site.author = job.author
        try:
            done.append((job, job.work(), None))
        except BaseException as error:  # noqa: BLE001 - handed to the request that asked
            done.append((job, None, error))
        generations.append(writes.generation)
