"""Checking values given to the library or on the command line, before anything is read."""

from __future__ import annotations

from typing import Any

from .errors import InputError
from .model import MAX_LATEST_UPDATE, MAX_SORT_ORDER, MAX_TEXT, MAX_TITLE, State, text_problem

_LIMITS = {"title": MAX_TITLE, "text": MAX_TEXT, "latest update": MAX_LATEST_UPDATE}


def check_text(what: str, value: object, *, multiline: bool) -> str:
    if not isinstance(value, str):
        raise InputError(f"the {what} must be text")
    why = text_problem(value, multiline=multiline)
    if why:
        raise InputError(f"the {what} {why}")
    limit = _LIMITS[what]
    if len(value) > limit:
        raise InputError(f"the {what} is {len(value):,} characters long; the limit is {limit:,}")
    return value


def parse_state(value: State | str | int) -> State:
    try:
        return State.parse(value)
    except ValueError as error:
        raise InputError(str(error)) from None


def check_sort_order(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SORT_ORDER:
        raise InputError(f"sortOrder must be a whole number from 0 to {MAX_SORT_ORDER:,}")
    return value


def item_spec(entry: str | dict[str, Any], position: int) -> tuple[str, State, int]:
    """(text, state, sortOrder) of one initial item; state and sortOrder default as on create."""
    if isinstance(entry, str):
        entry = {"text": entry}
    text = entry.get("text")
    if not isinstance(text, str):
        raise InputError(f"item {position + 1} needs a text")
    check_text("text", text, multiline=True)
    state = parse_state(entry.get("state", State.PENDING))
    order = check_sort_order(entry.get("sortOrder", entry.get("sort_order", position)))
    return text, state, order


def quoted(text: str, width: int = 60) -> str:
    """Text for a one-line summary: ``"Materials ordered"``, shortened and flattened."""
    flat = " ".join(text.split())
    return '"' + (flat if len(flat) <= width else flat[: width - 1] + "…") + '"'
