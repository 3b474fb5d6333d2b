"""Git as the store: every change to a page file becomes one commit of that file alone.

Git is driven through its command line, with argument lists (never a shell),
paths after ``--`` and messages on stdin. A commit never touches what the user
has staged or modified elsewhere: it is built in a temporary index::

    GIT_INDEX_FILE=<tmp> git read-tree <HEAD>                          # unless <tmp> is HEAD's
    GIT_INDEX_FILE=<tmp> git update-index --add --remove -- <path>   # hashes the file
    GIT_INDEX_FILE=<tmp> git write-tree
    git commit-tree <tree> -p <HEAD> -F -                            # message on stdin
    git update-ref -m ... HEAD <new> <HEAD>                          # fails if HEAD moved

and, at the same time on the other core, the real index takes the new file
for that path only, so that ``git status`` is clean afterwards::

    git ls-files --stage -z -- <path>                                # its entry before
    git update-index --add --remove -- <path>                        # the real index

If the commit cannot be made (no identity, HEAD locked for too long), the
entry recorded before is put back (``update-index --index-info``), so a
failure leaves the real index as it was. A process killed in between leaves
the path staged and its journal entry (below) in place.

The temporary index (``.git/sspage-index-<site>``) is kept between commands
with a note of the commit it matches, so the ``read-tree`` of a large
repository is skipped while nothing else committed in between. When someone
else did commit, :meth:`GitStore.prepare` makes it HEAD's again in the
background as soon as a change takes the site lock: a copy of git's own index
if ``git diff-index --cached HEAD`` finds nothing staged in it (the usual case
after a ``git commit``, and much quicker), else ``read-tree``. The temporary index is
only used under the site lock, which waits for that background process before
it is released. Only ``update-ref`` publishes the commit, so a process killed at any point
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
from .gitsetup import check_version, first_line, require_git

if TYPE_CHECKING:
    import subprocess

PENDING = "sspage-pending"
#: How long to wait for a lock file of git's own (``index.lock``, a ref's ``.lock``).
LOCK_TIMEOUT = float(os.environ.get("SSPAGE_GIT_LOCK_TIMEOUT", "10"))
#: Test hook only: sleep this many seconds between writing a file and committing it.
PAUSE_ENV = "SSPAGE_TEST_PAUSE_BEFORE_COMMIT"

_AUTHOR_RE = re.compile(r"^\s*([^<>\n]+?)\s*<([^<>\s]+)>\s*$")


class Staging(NamedTuple):
    """The real index taking a commit's files: its entries before, and the ``update-index``."""

    saved: str  # ``git ls-files --stage -z`` of the paths, before
    process: subprocess.Popen[str]


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
        self._index_env = {**self._env, "GIT_INDEX_FILE": str(self.index)}
        # What prepare() started to make the kept index HEAD's: (commit, git process).
        self._reading: tuple[str, subprocess.Popen[str]] | None = None

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
        require_git()  # a missing git is reported before anything is written
        self._branch()  # and so is a detached HEAD
        if self._entry(rel).exists():  # an earlier change to this file was never committed
            self.commit_pending([rel])
        self._wait_for(self.git_dir / "index.lock")
        self.journal(rel, message, author)

    def journal(self, rel: str, message: str, author: str | None) -> None:
        """Record the commit that is due for ``rel``; :meth:`finish` removes the entry."""
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
        """Commit exactly ``paths`` as they are on disk (missing: deleted); the rest stays put.

        The commit is built in the kept index while, on the other core, the real
        index takes the new version of ``paths`` (so that ``git status`` is
        clean afterwards). If the commit cannot be made, those entries of the
        real index are put back as they were.
        """
        env = self._env
        if author:
            name, email = parse_author(author)
            env = {**env, "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email}
        index_env = self._index_env
        subject = message.split("\n", 1)[0]
        deadline = time.monotonic() + LOCK_TIMEOUT
        listing = self._spawn(["--literal-pathspecs", "ls-files", "--stage", "-z", "--", *paths])
        update = listing
        staging: Staging | None = None
        try:
            while True:
                ref, old = self._branch()
                self.settle()
                matches = old is not None and self._index_matches(old)
                # From here the kept index differs from every commit until the new one is published.
                self.index_head.unlink(missing_ok=True)
                if old is None:
                    self.index.unlink(missing_ok=True)
                elif not matches:
                    self._wait_for(Path(f"{self.index}.lock"))  # a killed sspage's git may still run
                    self._run(["read-tree", old], env=index_env)
                update = self._spawn(["update-index", "--add", "--remove", "--", *paths], env=index_env)
                if staging is None:
                    saved = self._collect(listing, "ls-files")
                    staging = Staging(saved, self._spawn(["update-index", "--add", "--remove", "--",
                                                          *paths]))
                self._collect(update, "update-index")
                # Every object it names is in HEAD or was just written: skip looking each one up.
                tree = self._run(["write-tree", "--missing-ok"], env=index_env).strip()
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
        except BaseException:
            for process in (listing, update):
                if process.returncode is None:
                    process.communicate()
            if staging is not None:
                self._unstage(staging, paths)
            raise
        self._index_took(staging, paths)
        return new

    def _index_took(self, staging: Staging, paths: list[str]) -> None:
        """Wait for git's index to take ``paths``; if it was locked, update it again now."""
        staging.process.communicate()
        if staging.process.returncode != 0:
            self._update_real_index(paths)

    def _unstage(self, staging: Staging, paths: list[str]) -> None:
        """The commit failed: give the real index its old entries for ``paths`` back."""
        staging.process.communicate()
        if staging.process.returncode != 0:
            return  # it was never changed
        kept = {record.split("\t", 1)[1] for record in staging.saved.split("\0") if "\t" in record}
        gone = [path for path in paths if path not in kept]
        try:
            if staging.saved:
                self._call(["update-index", "-z", "--index-info"], stdin=staging.saved)
            if gone:
                self._call(["update-index", "--force-remove", "--", *gone])
        except StoreError:  # git vanished: the error being raised says more
            pass

    def prepare(self) -> None:
        """A change is starting, under the site lock: ready the kept index while it is made.

        When HEAD moved since sspage's last commit (someone else committed), the
        kept index must become HEAD's again. After a plain ``git commit`` git's
        own index is exactly HEAD's: a copy of it, checked by ``git diff-index
        --cached`` (which its cache of trees makes quick), is much cheaper than
        ``git read-tree`` of a large repository. That check, or the read-tree
        when git's index has something staged, runs in the background while
        the page is read, changed, validated and written. :meth:`settle` waits
        for it; the site lock calls it before it is released.
        """
        if self._reading is not None:
            return
        try:
            ref, old = self._head()
        except (OSError, StoreError):
            return  # begin() reports it
        if ref is None or old is None or self._index_matches(old):
            return
        self.index_head.unlink(missing_ok=True)
        if Path(f"{self.index}.lock").exists():
            return  # a killed sspage's git still at work: commit() waits for it
        try:
            data = (self.git_dir / "index").read_bytes()
        except OSError:
            self._reading = (old, self._spawn(["read-tree", old], env=self._index_env))
            return
        temp = self.index.with_name(f"{self.index.name}.{os.getpid()}.tmp")
        temp.write_bytes(data)
        os.replace(temp, self.index)
        check = ["diff-index", "--cached", "--quiet", old, "--"]
        self._reading = (old, self._spawn(check, env=self._index_env))

    def settle(self) -> None:
        """Wait for :meth:`prepare`'s git; if all went well the kept index is now HEAD's."""
        if self._reading is None:
            return
        old, process = self._reading
        self._reading = None
        process.communicate()
        if process.returncode == 0:
            self.index_head.write_text(old + "\n")
        # Else (something staged in the copy, or a failure) commit() reads HEAD's tree itself.

    def _index_matches(self, commit: str) -> bool:
        try:
            return self.index_head.read_text().strip() == commit and self.index.exists()
        except FileNotFoundError:
            return False

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
                    + first_line(result.stderr),
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

    # -- comparing with a revision (``sspage fmt --since``) --------------------------------

    def resolve(self, rev: str) -> str:
        """The commit ``rev`` names; a :class:`StoreError` if it names none.

        ``HEAD`` before the first commit names the empty tree: against it, every
        file is new (a pre-commit hook runs ``fmt --since HEAD`` on the first commit too).
        """
        if rev == "HEAD" and self._head()[1] is None:
            return self._run(["hash-object", "-t", "tree", "--stdin"], stdin="").strip()
        found = "" if rev.startswith("-") else self._call(
            ["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"]).stdout.strip()
        if not found:
            raise StoreError(f"unknown revision {rev!r}: not a commit, branch or tag of this "
                             "repository",
                             hint="for example HEAD~1 or origin/main; a shallow clone may need "
                             "`git fetch` first")
        return found

    def changed_since(self, commit: str, folder: Path) -> list[str]:
        """Files under ``folder`` whose work-tree copy differs from ``commit``'s, or is untracked.

        Two listings, not one process per file: ``git diff`` compares the
        commit with the work tree (staged or not), and ``ls-files --others``
        adds the files git does not track yet. Paths are relative to the top.
        """
        rel = self.rel(folder)
        # Both look at every file of the folder: run them side by side.
        others = self._spawn(["--literal-pathspecs", "ls-files", "-z", "--others",
                              "--exclude-standard", "--", rel])
        try:
            diff = self._run(["--literal-pathspecs", "diff", "--name-only", "-z", "--no-renames",
                              "--no-ext-diff", commit, "--", rel])
        except BaseException:
            others.communicate()
            raise
        untracked = self._collect(others, "ls-files")
        return sorted({name for name in (diff + untracked).split("\0") if name})

    def files_at(self, commit: str, paths: Sequence[str]) -> dict[str, bytes | None]:
        """What ``paths`` held in ``commit`` (None: no such file), read by one ``git cat-file``."""
        import subprocess

        asked = [p for p in paths if "\n" not in p]  # --batch reads one name a line
        if not asked:
            return {}
        request = "".join(f"{commit}:{p}\n" for p in asked).encode()
        try:
            result = subprocess.run(["git", "cat-file", "--batch"], cwd=self.top, env=self._env,
                                    input=request, capture_output=True)
        except FileNotFoundError:
            raise StoreError("git is not installed (or not on PATH)", hint="install git") from None
        if result.returncode != 0:
            self._fail(["cat-file"], result.stderr.decode("utf-8", "replace"))
        out, position = result.stdout, 0
        found: dict[str, bytes | None] = {}
        for path in asked:
            end = out.index(b"\n", position)
            line = out[position:end]
            position = end + 1
            if line.endswith((b" missing", b" ambiguous")):  # no such file at that commit
                found[path] = None
                continue
            _, kind, size = line.split(b" ")  # "<id> <type> <size>", then the content
            found[path] = out[position:position + int(size)] if kind == b"blob" else None
            position += int(size) + 1
        return found

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

    def branch(self) -> str:
        """The branch HEAD is on (``main``); a :class:`StoreError` if HEAD is detached."""
        return self._branch()[0].removeprefix("refs/heads/")

    def default_branch(self) -> str:
        """The branch a host publishes from: ``origin``'s HEAD if known, else the current one."""
        remote = self._call(["symbolic-ref", "-q", "refs/remotes/origin/HEAD"]).stdout.strip()
        if remote.startswith("refs/remotes/origin/"):
            return remote.removeprefix("refs/remotes/origin/")
        return self.branch()

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

    def _spawn(self, args: list[str], *, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        """Start git without waiting for it."""
        import subprocess

        try:
            return subprocess.Popen(["git", *args], cwd=self.top, env=env or self._env, text=True,
                                    encoding="utf-8", stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except FileNotFoundError:
            raise StoreError("git is not installed (or not on PATH)",
                             hint="install git, or pass --no-commit to write without committing") \
                from None

    def _collect(self, process: subprocess.Popen[str], name: str) -> str:
        """The output of a git started by :meth:`_spawn`; a :class:`StoreError` if it failed."""
        out, err = process.communicate()
        if process.returncode != 0:
            self._fail([name], err)
        return out

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
        raise StoreError(f"git {args[0]} failed: {first_line(stderr) or 'no message'}")


def _escape(rel: str) -> str:
    """A repository path as one file name."""
    return rel.replace("%", "%25").replace("/", "%2F")
