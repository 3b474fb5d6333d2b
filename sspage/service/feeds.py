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

The Atom and RSS documents are the theme's templates ``feed.atom.xml`` and
``feed.rss.xml``, rendered like every page: a site's theme can override them,
and a build after an incident's update, which renders the page's feeds again,
does not import a feed library (feedgen pulled in lxml and dateutil: about a
tenth of that build's time budget). Autoescape makes every text XML text;
content validation refuses the control characters XML cannot hold. The
calendar is written with ``icalendar``. Nothing reads the clock: every time
comes from the content, and a feed with no entries says it was updated at the
Unix epoch, so two builds of the same content give the same bytes. Only what
the build publishes is given here: private and audience-only content never
reaches a feed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import msgspec
from markupsafe import Markup, escape

FEED_ENTRIES = 25
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
ATOM_TEMPLATE = "feed.atom.xml"
RSS_TEMPLATE = "feed.rss.xml"
# RFC 822's English names, whatever the locale (strftime's %a and %b follow LC_TIME).
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
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
    author: str  # Atom requires a feed's author unless every entry names one: the service


class Render(Protocol):
    """Renders a theme template with this context (:meth:`sspage.render.Renderer.render`)."""

    def __call__(self, template: str, /, **context: Any) -> bytes: ...


def history_paths(prefix: str) -> list[str]:
    return [f"{prefix}history.atom", f"{prefix}history.rss"]


def component_prefix(slug: str, key: str) -> str:
    return f"status/{slug}/components/{key}/"


def status_word(status: str) -> str:
    return STATUS_WORDS.get(status, status.replace("_", " ").replace("-", " ").capitalize())


def render_history(render: Render, feed: Feed, entries: Sequence[Entry]) -> tuple[bytes, bytes]:
    """The Atom and RSS documents of ``entries`` (newest first, at most FEED_ENTRIES)."""
    # The entries' HTML is text in both feeds: as a plain str autoescape escapes it
    # (Markup would go through as markup, and break the XML).
    shown = [entry if type(entry.html) is str else msgspec.structs.replace(entry, html=str(entry.html))
             for entry in entries]
    context = {"feed": feed, "entries": shown, "updated": max((e.updated for e in entries), default=EPOCH),
               "rfc3339": rfc3339, "rfc822": rfc822}
    return render(ATOM_TEMPLATE, **context), render(RSS_TEMPLATE, **context)


def rfc3339(moment: dt.datetime) -> str:
    """Atom's times: ``2026-06-14T18:10:00+00:00``."""
    return _utc(moment).isoformat()


def rfc822(moment: dt.datetime) -> str:
    """RSS's times: ``Sun, 14 Jun 2026 16:30:00 +0000``, as ``email.utils.format_datetime``
    writes them (importing ``email.utils`` costs about 7 ms of a build: it loads ``socket``)."""
    utc = _utc(moment)
    return (f"{DAYS[utc.weekday()]}, {utc.day:02d} {MONTHS[utc.month - 1]} {utc.year:04d} "
            f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d} +0000")


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:  # astimezone would take it as the machine's local time
        raise ValueError(f"a feed's time has no time zone: {moment.isoformat()}")
    return moment.astimezone(dt.timezone.utc)


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
