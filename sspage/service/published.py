"""The machine-readable outputs of a service page, besides its HTML: what they hold, which
files they need, and when they are rendered again.

Under ``status/<slug>/`` (and at the site root for site.yaml's ``default_service``):

* ``api/v2/*.json``: Statuspage's public API (:mod:`sspage.service.statuspage`);
* ``history.atom``, ``history.rss``, ``maintenance.ics`` (:mod:`sspage.service.feeds`);
* ``components/<key>/history.atom`` and ``.rss``, one pair per visible component.

The page-level documents are rendered whenever the main page is: they depend
on the state, the open incidents and the clock like it does. They read at most
the 50 most recent incidents, the 25 most recently changed incidents and posts,
and the windows the documents list, chosen from the manifest's records with
``heapq`` (linear in the number of records). A component's feed is rendered
again only when an incident that names it (before or after the change) was
touched, from records alone. Everything here is given only what the build
publishes: hidden records are filtered out before anything is read.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Collection, Mapping
from typing import Any

import msgspec

from . import feeds, statuspage
from .compute import ServiceState, component_times, set_times, window_named
from .layout import service_path
from .model import Incident, Maintenance, PostedUpdate, Service
from .reader import object_id
from .shapes import Context


class Inputs(msgspec.Struct):
    """What the build knows of one service when it renders its main page."""

    service: Service
    state: ServiceState
    records: Mapping[str, Mapping[str, Any]]  # by kind, then by stem: this build's records
    open_incidents: list[Incident]  # read already, for the main page
    times: dict[str, tuple[str, str]]  # component_times of the published incidents
    read: Callable[[str, str], Any]  # (kind, stem) -> the file's model object
    markdown: Callable[[str | None], Any]  # sanitised HTML of a Markdown text
    local_time: Callable[[dt.datetime], str]
    render: feeds.Render  # a theme template, for the feeds
    base_url: str
    timezone: str
    language: str
    now: dt.datetime
    updated: dt.datetime | None
    root: bool  # also publish at the site root (site.yaml default_service)


def page_paths(slug: str, root: bool) -> list[str]:
    """The page-level outputs: under the page's path, then at the root if it is the default."""
    prefixes = [service_path(slug)] + ([""] if root else [])
    return [path for prefix in prefixes for path in [
        *statuspage.api_paths(prefix), *feeds.history_paths(prefix), f"{prefix}maintenance.ics"]]


def component_paths(slug: str, keys: Collection[str]) -> list[str]:
    return [path for key in keys for path in feeds.history_paths(feeds.component_prefix(slug, key))]


def render(inputs: Inputs, *, touched: Collection[str], old_incidents: Mapping[str, Any],
           full: bool, others: bool) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The files to stage, and every path these outputs now occupy (for stale outputs).

    ``touched``: stems of incidents changed or removed in this build; ``old_incidents``:
    the previous build's incident records, by stem. ``full``: render everything (the whole
    service is rendered); ``others``: a window, a post or the clock changed, so the
    page-level documents are rendered; otherwise only what ``touched`` reaches is.
    """
    service, slug = inputs.service, inputs.service.slug
    context = Context(service, inputs.base_url, inputs.timezone)
    files: dict[str, bytes] = {}
    incidents = {k: r for k, r in inputs.records["incident"].items() if r.shown}
    versions = [r for stem in touched for r in (old_incidents.get(stem), incidents.get(stem))
                if r is not None and r.shown]
    recent = _top([(r.start, r.id, stem) for stem, r in incidents.items()], statuspage.RECENT)
    changed = _top([(r.updated, r.id, stem) for stem, r in incidents.items()], feeds.FEED_ENTRIES)
    keys = [c.key for c in inputs.state.components]
    named = set(keys) if full else {key for r in versions for key in r.components}
    by_component: dict[str, list[tuple[str, str, str]]] = {key: [] for key in named}
    first: dict[str, str] = {}  # the earliest start of an incident naming each key of named
    if named:
        for stem, record in incidents.items():
            for key in record.components:
                found = by_component.get(key)
                if found is not None:
                    found.append((record.updated, record.id, stem))
                    if record.start < first.get(key, "~"):
                        first[key] = record.start
    # An incident edited among 10,000 changes these documents only if it is open, or among
    # the most recent (before or after the edit): then its start or last change reaches the
    # lowest one listed. Otherwise their bytes would not change, so they are not rendered.
    # Nor if it is, or was, the first or latest incident of a component it names: those
    # are the component's created_at and updated_at.
    if full or others or any(r.end is None for r in versions) or _reaches(
            recent, statuspage.RECENT, [(r.start, r.id) for r in versions]) or _reaches(
            changed, feeds.FEED_ENTRIES, [(r.updated, r.id) for r in versions]) or _moves_times(
            [(old_incidents.get(stem), incidents.get(stem)) for stem in touched], by_component, first):
        files.update(_page_files(inputs, context, incidents, {s for _, _, s in recent}, changed,
                                 calendar=full or others))
    # -- one feed per component, from records
    for component in inputs.state.components:
        if component.key not in named:
            continue
        # Stems break ties: two files with one id are an error reported elsewhere, not a crash.
        top = _top(by_component[component.key], feeds.FEED_ENTRIES)
        mine = [(r.updated, r.id) for r in versions if component.key in r.components]
        if not full and not _reaches(top, feeds.FEED_ENTRIES, mine):
            continue
        feed = feeds.Feed(title=f"{service.title}: {component.name}", page_url=context.url,
                          self_url=f"{inputs.base_url}/{feeds.component_prefix(slug, component.key)}history",
                          description=f"Incidents affecting {component.name}", language=inputs.language,
                          author=service.title)
        atom, rss = feeds.render_history(
            inputs.render, feed, [_record_entry(context, incidents[stem], inputs) for _, _, stem in top])
        prefix = feeds.component_prefix(slug, component.key)
        files[f"{prefix}history.atom"], files[f"{prefix}history.rss"] = atom, rss
    return list(files.items()), page_paths(slug, inputs.root) + component_paths(slug, keys)


def _top(keys: list[tuple[str, str, str]], limit: int) -> list[tuple[str, str, str]]:
    """The ``limit`` largest, largest first. A sort, not heapq.nlargest: its loop is Python's,
    and incidents come in nearly sorted, which timsort makes cheap (10,000 in about 2 ms)."""
    keys.sort(reverse=True)
    return keys[:limit]


def _moves_times(pairs: list[tuple[Any, Any]], by_component: Mapping[str, list[tuple[str, str, str]]],
                 first: Mapping[str, str]) -> bool:
    """Whether an edited incident (its records before and after) may have moved a
    component's created_at or updated_at: its start, last change or components changed,
    and it is, or was, the earliest (by start) or latest (by last change) incident of a
    component it names. Ties count."""
    for old, new in pairs:
        old = old if old is not None and old.shown else None
        if old is not None and new is not None and (old.start, old.updated, old.components) == (
                new.start, new.updated, new.components):
            continue  # a title or message edit: no time moved
        for record in (r for r in (old, new) if r is not None):
            for key in record.components:
                found = by_component.get(key)
                if found is not None and (not found or record.start <= first[key]
                                          or (record.updated, record.id) >= max(found)[:2]):
                    return True
    return False


def _reaches(top: list[tuple[str, str, str]], limit: int, keys: list[tuple[str, str]]) -> bool:
    """Whether an entry keyed (time, id) by one of ``keys`` is, or was, among ``top`` (the
    ``limit`` largest). Sound: an entry leaving the top lets in one below it, so the new
    lowest is never above the one that left; ties count as reaching."""
    if not keys:
        return False
    if len(top) < limit:
        return True
    floor = top[-1][:2]
    return any(key >= floor for key in keys)


def _page_files(inputs: Inputs, context: Context, incidents: Mapping[str, Any], wanted: set[str],
                changed: list[tuple[str, str, str]], *, calendar: bool) -> dict[str, bytes]:
    """The Statuspage documents, the page's feeds and (``calendar``) its calendar, under each
    prefix. The calendar lists windows only: an incident's edit leaves it as it is, and
    not loading the iCalendar library keeps that build fast."""
    service, slug = inputs.service, inputs.service.slug
    loaded: dict[str, Incident] = {i.stem: i for i in inputs.open_incidents}
    for stem in sorted(wanted | {stem for _, _, stem in changed}):
        if stem not in loaded:
            loaded[stem] = inputs.read("incident", stem)
    listed = [loaded[stem] for stem in sorted(wanted | {i.stem for i in inputs.open_incidents})]
    shown_windows = {k: r for k, r in inputs.records["maintenance"].items() if r.shown}
    named = [entry for r in shown_windows.values()
             if (entry := window_named(r.components, r.start, r.end, r.phase)) is not None]
    set_times(inputs.state, component_times(named, dict(inputs.times)))
    windows = [(inputs.read("maintenance", stem), shown_windows[stem].phase)
               for stem in statuspage.wanted_windows(shown_windows)]
    documents = statuspage.documents(inputs.state, context, updated=inputs.updated, incidents=listed,
                                     windows=windows, now=inputs.now)
    entries = [_incident_entry(context, loaded[stem], inputs) for _, _, stem in changed]
    posts = heapq.nlargest(feeds.FEED_ENTRIES, ((r.time, r.id, stem) for stem, r in
                                                inputs.records["update"].items() if r.shown))
    entries += [_post_entry(context, inputs.read("update", stem), inputs) for _, _, stem in posts]
    entries.sort(key=lambda e: (e.updated, e.id), reverse=True)
    page_feed = feeds.Feed(title=f"{service.title}: incidents and updates", page_url=context.url,
                           self_url=f"{context.url}history", description=f"{service.title} status history",
                           language=inputs.language, author=service.title)
    atom, rss = feeds.render_history(inputs.render, page_feed, entries[:feeds.FEED_ENTRIES])
    page_files = {**{f"{statuspage.API}{name}": data for name, data in documents.items()},
                  "history.atom": atom, "history.rss": rss}
    if calendar:
        names = {c.key: c.name for c in inputs.state.components}  # the visible ones
        page_files["maintenance.ics"] = feeds.render_calendar(
            f"{service.title}: maintenance", context.url, inputs.timezone,
            [_event(context, window, phase, names) for window, phase in windows])
    files: dict[str, bytes] = {}
    for prefix in [service_path(slug)] + ([""] if inputs.root else []):
        files.update({f"{prefix}{name}": data for name, data in page_files.items()})
    return files


def _incident_entry(context: Context, incident: Incident, inputs: Inputs) -> feeds.Entry:
    url = context.incident_url(object_id(incident, context.service.slug, "incident"))
    updates = [(u.time_utc, u.status, inputs.markdown(u.message)) for u in reversed(incident.timeline())]
    return feeds.Entry(id=url, title=incident.title, link=url, published=incident.start_utc,
                       updated=incident.updated_utc, html=feeds.incident_html(updates, inputs.local_time))


def _post_entry(context: Context, post: PostedUpdate, inputs: Inputs) -> feeds.Entry:
    ident = object_id(post, context.service.slug, "update")
    html = str(inputs.markdown(post.text) or "")
    return feeds.Entry(id=f"{context.url}#update-{ident}", title=post.title, link=context.url,
                       published=post.time_utc, updated=post.time_utc, html=html)


def _record_entry(context: Context, record: Any, inputs: Inputs) -> feeds.Entry:
    url = context.incident_url(record.id)
    start = _parse(record.start)
    end = None if record.end is None else _parse(record.end)
    return feeds.Entry(id=url, title=record.title, link=url, published=start,
                       updated=_parse(record.updated),
                       html=feeds.record_html(record.status, record.impact, start, end, inputs.local_time))


def _event(context: Context, window: Maintenance, phase: str, names: Mapping[str, str]) -> feeds.Event:
    ident = object_id(window, context.service.slug, "maintenance")
    timeline = window.timeline()
    lines = [f"Status: {feeds.status_word(phase)}"]
    shown = [names[key] for key in window.components if key in names]
    if shown:
        lines.append("Components: " + ", ".join(shown))
    if timeline:
        lines.append(timeline[-1].message)
    # Last changed at its latest update (updated_utc counts the start, which may be ahead).
    changed = max((u.time_utc for u in timeline), default=window.created_utc)
    return feeds.Event(uid=f"{ident}.{context.page_id}@sspage", title=window.title,
                       start=window.start_utc, end=window.end_utc, created=window.created_utc,
                       updated=changed, sequence=len(timeline), phase=phase,
                       url=context.maintenance_url(ident), description="\n".join(lines))


def _parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text[:-1]).replace(tzinfo=dt.timezone.utc)

