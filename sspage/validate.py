"""Turning plain data from a YAML file into model objects, or into every problem with it.

The fast path is one ``msgspec.convert`` call. Only when it fails do we walk
the data field by field, so that a file with three mistakes reports three
problems instead of the first one. Locations are paths such as
``("items", 2, "state")``; the YAML reader turns them into line and column.
"""

from __future__ import annotations

import re
import typing
from typing import Any, TypeVar

import msgspec

from .model import Page, SiteConfig, State, text_problem

Loc = tuple[str | int, ...]
S = TypeVar("S", bound=msgspec.Struct)

FMT_HINT = "run `sspage fmt` to fill it in"
PAGE_FILLED = ("publicCode", "createdUtc", "updatedUtc")
ITEM_FILLED = ("id", "sortOrder", "createdUtc", "updatedUtc")


class Issue(typing.NamedTuple):
    loc: Loc
    message: str
    hint: str | None = None


class Invalid(Exception):
    """Raised by :func:`page_from_data` with every issue; the caller adds the file's location."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__(issues)
        self.issues = issues


def format_loc(loc: Loc) -> str:
    """``("items", 2, "state")`` -> ``items[2].state``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def page_from_data(data: object, *, complete: bool = True) -> Page:
    """Validate one page file's data. ``complete=False`` accepts a hand edit's gaps (for fmt)."""
    try:
        page = msgspec.convert(data, Page, strict=False)
    except msgspec.ValidationError:
        issues = struct_issues(data, Page, ())
    else:
        issues = []
    if isinstance(data, dict):
        issues += content_issues(data, complete=complete)
    if issues:
        raise Invalid(_dedupe(issues))
    return page


def site_from_data(data: object) -> SiteConfig:
    try:
        config = msgspec.convert(data, SiteConfig, strict=False)
    except msgspec.ValidationError:
        raise Invalid(struct_issues(data, SiteConfig, ())) from None
    issues = site_issues(config)
    if issues:
        raise Invalid(issues)
    return config


def content_issues(data: dict[str, Any], *, complete: bool = True) -> list[Issue]:
    """Rules a type cannot express: text content, unique ids, completeness.

    They run on the file's plain data, so they are reported alongside type errors.
    """
    issues: list[Issue] = []
    title = data.get("title")
    if isinstance(title, str) and title:
        why = text_problem(title, multiline=False)
        if why:
            issues.append(Issue(("title",), why))
    latest = data.get("latestUpdate")
    if isinstance(latest, str):
        why = text_problem(latest, multiline=True)
        if why:
            issues.append(Issue(("latestUpdate",), why, "use null for no update"))
    if complete:
        issues += _missing((), data, PAGE_FILLED)
    issues += _padded((), data, ("publicCode", "apiTokenHash"))
    items = data.get("items")
    seen: dict[str, int] = {}
    for index, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict):
            continue
        text = item.get("text")
        if isinstance(text, str) and text:
            why = text_problem(text, multiline=True)
            if why:
                issues.append(Issue(("items", index, "text"), why))
        if complete:
            issues += _missing(("items", index), item, ITEM_FILLED)
        issues += _padded(("items", index), item, ("id",))
        ident = item.get("id")
        if isinstance(ident, str) and ident:
            ident = ident.lower()
            if ident in seen:
                issues.append(Issue(
                    ("items", index, "id"),
                    f"duplicate id: items[{seen[ident]}] has the same id",
                    "every item needs its own id; delete this line and run `sspage fmt`",
                ))
            else:
                seen[ident] = index
    return issues


def _missing(loc: Loc, data: dict[str, Any], keys: tuple[str, ...]) -> list[Issue]:
    """One issue naming every field that fmt would fill in, rather than one per field."""
    absent = [key for key in keys if data.get(key) is None]
    if not absent:
        return []
    if len(absent) == 1:
        return [Issue((*loc, absent[0]), "missing", FMT_HINT)]
    return [Issue(loc, "missing " + ", ".join(absent), "run `sspage fmt` to fill them in")]


def _padded(loc: Loc, data: dict[str, Any], keys: tuple[str, ...]) -> list[Issue]:
    # Patterns end in "$", which in Python also matches before a final newline.
    return [Issue((*loc, key), "has spaces or a line break around it", "write it on one line")
            for key in keys
            if isinstance(data.get(key), str) and data[key] != data[key].strip()]


def _dedupe(issues: list[Issue]) -> list[Issue]:
    return list(dict.fromkeys(issues))


def site_issues(config: SiteConfig) -> list[Issue]:
    issues: list[Issue] = []
    if config.edit_url is not None and "{" in config.edit_url:
        try:
            config.edit_url.format(path="p", slug="s")
        except (KeyError, IndexError, ValueError):
            issues.append(
                Issue(("edit_url",), "unknown placeholder", "only {path} and {slug} can be used")
            )
    if config.base_url.endswith("/"):
        issues.append(Issue(("base_url",), "must not end with /", "remove the trailing slash"))
    names: dict[str, int] = {}
    for index, key in enumerate(config.integration_keys):
        if key.name in names:
            issues.append(Issue(("integration_keys", index, "name"),
                                f"integration_keys[{names[key.name]}] has the same name",
                                "give each key its own name"))
        names.setdefault(key.name, index)
    try:
        import zoneinfo

        zoneinfo.ZoneInfo(config.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        issues.append(Issue(("timezone",), f"unknown time zone {config.timezone!r}",
                            "use an IANA name such as Europe/London"))
    return issues


# -- the slow path: every problem, field by field ---------------------------------------------


def struct_issues(data: object, cls: type[msgspec.Struct], loc: Loc) -> list[Issue]:
    if not isinstance(data, dict):
        return [Issue(loc, f"expected a mapping of fields, got {_kind(data)}")]
    fields = {f.encode_name: f for f in msgspec.structs.fields(cls)}
    issues: list[Issue] = []
    for key in data:
        if key not in fields:
            import difflib  # only when reporting: every command imports this module

            close = difflib.get_close_matches(str(key), list(fields), n=1)
            hint = f"did you mean {close[0]!r}?" if close else "known fields: " + ", ".join(fields)
            issues.append(Issue((*loc, str(key)), "unknown field", hint))
    for name, field in fields.items():
        if name not in data:
            if field.required:
                issues.append(Issue((*loc, name), "missing", "this field is required"))
            continue
        issues.extend(_value_issues(data[name], field.type, (*loc, name)))
    return issues


def _value_issues(value: object, typ: Any, loc: Loc) -> list[Issue]:
    try:
        msgspec.convert(value, typ, strict=False)
        return []
    except msgspec.ValidationError as error:
        first = _parse_error(str(error), loc, value)
    element = _list_element_struct(typ)
    if element is not None and isinstance(value, list):
        issues = [
            issue
            for index, entry in enumerate(value)
            for issue in struct_issues(entry, element, (*loc, index))
        ]
        return issues or [first]
    return [first]


def _parse_error(text: str, loc: Loc, value: object) -> Issue:
    message, _, path = text.partition(" - at `$")
    sub: list[str | int] = []
    # "[...]" is a value inside a mapping: the mapping itself is the place to point at.
    for part in path.rstrip("`").replace("[...]", "").replace("[", ".[").split("."):
        if part.startswith("[") and part.endswith("]"):
            sub.append(int(part[1:-1]))
        elif part:
            sub.append(part)
    if "matching regex" in message and isinstance(value, str) and not sub:
        message = f"invalid value {value!r}"
    elif message.startswith("Expected `") and value is not None and isinstance(value, str):
        message = f"{_friendly(message)}, got {value!r}"
    else:
        message = _friendly(message)
    hint = _HINTS.get(str(sub[-1] if sub else loc[-1] if loc else ""))
    return Issue((*loc, *sub), message[0].lower() + message[1:], hint)


def _friendly(message: str) -> str:
    # msgspec says "Expected `int | null`, got `str`"; users wrote YAML, not Python types.
    if not message.startswith("Expected"):
        return re.sub(r"^Invalid enum value ", "unknown value ", message)
    message = message.split(", got `")[0].replace("`", "")
    message = re.sub(r" matching regex '.*'$", " in the expected format", message)
    for python, yaml_word in (("int", "a whole number"), ("str", "text"), ("bool", "true or false"),
                              ("datetime", "a time like 2026-06-08T14:30:00Z"), ("null", "null"),
                              ("array", "a list"), ("object", "a mapping")):
        message = re.sub(rf"\b{python}\b", yaml_word, message)
    return message


_HINTS = {
    "state": "use 0/pending, 1/active or 2/complete",
    "createdUtc": "write a time with its zone, like 2026-06-08T14:30:00Z",
    "updatedUtc": "write a time with its zone, like 2026-06-08T14:30:00Z",
    "expiresUtc": "write a time with its zone, like 2026-06-08T14:30:00Z, or null",
    "publicCode": "12 to 64 letters and digits",
    "id": "a GUID like 8c83d648-6f1d-4d69-8f1c-98eb3c8ef8a1; delete it and run `sspage fmt` for a new one",
    "sortOrder": "a whole number from 0",
    "apiTokenHash": "run `sspage page token rotate PAGE` to make a new token",
    "history": "write true or false",
}


def _list_element_struct(typ: Any) -> type[msgspec.Struct] | None:
    while typing.get_origin(typ) is typing.Annotated:
        typ = typing.get_args(typ)[0]
    if typing.get_origin(typ) is list:
        (element,) = typing.get_args(typ)
        if isinstance(element, type) and issubclass(element, msgspec.Struct):
            return element
    return None


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return "text" if isinstance(value, str) else type(value).__name__


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


__all__ = ["Invalid", "Issue", "Loc", "State", "format_loc", "page_from_data", "site_from_data"]
