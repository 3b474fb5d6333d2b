"""What follows a commit: rebuilding the static site (``--build``) and pushing (``--push REMOTE``).

Both run on threads of their own, so a client's write is answered as soon as
it is committed. Both batch: writes that come while a build or a push runs
are handled together by the next one.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import SspageError
from ..store import Site

SETTLE = 0.02  # seconds: let a burst of writes land before rebuilding
FULL_CHECK = 5.0  # seconds: how often to look for changes made outside the API
PUSH_DELAY = 1.0  # seconds: commits made within this time go in one push
MAX_BACKOFF = 60.0
PUSH_TIMEOUT = 120.0


class Rebuilder:
    """Keeps ``out`` current: the pages the API changed at once, the whole site every few seconds."""

    def __init__(self, root: Path, out: Path, log: Callable[..., None]) -> None:
        self.site = Site(root)
        self.out = out
        self.log = log
        self.slugs: set[str] = set()
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="sspage-api-build", daemon=True)

    def build(self, changed: set[str] | None = None, jobs: int | None = 1) -> bool:
        """Build once; ``changed`` names the only pages that may have changed (None: check all)."""
        from ..build import build_site

        self.site._config = None  # site.yaml may have changed
        try:
            result = build_site(self.site, self.out, changed=changed, jobs=jobs)
        except SspageError as error:
            self.log("build_failed", error=str(error),
                     hint="the last good site is still served; fix the problem and it is rebuilt")
            return False
        if result.rendered or result.removed:
            self.log("build", pages=result.pages, rendered=result.rendered, removed=result.removed,
                     ms=round(result.seconds * 1000, 1))
        return True

    def notify(self, paths: list[Path]) -> None:
        pages = self.site.pages_dir
        with self.lock:
            self.slugs.update(path.stem for path in paths if path.parent == pages)
        self.wake.set()

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
        self.thread.join()

    def _run(self) -> None:
        while not self.stopping.is_set():
            woken = self.wake.wait(FULL_CHECK)
            if self.stopping.is_set():
                return
            if woken:
                time.sleep(SETTLE)
            self.wake.clear()
            with self.lock:
                slugs, self.slugs = self.slugs, set()
            # Woken by a write: only its pages. On the timer: every file's stat, which
            # finds hand edits and command-line changes.
            self.build(slugs if woken else None)


class Pusher:
    """Pushes the current branch to ``remote`` after commits, batched, retrying with backoff."""

    def __init__(self, top: Path, remote: str, log: Callable[..., None], *,
                 delay: float = PUSH_DELAY) -> None:
        self.top = top
        self.remote = remote
        self.log = log
        self.delay = delay
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.pushed: str | None = None
        self.env = {**os.environ, "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"}
        self.thread = threading.Thread(target=self._run, name="sspage-api-push", daemon=True)

    def notify(self, paths: list[Path] | None = None) -> None:
        self.wake.set()

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Stop, after one last push of whatever is not pushed yet."""
        self.stopping.set()
        self.wake.set()
        self.thread.join()
        self.push()

    def _run(self) -> None:
        backoff = 0.0
        while True:
            self.wake.wait()
            if self.stopping.is_set():
                return
            self.stopping.wait(self.delay)  # gather the commits of the next moment into this push
            if self.stopping.is_set():
                return
            self.wake.clear()
            if self.push():
                backoff = 0.0
                continue
            backoff = min(MAX_BACKOFF, backoff * 2 if backoff else 2.0)
            self.log("push_retry", remote=self.remote, seconds=backoff)
            if self.stopping.wait(backoff):
                return
            self.wake.set()

    def _git(self, *args: str, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=self.top, env=self.env, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, timeout=timeout)

    def push(self) -> bool:
        """Push now if HEAD moved since the last push. True when the remote has HEAD."""
        try:
            head = self._git("rev-parse", "-q", "--verify", "HEAD").stdout.strip()
            branch = self._git("symbolic-ref", "-q", "--short", "HEAD").stdout.strip()
        except (OSError, subprocess.SubprocessError) as error:
            self.log("push_failed", remote=self.remote, error=str(error))
            return False
        if not head or head == self.pushed:
            return True
        if not branch:
            self.log("push_failed", remote=self.remote, error="HEAD is detached; nothing to push")
            return False
        started = time.perf_counter()
        try:
            result = self._git("push", "--porcelain", self.remote, f"HEAD:refs/heads/{branch}",
                               timeout=PUSH_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.log("push_failed", remote=self.remote, error=f"no answer in {PUSH_TIMEOUT:.0f} s")
            return False
        if result.returncode == 0:
            self.pushed = head
            self.log("push", remote=self.remote, branch=branch, commit=head[:12],
                     ms=round((time.perf_counter() - started) * 1000, 1))
            return True
        self._explain(result, branch)
        return False

    def _explain(self, result: subprocess.CompletedProcess[str], branch: str) -> None:
        rejected = [line for line in result.stdout.splitlines() if line.startswith("!")]
        if rejected:
            reason = rejected[0].rsplit("\t", 1)[-1].strip() or "rejected"
            self.log("push_rejected", remote=self.remote, branch=branch, reason=reason,
                     hint=f"{self.remote} has commits this repository does not: bring them in "
                          f"(git pull --rebase {self.remote} {branch}) and the next push "
                          "succeeds; the API keeps committing locally meanwhile")
            return
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        message: Any = next((line for line in lines if line.startswith(("fatal:", "error:"))),
                            lines[0] if lines else f"git push exited with {result.returncode}")
        self.log("push_failed", remote=self.remote, branch=branch,
                 error=str(message).removeprefix("fatal: ").removeprefix("error: "))
