"""Shared test helpers (plain functions; fixtures live in conftest.py)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 6, 8, 14, 30, tzinfo=UTC)
T0_TEXT = "2026-06-08T14:30:00Z"
BASE_URL = "https://status.example.com"

GUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
PUBLIC_CODE_RE = re.compile(r"^[0-9A-Za-z]{12}$")
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")

# Ids used by hand-written page files.
ID1 = "8c83d648-6f1d-4d69-8f1c-98eb3c8ef8a1"
ID2 = "3f4a5b6c-7d8e-49f0-a1b2-c3d4e5f60718"
ID3 = "9a8b7c6d-5e4f-43a2-b1c0-d9e8f7a6b504"


class Clock:
    """A settable clock for ``Site(now=...)``: aware UTC datetimes, whole seconds."""

    def __init__(self, start: dt.datetime = T0) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now = self.now + dt.timedelta(**delta)
        return self.now

    @property
    def text(self) -> str:
        return self.now.strftime("%Y-%m-%dT%H:%M:%SZ")


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root/content`` (and the site root's other files), path -> bytes."""
    found: dict[str, bytes] = {}
    for path in sorted(Path(root).rglob("*")):
        if path.is_file() and ".sspage" not in path.parts and "__pycache__" not in path.parts:
            found[str(path.relative_to(root))] = path.read_bytes()
    return found


def page_file(
    public_code: str = "z4hiCKGpsFUg",
    title: str = "Kitchen renovation",
    items: list[dict[str, Any]] | None = None,
) -> str:
    """A complete, valid page file in the layout sspage writes, with known ids."""
    if items is None:
        items = [
            {"id": ID1, "text": "Survey booked", "sortOrder": 0, "state": "complete"},
            {"id": ID2, "text": "Materials ordered", "sortOrder": 1, "state": "active"},
            {"id": ID3, "text": "Work scheduled", "sortOrder": 2, "state": "pending"},
        ]
    lines = [
        f"publicCode: {public_code}",
        f"title: {title}",
        "latestUpdate: null",
        f"createdUtc: {T0_TEXT}",
        f"updatedUtc: {T0_TEXT}",
        "expiresUtc: null",
        "items:",
    ]
    for item in items:
        lines.append(f"  - id: {item['id']}")
        lines.append(f"    text: {item['text']}")
        lines.append(f"    sortOrder: {item['sortOrder']}")
        lines.append(f"    state: {item['state']}")
        lines.append(f"    createdUtc: {T0_TEXT}")
        lines.append(f"    updatedUtc: {T0_TEXT}")
    return "\n".join(lines) + "\n"


def assert_cli_error(result: Any, *fragments: str, code: int = 1) -> str:
    """An ``Error: ...`` on stderr, nothing on stdout, the exit code, and no traceback."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)
    return result.stderr


# The reference's "Response 200 OK (page with items)" of GET /v1/status-pages/{publicCode}, verbatim.
REFERENCE_GET = """{
"publicCode": "z4hiCKGpsFUg",
"title": "Kitchen renovation",
"latestUpdate": null,
"createdUtc": "2026-06-08T14:30:00Z",
"updatedUtc": "2026-06-08T14:30:00Z",
"expiresUtc": null,
"items": [
{
"id": "8c83d648-6f1d-4d69-8f1c-98eb3c8ef8a1",
"text": "Survey booked",
"sortOrder": 0,
"state": 0,
"createdUtc": "2026-06-08T14:30:00Z",
"updatedUtc": "2026-06-08T14:30:00Z"
},
{
"id": "3f4a5b6c-7d8e-49f0-a1b2-c3d4e5f60718",
"text": "Materials ordered",
"sortOrder": 1,
"state": 1,
"createdUtc": "2026-06-08T14:30:00Z",
"updatedUtc": "2026-06-08T15:10:00Z"
}
]
}"""
