"""What each output file holds: the template context of every page, and the host files.

Nothing here reads the clock: the bytes depend only on the content, the
theme, the config and the build time given (which decides only whether a
page has expired, and is never printed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import posixpath
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import msgspec

from .manifest import Listing, PageRecord
from .model import Item, Page, SiteConfig, State, format_utc
from .shapes import page_json
from .theme import Theme

if TYPE_CHECKING:
    from .timeline import Event

# connect-src 'self' opens nothing (no page runs a script) but lets audit tools such as
# Lighthouse fetch robots.txt from inside the page.
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
# A service page's embed.html (sspage/service/embed.py): any site may frame it.
EMBED_CSP = CSP.replace("frame-ancestors 'none'", "frame-ancestors *")
MIRROR_DIR = "v1/status-pages"


# -- the template context (docs/themes.md describes each field) ---------------------------
# Objects, not dicts: in Jinja ``page.items`` on a dict would be the dict's method.
# msgspec Structs rather than dataclasses: defining a dataclass costs about 1 ms of
# start-up each, which every small build would pay.


class SiteView(msgspec.Struct, frozen=True, kw_only=True):
    title: str
    base_url: str
    language: str
    timezone: str


class ThemeView(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    variables: dict[str, Any]


class ItemView(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    text: str
    sort_order: int
    state: int  # 0, 1, 2
    state_key: str  # "pending", "active", "complete": for classes and t.state[...]
    created_utc: dt.datetime
    updated_utc: dt.datetime


class Progress(msgspec.Struct, frozen=True, kw_only=True):
    total: int
    done: int
    active: int
    pending: int
    percent: int  # rounded down, so 100 means every item is complete
    overall: str  # "empty" (no items), "pending", "active" or "complete"


class TimelineEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One state change of the page's timeline."""

    time: dt.datetime
    item_id: str  # the item's id, or "" while it has none
    text: str  # the item's text now
    before: str | None  # "pending", "active", "complete"; None when the item was added
    after: str


class HistoryView(msgspec.Struct, frozen=True, kw_only=True):
    events: list[TimelineEntry]  # newest first; the changes of one commit in the page's order
    partial: bool  # earlier changes are missing (a shallow clone, or no git at build time)


class PageView(msgspec.Struct, frozen=True, kw_only=True):
    public_code: str
    title: str
    latest_update: str | None  # the Markdown source
    latest_update_html: Any  # sanitised HTML (Markup), or None
    created_utc: dt.datetime
    updated_utc: dt.datetime
    expires_utc: dt.datetime | None
    listed: bool
    public_url: str
    json_url: str  # relative to the page
    items: list[ItemView]
    history: HistoryView | None = None  # None unless the page shows a timeline


class ExpiredView(msgspec.Struct, frozen=True, kw_only=True):
    """All that expired.html is given: an expired page's content is not published."""

    public_code: str
    public_url: str
    expires_utc: dt.datetime | None


class IndexEntry(msgspec.Struct, frozen=True, kw_only=True):
    title: str
    url: str
    public_code: str
    updated_utc: str
    done: int
    total: int
    overall: str


def page_html_path(code: str) -> str:
    return f"s/{code}/index.html"


def mirror_paths(code: str) -> list[str]:
    return [f"{MIRROR_DIR}/{code}", f"{MIRROR_DIR}/{code}.json"]


def progress_of(page: Page) -> Progress:
    states = [State.parse(item.state) for item in page.items]
    total, done = len(states), states.count(State.COMPLETE)
    active = states.count(State.ACTIVE)
    if not total:
        overall = "empty"
    elif done == total:
        overall = "complete"
    elif active or done:
        overall = "active"
    else:
        overall = "pending"
    percent = done * 100 // total if total else 0
    return Progress(total=total, done=done, active=active, pending=total - done - active,
                    percent=percent, overall=overall)


class Renderer:
    """Turns pages into output bytes with one theme. Built once, then forked to workers."""

    def __init__(self, config: SiteConfig, theme: Theme, *, cache: Path | None = None) -> None:
        from markupsafe import Markup

        self.config = config
        self.theme = theme
        self.env = theme.environment(cache)
        self.strings = theme.translations(config.language)
        self.base_path = urlsplit(config.base_url).path.rstrip("/")
        self.static = _fingerprinted(theme)  # name under static/ -> (output path, bytes)
        self.markup = Markup
        self._zone = _zone(config.timezone)
        self._site_view = SiteView(title=config.title, base_url=config.base_url,
                                   language=config.language, timezone=config.timezone)
        self._theme_view = ThemeView(name=theme.name, variables=theme.variables)
        self._commons: dict[str | None, dict[str, Any]] = {}
        # What workers render is compiled before they fork; the site's own pages (index,
        # 404) on first use, which an incremental build often never needs.
        self.templates = {name: self._load(name) for name in ("page.html", "expired.html")}
        for module in ("cmarkgfm", "nh3"):  # imported before workers fork, not once in each
            importlib.import_module(module)

    def _load(self, name: str) -> Any:
        try:
            return self.env.get_template(name)
        except Exception as error:
            raise self.theme.template_error(error) from None

    # -- pages --------------------------------------------------------------------------

    def page_outputs(self, page: Page, *, expired: bool, public_url: str,
                     history: tuple[list[Event], bool] | None = None) -> list[tuple[str, bytes]]:
        """The files of one page: its HTML and, unless it has expired, its JSON mirror.

        ``history`` is the page's timeline (:mod:`sspage.timeline`): its events and
        whether earlier ones are missing; None shows none.
        """
        code = str(page.public_code)
        html_path = page_html_path(code)
        if expired:
            view = ExpiredView(public_code=code, public_url=public_url, expires_utc=page.expires_utc)
            html = self.render("expired.html", html_path, page=view)
            return [(html_path, html)]
        html = self.render("page.html", html_path, page=self.page_view(page, public_url, history),
                           progress=progress_of(page))
        mirror = page_json(page)
        return [(html_path, html)] + [(path, mirror) for path in mirror_paths(code)]

    def page_view(self, page: Page, public_url: str,
                  history: tuple[list[Event], bool] | None = None) -> PageView:
        from .markdown import render_markdown

        code = str(page.public_code)
        update = page.latest_update
        return PageView(
            public_code=code, title=page.title, latest_update=update,
            latest_update_html=self.markup(render_markdown(update)) if update else None,
            created_utc=page.created_utc, updated_utc=page.updated_utc,  # type: ignore[arg-type]
            expires_utc=page.expires_utc, listed=page.listed, public_url=public_url,
            json_url=_relative(f"{MIRROR_DIR}/{code}.json", f"s/{code}"),
            items=[_item_view(item) for item in page.sorted_items()],
            history=None if history is None else history_view(page, *history),
        )

    def listing(self, page: Page) -> Listing:
        progress = progress_of(page)
        return Listing(title=page.title, updated_utc=format_utc(page.updated_utc),  # type: ignore[arg-type]
                       done=progress.done, total=progress.total, overall=progress.overall)

    # -- the whole site -----------------------------------------------------------------

    def site_outputs(self, records: Iterable[PageRecord],
                     services: Sequence[Any] = ()) -> list[tuple[str, bytes]]:
        """index.html, 404.html, sitemap.xml, robots.txt, _headers, .nojekyll and the assets.

        ``services`` are the listings (``ServiceListing``) of listed service pages.
        """
        records = list(records)
        listed = sorted(
            ((r, r.listing) for r in records if r.listing is not None and not r.expired),
            key=lambda pair: (pair[1].title.casefold(), pair[0].public_code),
        )
        entries = [IndexEntry(title=listing.title, url=f"s/{record.public_code}/",
                              public_code=record.public_code, updated_utc=listing.updated_utc,
                              done=listing.done, total=listing.total, overall=listing.overall)
                   for record, listing in listed]
        files = [(path, data) for path, data in self.static.values()]
        files += [
            ("index.html", self.render("index.html", "index.html", pages=entries,
                                       services=list(services))),
            ("404.html", self.render("404.html", None)),
            ("sitemap.xml", self._sitemap(entries, services)),
            ("robots.txt", self._robots()),
            ("_headers", self._headers(records)),
            (".nojekyll", b""),
        ]
        return files

    def _sitemap(self, entries: list[IndexEntry], services: Sequence[Any] = ()) -> bytes:
        # Here, not at the top: most builds render no sitemap. (xml.sax.saxutils would import
        # urllib.request: 30 ms.)
        from html import escape as xml_escape

        base = xml_escape(self.config.base_url)
        lines = ['<?xml version="1.0" encoding="UTF-8"?>',
                 '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
        if entries or services:
            lines.append(f"<url><loc>{base}/</loc></url>")
        for service in services:
            lines.append(f"<url><loc>{base}/{xml_escape(service.url)}</loc></url>")
        for entry in entries:
            lines.append(f"<url><loc>{base}/s/{entry.public_code}</loc>"
                         f"<lastmod>{entry.updated_utc}</lastmod></url>")
        lines.append("</urlset>")
        return ("\n".join(lines) + "\n").encode()

    def _robots(self) -> bytes:
        # Unlisted pages are not disallowed here: a crawler that may not fetch a page
        # never sees its noindex, and could still index the bare address.
        return (f"User-agent: *\nDisallow: {self.base_path}/{MIRROR_DIR}/\n\n"
                f"Sitemap: {self.config.base_url}/sitemap.xml\n").encode()

    def _headers(self, records: list[PageRecord]) -> bytes:
        """Netlify and Cloudflare Pages headers. Paths are from the host's root."""
        lines = [
            "/*",
            f"  Content-Security-Policy: {CSP}",
            "  X-Content-Type-Options: nosniff",
            "  Referrer-Policy: no-referrer",
            "/assets/*",
            "  Cache-Control: public, max-age=31536000, immutable",
            f"/{MIRROR_DIR}/*",
            "  Content-Type: application/json; charset=utf-8",
            "  Access-Control-Allow-Origin: *",
            "  X-Robots-Tag: noindex",
        ]
        # Service pages' feeds, calendar and Statuspage JSON (sspage/service/published.py): hosts
        # do not all know .atom, .rss and .ics; the JSON is read from other sites, as Statuspage's is.
        base = self.base_path
        for prefix in (f"{base}/status/*/", f"{base}/"):
            lines += [f"{prefix}api/v2/*", "  Content-Type: application/json; charset=utf-8",
                      "  Access-Control-Allow-Origin: *"]
        for pattern, kind in (("history.atom", "application/atom+xml"),
                              ("history.rss", "application/rss+xml"),
                              ("maintenance.ics", "text/calendar")):
            for prefix in (f"{base}/status/*/", f"{base}/status/*/components/*/", f"{base}/"):
                if prefix.endswith("components/*/") and pattern == "maintenance.ics":
                    continue
                lines += [f"{prefix}{pattern}", f"  Content-Type: {kind}; charset=utf-8"]
        # A service's embed.html is the only page other sites may frame (sspage/service/embed.py).
        # Netlify applies the last matching rule's header, and this rule comes after /*.
        lines += [f"{base}/status/:slug/embed.html", f"  Content-Security-Policy: {EMBED_CSP}"]
        # Never a rule per page: this file is public on hosts that do not read it (GitHub
        # Pages, S3), so it must not name unlisted pages, and Cloudflare reads only 100
        # rules. When no page is listed one wildcard covers them all; otherwise unlisted
        # pages rely on their <meta name="robots" content="noindex">.
        if not any(record.listed and not record.expired for record in records):
            lines += ["/s/*", "  X-Robots-Tag: noindex"]
        return ("\n".join(lines) + "\n").encode()

    # -- templates ----------------------------------------------------------------------

    def render(self, name: str, output: str | None, **context: Any) -> bytes:
        """Render a template for the file at ``output`` (None: any address, as for 404.html)."""
        template = self.templates.get(name)
        if template is None:
            template = self.templates[name] = self._load(name)
        try:
            # The context may replace a common helper (a service page's own local_time).
            text: str = template.render({**self._common(output), **context})
        except Exception as error:
            raise self.theme.template_error(error) from None
        return text.encode()

    def _common(self, output: str | None) -> dict[str, Any]:
        """The helpers every template gets. They depend only on the output's folder, so they
        are made once per folder: thousands of incident pages share one."""
        folder = None if output is None else posixpath.dirname(output)
        found = self._commons.get(folder)
        if found is None:
            if len(self._commons) > 64:  # a page build has a folder per page: do not hoard
                self._commons.clear()
            found = self._commons[folder] = self._make_common(output)
        return found

    def _make_common(self, output: str | None) -> dict[str, Any]:
        assets: dict[str, str] = {}

        def url(path: str) -> str:
            """``path`` (from the site root) as a link from this output file."""
            if output is None:
                return f"{self.base_path}/{path}"
            relative = _relative(path, posixpath.dirname(output))
            return relative + "/" if path.endswith("/") and not relative.endswith("/") else relative

        def asset(name: str) -> str:
            found = assets.get(name)
            if found is None:
                if name not in self.static:
                    raise KeyError(f"no static file {name!r} in the theme")
                found = assets[name] = url(self.static[name][0])
            return found

        return {
            "site": self._site_view,
            "theme": self._theme_view,
            "t": self.strings,
            "lang": self.config.language,
            "url": url,
            "asset": asset,
            "local_time": self.local_time,
            "iso_utc": format_utc,
        }

    def local_time(self, moment: dt.datetime) -> str:
        """``8 June 2026, 15:30 BST``: the site's time zone, in the site's language."""
        local = moment.astimezone(self._zone)
        return str(self.strings["datetime"]).format(
            day=local.day, month=self.strings["months"][local.month - 1], year=local.year,
            time=local.strftime("%H:%M"), zone=local.tzname() or "")


def _relative(path: str, folder: str) -> str:
    """``path`` as a link from ``folder``, both relative to the site root.

    posixpath.relpath would do, but it asks the OS for the current folder on every
    call, and every page makes several links.
    """
    target, here = path.split("/"), [part for part in folder.split("/") if part]
    common = 0
    while common < min(len(target) - 1, len(here)) and target[common] == here[common]:
        common += 1
    return "/".join([".."] * (len(here) - common) + target[common:]) or "."


def history_view(page: Page, events: list[Event], partial: bool) -> HistoryView:
    """The timeline as the template shows it: newest first, each item by its text now.

    Events of items no longer on the page are left out, so deleting an item (say, one
    whose text was a mistake) takes it off the public timeline too.
    """
    by_id = {item.id: item for item in page.items if isinstance(item.id, str)}
    by_text: dict[str, Item] = {}
    for item in page.items:
        by_text.setdefault(item.text, item)
    entries = []
    # Stable sort: the changes of one commit keep the order the commit's file gave them.
    for event in sorted(events, key=lambda e: (e.time, e.seq), reverse=True):
        key = event.key
        shown = by_text.get(key[5:]) if key.startswith("text:") else by_id.get(key)
        if shown is None:
            continue
        entries.append(TimelineEntry(
            time=dt.datetime.fromtimestamp(event.time, dt.timezone.utc),
            item_id=shown.id if isinstance(shown.id, str) else "", text=shown.text,
            before=None if event.before is None else State(event.before).name.lower(),
            after=State(event.after).name.lower()))
    return HistoryView(events=entries, partial=partial)


def _item_view(item: Any) -> ItemView:
    state = State.parse(item.state)
    return ItemView(id=item.id, text=item.text, sort_order=item.sort_order, state=int(state),
                    state_key=state.name.lower(), created_utc=item.created_utc,
                    updated_utc=item.updated_utc)


def _fingerprinted(theme: Theme) -> dict[str, tuple[str, bytes]]:
    """``style.css`` -> (``assets/style.3f2a9c01bd.css``, bytes) for every static file."""
    found = {}
    for name, path in theme.static_files().items():
        data = path.read_bytes()
        if name.endswith(".css"):
            data = minify_css(data)
        stem, dot, suffix = name.rpartition(".")
        digest = hashlib.sha256(data).hexdigest()[:10]
        fingerprinted = f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"
        found[name] = (f"assets/{fingerprinted}", data)
    return found


def minify_css(data: bytes) -> bytes:
    """A stylesheet without comments and layout whitespace (rcssmin): the theme's source
    stays readable, and a page with its stylesheets stays under its weight budget."""
    import rcssmin

    minified: str = rcssmin.cssmin(data.decode("utf-8"))
    return (minified + "\n").encode()


def _zone(name: str) -> dt.tzinfo:
    import zoneinfo

    return zoneinfo.ZoneInfo(name)

