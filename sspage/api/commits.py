"""The API's commits, made with libgit2 (pygit2) in a process of their own.

:meth:`GitStore.commit <sspage.git.GitStore.commit>` builds each commit with
git's plumbing: five processes, and a 10,000-entry index read and written
twice, about 50 ms of git's work (and more CPU) in a site of 10,000 pages.
The API commits a group of changes several times a second, and that work
was most of its CPU. Here a commit is built from the trees of its parent:
the changed files become blobs, only the trees on their paths are written
again, and the branch moves from its old value to the new commit under git's
own ``.lock`` file, or not at all if it moved meanwhile (someone ran ``git
commit``), in which case the commit is built again on the new one: about
20 ms of CPU for a group of 15 changes. git's own index is still brought up
to date by ``git update-index`` (see :class:`~sspage.api.writer.GroupedGit`),
so that ``git status`` stays clean.

libgit2 holds the interpreter's lock while it works, which would stall the
server's event loop and writer, so the server runs it in a helper process
(:class:`CommitHelper`, :func:`serve`), one JSON request and answer a line.

The commits are those git's plumbing makes: the same trees, the same author
and committer (``git var`` says who, once), the same message, the same
reflog line. Where libgit2 would not do as git does, the helper is not used
(a reftable or SHA-256 repository, one libgit2 cannot open, pygit2 missing)
or says a commit is :class:`Unsupported` (a path with a ``filter``
attribute, such as git-lfs's; something that is neither a file nor a
symbolic link), and git's command line commits instead.
"""

from __future__ import annotations

import os
import select
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from ..git import parse_author

if TYPE_CHECKING:
    import pygit2

Identity = tuple[str, str]  # (name, email)
#: Seconds to wait for the helper's answer. A commit takes milliseconds; one that takes this
#: long is stuck, and git's command line is slower but sure.
ANSWER_TIMEOUT = 30.0


class Unsupported(Exception):
    """libgit2 would not commit this as git does: let git's command line do it."""


class Moved(Exception):
    """The branch moved (or its lock file is held): build the commit again on its new value."""


def open_committer(top: Path, common_dir: Path, env: dict[str, str]) -> TreeCommitter | None:
    """A committer for the work tree at ``top``, or None where git's command line must commit."""
    if (common_dir / "reftable").is_dir():
        return None
    try:
        import pygit2
    except ImportError:
        return None
    try:
        repo = pygit2.Repository(str(top))
    except pygit2.GitError:  # an extension libgit2 does not know (SHA-256), or damage
        return None
    if repo.is_bare or repo.workdir is None:
        return None
    if Path(repo.workdir).resolve() != top.resolve():
        return None
    try:
        committer = _ident(top, env, "GIT_COMMITTER_IDENT")
        author = _ident(top, env, "GIT_AUTHOR_IDENT")
    except (OSError, ValueError, subprocess.SubprocessError):
        return None  # git does not know who is committing: the command line explains that
    # Every object a tree names is in HEAD's tree or was written just before: libgit2 need
    # not look each one up. Only this process uses libgit2.
    pygit2.option(pygit2.enums.Option.ENABLE_STRICT_OBJECT_CREATION, 0)
    if _wants_fsync(repo):
        pygit2.option(pygit2.enums.Option.ENABLE_FSYNC_GITDIR, 1)
    return TreeCommitter(repo, committer, author)


class TreeCommitter:
    """Commits files of one work tree on top of a given commit, with libgit2."""

    def __init__(self, repo: pygit2.Repository, committer: Identity, author: Identity) -> None:
        self.repo = repo
        self.committer = committer
        self.author = author
        self.file_mode = _config_bool(repo, "core.filemode", True)
        self.symlinks = _config_bool(repo, "core.symlinks", True)

    def build(self, old: str | None, paths: list[str], message: str, author: str | None) -> str:
        """A commit of exactly ``paths`` as on disk (missing: deleted) on top of ``old``.

        Only makes the objects; :meth:`publish` moves the branch. Raises
        :class:`Unsupported` where the command line must commit.
        """
        import pygit2

        repo = self.repo
        try:
            base = repo[old].peel(pygit2.Tree) if old is not None else None
            tree = self._write(base, {path: self._entry(path) for path in paths})
            if tree is None:
                tree = repo.TreeBuilder().write()
            now = pygit2.Signature(*self.committer)
            who = parse_author(author) if author else self.author
            by = pygit2.Signature(*who, now.time, now.offset)
            return str(repo.create_commit(None, by, now, message, tree, [old] if old else []))
        except (pygit2.GitError, KeyError, ValueError, OSError) as error:
            raise Unsupported(str(error)) from None

    def publish(self, ref: str, old: str | None, new: str, subject: str) -> None:
        """Move ``ref`` from ``old`` to ``new``; :class:`Moved` if it no longer names ``old``."""
        import pygit2

        repo = self.repo
        try:
            if old is None:
                repo.create_reference_direct(ref, pygit2.Oid(hex=new), False,
                                             message=f"sspage: {subject}")
                return
            current = repo.lookup_reference(ref)
            if str(current.target) != old:
                raise Moved(ref)
            # libgit2 checks again, under git's lock file, that it still names `old`.
            current.set_target(new, f"sspage: {subject}")
        except (pygit2.GitError, KeyError, ValueError, OSError) as error:  # OSError: locked
            raise Moved(str(error)) from None

    def _entry(self, path: str) -> tuple[pygit2.Oid, int] | None:
        """The blob and mode ``path`` has on disk, as ``git add`` would record them; None: gone."""
        import pygit2

        repo = self.repo
        full = os.path.join(repo.workdir, path)
        try:
            info = os.lstat(full)
        except FileNotFoundError:
            return None
        if repo.get_attr(path, "filter") is not None:
            raise Unsupported(f"{path} has a filter attribute")
        if stat.S_ISLNK(info.st_mode) and self.symlinks:
            return repo.create_blob(os.fsencode(os.readlink(full))), pygit2.GIT_FILEMODE_LINK
        if not stat.S_ISREG(info.st_mode):
            raise Unsupported(f"{path} is not a regular file")
        executable = bool(info.st_mode & stat.S_IXUSR) if self.file_mode else \
            self._old_mode(path) == pygit2.GIT_FILEMODE_BLOB_EXECUTABLE
        mode = pygit2.GIT_FILEMODE_BLOB_EXECUTABLE if executable else pygit2.GIT_FILEMODE_BLOB
        return repo.create_blob_fromworkdir(path), mode

    def _old_mode(self, path: str) -> int | None:
        import pygit2

        try:
            return int(self.repo.head.peel(pygit2.Tree)[path].filemode)
        except (KeyError, pygit2.GitError):  # no such path, or no commit yet
            return None

    def _write(self, tree: pygit2.Tree | None,
               changes: dict[str, tuple[pygit2.Oid, int] | None]) -> pygit2.Oid | None:
        """``tree`` with ``changes`` (paths relative to it) made; None if that leaves it empty."""
        import pygit2

        repo = self.repo
        builder = repo.TreeBuilder(tree) if tree is not None else repo.TreeBuilder()
        below: dict[str, dict[str, tuple[pygit2.Oid, int] | None]] = {}
        for path, entry in changes.items():
            name, slash, rest = path.partition("/")
            if slash:
                below.setdefault(name, {})[rest] = entry
            elif entry is None:
                if builder.get(name) is not None:
                    builder.remove(name)
            else:
                builder.insert(name, *entry)
        for name, inside in below.items():
            current: Any = builder.get(name)
            subtree = current if isinstance(current, pygit2.Tree) else None
            written = self._write(subtree, inside)
            if written is not None:
                builder.insert(name, written, pygit2.GIT_FILEMODE_TREE)
            elif current is not None and subtree is not None:
                builder.remove(name)
        return builder.write() if len(builder) else None


def _ident(top: Path, env: dict[str, str], name: str) -> Identity:
    """Who git says commits (``git var``): its configuration, or its environment variables."""
    out = subprocess.run(["git", "var", name], cwd=top, env=env, capture_output=True, text=True,
                         stdin=subprocess.DEVNULL, check=True).stdout.strip()
    person, _, _ = out.rpartition(">")  # "Name <email> 1700000000 +0100"
    who, _, email = person.partition("<")
    if not email:
        raise ValueError(out)
    return who.strip(), email.strip()


def _config_bool(repo: pygit2.Repository, key: str, default: bool) -> bool:
    import pygit2

    try:
        return bool(repo.config.get_bool(key))
    except (KeyError, ValueError, pygit2.GitError):  # unset, or not a boolean
        return default


def _wants_fsync(repo: pygit2.Repository) -> bool:
    """Whether the repository asks git to fsync what it writes (objects, refs)."""
    config = repo.config
    if _config_bool(repo, "core.fsyncObjectFiles", False):
        return True
    try:
        wanted = str(config["core.fsync"])
    except KeyError:
        return False
    return any(part.strip() in ("all", "objects", "loose-object", "reference", "committed")
               for part in wanted.split(","))


# -- the helper process ----------------------------------------------------------------------


# The helper's program (not ``-m``: this module is imported with its package first).
HELPER = "import sys, pathlib; from sspage.api.commits import serve; serve(pathlib.Path(sys.argv[1]))"


class CommitHelper:
    """A :class:`TreeCommitter` in a process of its own, started by :meth:`start`."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.encoder = msgspec.json.Encoder()
        self.lock = threading.Lock()  # one request at a time

    @classmethod
    def start(cls, top: Path, env: dict[str, str]) -> CommitHelper | None:
        """The helper for the work tree at ``top``, or None where git's command line must commit."""
        try:
            process = subprocess.Popen([sys.executable, "-c", HELPER, str(top)],
                                       cwd=top, env=env, stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError:
            return None
        helper = cls(process)
        try:
            ready = helper._ask({"do": "hello"})
        except Unsupported:
            ready = {}
        if not ready.get("ready"):
            helper.close()
            return None
        return helper

    def build(self, old: str | None, paths: list[str], message: str, author: str | None) -> str:
        """See :meth:`TreeCommitter.build`."""
        answer = self._ask({"do": "build", "old": old, "paths": paths, "message": message,
                            "author": author})
        return str(answer["commit"])

    def publish(self, ref: str, old: str | None, new: str, subject: str) -> None:
        """See :meth:`TreeCommitter.publish`."""
        self._ask({"do": "publish", "ref": ref, "old": old, "new": new, "subject": subject})

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        process = self.process
        if process.stdin is not None:
            try:
                process.stdin.close()
            except OSError:
                pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        process = self.process
        assert process.stdin is not None and process.stdout is not None
        try:
            with self.lock:
                process.stdin.write(self.encoder.encode(request) + b"\n")
                process.stdin.flush()
                # One answer a request, so nothing is left in the reader's buffer between them
                # and select sees what there is to read.
                if not select.select([process.stdout], [], [], ANSWER_TIMEOUT)[0]:
                    process.kill()  # hung: the command line commits from now on
                    process.wait()  # so that alive() says so at once
                    raise Unsupported(f"the commit helper did not answer in {ANSWER_TIMEOUT:g} s")
                line = process.stdout.readline()
        except (OSError, ValueError):
            line = b""
        if not line:
            raise Unsupported("the commit helper stopped")
        answer: dict[str, Any] = msgspec.json.decode(line)
        if "moved" in answer:
            raise Moved(answer["moved"])
        if "unsupported" in answer:
            raise Unsupported(answer["unsupported"])
        return answer


def serve(top: Path) -> None:
    """The helper's loop: one JSON request a line on stdin, one answer a line on stdout."""
    out = sys.stdout.buffer
    encoder = msgspec.json.Encoder()
    env = dict(os.environ)
    committer = open_committer(top, _common_dir(top), env)
    for line in sys.stdin.buffer:
        answer: dict[str, Any]
        try:
            request = msgspec.json.decode(line)
            if committer is None:
                answer = {"unsupported": "libgit2 cannot commit in this repository"}
            elif request["do"] == "hello":
                answer = {"ready": True}
            elif request["do"] == "build":
                answer = {"commit": committer.build(request["old"], request["paths"],
                                                    request["message"], request["author"])}
            else:
                committer.publish(request["ref"], request["old"], request["new"], request["subject"])
                answer = {"published": True}
        except Moved as moved:
            answer = {"moved": str(moved)}
        except Exception as error:  # noqa: BLE001 - the server falls back on git's command line
            answer = {"unsupported": repr(error)}
        out.write(encoder.encode(answer) + b"\n")
        out.flush()


def _common_dir(top: Path) -> Path:
    from ..git import find_repo

    store = find_repo(top)
    return store.common_dir if store is not None else top / ".git"
