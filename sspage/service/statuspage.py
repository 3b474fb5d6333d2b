"""Statuspage's public read API (v2) as static files: ``api/v2/summary.json`` and its kin.

A consumer written for a Statuspage page (an aggregator, a monitoring check, a
chat bot) reads a service page by a change of URL only, so every document has
Statuspage's field names, nesting, enums and types, and nothing it would not
expect to find: Oh Dear's ``summarized_status`` (in ``--json``) is left out,
and an incident status of site.yaml's own (``incident_statuses``) is published
as ``identified``, the nearest of Statuspage's words for "known, being worked on".

The objects are those of :mod:`sspage.service.shapes`; this module chooses
which incidents and windows each document lists, as Statuspage does:

* ``incidents.json``: the 50 most recent incidents (by start), any status;
* ``incidents/unresolved.json`` and ``summary.json``: every open incident;
* ``scheduled-maintenances.json``: the 50 most recent windows (by start);
* ``.../upcoming.json``: every window still scheduled; ``.../active.json``:
  every window in progress or verifying; ``summary.json`` lists both.

``jsonschema`` checks the outputs against ``statuspage_schema/`` in the tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from ..shapes import to_json
from .compute import ServiceState
from .model import Incident, Maintenance
from .shapes import Context, components_json, incident_json, maintenance_json

API = "api/v2/"
#: Statuspage lists the 50 most recent incidents and scheduled maintenances.
RECENT = 50
DOCUMENTS = ("summary.json", "status.json", "components.json", "incidents.json",
             "incidents/unresolved.json", "scheduled-maintenances.json",
             "scheduled-maintenances/upcoming.json", "scheduled-maintenances/active.json")
INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved", "postmortem")
ACTIVE = ("in_progress", "verifying")


def api_paths(prefix: str) -> list[str]:
    """The documents' paths under ``prefix`` (``status/<slug>/``, or ``""`` for the site root)."""
    return [f"{prefix}{API}{name}" for name in DOCUMENTS]


def documents(state: ServiceState, context: Context, *, updated: dt.datetime | None,
              incidents: Sequence[Incident], windows: Sequence[tuple[Maintenance, str]],
              now: dt.datetime) -> dict[str, bytes]:
    """Every document, by its name under ``api/v2/``.

    ``incidents``: the open ones and the most recent ones (each once, any order);
    ``windows``: each window with the phase it shows at ``now``.
    """
    components = {c.key: c for c in state.components}
    by_start = sorted(incidents, key=lambda i: (i.start_utc, i.title), reverse=True)
    shaped = {id(i): _public(incident_json(i, context, components)) for i in by_start}
    recent = [shaped[id(i)] for i in by_start[:RECENT]]
    unresolved = [shaped[id(i)] for i in by_start if i.end_utc is None]
    ordered = sorted(windows, key=lambda w: (w[0].start_utc, w[0].title), reverse=True)
    window_json = {id(w): maintenance_json(w, context, components, now) for w, _ in ordered}
    upcoming = [window_json[id(w)] for w, phase in reversed(ordered) if phase == "scheduled"]
    active = [window_json[id(w)] for w, phase in reversed(ordered) if phase in ACTIVE]
    page = {"id": context.page_id, "name": context.service.title, "url": context.url,
            "time_zone": context.timezone,
            "updated_at": None if updated is None else _format(updated)}
    status = {"indicator": state.indicator, "description": state.description}
    component_list = components_json(state, context)
    found: dict[str, Any] = {
        "summary.json": {"page": page, "components": component_list, "incidents": unresolved,
                         "scheduled_maintenances": active + upcoming, "status": status},
        "status.json": {"page": page, "status": status},
        "components.json": {"page": page, "components": component_list},
        "incidents.json": {"page": page, "incidents": recent},
        "incidents/unresolved.json": {"page": page, "incidents": unresolved},
        "scheduled-maintenances.json": {
            "page": page, "scheduled_maintenances": [window_json[id(w)] for w, _ in ordered[:RECENT]]},
        "scheduled-maintenances/upcoming.json": {"page": page, "scheduled_maintenances": upcoming},
        "scheduled-maintenances/active.json": {"page": page, "scheduled_maintenances": active},
    }
    # Statuspage's shapes hold text, whole numbers, booleans and nulls, never a float: no
    # NaN to refuse, so the walk over every value that looks for one is skipped.
    return {name: (to_json(value, check_numbers=False) + "\n").encode() for name, value in found.items()}


def _public(incident: dict[str, Any]) -> dict[str, Any]:
    """An incident with Statuspage's statuses only (see the module's docstring)."""
    incident["status"] = _status(incident["status"])
    for update in incident["incident_updates"]:
        update["status"] = _status(update["status"])
    return incident


def _status(status: str) -> str:
    return status if status in INCIDENT_STATUSES else "identified"


def _format(moment: dt.datetime) -> str:
    from ..model import format_utc

    return format_utc(moment)


def wanted_windows(records: Mapping[str, Any]) -> list[str]:
    """The stems of the windows the documents list: the most recent, the upcoming and the
    active ones. ``records`` are the shown windows' MaintenanceRecords, by stem."""
    import heapq

    recent = heapq.nlargest(RECENT, ((r.start, r.title, stem) for stem, r in records.items()))
    chosen = {stem for _, _, stem in recent}
    chosen.update(stem for stem, r in records.items() if r.phase == "scheduled" or r.phase in ACTIVE)
    return sorted(chosen)
