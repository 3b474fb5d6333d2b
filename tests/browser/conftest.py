"""Fixtures for the browser tests: a built site, a real HTTP server, a real Chromium.

The browser is Debian's chromium (``apt-get install -y chromium``) driven by
Playwright; Playwright's own browser download is never used. Without chromium
(or without the ``test`` extras) the tests skip with the reason, except under
``CI``, where a missing browser is a failure so that CI cannot pass by skipping.
"""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import io
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
# Without the networking flags Chromium keeps dialling Google's hosts, which this
# machine's closed network refuses, and page loads stall behind those connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Build time for every test build: after every demo page's updatedUtc and before
# any expiresUtc, so the demo pages are live whatever today's date is.
BUILD_TIME = dt.datetime(2026, 6, 15, tzinfo=dt.timezone.utc)
TIMEOUT_MS = 15_000


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives a real Chromium (Debian's chromium, via Playwright)"
    )


# -- building ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    site: Path  # the site folder (content/ inside)
    out: Path  # the build output


def run_build(site: Path, out: Path) -> Built:
    """Run the real command line, ``sspage --site SITE build --out OUT``, in a child process."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(int(BUILD_TIME.timestamp()))}
    proc = subprocess.run(
        [sys.executable, "-m", "sspage", "--site", str(site), "build", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    if proc.returncode != 0:
        pytest.fail(
            f"sspage build exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        )
    return Built(site, out)


@pytest.fixture(scope="session")
def build_site() -> Callable[[Path, Path], Built]:
    """``build_site(site, out)``: build a site folder with the real CLI (fails the test on error)."""
    return run_build


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The repository's demo site, copied to a temporary folder and built there."""
    root = tmp_path_factory.mktemp("demo")
    site = root / "site"
    shutil.copytree(REPO / "content", site / "content")
    return run_build(site, root / "out")


# -- serving ----------------------------------------------------------------------------


class StaticHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a build as a static host would: real content types, 404.html for misses."""

    extensions_map = {
        "": "application/octet-stream",
        ".html": "text/html; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".json": "application/json; charset=utf-8",
        ".svg": "image/svg+xml",
        ".png": "image/png",
        ".ico": "image/x-icon",
        ".txt": "text/plain; charset=utf-8",
        ".xml": "application/xml; charset=utf-8",
    }

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        p = Path(path)
        if p.suffix == "" and p.parent.name == "status-pages" and p.parent.parent.name == "v1":
            return "application/json; charset=utf-8"  # the extensionless JSON mirror
        if p.name in ("_headers", "robots.txt"):
            return "text/plain; charset=utf-8"
        return super().guess_type(path)

    def send_head(self) -> Any:
        target = Path(self.translate_path(self.path))
        if not target.exists():
            page_404 = Path(self.directory) / "404.html"
            if page_404.is_file():
                body = page_404.read_bytes()
                self.send_response(404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                return io.BytesIO(body)
        return super().send_head()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass  # keep pytest's output clean


@dataclass(frozen=True)
class Server:
    root: Path
    url: str  # "http://127.0.0.1:PORT" with no trailing slash

    def page(self, code: str) -> str:
        return f"{self.url}/s/{code}/"


class _Servers:
    def __init__(self) -> None:
        self.running: list[http.server.ThreadingHTTPServer] = []

    def start(self, root: Path) -> Server:
        handler = functools.partial(StaticHandler, directory=str(root))
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, name=f"serve {root}", daemon=True).start()
        self.running.append(httpd)
        return Server(root, f"http://127.0.0.1:{httpd.server_address[1]}")

    def stop(self) -> None:
        for httpd in self.running:
            httpd.shutdown()
            httpd.server_close()


@pytest.fixture(scope="session")
def serve() -> Iterator[Callable[[Path], Server]]:
    """``serve(folder)``: serve a folder on 127.0.0.1 (random port) until the session ends."""
    servers = _Servers()
    yield servers.start
    servers.stop()


@pytest.fixture(scope="session")
def demo_server(demo: Built, serve: Callable[[Path], Server]) -> Server:
    return serve(demo.out)


# -- the browser ------------------------------------------------------------------------


def _unavailable() -> str | None:
    """Why the browser tests cannot run here, or None if they can."""
    if not Path(CHROMIUM).is_file():
        return f"{CHROMIUM} is missing (install Debian's chromium: apt-get install -y chromium)"
    try:
        import axe_playwright_python  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session."""
    reason = _unavailable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run: {reason}; CI is set, so this is a failure")
        pytest.skip(f"browser tests skipped: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """``new_page(**context_options)``: a page in a fresh context, closed after the test."""
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
