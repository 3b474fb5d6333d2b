"""What the build manifest remembers of service content (see :mod:`sspage.manifest`).

For every incident, window and post, the source file's stat and hash, and the
few fields that pages *other than its own* show: the month archive and the
main page are rendered from these summaries, so one changed incident among
10,000 costs one file read, not 10,000. Records are msgspec arrays
(``array_like``): a build decodes every one of them, and arrays decode fastest.

Times are ``format_utc`` text, which sorts like the times it spells.
"""

from __future__ import annotations

import msgspec


class IncidentRecord(msgspec.Struct, array_like=True, frozen=True):
    mtime_ns: int
    size: int
    sha256: str
    id: str
    title: str
    impact: str
    start: str
    end: str | None
    status: str
    month: str  # YYYY-MM of the start, in the service's time zone
    shown: bool  # published in this build (not private, visible to its audience)
    updated: str  # its latest time: start, end or update
    components: list[str] = []  # keys it names (its own and its updates'): component feeds
    # What it did to components and when (uptime.Span: component, status, start, end).
    spans: list[tuple[str, str, str, str | None]] = []


class MaintenanceRecord(msgspec.Struct, array_like=True, frozen=True):
    mtime_ns: int
    size: int
    sha256: str
    id: str
    title: str
    start: str
    end: str
    status: str  # as set in the file
    auto_start: bool
    auto_end: bool
    components: list[str]
    shown: bool
    phase: str  # what the build showed, by the clock: a change means its pages are stale


class PostRecord(msgspec.Struct, array_like=True, frozen=True):
    mtime_ns: int
    size: int
    sha256: str
    id: str
    pinned: bool
    time: str
    shown: bool


class StatusRecord(msgspec.Struct, array_like=True, frozen=True):
    mtime_ns: int
    size: int
    sha256: str
    share_id: str
    name: str
    value: str
    color_no: int
    shown: bool


class ServiceListing(msgspec.Struct, frozen=True, rename="camel"):
    """What the site's index shows of a listed service."""

    title: str
    url: str
    indicator: str  # none, minor, major, critical (Statuspage)
    banner: str  # the indicator, or maintenance: which sentence the banner says
    description: str  # Statuspage's words for it
    summarized: str  # up, warning, down, unknown (Oh Dear)


class ServiceRecord(msgspec.Struct, rename="camel", omit_defaults=True):
    mtime_ns: int  # service.yaml
    size: int
    sha256: str
    statuses: list[str]  # keys of the single-value statuses the page shows
    outputs: list[str]  # the service's own pages: main, history index, months
    next_change: str | None = None  # when a window starts or ends by the clock
    # The clock the uptime files (uptime.json, the bars) were last written at: the main page
    # shows their figures as of then until they are written again (render.py).
    uptime_at: str | None = None
    # Each component's first start and last change among the published incidents
    # (compute.component_times): kept, so that an edit need not count all of them again.
    times: dict[str, tuple[str, str]] | None = None
    objects: str | None = None  # the hash of the object cache written with this record (objects.py)
    listing: ServiceListing | None = None
    incidents: dict[str, IncidentRecord] = {}
    maintenance: dict[str, MaintenanceRecord] = {}
    updates: dict[str, PostRecord] = {}

    def of(self, kind: str) -> dict[str, msgspec.Struct]:
        return {"incident": self.incidents, "maintenance": self.maintenance,  # type: ignore[return-value]
                "update": self.updates}[kind]


class ServicesManifest(msgspec.Struct, rename="camel", omit_defaults=True):
    """The service part of a build's manifest."""

    services: dict[str, ServiceRecord] = {}
    statuses: dict[str, StatusRecord] = {}
