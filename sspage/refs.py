"""Names: page slugs, and the ways a user can point at an item."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from .errors import AmbiguousError, InputError, NotFoundError
from .model import GUID_PATTERN, MAX_SLUG, PUBLIC_CODE_PATTERN, SLUG_PATTERN, Item

_SLUG = re.compile(SLUG_PATTERN)
_CODE = re.compile(PUBLIC_CODE_PATTERN)
_GUID = re.compile(GUID_PATTERN)
_HEX_PREFIX = re.compile(r"^[0-9a-fA-F][0-9a-fA-F-]{3,35}$")
MIN_PREFIX = 4


def is_slug(value: str) -> bool:
    return len(value) <= MAX_SLUG and bool(_SLUG.fullmatch(value)) and value.isascii()


def is_public_code(value: str) -> bool:
    return bool(_CODE.fullmatch(value)) and value.isascii()


def check_slug(value: str) -> str:
    if not is_slug(value):
        raise InputError(
            f"invalid slug {value!r}",
            hint=f"use lower-case ASCII letters, digits and single hyphens, at most {MAX_SLUG} characters",
        )
    return value


def slugify(title: str) -> str:
    """A readable file name from a title: ``Kitchen renovation`` -> ``kitchen-renovation``."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = slug[:MAX_SLUG].rstrip("-")
    return slug or "page"


def describe_page_ref(ref: str) -> str:
    """Why ``ref`` cannot name a page, for refs that are neither a slug nor a publicCode."""
    if not ref:
        return "a page name cannot be empty"
    if "/" in ref or "\\" in ref or ".." in ref or "\0" in ref:
        return f"{ref!r} is not a page name: slugs cannot contain '/', '..' or NUL"
    if not ref.isascii():
        return f"{ref!r} is not a page name: slugs and publicCodes are plain ASCII"
    return f"no page {ref!r}"


def resolve_item(items: Sequence[Item], ref: str, page_title: str) -> Item:
    """Find one item by ``#position``, GUID, unique GUID prefix or exact text.

    ``items`` must be in display order, which is what ``#2`` counts in.
    """
    ref = ref.strip() if ref.strip().startswith("#") else ref
    if not ref:
        raise InputError("an item reference cannot be empty")
    if re.fullmatch(r"#\d+", ref):
        position = int(ref[1:])
        if 1 <= position <= len(items):
            return items[position - 1]
        raise NotFoundError(
            f"{page_title} has no item {ref}",
            hint=f"positions run from #1 to #{len(items)}" if items else "the page has no items",
        )
    lowered = ref.lower()
    if _GUID.fullmatch(ref):
        for item in items:
            if item.id == lowered:
                return item
    by_prefix: list[Item] = []
    if _HEX_PREFIX.fullmatch(ref) and len(ref) >= MIN_PREFIX:
        by_prefix = [item for item in items if isinstance(item.id, str) and item.id.startswith(lowered)]
    by_text = [item for item in items if item.text == ref]
    matches = list({id(item): item for item in by_prefix + by_text}.values())
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise NotFoundError(
            f"{page_title} has no item {ref!r}",
            hint="name an item by #position, id, id prefix or exact text; `sspage page show` lists them",
        )
    listing = ", ".join(
        f"#{items.index(item) + 1} {str(item.id)[:8]} {item.text!r}" for item in matches[:5]
    )
    raise AmbiguousError(
        f"{ref!r} matches {len(matches)} items of {page_title}: {listing}",
        hint="use the #position or a longer id prefix",
    )
