"""Finding pages by publicCode, and the GET body of each, cached until its file changes.

Page files are named by slug, and a publicCode lives inside the file, so the
API keeps an index from code to file name. It is built by one pass over the
folder at start-up (a regular expression on each file's bytes, a full parse
only for files it cannot read that way) and kept current cheaply:

* every lookup stats the file it finds, so a changed file (an API write, a
  command-line edit, a hand edit) is read again before it is served;
* a code that is not in the index makes the folder be scanned again, but only
  if the folder changed or a while has passed, and never more often than
  ``MIN_RESCAN``, so a flood of unknown codes costs almost nothing.

A cached entry holds the bytes of the GET body (built by
:func:`sspage.shapes.page_json`, the static mirror's function), its ETag, and
what the write endpoints check first (the token hash, the expiry).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ..errors import ContentError

if TYPE_CHECKING:
    from ..model import Page
    from ..store import Site

MIN_RESCAN = 0.1  # seconds between two scans of the folder for unknown codes
STALE_AFTER = 2.0  # scan for an unknown code even if the folder looks unchanged
_CODE_LINE = re.compile(rb"^publicCode:[ \t]*[\"']?([0-9A-Za-z]{12,64})[\"']?[ \t]*(?:#[^\n]*)?\r?$", re.M)

StatKey = tuple[int, int, int]


class Entry(NamedTuple):
    """One page as the API serves it."""

    slug: str
    key: StatKey  # the file's (mtime_ns, size, inode) when it was read
    body: bytes
    etag: str
    token_hash: str | None
    expires_utc: dt.datetime | None
    item_ids: frozenset[str]


class PageCache:
    """publicCode -> page file, and the cached GET body of each page."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.folder = site.pages_dir
        self.prefix = f"{self.folder}{os.sep}"
        self.by_code: dict[str, str] = {}  # publicCode -> slug
        self.files: dict[str, tuple[StatKey, str | None]] = {}  # slug -> (stat, publicCode)
        self.entries: dict[str, Entry] = {}  # publicCode -> entry
        self.lock = threading.Lock()
        self.scanned_at = 0.0
        self.folder_mtime = -1

    # -- the index -----------------------------------------------------------------------

    def scan(self) -> None:
        """Bring the index up to date with the folder, reading only files whose stat changed."""
        with self.lock:
            try:
                folder_mtime = os.stat(self.folder).st_mtime_ns
                listing = list(os.scandir(self.folder))
            except FileNotFoundError:
                folder_mtime, listing = -1, []
            seen: set[str] = set()
            for entry in listing:
                name = entry.name
                if not name.endswith(".yaml") or name.startswith("."):
                    continue
                slug = name[:-5]
                try:
                    stat = entry.stat()
                except FileNotFoundError:
                    continue
                seen.add(slug)
                key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
                known = self.files.get(slug)
                if known is not None and known[0] == key:
                    continue
                self._forget_slug(slug)
                code = self._code_of(Path(entry.path))
                self.files[slug] = (key, code)
                if code is not None:
                    self.by_code.setdefault(code, slug)
            for slug in set(self.files) - seen:
                self._forget_slug(slug)
            self.folder_mtime = folder_mtime
            self.scanned_at = time.monotonic()

    def _forget_slug(self, slug: str) -> None:
        known = self.files.pop(slug, None)
        if known is not None and known[1] is not None and self.by_code.get(known[1]) == slug:
            del self.by_code[known[1]]
            self.entries.pop(known[1], None)

    def _code_of(self, path: Path) -> str | None:
        try:
            data = path.read_bytes()
        except OSError:
            return None
        found = _CODE_LINE.search(data)
        if found:
            return found.group(1).decode()
        try:  # written some other way (flow style, an odd quote): read it properly
            code = self.site.read_page(path, complete=False).public_code
        except ContentError:
            return None
        return code if isinstance(code, str) else None

    def _maybe_rescan(self) -> bool:
        """Scan again for a code not in the index, if that could find it. True if scanned."""
        now = time.monotonic()
        if now - self.scanned_at < MIN_RESCAN:
            return False
        try:
            folder_mtime = os.stat(self.folder).st_mtime_ns
        except FileNotFoundError:
            folder_mtime = -1
        if folder_mtime == self.folder_mtime and now - self.scanned_at < STALE_AFTER:
            return False
        self.scan()
        return True

    def path_for(self, code: str) -> Path | None:
        """The file of the page with this publicCode, or None."""
        slug = self.by_code.get(code)
        if slug is None and self._maybe_rescan():
            slug = self.by_code.get(code)
        return None if slug is None else self.folder / f"{slug}.yaml"

    def learn(self, page: Page) -> None:
        """Note a page the API itself just created, so the next lookup finds it at once."""
        with self.lock:
            self.by_code[str(page.public_code)] = page.slug
            self.files.pop(page.slug, None)  # its stat is taken on the next scan

    # -- cached pages --------------------------------------------------------------------

    def get(self, code: str) -> Entry | None:
        """The page with this publicCode as the API serves it, or None if there is none.

        Raises :class:`ContentError` if its file is broken.
        """
        slug = self.by_code.get(code)
        if slug is None:
            path = self.path_for(code)
            if path is None:
                return None
            slug = path.stem
        try:
            stat = os.stat(f"{self.prefix}{slug}.yaml")
        except FileNotFoundError:
            self._gone(code)
            return self.get(code) if self._maybe_rescan() else None
        key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        entry = self.entries.get(code)
        if entry is not None and entry.key == key:
            return entry
        # Stat first, then read: a change after the stat is seen on the next request.
        page = self.site.read_page(self.folder / f"{slug}.yaml")
        if page.public_code != code:  # its publicCode was edited by hand
            with self.lock:
                if self.by_code.get(code) == page.slug:
                    del self.by_code[code]
                self.entries.pop(code, None)
                self.files.pop(page.slug, None)
                self.by_code.setdefault(str(page.public_code), page.slug)
            return None
        entry = make_entry(page, key)
        self.entries[code] = entry
        return entry

    def _gone(self, code: str) -> None:
        with self.lock:
            slug = self.by_code.pop(code, None)
            self.entries.pop(code, None)
            if slug is not None:
                self.files.pop(slug, None)


def make_entry(page: Page, key: StatKey) -> Entry:
    from ..shapes import page_json

    body = page_json(page)
    etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    return Entry(page.slug, key, body, etag, page.api_token_hash, page.expires_utc,
                 frozenset(str(item.id) for item in page.items))
