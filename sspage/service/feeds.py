"""Feeds of a service page: Atom and RSS of its history, an iCalendar of its maintenance.

* ``history.atom`` and ``history.rss`` (Statuspage's names): the most recent
  incidents and posted updates of the page, newest change first, each incident
  with all its updates;
* ``components/<key>/history.atom`` and ``.rss``: the most recent incidents
  that name one component, from the manifest's records (title, status, impact
  and times), so a build never reads an incident file for them;
* ``maintenance.ics``: the windows the Statuspage documents list (the 50 most
  recent, the upcoming and the active ones). An event's UID is the window's id
  at the page's id, so a calendar that subscribed updates the event in place;
  its SEQUENCE is the number of updates the window has had.

Written with ``feedgen`` and ``icalendar``. Nothing reads the clock: every
time comes from the content, and a feed with no entries says it was updated
at the Unix epoch, so two builds of the same content give the same bytes.
Only what the build publishes is given here: private and audience-only
content never reaches a feed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
from markupsafe import Markup, escape

FEED_ENTRIES = 25
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
STATUS_WORDS = {"investigating": "Investigating", "identified": "Identified",
                "monitoring": "Monitoring", "resolved": "Resolved", "scheduled": "Scheduled",
                "in_progress": "In progress", "verifying": "Verifying", "completed": "Completed"}


class Entry(msgspec.Struct, frozen=True):
    """One item of a feed. ``id`` is a permanent URL (or a tag of the page's URL)."""

    id: str
    title: str
    link: str
    published: dt.datetime
    updated: dt.datetime
    html: str  # sanitised HTML: the content of the entry


class Feed(msgspec.Struct, frozen=True):
    title: str
    page_url: str  # the status page the feed is about
    self_url: str  # where the feed is, without its extension
    description: str
    language: str


def history_paths(prefix: str) -> list[str]:
    return [f"{prefix}history.atom", f"{prefix}history.rss"]


def component_prefix(slug: str, key: str) -> str:
    return f"status/{slug}/components/{key}/"


def status_word(status: str) -> str:
    return STATUS_WORDS.get(status, status.replace("_", " ").replace("-", " ").capitalize())


def render_history(feed: Feed, entries: Sequence[Entry]) -> tuple[bytes, bytes]:
    """The Atom and RSS documents of ``entries`` (newest first, at most FEED_ENTRIES)."""
    from feedgen.feed import FeedGenerator

    generator = FeedGenerator()
    # Its own address: the page's feed and each component's are different feeds (Atom's id).
    generator.id(feed.self_url)
    generator.title(feed.title)
    generator.subtitle(feed.description)  # RSS's required <description>
    generator.language(feed.language)
    generator.generator("sspage")
    updated = max((e.updated for e in entries), default=EPOCH)
    generator.updated(updated)
    generator.lastBuildDate(updated)
    for entry in entries:
        item = generator.add_entry(order="append")
        item.id(entry.id)
        item.guid(entry.id, permalink=entry.id == entry.link)
        item.title(entry.title)
        item.link(href=entry.link, rel="alternate")
        item.published(entry.published)
        item.updated(entry.updated)
        item.description(entry.html)  # before content(), which it would overwrite in Atom
        item.content(entry.html, type="html")
    # feedgen gives RSS's <link> the last link set: the page's, after the feed's own.
    for extension, kind in (("atom", "application/atom+xml"), ("rss", "application/rss+xml")):
        generator.link([{"href": f"{feed.self_url}.{extension}", "rel": "self", "type": kind},
                        {"href": feed.page_url, "rel": "alternate", "type": "text/html"}],
                       replace=True)
        if extension == "atom":
            atom: bytes = generator.atom_str(pretty=True)
    rss: bytes = generator.rss_str(pretty=True)
    return atom, rss


def incident_html(updates: Sequence[tuple[dt.datetime, str, Any]],
                  local_time: Callable[[dt.datetime], str]) -> str:
    """An incident's updates, newest first, as Statuspage's feeds show them:
    the time, the status in bold, then the message (already sanitised HTML)."""
    parts = [Markup("<p><small>{}</small><br><strong>{}</strong></p>\n{}").format(
        local_time(moment), status_word(status), message if message is not None else "")
        for moment, status, message in updates]
    return str(Markup("\n").join(parts))


def record_html(status: str, impact: str, start: dt.datetime, end: dt.datetime | None,
                local_time: Callable[[dt.datetime], str]) -> str:
    """A component feed's entry, from an incident's record."""
    text = f"{status_word(status)} · impact: {impact} · started {local_time(start)}"
    if end is not None:
        text += f" · ended {local_time(end)}"
    return str(Markup("<p>{}</p>").format(escape(text)))


class Event(msgspec.Struct, frozen=True):
    uid: str
    title: str
    start: dt.datetime
    end: dt.datetime
    created: dt.datetime
    updated: dt.datetime
    sequence: int
    phase: str
    url: str
    description: str


def render_calendar(name: str, page_url: str, timezone: str, events: Sequence[Event]) -> bytes:
    """``maintenance.ics``: one VEVENT per window, in UTC; the calendar is named after the page."""
    from icalendar import Calendar
    from icalendar import Event as VEvent

    calendar = Calendar()
    calendar.add("prodid", "-//sspage//maintenance//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", timezone)
    calendar.add("url", page_url)
    for event in sorted(events, key=lambda e: (e.start, e.uid)):
        item = VEvent()
        item.add("uid", event.uid)
        item.add("dtstamp", event.updated)
        item.add("created", event.created)
        item.add("last-modified", event.updated)
        item.add("sequence", event.sequence)
        item.add("dtstart", event.start)
        item.add("dtend", event.end)
        item.add("summary", event.title)
        item.add("description", event.description)
        item.add("url", event.url)
        item.add("status", "CONFIRMED")
        item.add("transp", "TRANSPARENT")
        item.add("categories", ["Maintenance"])
        calendar.add_component(item)
    data: bytes = calendar.to_ical()
    return data
