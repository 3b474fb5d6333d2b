"""The edit cycle behind every change to a page.

``mutate`` takes the site lock, reads the page file, runs a change function
against the file's data, validates the new text and writes it atomically.
The change first runs in place (:mod:`sspage.spans`: existing values are
replaced in the file's text, nothing else moves). If it needs a structural
edit (a new key or item, a deletion), it runs again on a ruamel.yaml
round-trip load. Either way the new text is parsed and validated by the same
reader that ``check`` and ``build`` use before it replaces the old file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import document as doc
from .atomic import atomic_write
from .errors import ContentError, NotFoundError
from .model import Item, Page
from .refs import resolve_item
from .spans import NeedsRoundTrip
from .yamlio import YamlProblem, edit_document

if TYPE_CHECKING:
    from .store import Site

Change = Callable[["PageEdit"], None]


class PageEdit:
    """One page open for change. ``data`` offers the mapping operations both editors share."""

    def __init__(self, path: Path, data: Any, page: Page, now: dt.datetime,
                 finish: Callable[[], str]) -> None:
        self.path, self.data, self.page, self.now = path, data, page, now
        self.finish = finish  # -> the new file text
        self.summary = f"{page.title}: edit"
        self.changed = True
        self.filled = False
        self.item_id: str | None = None
        self.result_page: Page = page

    def find(self, ref: str) -> tuple[Item, Any, int]:
        """The item ``ref`` names, its mapping in the file's data, and its index there."""
        target = resolve_item(self.page.sorted_items(), ref, self.page.title)
        for index, mapping in enumerate(doc.items_of(self.data)):
            if str(mapping.get("id", "")).lower() == target.id:
                return target, mapping, index
        raise NotFoundError(f"item {ref!r} vanished while editing")  # pragma: no cover

    @property
    def result_item(self) -> Item:
        for item in self.result_page.items:
            if item.id == self.item_id:
                return item
        raise NotFoundError(f"item {self.item_id} is not on the page")  # pragma: no cover


def mutate(site: Site, ref: str, change: Change, *, touch: bool = True) -> PageEdit:
    """Apply ``change`` to page ``ref`` and save it; ``touch`` moves the page's updatedUtc."""
    from .store import Change as ChangeRecord

    with site.lock:
        site._prepare_commit()
        path = site.find_page(ref)
        text, newline = site._read_for_edit(path)
        try:
            edit = _in_place(site, path, text, change)
        except NeedsRoundTrip:
            edit = _round_trip(site, path, text, change)
        if edit.changed and touch:
            edit.data["updatedUtc"] = doc.time_value(edit.now)
        if edit.changed or edit.filled:
            new_text = edit.finish()
            edit.result_page = site._validated_text(path, new_text)
            trailers = {"Sspage-Page": str(edit.result_page.public_code)}
            if edit.item_id:
                trailers["Sspage-Item"] = edit.item_id
            record = ChangeRecord(path, edit.summary, trailers)
            site._changing(record)
            atomic_write(path, new_text, newline)
            site._changed(record)
        return edit


def _in_place(site: Site, path: Path, text: str, change: Change) -> PageEdit:
    from .spans import SpanMap, Splices

    parsed = site._parse(path, text)
    page = site._validated(path, parsed, complete=False)
    splices = Splices(text)
    data = SpanMap(parsed.root, splices)
    edit = PageEdit(path, data, page, site.now(), splices.apply)
    edit.filled = doc.fill_missing(data, edit.now)  # raises NeedsRoundTrip if anything is missing
    change(edit)
    return edit


def _round_trip(site: Site, path: Path, text: str, change: Change) -> PageEdit:
    try:
        document = edit_document(text)
    except YamlProblem as problem:
        raise ContentError([problem.problem(site.display(path))]) from None
    now = site.now()
    filled = doc.fill_missing(document.data, now)
    page = site._validated_text(path, document.dump()) if filled else \
        site._validated(path, site._parse(path, text))
    edit = PageEdit(path, document.data, page, now, document.dump)
    edit.filled = filled
    change(edit)
    return edit
