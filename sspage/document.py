"""Changing a page file's round-trip data without disturbing what the change is not about.

Values are written the way a person would write them: times as plain
``2026-06-08T14:30:00Z``, states as names unless the file already used
numbers for that item, multi-line text as a ``|`` block when that is exact.
Keys that a hand edit left out are inserted where the canonical order puts
them, so a filled-in file reads like one sspage wrote.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import MutableMapping, MutableSequence
from typing import Any

from .model import State, format_utc
from .yamlio import BlockText, QuotedText, Verbatim

PAGE_KEYS = ("publicCode", "title", "latestUpdate", "createdUtc", "updatedUtc", "expiresUtc",
             "listed", "history", "apiTokenHash", "items")
ITEM_KEYS = ("id", "text", "sortOrder", "state", "createdUtc", "updatedUtc")

_BLOCK_UNSAFE = re.compile(r"[ \t]\n|[ \t]$|^[ \t]|\n\n\n|\t|[\x85\u2028\u2029\ufeff\r]")
# Line breaks that a single-quoted scalar would fold: such text is written double-quoted, escaped.
_BREAKS = re.compile(r"[\n\x85\u2028\u2029]")
# Words and numbers that YAML 1.1 tools (most of them) would read as something other than text.
_LOOKS_TYPED = re.compile(r"^(?:[-+.]?[0-9]|(?:y|yes|n|no|true|false|on|off|null|~)$)", re.I)


def time_value(moment: dt.datetime) -> Verbatim:
    return Verbatim(format_utc(moment))


def text_value(text: str) -> Any:
    """Multi-line text as a literal block when the block reproduces it exactly, else quoted."""
    if "\n" in text and text.strip() and not _BLOCK_UNSAFE.search(text):
        return BlockText(text)
    if _LOOKS_TYPED.match(text) and not _BREAKS.search(text):
        return QuotedText(text)
    return text


def state_value(state: State, previous: object = None) -> Any:
    """Names read better; keep numbers where the file already used them for this item."""
    if isinstance(previous, str) and previous.strip().isdigit():
        return Verbatim(str(int(state)))
    return state.name.lower()


def put(mapping: MutableMapping[str, Any], key: str, value: Any, order: tuple[str, ...]) -> None:
    """Set ``key``; a new key goes after the nearest key that precedes it in ``order``."""
    if key in mapping:
        if type(mapping[key]).__module__.startswith("ruamel"):
            # ruamel.yaml gives a new plain string the style of the value it replaces (a
            # `|` block, quotes), which cannot hold every text: clear it so ours is kept.
            mapping[key] = None
        mapping[key] = value
        return
    rank = order.index(key) if key in order else len(order)
    keys = list(mapping)
    position = 0
    for index, existing in enumerate(keys):
        if existing in order and order.index(existing) < rank:
            position = index + 1
    insert = getattr(mapping, "insert", None)
    if insert is not None and position < len(keys):
        insert(position, key, value)
    else:
        mapping[key] = value
        if keys:
            _hand_over_comment(mapping, keys[-1], key)


def _hand_over_comment(mapping: Any, old: str, new: str) -> None:
    """Keep comment lines that followed the old last key after the new last key.

    ruamel.yaml attaches the lines after a mapping's last value (blank lines, a
    comment about the next item) to that value; appending a key would otherwise
    push them into the middle of this mapping. An end-of-line comment stays.
    """
    comments: Any = getattr(mapping, "ca", None)
    slot: Any = comments.items.get(old) if comments is not None else None
    token = slot[2] if slot and len(slot) > 2 else None
    if token is None or "\n" not in token.value:
        return
    first, _, rest = token.value.partition("\n")
    if not rest:
        return
    import copy

    moved = copy.copy(token)
    if first.strip():  # an end-of-line comment: it stays with its line
        token.value = first + "\n"
        moved.value = "\n" + rest
    else:
        slot[2] = None
        moved.value = token.value
    comments.items[new] = [None, None, moved, None]


def new_mapping(pairs: list[tuple[str, Any]]) -> Any:
    from ruamel.yaml.comments import CommentedMap

    mapping = CommentedMap()
    for key, value in pairs:
        mapping[key] = value
    return mapping


def new_item(text: str, state: State, sort_order: int, now: dt.datetime) -> Any:
    import uuid

    return new_mapping([
        ("id", str(uuid.uuid4())),
        ("text", text_value(text)),
        ("sortOrder", sort_order),
        ("state", state_value(state)),
        ("createdUtc", time_value(now)),
        ("updatedUtc", time_value(now)),
    ])


def items_of(data: MutableMapping[str, Any]) -> MutableSequence[Any]:
    items = data.get("items")
    if items is None:
        from ruamel.yaml.comments import CommentedSeq

        items = CommentedSeq()
        put(data, "items", items, PAGE_KEYS)
    return items


def fill_missing(data: MutableMapping[str, Any], now: dt.datetime) -> bool:
    """Give a hand-edited page the ids, times and sortOrders it lacks. True if anything changed.

    Items without a sortOrder go after every item that has one, in file order,
    which is where they already show.
    """
    changed = False
    if not data.get("publicCode"):
        from .tokens import new_public_code

        put(data, "publicCode", new_public_code(), PAGE_KEYS)
        changed = True
    for key in ("createdUtc", "updatedUtc"):
        if not data.get(key):
            put(data, key, time_value(now), PAGE_KEYS)
            changed = True
    items = data.get("items") or []
    orders = [_as_int(item.get("sortOrder")) for item in items if isinstance(item, MutableMapping)]
    next_order = max([order for order in orders if order is not None], default=-1) + 1
    for item in items:
        if not isinstance(item, MutableMapping):
            continue
        if not item.get("id"):
            import uuid

            put(item, "id", str(uuid.uuid4()), ITEM_KEYS)
            changed = True
        if _as_int(item.get("sortOrder")) is None and item.get("sortOrder") is None:
            put(item, "sortOrder", next_order, ITEM_KEYS)
            next_order += 1
            changed = True
        for key in ("createdUtc", "updatedUtc"):
            if not item.get(key):
                put(item, key, time_value(now), ITEM_KEYS)
                changed = True
    if changed:
        data["updatedUtc"] = time_value(now)
    return changed


def _as_int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None
