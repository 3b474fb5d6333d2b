"""The service outputs that other tools read: badges, the uptime history and the embeds.

One function for the build (:func:`reader_outputs`), so the service build
hooks them in with one call. Everything here is a function of the page's
state, the manifest's records and the build clock; no content file is read.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from ..model import format_utc
from . import badges, uptime
from .compute import ComponentState, GroupState, ServiceState, service_id

if TYPE_CHECKING:
    from .model import Service

#: A day bar's colour and height (of 24 px: worse is shorter, so colour is not the only cue).
BAR = {"operational": ("#1a7f37", 24), "under_maintenance": ("#0a5cb8", 24),
       "degraded_performance": ("#9a6700", 20), "partial_outage": ("#bc4c00", 16),
       "major_outage": ("#cf222e", 12)}


class UptimeView(NamedTuple):
    """One row of day bars on the main page: a top-level component or group. The bars are an
    SVG image (``bars``), so the page carries one element and its text alternative."""

    name: str
    percent: str  # "99.95"
    bars: str  # the SVG's path from the site root
    label: str  # the text alternative: the uptime and every day that was not operational


def uptime_path(slug: str) -> str:
    return f"status/{slug}/uptime.json"


class Outputs(NamedTuple):
    files: list[tuple[str, bytes]]  # none unless asked to render them
    rows: list[UptimeView]  # for the main page
    paths: list[str]  # of the files, rendered or not


def counts(record: Any, now: dt.datetime, zone: dt.tzinfo) -> bool:
    """Whether an incident's record (None: no record) counts in the badges, uptime or embeds:
    open, or ended within the window."""
    if record is None:
        return False
    if record.end is None:
        return True
    _, bounds = uptime.day_bounds(now, zone)
    return bool(record.end > format_utc(bounds[0]))


def counted_change(before: Any, after: Any, now: dt.datetime, zone: dt.tzinfo) -> bool:
    """Whether an incident's edit (its records before and after; None: none) changes what the
    badges and uptime count: whether it counts, its visibility, impact, end, components, or
    what it did to them and when. A new message, a title or a status word changes none."""
    if not (counts(before, now, zone) or counts(after, now, zone)):
        return False
    if before is None or after is None:
        return True
    return (before.shown, before.impact, before.end, before.components, before.spans) != (
        after.shown, after.impact, after.end, after.components, after.spans)


def same_window(counted: str | None, now: dt.datetime, zone: dt.tzinfo) -> bool:
    """Whether uptime files counted at ``counted`` (None: never) cover the days they would at
    ``now``: the same local day, not later."""
    if counted is None or counted > format_utc(now):
        return False
    when = dt.datetime.fromisoformat(counted[:-1]).replace(tzinfo=dt.timezone.utc)  # "...Z"
    return when.astimezone(zone).date() == now.astimezone(zone).date()


def reader_outputs(service: Service, state: ServiceState, records: Mapping[str, Mapping[str, Any]],
                   *, now: dt.datetime, zone: dt.tzinfo, strings: Mapping[str, Any],
                   render: bool = True) -> Outputs:
    """Badges and ``uptime.json`` of one page, and the uptime rows its main page shows; with
    ``render`` false, the rows and the files' paths only."""
    slug, words = service.slug, strings["service"]
    banner = "maintenance" if state.indicator == "none" and state.maintenance_active else state.indicator
    files = badges.badge_files(slug, service.title, banner,
                               {c.key: (c.name, c.effective) for c in state.components}, words) \
        if render else []
    spans: list[tuple[str, str, str, str | None]] = [
        s for r in records["incident"].values() if r.shown and r.spans for s in r.spans]
    spans += uptime.window_spans(records["maintenance"].values())
    keys = [c.key for c in state.components]
    history = uptime.series(keys, spans, now, zone)
    page = {"id": service_id(service), "name": service.title, "time_zone": str(zone)}
    if render:
        files.append((uptime_path(slug), uptime.uptime_json(
            page, [(c.id, c.key, c.name) for c in state.components], history, now)))
    paths = [path for key in (None, *keys) for path in badges.badge_paths(slug, key)]
    paths += [uptime_path(slug)] + [f"status/{slug}/components/{key}/uptime.svg" for key in keys]
    by_key = dict(zip(keys, history, strict=True))
    rows = []
    for component, series in zip(state.components, history, strict=True):
        if render:
            label = _label(component.name, [series], strings)
            files.append((f"status/{slug}/components/{component.key}/uptime.svg", bars_svg(series, label)))
    for node in state.roots:
        row = _row(slug, node, by_key, strings)
        if row is not None:
            rows.append(row)
            if isinstance(node, GroupState):
                paths.append(row.bars)
                if render:
                    found = [by_key[k] for k in _keys(node) if k in by_key]
                    merged = found[0] if len(found) == 1 else uptime.merge(found, node.key)
                    files.append((row.bars, bars_svg(merged, row.label)))
    return Outputs(files, rows, paths)


def bars_svg(series: uptime.Series, label: str) -> bytes:
    """A row of day bars, oldest first, with ``label`` as its title."""
    from html import escape

    said = escape(label)
    width = 6 * len(series.days) - 2
    rects = "".join(_rect(n, d.worst) for n, d in enumerate(series.days))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="24" '
            f'viewBox="0 0 {width} 24" role="img" aria-label="{said}"><title>{said}</title>'
            f"{rects}</svg>\n").encode()


@functools.lru_cache(maxsize=1024)
def _rect(index: int, status: str) -> str:
    colour, height = BAR[status]
    return f'<rect x="{6 * index}" y="{24 - height}" width="4" height="{height}" fill="{colour}"/>'


def _row(slug: str, node: GroupState | ComponentState, by_key: Mapping[str, uptime.Series],
         strings: Mapping[str, Any]) -> UptimeView | None:
    if isinstance(node, ComponentState):
        if node.only_show_if_degraded and node.effective == "operational":
            return None  # hidden on the page, as in the component list
        found: Sequence[uptime.Series] = [by_key[node.key]]
        bars = f"status/{slug}/components/{node.key}/uptime.svg"
    else:
        found = [by_key[k] for k in _keys(node) if k in by_key]
        if not found:
            return None
        bars = f"status/{slug}/groups/{node.key}/uptime.svg"
    percent = f"{min(s.uptime for s in found):.2f}"
    return UptimeView(name=node.name, percent=percent, bars=bars, label=_label(node.name, found, strings))


def _label(name: str, found: Sequence[uptime.Series], strings: Mapping[str, Any]) -> str:
    """The uptime and each day that was not operational, with how long for one component."""
    series = found[0] if len(found) == 1 else uptime.merge(found, "")
    words = strings["service"]
    said = [str(words["uptime_row"]).format(name=name, percent=f"{series.uptime:.2f}",
                                            days=len(series.days))]
    for day in series.days:
        if day.worst != "operational":
            date = dt.date.fromisoformat(day.date)
            text = f"{date.day} {strings['months'][date.month - 1]} {date.year}: " \
                f"{words['component_status'][day.worst]}"
            if len(found) == 1:
                text += f" ({_duration(sum(day.seconds.values()))})"
            said.append(text)
    return "; ".join(said)


def _keys(group: GroupState) -> list[str]:
    keys = [c.key for c in group.components]
    for child in group.groups:
        keys += _keys(child)
    return keys


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds // 60, 60)
    return f"{hours} h {rest} min" if hours else f"{rest} min"
