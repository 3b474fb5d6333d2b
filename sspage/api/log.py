"""Structured logs: one JSON object per line, for requests and for what the server does.

Request lines carry the method, the path (never the query string), the status,
the size, the time taken and the client's address; never a header or a body,
so API tokens and integration keys cannot end up in a log.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import IO, Any

import msgspec


class Log:
    """Writes events as JSON lines to ``stream`` (stderr by default).

    Request lines are flushed in batches (at most ``FLUSH_EVERY`` seconds late), so
    that a busy server does not pay a system call per request; other events at once.
    """

    FLUSH_EVERY = 0.2

    def __init__(self, stream: IO[str] | None = None, *, access: bool = True) -> None:
        # Our own block-buffered writer on stderr: Python's sys.stderr flushes every line.
        self.stream = stream or open(sys.stderr.fileno(), "w", buffering=1 << 16,  # noqa: SIM115
                                     encoding="utf-8", errors="replace", closefd=False)
        self.access = access
        self.lock = threading.Lock()
        self.encoder = msgspec.json.Encoder()
        self.dirty = threading.Event()
        self.flusher: threading.Thread | None = None

    def __call__(self, event: str, **fields: Any) -> None:
        record = {"time": _now(), "event": event, **fields}
        line = self.encoder.encode(record).decode("utf-8", "replace") + "\n"
        stream = self.stream
        with self.lock:
            try:
                stream.write(line)
                if event == "request":
                    self._later()
                else:
                    stream.flush()
            except (OSError, ValueError):  # a closed or broken log stream must not fail requests
                pass

    def _later(self) -> None:
        self.dirty.set()
        if self.flusher is None:
            self.flusher = threading.Thread(target=self._flush_loop, name="sspage-api-log",
                                            daemon=True)
            self.flusher.start()

    def _flush_loop(self) -> None:
        while True:
            self.dirty.wait()
            time.sleep(self.FLUSH_EVERY)
            self.flush()

    def flush(self) -> None:
        with self.lock:
            self.dirty.clear()
            try:
                self.stream.flush()
            except (OSError, ValueError):
                pass


_second: list[Any] = [-1, ""]


def _now() -> str:
    """Now as ``2026-06-08T14:30:00.123Z``; the part to the second is formatted once a second."""
    now = time.time()
    second = int(now)
    if second != _second[0]:
        _second[:] = [second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))]
    return f"{_second[1]}.{int((now - second) * 1000):03d}Z"


class AccessLog:
    """ASGI middleware: one ``request`` line per HTTP request."""

    def __init__(self, app: Any, log: Log) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not self.log.access:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        seen = {"status": 0, "bytes": 0}

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
            elif message["type"] == "http.response.body":
                seen["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            client = scope.get("client")
            self.log("request", client=client[0] if client else None, method=scope["method"],
                     path=scope["path"], status=seen["status"], bytes=seen["bytes"],
                     ms=round((time.perf_counter() - started) * 1000, 2))
