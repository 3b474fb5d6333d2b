"""Validating service files: every problem, located by field, before anything is used.

Types (msgspec) catch the shape; the rules here catch what a type cannot say:
an incident ending before it starts, a component that does not exist, a cycle
in groups, an update after the incident ended, a link where the site allows
none. Each rule yields an :class:`~sspage.validate.Issue` whose location the
reader turns into ``path:line:col``. Rules that need other files (the
components of ``service.yaml``, overlapping maintenance windows) take what
they need as arguments, so they run the same in ``check``, ``build`` and the
command line.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable
from typing import Any

import msgspec

from ..model import text_problem
from ..validate import Invalid, Issue, Loc, struct_issues
from .model import (
    COMPONENT_ALIASES,
    COMPONENT_STATUSES,
    INCIDENT_STATUSES,
    KINDS,
)

TIME_HINT = "write a time with its zone, like 2026-06-08T14:30:00Z or 2026-06-08T15:30:00+01:00"
STATUS_HINT = ("use operational, degraded_performance, partial_outage, major_outage or "
               "under_maintenance (or OP, PD, PO, MO, UM)")
MAINTENANCE_HINT = "use scheduled, in_progress, verifying or completed"
HINTS = {
    "startUtc": TIME_HINT, "endUtc": TIME_HINT, "timeUtc": TIME_HINT, "updatedUtc": TIME_HINT,
    "impact": "use none, minor, major or critical",
    "severity": "use info, warning, high, resolved or scheduled",
    "value": "Stativate's limit: 1 to 10 characters",
    "name": "Stativate's limit for a status name: 3 to 42 characters",
    "colorNo": "a colour number from 1 to 12",
    "accessType": "use public or private",
    "id": "lower-case letters and digits, 6 to 32 of them; or leave it out",
    "key": "lower-case letters, digits and single - or _",
}
_LINK = re.compile(r"(?i)\b(?:https?://|ftp://|mailto:|www\.)|\]\(|<\s*a\b")


class Rules(msgspec.Struct, frozen=True):
    """What the rules compare a file with. None: not checked (the file is read on its own)."""

    audiences: frozenset[str] = frozenset()
    incident_statuses: frozenset[str] = frozenset(INCIDENT_STATUSES)
    status_links: bool = False
    components: frozenset[str] | None = None


def rules_for(config: Any, components: Iterable[str] | None = None) -> Rules:
    """The rules of a site (``SiteConfig``), optionally with one service's component keys."""
    return Rules(
        audiences=frozenset(config.audiences),
        incident_statuses=frozenset(INCIDENT_STATUSES) | frozenset(config.incident_statuses),
        status_links=config.status_links,
        components=None if components is None else frozenset(components),
    )


def convert(kind: str, data: object, rules: Rules) -> Any:
    """The model object of one file's data, or :class:`Invalid` with every issue."""
    cls = KINDS[kind]
    try:
        value = msgspec.convert(data, cls, strict=False)
    except msgspec.ValidationError:
        value = None
        issues = [_hinted(issue) for issue in struct_issues(data, cls, ())]
    else:
        issues = []
    if isinstance(data, dict):
        found = CHECKS[kind](data, rules)
        if kind in ORDER_CHECKS:
            found += ORDER_CHECKS[kind](data if value is None else _times(value), rules)
        # A rule's own message about a field says more than the type checker's.
        ruled = {issue.loc for issue in found}
        issues = [issue for issue in _precise_maps(issues, data) if issue.loc not in ruled] + found
    if issues:
        raise Invalid(list(dict.fromkeys(issues)))
    return value


def _hinted(issue: Issue) -> Issue:
    if "RFC3339" in issue.message or "timezone component" in issue.message:
        issue = Issue(issue.loc, "expected a time with its zone (and seconds)", issue.hint)
    if issue.hint is None and issue.loc and issue.loc[-1] == "status":
        if "components" in issue.loc:
            message = issue.message.replace("unknown value", "unknown component status")
            return Issue(issue.loc, message, STATUS_HINT)
        return Issue(issue.loc, issue.message, MAINTENANCE_HINT)
    if issue.hint is None:
        for part in reversed(issue.loc):
            if isinstance(part, str) and part in HINTS:
                return Issue(issue.loc, issue.message, HINTS[part])
    return issue


# -- shared pieces --------------------------------------------------------------------------


def _text(data: dict[str, Any], loc: Loc, key: str, *, multiline: bool) -> list[Issue]:
    value = data.get(key)
    if isinstance(value, str) and value:
        why = text_problem(value, multiline=multiline)
        if why:
            return [Issue((*loc, key), why)]
    return []


def _audiences(data: dict[str, Any], loc: Loc, rules: Rules) -> list[Issue]:
    found = data.get("audiences")
    issues = []
    for index, name in enumerate(found if isinstance(found, list) else []):
        if isinstance(name, str) and name not in rules.audiences:
            known = ", ".join(sorted(rules.audiences)) or "none are declared"
            issues.append(Issue((*loc, "audiences", index), f"unknown audience {name!r}",
                                f"declare it in site.yaml under audiences: ({known})"))
    return issues


def _component_map(data: dict[str, Any], loc: Loc, rules: Rules) -> list[Issue]:
    """A ``components:`` mapping of key -> status: known keys, known statuses."""
    found = data.get("components")
    if not isinstance(found, dict):
        return []
    issues = []
    for key, status in found.items():
        if status is None or (status not in COMPONENT_STATUSES and status not in COMPONENT_ALIASES):
            issues.append(Issue((*loc, "components", key), f"unknown component status {status!r}",
                                STATUS_HINT))
        issues += _known_component(key, (*loc, "components", key), rules)
    return issues


def _known_component(key: object, loc: Loc, rules: Rules) -> list[Issue]:
    if rules.components is None or not isinstance(key, str) or key in rules.components:
        return []
    import difflib

    close = difflib.get_close_matches(key, sorted(rules.components), n=1)
    hint = f"did you mean {close[0]!r}?" if close else (
        "the service's components: " + (", ".join(sorted(rules.components)) or "none yet"))
    return [Issue(loc, f"unknown component {key!r}", hint)]


def _precise_maps(issues: list[Issue], data: dict[str, Any]) -> list[Issue]:
    """Drop the type checker's vague "unknown value" on a whole ``components`` mapping:
    the rules report each bad entry by its key."""
    return [issue for issue in issues
            if not (issue.loc and issue.loc[-1] == "components" and "enum" in issue.message.lower()
                    or issue.loc and issue.loc[-1] == "components" and "unknown value" in issue.message)]


def _each(data: dict[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    found = data.get(key)
    return [(i, entry) for i, entry in enumerate(found if isinstance(found, list) else [])
            if isinstance(entry, dict)]


# -- per kind -------------------------------------------------------------------------------


def service_issues(data: dict[str, Any], rules: Rules) -> list[Issue]:
    issues = _text(data, (), "title", multiline=False)
    issues += _text(data, (), "description", multiline=True)
    zone = data.get("timezone")
    if isinstance(zone, str):
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            issues.append(Issue(("timezone",), f"unknown time zone {zone!r}",
                                "use an IANA name such as Europe/London, or leave it out"))
    groups = _each(data, "groups")
    components = _each(data, "components")
    group_keys: dict[str, int] = {}
    for index, group in groups:
        loc: Loc = ("groups", index)
        issues += _text(group, loc, "name", multiline=False)
        issues += _text(group, loc, "description", multiline=True)
        issues += _audiences(group, loc, rules)
        key = group.get("key")
        if isinstance(key, str):
            if key in group_keys:
                issues.append(Issue((*loc, "key"), f"duplicate group key {key!r}: "
                                    f"groups[{group_keys[key]}] has it too", "give each group its own key"))
            else:
                group_keys[key] = index
    for index, group in groups:
        parent = group.get("parent")
        if isinstance(parent, str) and parent not in group_keys:
            issues.append(Issue(("groups", index, "parent"), f"unknown group {parent!r}",
                                "name a group listed under groups:"))
    issues += _cycles(groups, group_keys)
    component_keys: dict[str, int] = {}
    for index, component in components:
        loc = ("components", index)
        issues += _text(component, loc, "name", multiline=False)
        issues += _text(component, loc, "description", multiline=True)
        issues += _audiences(component, loc, rules)
        key = component.get("key")
        if isinstance(key, str):
            if key in component_keys:
                issues.append(Issue((*loc, "key"), f"duplicate component key {key!r}: "
                                    f"components[{component_keys[key]}] has it too",
                                    "give each component its own key"))
            else:
                component_keys[key] = index
        member = component.get("group")
        if isinstance(member, str) and member not in group_keys:
            issues.append(Issue((*loc, "group"), f"unknown group {member!r}",
                                "name a group listed under groups:, or leave it out"))
    return issues


def _cycles(groups: list[tuple[int, dict[str, Any]]], keys: dict[str, int]) -> list[Issue]:
    """Every group whose parent chain comes back to it. Linear: each group is walked once."""
    parent = {g.get("key"): g.get("parent") for _, g in groups if isinstance(g.get("key"), str)}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    in_cycle: set[str] = set()
    for start in parent:
        path: list[str] = []
        node: Any = start
        while isinstance(node, str) and node in parent and state.get(node) != 2:
            if state.get(node) == 1:
                in_cycle.update(path[path.index(node):])
                break
            state[node] = 1
            path.append(node)
            node = parent[node]
        for seen in path:
            state[seen] = 2
    issues = []
    for key in sorted(in_cycle, key=keys.__getitem__):
        chain, node = [key], parent[key]
        while node != key:
            chain.append(node)
            node = parent[node]
        chain.append(key)
        issues.append(Issue(("groups", keys[key], "parent"),
                            "groups form a cycle: " + " → ".join(chain),
                            "a group cannot be inside itself: remove one of these parent: lines"))
    return issues


def incident_issues(data: dict[str, Any], rules: Rules) -> list[Issue]:
    issues = _text(data, (), "title", multiline=False)
    issues += _audiences(data, (), rules)
    issues += _component_map(data, (), rules)
    for index, update in _each(data, "updates"):
        loc: Loc = ("updates", index)
        issues += _text(update, loc, "message", multiline=True)
        issues += _component_map(update, loc, rules)
        status = update.get("status")
        if isinstance(status, str) and status not in rules.incident_statuses:
            custom = sorted(rules.incident_statuses - set(INCIDENT_STATUSES))
            issues.append(Issue((*loc, "status"), f"unknown incident status {status!r}",
                                "use " + ", ".join([*INCIDENT_STATUSES, *custom])
                                + "; site.yaml can add more under incident_statuses:"))
    return issues


def incident_order(data: dict[str, Any], rules: Rules) -> list[Issue]:
    """Times in order. Runs on the plain data, so it reports even when another field is wrong."""
    issues = []
    start, end = _time(data.get("startUtc")), _time(data.get("endUtc"))
    if start is not None and end is not None and end < start:
        issues.append(Issue(("endUtc",), f"the incident ends ({_t(end)}) before it starts ({_t(start)})",
                            "correct startUtc or endUtc"))
    timeline = []
    for index, update in _each(data, "updates"):
        moment = _time(update.get("timeUtc"))
        if moment is None:
            continue
        timeline.append((moment, index, update.get("status")))
        if start is not None and moment < start:
            issues.append(Issue(("updates", index, "timeUtc"),
                                f"the update ({_t(moment)}) is before the incident starts ({_t(start)})",
                                "correct the time, or move startUtc earlier"))
        elif end is not None and moment > end:
            issues.append(Issue(("updates", index, "timeUtc"),
                                f"the update ({_t(moment)}) is after the incident ended ({_t(end)})",
                                "to reopen the incident, set endUtc: null"))
    if data.get("endUtc") is None and timeline:
        moment, index, status = max(timeline, key=lambda entry: (entry[0], entry[1]))
        if status == "resolved":
            issues.append(Issue(("updates", index, "status"),
                                "the last update says resolved, but the incident has no endUtc",
                                f"add endUtc: {_t(moment)}"))
    return issues


def _times(value: Any) -> dict[str, Any]:
    """The times of a valid object, in the shape of its data: the order rules read them
    without converting every time string a second time."""
    found: dict[str, Any] = {"startUtc": value.start_utc, "endUtc": value.end_utc}
    updates = getattr(value, "updates", None)
    if updates is not None:
        found["updates"] = [{"timeUtc": u.time_utc, "status": u.status} for u in updates]
    return found


def _time(value: object) -> Any:
    """A time field's value as an aware datetime, or None if it is absent or invalid."""
    from ..model import UtcTime

    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str):
        return None
    try:
        return msgspec.convert(value, UtcTime, strict=False)
    except msgspec.ValidationError:
        return None


def maintenance_issues(data: dict[str, Any], rules: Rules) -> list[Issue]:
    issues = _text(data, (), "title", multiline=False)
    issues += _audiences(data, (), rules)
    for index, update in _each(data, "updates"):
        issues += _text(update, ("updates", index), "message", multiline=True)
    found = data.get("components")
    for index, key in enumerate(found if isinstance(found, list) else []):
        issues += _known_component(key, ("components", index), rules)
    return issues


def maintenance_order(data: dict[str, Any], rules: Rules) -> list[Issue]:
    start, end = _time(data.get("startUtc")), _time(data.get("endUtc"))
    if start is not None and end is not None and end <= start:
        return [Issue(("endUtc",), f"the window ends ({_t(end)}) before or when it "
                      f"starts ({_t(start)})", "correct startUtc or endUtc")]
    return []


def update_issues(data: dict[str, Any], rules: Rules) -> list[Issue]:
    return (_text(data, (), "title", multiline=False) + _text(data, (), "text", multiline=True)
            + _audiences(data, (), rules))


def template_issues(data: dict[str, Any], rules: Rules) -> list[Issue]:
    issues = _text(data, (), "title", multiline=False) + _text(data, (), "text", multiline=True)
    status = data.get("status")
    if isinstance(status, str) and status not in rules.incident_statuses:
        issues.append(Issue(("status",), f"unknown incident status {status!r}",
                            "use " + ", ".join(sorted(rules.incident_statuses))))
    return issues


def status_issues(data: dict[str, Any], rules: Rules) -> list[Issue]:
    issues = _text(data, (), "name", multiline=False) + _text(data, (), "value", multiline=False)
    issues += _text(data, (), "description", multiline=True)
    issues += _audiences(data, (), rules)
    description = data.get("description")
    if isinstance(description, str) and not rules.status_links and _LINK.search(description):
        issues.append(Issue(("description",), "links are not allowed in a status description",
                            "remove the link, or set status_links: true in site.yaml"))
    return issues


def overlaps(windows: list[tuple[str, str, str, list[str]]]) -> list[tuple[str, str, str]]:
    """Pairs of windows that share a component and overlap in time.

    ``windows`` are (name, start, end, component keys) with ``format_utc`` times.
    Returns (later window, earlier window, component), sorted within each component
    by start, so it is O(n log n), not a comparison of every pair.
    """
    by_component: dict[str, list[tuple[str, str, str]]] = {}
    for name, start, end, components in windows:
        for key in set(components):
            by_component.setdefault(key, []).append((start, end, name))
    found: dict[tuple[str, str], str] = {}
    for key in sorted(by_component):
        entries = sorted(by_component[key])
        latest_end, latest_name = "", ""
        for start, end, name in entries:
            if latest_name and start < latest_end:
                found.setdefault((name, latest_name), key)
            if end > latest_end:
                latest_end, latest_name = end, name
    return [(later, earlier, key) for (later, earlier), key in found.items()]


def _t(moment: Any) -> str:
    from ..model import format_utc

    return format_utc(moment)


CHECKS = {
    "service": service_issues, "incident": incident_issues, "maintenance": maintenance_issues,
    "update": update_issues, "template": template_issues, "status": status_issues,
}
ORDER_CHECKS = {"incident": incident_order, "maintenance": maintenance_order}

__all__ = ["HINTS", "Invalid", "Rules", "convert", "overlaps", "rules_for"]
