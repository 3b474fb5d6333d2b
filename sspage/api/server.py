"""``sspage api``: the application served by uvicorn, with the writer, builder and pusher around it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

from ..errors import ConfigError, StoreError
from ..store import Site
from .app import Api, Options, create_app
from .log import Log


def _server_class() -> Any:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, except that Ctrl-C and SIGTERM end ``run`` normally.

        uvicorn raises the signal again once it has shut down, which for SIGTERM
        would end the process before the writer, builder and pusher have finished.
        """

        @contextlib.contextmanager
        def capture_signals(self) -> Generator[None, None, None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            previous = {sig: signal.signal(sig, self.handle_exit)
                        for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    return Server


def check_git(site: Site, remote: str | None) -> None:
    """Refuse to start when commits or pushes would fail on every request."""
    if not site.commits:
        if remote is not None:
            raise ConfigError("--push needs a site in a git repository that commits changes")
        return
    assert site.git is not None
    env = {**os.environ, "LC_ALL": "C"}
    ident = subprocess.run(["git", "var", "GIT_COMMITTER_IDENT"], cwd=site.git.top, env=env,
                           capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if ident.returncode != 0:
        raise StoreError("git does not know who the committer is, so the API could not commit",
                         hint='run git config user.name "Status API" and git config user.email '
                              "api@example.com in the repository")
    if remote is not None:
        known = subprocess.run(["git", "remote", "get-url", remote], cwd=site.git.top, env=env,
                               capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if known.returncode != 0 and not any(mark in remote for mark in (":", "/")):
            raise ConfigError(f"--push {remote}: there is no git remote of that name",
                              hint="give a remote (git remote -v lists them) or a URL")


def serve_api(site: Site, *, host: str = "127.0.0.1", port: int = 8080,
              options: Options | None = None, build: bool = False, out: Path | None = None,
              push: str | None = None, log: Log | None = None,
              ready: Callable[[str, Any], None] | None = None) -> None:
    """Serve the API for ``site`` until interrupted.

    ``ready(url, server)`` is called once the socket listens; ``server.should_exit = True``
    stops it (tests run it on a thread).
    """
    import uvicorn

    from .publish import Pusher, Rebuilder

    options = options or Options()
    log = log or Log()
    check_git(site, push)
    rebuilder = pusher = None
    if build:
        from ..build import DEFAULT_OUT

        folder = (out or site.root / DEFAULT_OUT).resolve()
        rebuilder = Rebuilder(site.root, folder, log)
        if not rebuilder.build(jobs=None):  # before any thread starts: workers may fork
            log("build_failed_at_start", hint="serving the API; the site is built after the next fix")
        options.static = folder
        options.on_commit.append(rebuilder.notify)
    if push is not None:
        assert site.git is not None
        pusher = Pusher(site.git.top, push, log)
        options.on_commit.append(pusher.notify)
    api = Api(site.root, options, log)
    app = create_app(api)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)  # connections wait in the backlog from now on, not refused
    except OSError as error:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {error.strerror}",
                          hint="pick another --port, or stop what uses this one") from None
    bound = sock.getsockname()[1]
    url = f"http://{host if ':' not in host else f'[{host}]'}:{bound}"
    config = uvicorn.Config(app, log_level="warning", access_log=False, server_header=False,
                            proxy_headers=True, lifespan="off", timeout_graceful_shutdown=10)
    server = _server_class()(config)
    # The writer thread mostly waits on fsync and git; when it wakes it should get the
    # interpreter back at once, not after the event loop's 5 ms time slice.
    sys.setswitchinterval(0.0005)
    api.start()
    for worker in (rebuilder, pusher):
        if worker is not None:
            worker.start()
    log("listening", url=url, site=str(site.root), build=str(options.static) if build else None,
        push=push, group_commit_ms=round(options.group_window * 1000))
    if host not in ("127.0.0.1", "localhost", "::1"):
        log("warning", message="reachable from other machines: put it behind HTTPS "
            "(a reverse proxy) before API tokens travel over a network")
    if ready is not None:
        ready(url, server)
    try:
        server.run(sockets=[sock])
    finally:
        api.stop()  # answers every queued write first
        for worker in (rebuilder, pusher):
            if worker is not None:
                worker.stop()
        sock.close()
        log("stopped")
