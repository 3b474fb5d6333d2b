"""Uptime history: 90 days of minutes of each impact, per component, per local day.

The figures come from the incidents and maintenance windows themselves (the
content files, which git keeps), never from a monitor: a component is
``degraded_performance`` from the moment an incident gives it that status
until an update changes it or the incident ends, and ``under_maintenance``
while a window that names it is in progress (from its start to its end, or to
the build's clock while it lasts). Where two overlap, the worse status counts,
so a minute is never counted twice.

Days are the page's local days, split at local midnight: a day is 23 or 25
hours long when the clocks change. The window is the 90 local days that end
with the build clock's day, and counts up to the clock.

Cost: every interval is put into the days it covers (a binary search for the
first), and each component-day sorts only its own intervals; nothing compares
all incidents with all days.

Uptime, as Statuspage computes it: a major outage counts fully as downtime, a
partial outage for 30 %, degraded performance and maintenance not at all.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_DOWN, Decimal
from typing import Any, NamedTuple

import msgspec

from ..model import format_utc
from .model import COMPONENT_RANK

DAYS = 90
IMPACTS = ("major_outage", "partial_outage", "degraded_performance", "under_maintenance")
WEIGHT = {"major_outage": Decimal(1), "partial_outage": Decimal("0.3")}


class Span(NamedTuple):
    """A component's status from ``start`` to ``end`` (None: still so), both UTC text."""

    component: str
    status: str
    start: str
    end: str | None


def incident_spans(incident: Any, now: str | None = None) -> list[Span]:
    """The statuses ``incident`` gave its components, and when: from its start, as its
    updates changed them, until its end.

    With ``now`` (the build clock), none for an incident that ended long before the
    window: the window only moves forward, so it never counts again, and the manifest
    keeps spans only for recent incidents (a page of 10,000 incidents over ten years
    would otherwise decode all of theirs on every build).
    """
    if now is not None and incident.end_utc is not None and format_utc(incident.end_utc) < _before(now):
        return []
    current: dict[str, str] = dict(incident.components)
    since: dict[str, str] = {key: format_utc(incident.start_utc) for key in current}
    spans: list[Span] = []
    for update in incident.timeline():
        moment = format_utc(update.time_utc)
        for key, status in update.components.items():
            if current.get(key) == status:
                continue
            if key in current and since[key] < moment:
                spans.append(Span(key, current[key], since[key], moment))
            current[key], since[key] = status, moment
    end = None if incident.end_utc is None else format_utc(incident.end_utc)
    for key, status in current.items():
        if end is None or since[key] < end:
            spans.append(Span(key, status, since[key], end))
    return [s for s in spans if s.status != "operational"]


KEEP_DAYS = DAYS + 31  # spans are kept for incidents that ended in the window or a month before it


@functools.lru_cache(maxsize=4)
def _before(now: str) -> str:
    return format_utc(_utc(now) - dt.timedelta(days=KEEP_DAYS))


class DayFigures(NamedTuple):
    date: str  # YYYY-MM-DD, local
    seconds: dict[str, int]  # impact -> seconds, only the non-zero ones
    worst: str  # the worst impact of the day, or operational


class Series(NamedTuple):
    key: str
    days: list[DayFigures]
    totals: dict[str, int]  # seconds of each impact over the window
    uptime: Decimal  # percent, two decimals, rounded down


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text[:-1]).replace(tzinfo=dt.timezone.utc)


def day_bounds(now: dt.datetime, zone: dt.tzinfo,
               days: int = DAYS) -> tuple[list[dt.date], list[dt.datetime]]:
    """The local days of the window and their ``days + 1`` boundaries in UTC (the last is ``now``)."""
    today = now.astimezone(zone).date()
    dates = [today - dt.timedelta(days=days - 1 - n) for n in range(days)]
    bounds = [dt.datetime.combine(d, dt.time(0), tzinfo=zone).astimezone(dt.timezone.utc) for d in dates]
    return dates, [*bounds, now.astimezone(dt.timezone.utc)]


def series(keys: Sequence[str], spans: Iterable[tuple[str, str, str, str | None]], now: dt.datetime,
           zone: dt.tzinfo, days: int = DAYS) -> list[Series]:
    """The history of each component in ``keys`` from ``spans`` (incidents' and windows',
    as :class:`Span` or plain tuples)."""
    dates, bounds = day_bounds(now, zone, days)
    start, end = bounds[0], bounds[-1]
    # Times are format_utc text, which sorts like the times: spans outside the window are
    # skipped before any is parsed (a page of 10,000 incidents has few in 90 days).
    first, last = format_utc(start), format_utc(end)
    buckets: dict[str, dict[int, list[tuple[dt.datetime, dt.datetime, str]]]] = {k: {} for k in keys}
    for component, status, since, until in spans:
        if (until is not None and until <= first) or since >= last or component not in buckets \
                or status not in IMPACTS:
            continue
        begin = max(_utc(since), start)
        finish = min(end if until is None else _utc(until), end)
        if finish <= begin:
            continue
        index = bisect.bisect_right(bounds, begin) - 1
        bucket = buckets[component]
        while index < days and bounds[index] < finish:
            piece = (max(begin, bounds[index]), min(finish, bounds[index + 1]), status)
            if piece[0] < piece[1]:
                bucket.setdefault(index, []).append(piece)
            index += 1
    total_seconds = int((end - start).total_seconds())
    result = []
    quiet = [DayFigures(date.isoformat(), {}, "operational") for date in dates]  # shared, never changed
    for key in keys:
        figures, totals = list(quiet), dict.fromkeys(IMPACTS, 0)
        for index, pieces in buckets[key].items():
            seconds = _worst_seconds(pieces)
            for impact, amount in seconds.items():
                totals[impact] += amount
            worst = max(seconds, key=COMPONENT_RANK.__getitem__, default="operational")
            figures[index] = DayFigures(quiet[index].date, seconds, worst)
        down = sum((WEIGHT[i] * totals[i] for i in WEIGHT), Decimal(0))
        percent = Decimal(100) if not total_seconds else \
            (100 - 100 * down / total_seconds).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        result.append(Series(key, figures, totals, percent))
    return result


def _worst_seconds(pieces: Iterable[tuple[dt.datetime, dt.datetime, str]]) -> dict[str, int]:
    """Seconds of each status in one day, the worse status winning where pieces overlap."""
    events: list[tuple[dt.datetime, int, str]] = []
    for begin, finish, status in pieces:
        events += [(begin, 1, status), (finish, -1, status)]
    if not events:
        return {}
    events.sort()
    active: dict[str, int] = {}
    seconds: dict[str, float] = {}
    previous = events[0][0]
    for moment, change, status in events:
        if active and moment > previous:
            worst = max(active, key=COMPONENT_RANK.__getitem__)
            seconds[worst] = seconds.get(worst, 0) + (moment - previous).total_seconds()
        previous = moment
        active[status] = active.get(status, 0) + change
        if not active[status]:
            del active[status]
    return {status: int(amount) for status, amount in sorted(seconds.items()) if amount}


def minutes(seconds: int) -> int | float:
    """Seconds as minutes: whole when whole (times in files are usually to the minute)."""
    return seconds // 60 if seconds % 60 == 0 else round(seconds / 60, 3)


def uptime_json(page: Mapping[str, Any], components: Sequence[tuple[str, str, str]],
                history: Sequence[Series], now: dt.datetime) -> bytes:
    """``uptime.json``: ``components`` are (id, key, name), in the order of ``history``."""
    first, last = (history[0].days[0].date, history[0].days[-1].date) if history else (None, None)
    quiet = {d.date: {"date": d.date, "minutes": {}} for d in history[0].days} if history else {}
    document = {
        "page": dict(page),
        "days": DAYS,
        "from": first,
        "to": last,
        "counted_to": format_utc(now),
        "components": [
            {"id": ident, "key": key, "name": name, "uptime_percent": float(s.uptime),
             "minutes": {i: minutes(v) for i, v in s.totals.items()},
             "days": [{"date": d.date, "minutes": {i: minutes(v) for i, v in d.seconds.items()}}
                      if d.seconds else quiet[d.date] for d in s.days]}
            for (ident, key, name), s in zip(components, history, strict=True)],
    }
    return msgspec.json.encode(document) + b"\n"


def merge(history: Sequence[Series], key: str) -> Series:
    """One row for a group: each day's worst status among ``history``, its uptime the lowest."""
    if not history:
        return Series(key, [], {}, Decimal(100))
    days = []
    for figures in zip(*(s.days for s in history), strict=True):
        worst = max((f.worst for f in figures), key=COMPONENT_RANK.__getitem__)
        days.append(DayFigures(figures[0].date, {}, worst))
    return Series(key, days, {}, min(s.uptime for s in history))


def window_spans(windows: Iterable[Any]) -> list[Span]:
    """Maintenance from the records of shown windows: from the start, to the end once completed,
    to the clock while in progress; a window still scheduled has not happened."""
    spans = []
    for window in windows:
        if not window.shown or window.phase == "scheduled":
            continue
        end = window.end if window.phase == "completed" else None
        spans += [Span(key, "under_maintenance", window.start, end) for key in window.components]
    return spans


def next_midnight(now: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """When the window moves on: the next local midnight, in UTC."""
    tomorrow = now.astimezone(zone).date() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, dt.time(0), tzinfo=zone).astimezone(dt.timezone.utc)
