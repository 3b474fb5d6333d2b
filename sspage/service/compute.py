"""Statuses are computed, not stored twice.

A component's effective status is the worst of its own status, the statuses
that open incidents give it, and ``under_maintenance`` while an *active*
maintenance window covers it. A window in the future changes nothing. A
page's status is summarised from its visible components and open incidents,
both as Oh Dear says it (up, warning, down, unknown) and as Statuspage does
(none, minor, major, critical).

Everything here is a pure function of its arguments and ``now``; the build
and the command line both call it, so the page and ``sspage service show``
agree. Each function is linear in what it is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec

from .model import (
    COMPONENT_RANK,
    IMPACT_RANK,
    Service,
    worst,
)
from .reader import derived_id

ACTIVE_PHASES = frozenset({"in_progress", "verifying"})
#: Statuspage's page indicator for each component status.
INDICATOR_OF = {"operational": "none", "under_maintenance": "none",
                "degraded_performance": "minor", "partial_outage": "major", "major_outage": "critical"}
#: Statuspage's words for its indicators (status.json's ``description``).
INDICATOR_TEXT = {"none": "All Systems Operational", "minor": "Minor Service Outage",
                  "major": "Partial System Outage", "critical": "Major System Outage",
                  "maintenance": "Service Under Maintenance"}


def visible(audiences: Sequence[str], audience: str | None) -> bool:
    """Whether something limited to ``audiences`` (empty: everyone) is in this build."""
    return not audiences or (audience is not None and audience in audiences)


class ComponentState(msgspec.Struct):
    key: str
    id: str
    name: str
    description: str | None
    group: str | None
    position: int
    own: str
    effective: str
    only_show_if_degraded: bool
    place: int = 0  # its position as displayed, from 1 among its siblings (Statuspage's position)
    # Statuspage's created_at and updated_at, from the content (see component_times); None
    # until a caller that publishes them sets them (set_times).
    created_at: str | None = None
    updated_at: str | None = None


class GroupState(msgspec.Struct):
    key: str
    id: str
    name: str
    description: str | None
    parent: str | None
    position: int
    collapsed: bool
    effective: str = "operational"
    components: list[ComponentState] = msgspec.field(default_factory=list)
    groups: list[GroupState] = msgspec.field(default_factory=list)
    place: int = 0
    created_at: str | None = None  # the earliest of what it holds
    updated_at: str | None = None  # the latest of what it holds


class ServiceState(msgspec.Struct):
    """What a service shows at one moment, to one audience."""

    components: list[ComponentState]  # visible ones, in file order
    groups: list[GroupState]  # visible ones, in file order
    roots: list[GroupState | ComponentState]  # the top level, in file order
    indicator: str  # none, minor, major, critical (Statuspage)
    description: str  # Statuspage's words for it, or "Service Under Maintenance"
    summarized: str  # up, warning, down, unknown (Oh Dear)
    maintenance_active: bool


def component_id(service_id: str, key: str) -> str:
    return derived_id(service_id, "component", key)


def group_id(service_id: str, key: str) -> str:
    return derived_id(service_id, "group", key)


def service_id(service: Service) -> str:
    return service.id if isinstance(service.id, str) else derived_id("service", service.slug)


def compute(service: Service, *, effects: Iterable[dict[str, str]],
            impacts: Iterable[str], maintained: Iterable[Iterable[str]],
            audience: str | None) -> ServiceState:
    """The state of ``service``.

    ``effects``: what each open, visible incident does to components
    (``Incident.component_effects()``); ``impacts``: their impacts;
    ``maintained``: the components of each active, visible window.
    """
    given: dict[str, list[str]] = {}
    for effect in effects:
        for key, status in effect.items():
            given.setdefault(key, []).append(status)
    for keys in maintained:
        for key in keys:
            given.setdefault(key, []).append("under_maintenance")
    ident = service_id(service)
    hidden_groups = _hidden_groups(service, audience)
    groups = {g.key: GroupState(key=g.key, id=group_id(ident, g.key), name=g.name,
                                description=g.description, parent=g.parent, position=index,
                                collapsed=g.collapsed)
              for index, g in enumerate(service.groups) if g.key not in hidden_groups}
    components = []
    for index, c in enumerate(service.components):
        if not visible(c.audiences, audience) or (c.group is not None and c.group in hidden_groups):
            continue
        effective = worst([c.status, *given.get(c.key, ())])
        components.append(ComponentState(
            key=c.key, id=component_id(ident, c.key), name=c.name, description=c.description,
            group=c.group, position=index, own=c.status, effective=effective,
            only_show_if_degraded=c.only_show_if_degraded))
    roots: list[GroupState | ComponentState] = []
    for group in groups.values():
        if group.parent is not None and group.parent in groups:
            groups[group.parent].groups.append(group)
        else:
            roots.append(group)
    for component in components:
        if component.group is not None and component.group in groups:
            groups[component.group].components.append(component)
        else:
            roots.append(component)
    roots.sort(key=_display_order)
    for node in roots:
        if isinstance(node, GroupState):
            _settle(node)
    _place(roots)
    statuses = [c.effective for c in components]
    indicator = max([INDICATOR_OF[s] for s in statuses] + [i for i in impacts if i in IMPACT_RANK],
                    key=IMPACT_RANK.__getitem__, default="none")
    maintenance = "under_maintenance" in statuses
    description = INDICATOR_TEXT["maintenance" if indicator == "none" and maintenance else indicator]
    return ServiceState(components=components, groups=list(groups.values()), roots=roots,
                        indicator=indicator, description=description,
                        summarized=summarized(statuses), maintenance_active=maintenance)


def summarized(statuses: Sequence[str]) -> str:
    """Oh Dear's summary: unknown with nothing to show, down on a major outage,
    warning on anything else short of operational, else up."""
    if not statuses:
        return "unknown"
    bad = max(COMPONENT_RANK[s] for s in statuses)
    if bad == COMPONENT_RANK["major_outage"]:
        return "down"
    return "warning" if bad > COMPONENT_RANK["operational"] else "up"


def _hidden_groups(service: Service, audience: str | None) -> set[str]:
    """Groups this audience may not see, with everything nested in them (groups are acyclic)."""
    parent = {g.key: g.parent for g in service.groups}
    hidden = {g.key for g in service.groups if not visible(g.audiences, audience)}
    memo: dict[str, bool] = {}

    def is_hidden(key: str) -> bool:
        chain = []
        node: str | None = key
        while node is not None and node not in memo:
            if node in hidden:
                memo[node] = True
                break
            chain.append(node)
            node = parent.get(node)
        result = memo.get(node, False) if node is not None else False
        for seen in chain:
            memo[seen] = result
        return result

    return {g.key for g in service.groups if is_hidden(g.key)}


def _display_order(node: GroupState | ComponentState) -> tuple[bool, int]:
    """Components first, then groups, each in file order (the two lists are separate in
    service.yaml, so their positions cannot be interleaved)."""
    return isinstance(node, GroupState), node.position


def _place(nodes: Sequence[GroupState | ComponentState]) -> None:
    """Positions as displayed: within a group its components, then its subgroups."""
    for place, node in enumerate(nodes, 1):
        node.place = place
        if isinstance(node, GroupState):
            _place([*node.components, *node.groups])


#: What one incident or window did to components: the keys it names, its start, and its
#: latest change (an incident's last update or end; a window's start, or end once completed).
Named = tuple[Iterable[str], str, str]


def named_components(incident: Any) -> Iterable[str]:
    """The keys an incident names, its own and its updates', in order, each once."""
    keys = dict.fromkeys(incident.components)
    for update in incident.updates:
        keys.update(dict.fromkeys(update.components))
    return keys


def component_times(named: Iterable[Named], times: dict[str, tuple[str, str]] | None = None,
                    ) -> dict[str, tuple[str, str]]:
    """Each component's Statuspage ``created_at`` and ``updated_at``, from the content (the
    build reads no git): the earliest start and the latest change of the published
    incidents and started windows that name it. A component none names has no entry.
    ``times``, if given, are those of other incidents and windows: they are added to."""
    times = {} if times is None else times
    for keys, start, last in named:
        for key in keys:
            found = times.get(key)
            times[key] = (start, last) if found is None else (min(found[0], start), max(found[1], last))
    return times


def moved_times(times: Mapping[str, tuple[str, str]], changes: Iterable[tuple[Named | None, Named | None]],
                ) -> dict[str, tuple[str, str]] | None:
    """:func:`component_times` after some incidents changed, without counting the others
    again: ``changes`` are each one's entry before and after (None: not published then).
    None when that cannot be known from ``times`` alone: an incident that was the earliest
    or latest of a component it names moved back, or stopped naming it. An incident that
    only grew (a new update: the same start, a later change, the same keys or more) never
    needs that."""
    result = dict(times)
    for before, after in changes:
        if before is not None:
            keys, start, last = before
            grew = after is not None and after[1] <= start and after[2] >= last and set(keys) <= set(after[0])
            if not grew:
                for key in keys:
                    found = result.get(key)
                    # Ties count: another incident with the same time may or may not exist.
                    if found is None or start <= found[0] or last >= found[1]:
                        return None
        if after is not None:
            component_times([after], result)
    return result


def window_named(components: Iterable[str], start: str, end: str, phase: str) -> Named | None:
    """A window's entry for :func:`component_times`: none while it is still scheduled."""
    if phase == "scheduled":
        return None
    return components, start, (start if phase in ACTIVE_PHASES else end)


def set_times(state: ServiceState, times: Mapping[str, tuple[str, str]]) -> None:
    """Give the state's components their times, and each group the earliest and latest of
    what it holds (None where nothing is known)."""
    for component in state.components:
        component.created_at, component.updated_at = times.get(component.key, (None, None))

    def settle(group: GroupState) -> tuple[list[str], list[str]]:
        created = [c.created_at for c in group.components if c.created_at is not None]
        updated = [c.updated_at for c in group.components if c.updated_at is not None]
        for child in group.groups:
            more = settle(child)
            created += more[0]
            updated += more[1]
        group.created_at, group.updated_at = min(created, default=None), max(updated, default=None)
        return created, updated

    for node in state.roots:
        if isinstance(node, GroupState):
            settle(node)


def _settle(group: GroupState) -> str:
    """A group's status: the worst of everything in it. Children in file order."""
    group.groups.sort(key=lambda g: g.position)
    group.components.sort(key=lambda c: c.position)
    group.effective = worst([*(c.effective for c in group.components),
                             *(_settle(g) for g in group.groups)])
    return group.effective


def shown_component_names(service: Service, keys: Iterable[str], audience: str | None) -> dict[str, str]:
    """Names of the visible components among ``keys`` (for an incident's "affected" list)."""
    hidden = _hidden_groups(service, audience)
    by_key = {c.key: c for c in service.components}
    names = {}
    for key in keys:
        component = by_key.get(key)
        if component is not None and visible(component.audiences, audience) and not (
                component.group is not None and component.group in hidden):
            names[key] = component.name
    return names


def incident_visible(incident: Any, audience: str | None) -> bool:
    return not incident.private and visible(incident.audiences, audience)
