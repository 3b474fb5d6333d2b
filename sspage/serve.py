"""``sspage serve``: build, serve, watch, rebuild, reload the browser.

* Builds into a private folder with the normal incremental build, so a
  rebuild after one change renders that page only.
* Requests wait while a build runs, so nobody sees a half-built site; a build
  that fails leaves the last good site in place (the build never
  half-replaces its output) and its error is shown in the terminal and, over
  the reload channel, in every open page.
* Live reload is a long poll on ``/__sspage__/wait``: no websocket, no extra
  dependency. The reload script is added to HTML responses by this server
  only; the built site itself has no JavaScript.
* watchdog reports changes under ``content/`` and ``themes/``; a rebuild starts
  once changes have settled for ``SETTLE`` seconds.
"""

from __future__ import annotations

import http.server
import json
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .errors import SspageError
from .store import Site

SETTLE = 0.05  # seconds without a change before rebuilding
POLL_TIMEOUT = 25.0  # a long poll answers at least this often, to survive proxies
CONTROL = "/__sspage__/"

RELOAD_JS = b"""\
(function () {
  "use strict";
  var build = document.currentScript.getAttribute("data-build");
  function show(error) {
    var box = document.getElementById("sspage-build-error");
    if (!error) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("pre");
      box.id = "sspage-build-error";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:50vh;overflow:auto;margin:0;" +
        "padding:1em;background:#5c0011;color:#fff;font:14px/1.4 monospace;white-space:pre-wrap;z-index:9999";
      document.body.appendChild(box);
    }
    box.textContent = "sspage build failed: the last good site is shown.\\n\\n" + error;
  }
  function poll() {
    fetch("/__sspage__/wait?build=" + encodeURIComponent(build), {cache: "no-store"})
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (state.build !== build && !state.error) { location.reload(); return; }
        build = state.build;
        show(state.error);
        poll();
      })
      .catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
"""

TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".json": "application/json",
    ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8", ".xml": "application/xml",
    ".atom": "application/atom+xml", ".rss": "application/rss+xml",
    ".ics": "text/calendar; charset=utf-8", ".webmanifest": "application/manifest+json",
}


class Builder:
    """Runs builds one at a time and tells waiting browsers about each outcome."""

    def __init__(self, site: Site, out: Path, log: Callable[[str], None]) -> None:
        self.site, self.out, self.log = site, out, log
        self.lock = threading.RLock()  # held while building; requests take it to read
        self.changed = threading.Condition()
        self.build_id = 0
        self.error: str | None = None
        self.noted: set[str] = set()  # notes are said once, not at every rebuild

    def build(self, changed: set[str] | None = None) -> None:
        """Build; ``changed`` names the only pages whose files changed (None: check them all)."""
        from .build import build_site

        with self.lock:
            try:
                result = build_site(self.site, self.out, changed=changed)
            except SspageError as error:
                self.error = str(error)
                self.log(f"Error: {error}")
            else:
                self.error = None
                if result.rendered or result.removed or self.build_id == 0:
                    self.log(f"Built {result.pages:,} pages ({result.rendered:,} changed) "
                             f"in {result.seconds:.2f} s")
                for note in set(result.notes) - self.noted:
                    self.noted.add(note)
                    self.log(f"Note: {note}")
            self.site._config = None  # site.yaml may have changed too
        with self.changed:
            self.build_id += 1
            self.changed.notify_all()

    def wait(self, seen: str, timeout: float = POLL_TIMEOUT) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self.changed:
            while str(self.build_id) == seen and time.monotonic() < deadline:
                self.changed.wait(deadline - time.monotonic())
            return {"build": str(self.build_id), "error": self.error}


class Handler(http.server.BaseHTTPRequestHandler):
    builder: Builder
    server_version = "sspage"

    def do_GET(self) -> None:  # noqa: N802 (the http.server API)
        url = urlsplit(self.path)
        if url.path == CONTROL + "reload.js":
            return self._send(200, "text/javascript; charset=utf-8", RELOAD_JS)
        if url.path == CONTROL + "wait":
            seen = parse_qs(url.query).get("build", [""])[0]
            body = json.dumps(self.builder.wait(seen)).encode()
            return self._send(200, "application/json", body, cache=False)
        with self.builder.lock:  # never serve while a build is writing
            found = self._resolve(unquote(url.path))
            if found is None:
                missing = self.builder.out / "404.html"
                data = missing.read_bytes() if missing.is_file() else b"Not found"
                return self._send(404, TYPES[".html"], self._inject(data))
            data = found.read_bytes()
        kind = _content_type(found, self.builder.out)
        if kind.startswith("text/html"):
            data = self._inject(data)
        self._send(200, kind, data)

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def _resolve(self, path: str) -> Path | None:
        root = self.builder.out.resolve()
        target = (root / path.lstrip("/")).resolve()
        if target != root and root not in target.parents:
            return None
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file() or any(part.startswith(".") for part in target.relative_to(root).parts):
            return None
        return target

    def _inject(self, html: bytes) -> bytes:
        tag = (f'<script src="{CONTROL}reload.js" data-build="{self.builder.build_id}" defer>'
               "</script>").encode()
        at = html.rfind(b"</body>")
        return html[:at] + tag + html[at:] if at >= 0 else html + tag

    def _send(self, status: int, kind: str, body: bytes, cache: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        if not cache:
            self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # the terminal shows builds, not every request


def _content_type(path: Path, root: Path) -> str:
    relative = path.relative_to(root.resolve()).as_posix()
    if relative.startswith("v1/status-pages/") and not path.suffix:
        return "application/json"
    return TYPES.get(path.suffix, "application/octet-stream")


class Watcher:
    """Rebuilds after changes under content/ and themes/ have settled."""

    def __init__(self, builder: Builder, folders: list[Path]) -> None:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        self.builder = builder
        self.pending = threading.Event()
        self.stopping = threading.Event()
        self.changed: set[str] | None = set()  # page slugs; None: something else changed
        self.changed_lock = threading.Lock()
        pages = builder.site.pages_dir
        outer = self

        class Events(FileSystemEventHandler):
            def on_any_event(self, event: Any) -> None:
                if event.event_type in ("opened", "closed_no_write") or (
                        event.is_directory and event.event_type == "modified"):
                    return  # reads, and a folder's own "something inside changed"
                paths = [p for p in _event_paths(event) if not _ignored(p.name)]
                if paths:  # not only editor swap files and atomic-write temp files
                    outer.note(paths, event.is_directory, pages)
                    outer.pending.set()

        self.observer = Observer()
        for folder in folders:
            if folder.is_dir():
                self.observer.schedule(Events(), str(folder), recursive=True)
        self.thread = threading.Thread(target=self._run, name="sspage-rebuild", daemon=True)

    def start(self) -> None:
        self.observer.start()
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.pending.set()
        self.observer.stop()
        self.observer.join(timeout=5)

    def note(self, paths: list[Path], is_directory: bool, pages: Path) -> None:
        """Remember which page files changed, so the rebuild checks only those."""
        with self.changed_lock:
            for path in paths:
                if path.parent == pages and path.suffix == ".yaml" and not is_directory:
                    if self.changed is not None:
                        self.changed.add(path.stem)
                else:  # site.yaml, a theme file, a folder: check everything
                    self.changed = None

    def _run(self) -> None:
        while not self.stopping.is_set():
            self.pending.wait()
            if self.stopping.is_set():
                return
            while True:  # let a burst of saves settle
                self.pending.clear()
                if not self.pending.wait(SETTLE):
                    break
            with self.changed_lock:
                changed, self.changed = self.changed, set()
            self.builder.build(changed)


def _event_paths(event: Any) -> list[Path]:
    """The paths an event is about: both ends of a rename (an atomic save renames a temp file)."""
    paths = [Path(str(event.src_path))]
    if getattr(event, "dest_path", ""):
        paths.append(Path(str(event.dest_path)))
    return paths


def _ignored(name: str) -> bool:
    return name.startswith(".") or name.endswith(("~", ".swp", ".tmp"))


def _stop_on_sigterm() -> None:
    """Treat SIGTERM (a service manager, `timeout`) like Ctrl-C, so cleanup runs."""
    import signal

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)


def serve(site: Site, *, host: str = "127.0.0.1", port: int = 8000, out: Path | None = None,
          log: Callable[[str], None] | None = None,
          ready: Callable[[http.server.ThreadingHTTPServer], None] | None = None) -> None:
    """Serve ``site`` until interrupted. ``ready`` receives the running server (tests use it)."""
    say = log or (lambda line: print(line, file=sys.stderr, flush=True))
    private = out is None
    folder = Path(tempfile.mkdtemp(prefix="sspage-serve-")) if out is None else out
    builder = Builder(site, folder, say)
    builder.build()
    handler = type("BoundHandler", (Handler,), {"builder": builder})
    server = http.server.ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    watcher = Watcher(builder, [site.content_dir, site.root / "themes"])
    watcher.start()
    where = f"http://{host if ':' not in host else f'[{host}]'}:{server.server_address[1]}"
    say(f"Serving {site.display(site.content_dir)} on {where}/ (Ctrl-C to stop)")
    if host not in ("127.0.0.1", "localhost", "::1"):
        say("Warning: reachable from other machines; unlisted pages are only as private as their URLs")
    try:
        for page in site.pages()[:10]:
            say(f"  {where}/s/{page.public_code}/  {page.title}")
    except SspageError:
        pass  # the build error above already says what is wrong
    if ready is not None:
        ready(server)
    _stop_on_sigterm()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        say("Stopped.")
    finally:
        watcher.stop()
        server.server_close()
        if private:
            shutil.rmtree(folder, ignore_errors=True)
