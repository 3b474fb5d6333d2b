"""The service-page model: components in groups, incidents, maintenance, posted updates,
update templates and single-value statuses.

One msgspec Struct per file kind, as for page files (``sspage/model.py``): the
same definition validates the reader's plain data, gives the JSON Schema
(``sspage schema incident``) and fixes the field order. Files and JSON use
camelCase; Python attributes are snake_case.

Statuses are words, in the order of how bad they are, so that "the worst of"
is a ``max`` over ranks. Freshstatus's two-letter codes (OP, PD, PO, MO, UM) are
accepted as aliases of the component statuses and become the words on read.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from ..model import MAX_LATEST_UPDATE, MAX_TITLE, UtcTime, _to_utc

if TYPE_CHECKING:
    from pathlib import Path

# -- words and their order ----------------------------------------------------------------

#: Component statuses from best to worst. under_maintenance ranks just above
#: operational: planned work is not an outage, but it is not "all good" either.
COMPONENT_STATUSES = ("operational", "under_maintenance", "degraded_performance",
                      "partial_outage", "major_outage")
COMPONENT_ALIASES = {"OP": "operational", "PD": "degraded_performance", "PO": "partial_outage",
                     "MO": "major_outage", "UM": "under_maintenance"}
COMPONENT_RANK = {name: rank for rank, name in enumerate(COMPONENT_STATUSES)}
IMPACTS = ("none", "minor", "major", "critical")
IMPACT_RANK = {name: rank for rank, name in enumerate(IMPACTS)}
INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved")
MAINTENANCE_STATUSES = ("scheduled", "in_progress", "verifying", "completed")
SEVERITIES = ("info", "warning", "high", "resolved", "scheduled")
ACCESS_TYPES = ("public", "private")

ComponentStatusValue = Literal[
    "operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance",
    "OP", "PD", "PO", "MO", "UM",
]
Impact = Literal["none", "minor", "major", "critical"]
MaintenanceStatus = Literal["scheduled", "in_progress", "verifying", "completed"]
Severity = Literal["info", "warning", "high", "resolved", "scheduled"]

# -- limits (docs/service-pages.md lists them; tests pin them) -----------------------------

MAX_DESCRIPTION = 1_000
MAX_MESSAGE = MAX_LATEST_UPDATE
MAX_UPDATES = 500  # updates of one incident or window
MAX_COMPONENTS = 500
MAX_GROUPS = 200
MAX_AUDIENCES = 50
# Stativate's limits for a status key (stativate-status-keys-api.txt).
STATUS_NAME = (3, 42)
STATUS_VALUE = (1, 10)
STATUS_DESCRIPTION = 400
STATUS_COLORS = (1, 12)

KEY_PATTERN = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
MAX_KEY = 64
ID_PATTERN = r"^[a-z0-9]{6,32}$"

Key = Annotated[str, Meta(pattern=KEY_PATTERN, max_length=MAX_KEY,
                          description="Lower-case letters, digits, single - or _.")]
Audiences = Annotated[
    list[Key],
    Meta(max_length=MAX_AUDIENCES,
         description="Only these audiences (site.yaml `audiences`) see it; empty: everyone."),
]
Title = Annotated[str, Meta(min_length=1, max_length=MAX_TITLE)]
Markdown = Annotated[str, Meta(max_length=MAX_MESSAGE, description="Markdown.")]
Id = Annotated[str, Meta(pattern=ID_PATTERN,
                         description="Stable id, in permalinks; derived from the file name if absent.")]


def component_status(value: str) -> str:
    """The word for a component status or its Freshstatus alias."""
    return COMPONENT_ALIASES.get(value, value)


def worst(statuses: Any) -> str:
    """The worst of some component statuses (operational if there are none)."""
    return max(statuses, key=COMPONENT_RANK.__getitem__, default="operational")


class _File(Struct, kw_only=True, rename="camel", forbid_unknown_fields=True, dict=True):
    """Fields every service file kind shares. ``path`` and ``stem`` are set by the reader."""

    if TYPE_CHECKING:
        path: Path
        stem: str


# -- service.yaml ------------------------------------------------------------------------


class Group(Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    """A group of components; ``parent`` nests it in another group."""

    key: Key
    name: Title
    description: Annotated[str, Meta(max_length=MAX_DESCRIPTION)] | None = None
    parent: Key | None = None
    collapsed: Annotated[
        bool, Meta(description="Shown closed while every component in it is operational.")
    ] = False
    audiences: Audiences = []


class Component(Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    key: Key
    name: Title
    description: Annotated[str, Meta(max_length=MAX_DESCRIPTION)] | None = None
    group: Key | None = None
    status: Annotated[
        ComponentStatusValue,
        Meta(description="Its own status; incidents and active maintenance can make it worse."),
    ] = "operational"
    only_show_if_degraded: bool = False
    audiences: Audiences = []

    def __post_init__(self) -> None:
        self.status = component_status(self.status)  # type: ignore[assignment]


class Service(_File, kw_only=True):
    """``content/services/<slug>/service.yaml``: the page, its groups and its components."""

    id: Id | UnsetType = UNSET
    title: Title
    description: Markdown | None = None
    timezone: Annotated[str, Meta(description="IANA time zone; default: the site's.")] | None = None
    listed: Annotated[bool, Meta(description="Name the page on the site's index.")] = True
    groups: Annotated[list[Group], Meta(max_length=MAX_GROUPS)] = []
    components: Annotated[list[Component], Meta(max_length=MAX_COMPONENTS)] = []
    statuses: Annotated[
        list[Key], Meta(description="Keys of single-value statuses to show on the page.")
    ] = []

    if TYPE_CHECKING:
        slug: str


# -- incidents ---------------------------------------------------------------------------


class IncidentUpdate(Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    time_utc: UtcTime
    status: Annotated[str, Meta(
        pattern=KEY_PATTERN,
        description="investigating, identified, monitoring, resolved, or one that "
        "site.yaml lists in incident_statuses.")]
    message: Markdown
    components: Annotated[
        dict[Key, ComponentStatusValue],
        Meta(description="Component statuses that change with this update."),
    ] = {}

    def __post_init__(self) -> None:
        self.time_utc = _to_utc(self.time_utc)
        self.components = _statuses(self.components)


class Incident(_File, kw_only=True):
    """``incidents/<date>-<name>.yaml``: one incident, open until it has an ``endUtc``."""

    id: Id | UnsetType = UNSET
    title: Title
    impact: Impact
    start_utc: UtcTime
    end_utc: UtcTime | None = None
    private: Annotated[bool, Meta(description="Never published anywhere.")] = False
    audiences: Audiences = []
    components: Annotated[
        dict[Key, ComponentStatusValue],
        Meta(description="The affected components and the status each gets while it is open."),
    ] = {}
    updates: Annotated[list[IncidentUpdate], Meta(max_length=MAX_UPDATES)] = []

    def __post_init__(self) -> None:
        self.start_utc = _to_utc(self.start_utc)
        self.end_utc = _to_utc(self.end_utc)
        self.components = _statuses(self.components)

    @property
    def resolved(self) -> bool:
        return self.end_utc is not None

    def timeline(self) -> list[IncidentUpdate]:
        """Updates oldest first (ties keep file order)."""
        return sorted(self.updates, key=_update_time)

    @property
    def status(self) -> str:
        if self.end_utc is not None:
            return "resolved"
        updates = self.timeline()
        return updates[-1].status if updates else "investigating"

    def component_effects(self) -> dict[str, str]:
        """What this incident does to components now: nothing once resolved."""
        if self.end_utc is not None:
            return {}
        effects: dict[str, str] = dict(self.components)
        for update in self.timeline():
            effects.update(update.components)
        return effects

    @property
    def created_utc(self) -> dt.datetime:
        return min([self.start_utc, *(u.time_utc for u in self.updates)])

    @property
    def updated_utc(self) -> dt.datetime:
        times = [self.start_utc, *(u.time_utc for u in self.updates)]
        if self.end_utc is not None:
            times.append(self.end_utc)
        return max(times)

    @property
    def monitoring_utc(self) -> dt.datetime | None:
        return next((u.time_utc for u in self.timeline() if u.status == "monitoring"), None)


# -- maintenance -------------------------------------------------------------------------


class MaintenanceUpdate(Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    time_utc: UtcTime
    status: MaintenanceStatus
    message: Markdown

    def __post_init__(self) -> None:
        self.time_utc = _to_utc(self.time_utc)


class Maintenance(_File, kw_only=True):
    """``maintenance/<date>-<name>.yaml``: one window. Its phase follows the clock."""

    id: Id | UnsetType = UNSET
    title: Title
    start_utc: UtcTime
    end_utc: UtcTime
    auto_start: Annotated[bool, Meta(description="Goes in_progress at startUtc by itself.")] = True
    auto_end: Annotated[bool, Meta(description="Completes at endUtc by itself.")] = True
    status: Annotated[
        MaintenanceStatus,
        Meta(description="What was set by hand; the published phase also follows the clock."),
    ] = "scheduled"
    private: Annotated[bool, Meta(description="Never published anywhere.")] = False
    audiences: Audiences = []
    components: Annotated[
        list[Key], Meta(description="Under maintenance while the window is active.")
    ] = []
    updates: Annotated[list[MaintenanceUpdate], Meta(max_length=MAX_UPDATES)] = []

    def __post_init__(self) -> None:
        self.start_utc = _to_utc(self.start_utc)
        self.end_utc = _to_utc(self.end_utc)

    def timeline(self) -> list[MaintenanceUpdate]:
        return sorted(self.updates, key=_update_time)

    @property
    def created_utc(self) -> dt.datetime:
        return min([self.start_utc, *(u.time_utc for u in self.updates)])

    @property
    def updated_utc(self) -> dt.datetime:
        return max([self.start_utc, *(u.time_utc for u in self.updates)])


def maintenance_phase(status: str, start: str, end: str, auto_start: bool, auto_end: bool,
                      now: str) -> str:
    """The status a window shows at ``now``. Times are ``format_utc`` text, which sorts.

    A window in the future is ``scheduled`` and changes nothing; with automatic
    start it is ``in_progress`` from its start, and with automatic end
    ``completed`` from its end.
    """
    if status == "completed":
        return status
    if status == "scheduled":
        if not (auto_start and now >= start):
            return status
        status = "in_progress"
    return "completed" if auto_end and now >= end else status


def next_transition(status: str, start: str, end: str, auto_start: bool, auto_end: bool,
                    now: str) -> str | None:
    """When the phase will next change by the clock alone, or None."""
    if status == "completed":
        return None
    if status == "scheduled":
        if not auto_start:
            return None
        if now < start:
            return start
    return end if auto_end and now < end else None


# -- posted updates and templates ----------------------------------------------------------


class PostedUpdate(_File, kw_only=True):
    """``updates/<date>-<name>.yaml``: an Oh Dear style post on the page."""

    id: Id | UnsetType = UNSET
    title: Title
    text: Markdown | None = None
    severity: Severity
    pinned: Annotated[bool, Meta(description="Shown first, before recent updates.")] = False
    time_utc: UtcTime
    audiences: Audiences = []

    def __post_init__(self) -> None:
        self.time_utc = _to_utc(self.time_utc)


class Template(_File, kw_only=True):
    """``content/templates/<name>.yaml``: a reusable update, used by ``--template NAME``."""

    title: Title
    text: Markdown | None = None
    severity: Severity | None = None
    impact: Impact | None = None
    status: Annotated[str, Meta(pattern=KEY_PATTERN)] | None = None


# -- single-value statuses -----------------------------------------------------------------


class SingleStatus(_File, kw_only=True):
    """``content/statuses/<key>.yaml``: a Stativate status, addressed by its key."""

    id: Annotated[str, Meta(pattern=r"^[A-Za-z0-9]{8,32}$")] | UnsetType = UNSET
    share_id: Annotated[str, Meta(pattern=r"^[a-z0-9]{6,32}$",
                                  description="In the share URL st/{shareId}/.")] | UnsetType = UNSET
    name: Annotated[str, Meta(min_length=STATUS_NAME[0], max_length=STATUS_NAME[1])]
    type: Literal["text"] = "text"
    value: Annotated[str, Meta(min_length=STATUS_VALUE[0], max_length=STATUS_VALUE[1])]
    access_type: Annotated[
        Literal["public", "private"], Meta(description="private: never published.")
    ] = "public"
    description: Annotated[str, Meta(max_length=STATUS_DESCRIPTION)] | None = None
    color_no: Annotated[int, Meta(ge=STATUS_COLORS[0], le=STATUS_COLORS[1])] = 1
    audiences: Audiences = []
    updated_utc: UtcTime | None = None

    def __post_init__(self) -> None:
        self.updated_utc = _to_utc(self.updated_utc)

    if TYPE_CHECKING:
        key: str


def _statuses(components: dict[str, Any]) -> Any:
    """Aliases (OP, MO, ...) as words: the rest of sspage sees only the words."""
    return {key: component_status(value) for key, value in components.items()}


def _update_time(update: IncidentUpdate | MaintenanceUpdate) -> dt.datetime:
    return update.time_utc


KINDS: dict[str, type[Struct]] = {
    "service": Service, "incident": Incident, "maintenance": Maintenance,
    "update": PostedUpdate, "template": Template, "status": SingleStatus,
}


def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one service file kind (``service``, ``incident``, ...)."""
    result: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"sspage {kind} file",
    }
    result.update(msgspec.json.schema(KINDS[kind]))
    return result
