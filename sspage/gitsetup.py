"""The git program, and new repositories.

Whether git is on PATH and new enough, whether it knows who commits, the first
line of what it says when it fails, and ``git init`` for ``sspage init``.
:mod:`sspage.git` does the committing.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import StoreError

if TYPE_CHECKING:
    from .git import GitStore

#: The oldest git sspage works with.
MIN_VERSION = (2, 0)


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


def init_repo(folder: Path, branch: str) -> GitStore:
    """``git init`` in ``folder``, with HEAD on ``branch`` (no commit yet)."""
    import subprocess

    require_git()
    env = {**os.environ, "LC_ALL": "C"}
    for name in ("GIT_INDEX_FILE", "GIT_DIR", "GIT_WORK_TREE"):
        env.pop(name, None)
    for args in (["init", "-q"], ["symbolic-ref", "HEAD", f"refs/heads/{branch}"]):
        result = subprocess.run(["git", *args], cwd=folder, env=env, capture_output=True, text=True,
                                stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            check_version()
            raise StoreError(f"git {args[0]} failed in {folder}: "
                             f"{first_line(result.stderr) or 'no message'}")
    from .git import find_repo

    store = find_repo(folder.resolve())
    assert store is not None
    return store


def new_repo_branch(folder: Path) -> str:
    """The first branch of a new repository: git's ``init.defaultBranch``, else ``main``."""
    import subprocess

    try:
        out = subprocess.run(["git", "config", "--get", "init.defaultBranch"], cwd=folder,
                             capture_output=True, text=True, stdin=subprocess.DEVNULL).stdout.strip()
    except FileNotFoundError:
        out = ""
    return out or "main"


def check_identity(folder: Path) -> None:
    """A :class:`StoreError` if git has no committer identity for ``folder``, before any write."""
    import subprocess

    require_git()
    result = subprocess.run(["git", "var", "GIT_COMMITTER_IDENT"], cwd=folder, capture_output=True,
                            text=True, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise StoreError("git does not know who you are, so it cannot commit",
                         hint='run git config --global user.name "Your Name" and '
                         "git config --global user.email you@example.com, or pass --no-commit")


_git_found = False


def require_git() -> None:
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


def first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line.removeprefix("fatal: ").removeprefix("error: ")
    return ""
