"""The SharedStatus JSON shapes, field for field and in the reference's order.

The command line's ``--json``, the static JSON mirror and the HTTP API all
call these functions, so the three can never drift apart.
"""

from __future__ import annotations

import math
from typing import Any

from .model import Item, Page, State, format_utc


def item_response(item: Item) -> dict[str, Any]:
    """``StatusItemResponse``: the add-item (201) and PATCH (200) body."""
    return {
        "id": item.id,
        "text": item.text,
        "sortOrder": item.sort_order,
        "state": int(State.parse(item.state)),
        "createdUtc": format_utc(item.created_utc),  # type: ignore[arg-type]
        "updatedUtc": format_utc(item.updated_utc),  # type: ignore[arg-type]
    }


def page_response(page: Page) -> dict[str, Any]:
    """The body of ``GET /v1/status-pages/{publicCode}``."""
    return {
        "publicCode": page.public_code,
        "title": page.title,
        "latestUpdate": page.latest_update,
        "createdUtc": format_utc(page.created_utc),  # type: ignore[arg-type]
        "updatedUtc": format_utc(page.updated_utc),  # type: ignore[arg-type]
        "expiresUtc": None if page.expires_utc is None else format_utc(page.expires_utc),
        "items": [item_response(item) for item in page.sorted_items()],
    }


def page_json(page: Page) -> bytes:
    """The bytes of the static JSON mirror and of the API's ``GET``: one function for both."""
    return (to_json(page_response(page), check_numbers=False) + "\n").encode()


def create_response(page: Page, token: str, public_url: str, admin_url: str) -> dict[str, Any]:
    """The 201 body of ``POST /v1/status-pages``. ``adminCode`` is the page's slug."""
    return {
        "publicCode": page.public_code,
        "adminCode": page.slug,
        "apiToken": token,
        "publicUrl": public_url,
        "adminUrl": admin_url,
        "items": [item_response(item) for item in page.sorted_items()],
    }


def to_json(value: Any, *, indent: int | None = 2, check_numbers: bool = True) -> str:
    """Strict JSON: no NaN, UTF-8 text kept readable, ``<`` escaped so it is safe inside HTML.

    Encoded by msgspec (the build writes thousands of these); the layout is the one
    ``json.dumps(indent=2, ensure_ascii=False)`` gives, which tests pin.
    ``check_numbers=False`` skips the walk that refuses NaN, for the shapes above,
    which hold no floats.
    """
    import msgspec

    if check_numbers:
        _refuse_non_finite(value)
    data = msgspec.json.encode(value)
    if indent:
        data = msgspec.json.format(data, indent=indent)
    text = data.decode("utf-8")
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _refuse_non_finite(value: Any) -> None:
    # msgspec writes NaN and infinities as null; strict JSON refuses them instead.
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, float) and not math.isfinite(item):
            raise ValueError(f"{item!r} has no JSON form")
