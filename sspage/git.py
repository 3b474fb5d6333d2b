"""Git as the store: every change to a page file becomes one commit of that file alone.

Git is driven through its command line, with argument lists (never a shell),
paths after ``--`` and messages on stdin. A commit never touches what the user
has staged or modified elsewhere: it is built in a temporary index::

    GIT_INDEX_FILE=<tmp> git read-tree <HEAD>                          # unless <tmp> is HEAD's
    GIT_INDEX_FILE=<tmp> git update-index --add --remove -- <path>   # hashes the file
    GIT_INDEX_FILE=<tmp> git write-tree
    git commit-tree <tree> -p <HEAD> -F -                            # message on stdin
    git update-ref -m ... HEAD <new> <HEAD>                          # fails if HEAD moved
    git update-index --add --remove -- <path>                        # the real index, that path only

The temporary index (``.git/sspage-index-<site>``) is kept between commands
with a note of the commit it matches, so the ``read-tree`` of a large
repository is skipped while nothing else committed in between. It is only
used under the site lock. Only ``update-ref`` publishes the commit, so a process killed at any point
leaves the repository valid. Before the page file is written, a small journal
entry (``.git/sspage-pending/<path, %-escaped>``: the path, the author, the message) records the
commit that is due; it is removed once the commit is published. A later
command that finds an entry whose file differs from HEAD reports it, and
``sspage commit`` (:meth:`GitStore.commit_pending`) finishes the job.

The installed git's version is only asked for when a git command fails, to
say whether it is too old (sspage needs git 2.0 or newer).
"""

from __future__ import annotations

import os
import re
import time
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .errors import InputError, StoreError

if TYPE_CHECKING:
    import subprocess

MIN_VERSION = (2, 0)
PENDING = "sspage-pending"
#: How long to wait for a lock file of git's own (``index.lock``, a ref's ``.lock``).
LOCK_TIMEOUT = float(os.environ.get("SSPAGE_GIT_LOCK_TIMEOUT", "10"))
#: Test hook only: sleep this many seconds between writing a file and committing it.
PAUSE_ENV = "SSPAGE_TEST_PAUSE_BEFORE_COMMIT"

_AUTHOR_RE = re.compile(r"^\s*([^<>\n]+?)\s*<([^<>\s]+)>\s*$")


class Pending(NamedTuple):
    """A change sspage wrote but had not committed when its process stopped."""

    path: str  # relative to the repository's top, with ``/``
    message: str
    author: str | None


def parse_author(author: str) -> tuple[str, str]:
    """``"Name <email>"`` as (name, email); an :class:`InputError` otherwise."""
    match = _AUTHOR_RE.match(author)
    if not match:
        raise InputError(f"--author must look like 'Name <email>', not {author!r}")
    return match.group(1), match.group(2)


def commit_message(summary: str, trailers: dict[str, str]) -> str:
    """The subject (one line), a blank line, then ``Key: value`` trailers."""
    subject = " ".join(summary.split())
    lines = [f"{key}: {' '.join(value.split())}" for key, value in trailers.items()]
    return subject + "\n" + ("\n" + "\n".join(lines) + "\n" if lines else "")


def find_repo(start: Path) -> GitStore | None:
    """The git work tree holding ``start`` (a resolved folder), or None. No subprocess."""
    for folder in (start, *start.parents):
        dot_git = folder / ".git"
        if dot_git.is_dir():
            return GitStore(folder, dot_git, start)
        if dot_git.is_file():  # a worktree or submodule: "gitdir: <path>"
            text = dot_git.read_text("utf-8", "replace").strip()
            if text.startswith("gitdir:"):
                return GitStore(folder, (folder / text[7:].strip()).resolve(), start)
    return None


class GitStore:
    """One git work tree: commits files of it, one change at a time.

    ``site`` is the site folder whose lock serialises this object's commits; it
    names the kept temporary index.
    """

    def __init__(self, top: Path, git_dir: Path, site: Path | None = None) -> None:
        self.top = top
        self.git_dir = git_dir
        key = f"{zlib.crc32(str(site or top).encode()):08x}"
        prefix = (site or top).relative_to(top).as_posix()
        self.site_prefix = "" if prefix == "." else prefix + "/"
        self.index = git_dir / f"sspage-index-{key}"
        self.index_head = git_dir / f"sspage-index-{key}.head"
        common = git_dir / "commondir"
        self.common_dir = (git_dir / common.read_text().strip()).resolve() if common.is_file() else git_dir
        self.pending_dir = self.common_dir / PENDING
        self._env = {**os.environ, "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"}
        for name in ("GIT_INDEX_FILE", "GIT_DIR", "GIT_WORK_TREE"):
            self._env.pop(name, None)

    @property
    def env(self) -> dict[str, str]:
        """The environment git runs in: C locale, no prompts, no inherited GIT_DIR or index."""
        return self._env

    # -- paths and the journal -----------------------------------------------------------

    def rel(self, path: Path) -> str:
        return path.relative_to(self.top).as_posix()

    def _entry(self, rel: str) -> Path:
        return self.pending_dir / _escape(rel)

    def begin(self, path: Path, message: str, author: str | None) -> None:
        """Before ``path`` is written: check we can commit, and record the commit that is due."""
        rel = self.rel(path)
        _require_git()  # a missing git is reported before anything is written
        self._branch()  # and so is a detached HEAD
        if self._entry(rel).exists():  # an earlier change to this file was never committed
            self.commit_pending([rel])
        self._wait_for(self.git_dir / "index.lock")
        self.pending_dir.mkdir(exist_ok=True)
        entry = self._entry(rel)
        temp = entry.with_name(f".{entry.name}.{os.getpid()}")
        temp.write_text(f"{rel}\n{author or ''}\n{message}", "utf-8")
        os.replace(temp, entry)

    def finish(self, path: Path, message: str, author: str | None) -> str:
        """After ``path`` was written (or deleted): commit it. Returns the new commit's id."""
        pause = os.environ.get(PAUSE_ENV)
        if pause:
            time.sleep(float(pause))
        rel = self.rel(path)
        try:
            commit = self.commit([rel], message, author)
        except StoreError as error:
            if self._entry(rel).exists():  # the change is on disk, its commit is still due
                raise StoreError(f"{error.message}; the change is saved in {rel} but not committed",
                                 hint=(error.hint + "; then " if error.hint else "")
                                 + "run `sspage commit` to commit it") from None
            raise
        self._entry(rel).unlink(missing_ok=True)
        return commit

    def has_pending(self) -> bool:
        """Whether the journal holds entries for this site (one directory listing, no lock)."""
        try:
            names = os.listdir(self.pending_dir)
        except FileNotFoundError:
            return False
        prefix = _escape(self.site_prefix)
        return any(not n.startswith(".") and n.startswith(prefix) for n in names)

    def pending(self) -> list[Pending]:
        """Journal entries of this site left by stopped processes whose file differs from HEAD.

        Call it under the site lock: a live process's entry is in the journal
        while it writes and commits. Entries whose change did reach HEAD (or
        never reached the file) are removed.
        """
        prefix = _escape(self.site_prefix)
        try:
            names = sorted(n for n in os.listdir(self.pending_dir)
                           if not n.startswith(".") and n.startswith(prefix))
        except FileNotFoundError:
            return []
        entries = []
        for name in names:
            try:
                rel, author, message = (self.pending_dir / name).read_text("utf-8").split("\n", 2)
            except (OSError, ValueError):
                continue
            entries.append(Pending(rel, message, author or None))
        if not entries:
            return []
        differs = self._differs_from_head([e.path for e in entries])
        for entry in entries:
            if entry.path not in differs:
                self._entry(entry.path).unlink(missing_ok=True)
        return [e for e in entries if e.path in differs]

    def commit_pending(self, only: Sequence[str] | None = None) -> list[tuple[Pending, str]]:
        """Commit each pending change with its recorded message; returns them with commit ids."""
        done = []
        for entry in self.pending():
            if only is not None and entry.path not in only:
                continue
            done.append((entry, self.commit([entry.path], entry.message, entry.author)))
            self._entry(entry.path).unlink(missing_ok=True)
        return done

    def _differs_from_head(self, paths: list[str]) -> set[str]:
        head = self._head()[1]
        in_head: dict[str, str] = {}
        if head is not None:
            out = self._run(["ls-tree", "-z", head, "--", *paths])
            for record in out.split("\0"):
                if "\t" in record:
                    meta, name = record.split("\t", 1)
                    in_head[name] = meta.split()[2]
        present = [p for p in paths if (self.top / p).exists()]
        hashes = self._run(["hash-object", "--", *present]).split() if present else []
        on_disk = dict(zip(present, hashes, strict=True))
        return {p for p in paths if in_head.get(p) != on_disk.get(p)}

    # -- committing ----------------------------------------------------------------------

    def commit(self, paths: list[str], message: str, author: str | None = None) -> str:
        """Commit exactly ``paths`` as they are on disk (missing: deleted); the rest stays put."""
        env = self._env
        if author:
            name, email = parse_author(author)
            env = {**env, "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email}
        index_env = {**self._env, "GIT_INDEX_FILE": str(self.index)}
        subject = message.split("\n", 1)[0]
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            ref, old = self._branch()
            try:
                matches = self.index_head.read_text().strip() == old and self.index.exists()
            except FileNotFoundError:
                matches = False
            # From here the kept index differs from every commit until the new one is published.
            self.index_head.unlink(missing_ok=True)
            if old is None:
                self.index.unlink(missing_ok=True)
            elif not matches:
                self._run(["read-tree", old], env=index_env)
            self._run(["update-index", "--add", "--remove", "--", *paths], env=index_env)
            tree = self._run(["write-tree"], env=index_env).strip()
            parents = ["-p", old] if old is not None else []
            new = self._run(["commit-tree", tree, *parents, "-F", "-"], env=env, stdin=message,
                            identity_hint=True).strip()
            result = self._call(["update-ref", "-m", f"sspage: {subject}", ref, new, old or ""])
            if result.returncode == 0:
                self.index_head.write_text(new + "\n")
                break
            # HEAD moved (another commit) or its ref is locked: build again on the new HEAD.
            if time.monotonic() > deadline:
                self._fail(["update-ref", ref], result.stderr)
            time.sleep(0.02)
        self._update_real_index(paths)
        return new

    def _update_real_index(self, paths: list[str]) -> None:
        """Make the real index agree with the new HEAD for ``paths``, so ``git status`` is clean."""
        lock = self.git_dir / "index.lock"
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            result = self._call(["update-index", "--add", "--remove", "--", *paths])
            if result.returncode == 0:
                return
            if "index.lock" not in result.stderr or time.monotonic() > deadline:
                raise StoreError(
                    f"committed, but could not update git's index for {', '.join(paths)}: "
                    + _first_line(result.stderr),
                    hint=f"{lock} is held by another git process; when it is done, run "
                    f"`git reset -q -- {' '.join(paths)}` (sspage never deletes git's lock files)")
            time.sleep(0.02)

    def _wait_for(self, lock: Path) -> None:
        """Wait (bounded) while another git process holds ``lock``; then explain, never delete."""
        deadline = time.monotonic() + LOCK_TIMEOUT
        delay = 0.005
        while lock.exists():
            if time.monotonic() > deadline:
                raise StoreError(
                    f"{lock} has existed for over {LOCK_TIMEOUT:.0f} s: another git process is "
                    "using this repository, or one crashed and left it behind",
                    hint="if no git command is running, delete that file yourself and retry; "
                    "sspage never deletes it")
            time.sleep(delay)
            delay = min(delay * 2, 0.1)

    # -- HEAD ----------------------------------------------------------------------------

    def _branch(self) -> tuple[str, str | None]:
        """HEAD's branch ref and its commit (None before the first commit); refuses detached."""
        ref, commit = self._head()
        if ref is None:
            raise StoreError(
                f"HEAD is detached in {self.top}; sspage commits only on a branch",
                hint="switch to a branch (git switch BRANCH, or git switch -c NEW), "
                "or pass --no-commit")
        return ref, commit

    def head_commit(self) -> str | None:
        """HEAD's commit id, None before the first commit; read from files where it can be."""
        return self._head()[1]

    def _head(self) -> tuple[str | None, str | None]:
        """(symbolic ref or None if detached, commit id or None if unborn), read from files."""
        if (self.common_dir / "reftable").is_dir():  # not plain files: ask git
            return self._head_from_git()
        text = (self.git_dir / "HEAD").read_text("utf-8").strip()
        if not text.startswith("ref:"):
            return None, text
        ref = text[4:].strip()
        if not ref.startswith("refs/heads/"):
            return self._head_from_git()
        try:
            value = (self.common_dir / ref).read_text("utf-8").strip()
            if re.fullmatch(r"[0-9a-f]{40}([0-9a-f]{24})?", value):
                return ref, value
            return self._head_from_git()  # a symbolic ref to a symbolic ref, or damage
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            pass
        try:
            with open(self.common_dir / "packed-refs", encoding="utf-8") as packed:
                for line in packed:
                    if line.endswith(f" {ref}\n") and not line.startswith(("#", "^")):
                        return ref, line.split(" ", 1)[0]
        except FileNotFoundError:
            pass
        return ref, None

    def _head_from_git(self) -> tuple[str | None, str | None]:
        ref = self._call(["symbolic-ref", "-q", "HEAD"]).stdout.strip() or None
        head = self._call(["rev-parse", "-q", "--verify", "HEAD^{commit}"]).stdout.strip()
        return ref, head or None

    # -- running git ---------------------------------------------------------------------

    def _call(self, args: list[str], *, env: dict[str, str] | None = None,
              stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        import subprocess

        try:
            return subprocess.run(["git", *args], cwd=self.top, env=env or self._env, input=stdin,
                                  capture_output=True, text=True, encoding="utf-8",
                                  stdin=None if stdin is not None else subprocess.DEVNULL)
        except FileNotFoundError:
            raise StoreError("git is not installed (or not on PATH)",
                             hint="install git, or pass --no-commit to write without committing") \
                from None

    def _run(self, args: list[str], *, env: dict[str, str] | None = None, stdin: str | None = None,
             identity_hint: bool = False) -> str:
        result = self._call(args, env=env, stdin=stdin)
        if result.returncode != 0:
            if identity_hint and ("tell me who you are" in result.stderr or "ident" in result.stderr):
                raise StoreError(
                    "git does not know who you are, so it cannot commit",
                    hint='run git config --global user.name "Your Name" and '
                    'git config --global user.email you@example.com, or pass --no-commit')
            self._fail(args, result.stderr)
        return result.stdout

    def _fail(self, args: list[str], stderr: str) -> None:
        check_version()
        raise StoreError(f"git {args[0]} failed: {_first_line(stderr) or 'no message'}")


def check_version() -> tuple[int, ...]:
    """The installed git's version; a :class:`StoreError` if it is missing or too old."""
    import subprocess

    try:
        out = subprocess.run(["git", "--version"], capture_output=True, text=True,
                             stdin=subprocess.DEVNULL).stdout
    except FileNotFoundError:
        raise StoreError("git is not installed (or not on PATH)",
                         hint="install git, or pass --no-commit") from None
    match = re.search(r"(\d+)\.(\d+)", out)
    version = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    if version < MIN_VERSION:
        raise StoreError(f"git {'.'.join(map(str, version))} is too old; sspage needs git "
                         f"{'.'.join(map(str, MIN_VERSION))} or newer",
                         hint="upgrade git, or pass --no-commit")
    return version


def _escape(rel: str) -> str:
    """A repository path as one file name."""
    return rel.replace("%", "%25").replace("/", "%2F")


_git_found = False


def _require_git() -> None:
    """A :class:`StoreError` if there is no ``git`` on PATH (looked up once, without running it)."""
    global _git_found
    if _git_found:
        return
    for folder in os.environ.get("PATH", os.defpath).split(os.pathsep):
        candidate = os.path.join(folder or ".", "git.exe" if os.name == "nt" else "git")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            _git_found = True
            return
    raise StoreError("git is not installed (or not on PATH)",
                     hint="install git, or pass --no-commit to write without committing")


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line.removeprefix("fatal: ").removeprefix("error: ")
    return ""
