"""Structured logs: one JSON object per line, for requests and for what the server does.

Request lines carry the method, the path (never the query string), the status,
the size, the time taken and the client's address; never a header or a body,
so API tokens and integration keys cannot end up in a log.
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
import time
from typing import IO, Any

import msgspec


class Log:
    """Writes events as JSON lines to ``stream`` (stderr by default)."""

    def __init__(self, stream: IO[str] | None = None, *, access: bool = True) -> None:
        self.stream = stream
        self.access = access
        self.lock = threading.Lock()
        self.encoder = msgspec.json.Encoder()

    def __call__(self, event: str, **fields: Any) -> None:
        record = {"time": _now(), "event": event, **fields}
        line = self.encoder.encode(record).decode("utf-8", "replace") + "\n"
        stream = self.stream or sys.stderr
        with self.lock:
            try:
                stream.write(line)
                stream.flush()
            except (OSError, ValueError):  # a closed or broken log stream must not fail requests
                pass


def _now() -> str:
    moment = dt.datetime.now(dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


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
