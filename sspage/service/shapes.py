"""The JSON shapes of service content, in the field names of the systems they come from.

Components, incidents and maintenance windows take the shapes of Atlassian
Statuspage's public API (v2): ``id``, ``name``, ``status``, ``impact``,
``shortlink``, ``started_at``, ``incident_updates`` newest first, and so on.
Posted updates take Oh Dear's shape and single-value statuses Stativate's.
``--json`` prints these, so a script written against one of those APIs reads
sspage's output with the same code. The build's Statuspage-compatible
``api/v2/*.json`` files can be assembled from the same functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from ..model import format_utc
from .compute import ComponentState, GroupState, ServiceState, service_id
from .layout import incident_path, maintenance_path, service_path
from .model import Incident, Maintenance, PostedUpdate, Service, SingleStatus, maintenance_phase
from .reader import derived_id, object_id, status_ids


class Context(msgspec.Struct, frozen=True):
    """What the shapes need besides the object: where the service is published."""

    service: Service
    base_url: str
    timezone: str

    @property
    def page_id(self) -> str:
        return service_id(self.service)

    @property
    def url(self) -> str:
        return f"{self.base_url}/{service_path(self.service.slug)}"

    def incident_url(self, ident: str) -> str:
        return f"{self.base_url}/{incident_path(self.service.slug, ident)}"

    def maintenance_url(self, ident: str) -> str:
        return f"{self.base_url}/{maintenance_path(self.service.slug, ident)}"





def _time(moment: dt.datetime | None) -> str | None:
    return None if moment is None else format_utc(moment)


def component_json(component: ComponentState, context: Context,
                   position: int | None = None) -> dict[str, Any]:
    """Statuspage's component. ``position`` counts from 1 among its siblings, as displayed.

    ``created_at`` and ``updated_at`` are the content's (:func:`compute.component_times`),
    null for a component no incident or window has named; ``showcase`` (whether its uptime
    bars are shown) is true at the top level, where the page shows a row of bars; a
    ``start_date`` is never set.
    """
    return {
        "id": component.id,
        "name": component.name,
        "status": component.effective,
        "created_at": component.created_at,
        "updated_at": component.updated_at,
        "position": position if position is not None else component.place,
        "description": component.description,
        "showcase": component.group is None,
        "start_date": None,
        "group_id": None if component.group is None else _group_id(context, component.group),
        "page_id": context.page_id,
        "group": False,
        "only_show_if_degraded": component.only_show_if_degraded,
    }


def group_json(group: GroupState, context: Context, position: int | None = None) -> dict[str, Any]:
    """A group, which Statuspage lists among components with ``group: true``."""
    return {
        "id": group.id,
        "name": group.name,
        "status": group.effective,
        "created_at": group.created_at,
        "updated_at": group.updated_at,
        "position": position if position is not None else group.place,
        "description": group.description,
        "showcase": group.parent is None,
        "start_date": None,
        "group_id": None if group.parent is None else _group_id(context, group.parent),
        "page_id": context.page_id,
        "group": True,
        "only_show_if_degraded": False,
        "components": [c.id for c in group.components] + [g.id for g in group.groups],
    }


def _group_id(context: Context, key: str) -> str:
    from .compute import group_id

    return group_id(context.page_id, key)


#: The rest of Statuspage's incident update: every update is published (in the feeds too), and
#: none is posted to Twitter.
_NOT_TWEETED = {"deliver_notifications": True, "custom_tweet": None, "tweet_id": None}


def incident_json(incident: Incident, context: Context,
                  components: Mapping[str, ComponentState]) -> dict[str, Any]:
    """Statuspage's incident, with ``incident_updates`` newest first."""
    ident = object_id(incident, context.service.slug, "incident")
    updates = []
    effects: dict[str, str] = {}
    for index, update in enumerate(incident.timeline()):
        changes = dict(incident.components) if index == 0 else {}
        changes.update(update.components)
        affected = [{"code": components[key].id, "name": components[key].name,
                     "old_status": effects.get(key, components[key].own), "new_status": status}
                    for key, status in changes.items()
                    if key in components and effects.get(key) != status]
        effects.update(changes)
        updates.append({
            "id": derived_id(ident, "update", str(index)),
            "status": update.status,
            "body": update.message,
            "incident_id": ident,
            "created_at": format_utc(update.time_utc),
            "updated_at": format_utc(update.time_utc),
            "display_at": format_utc(update.time_utc),
            "affected_components": affected,
            **_NOT_TWEETED,
        })
    updates.reverse()
    return {
        "id": ident,
        "name": incident.title,
        "status": incident.status,
        "created_at": format_utc(incident.created_utc),
        "updated_at": format_utc(incident.updated_utc),
        "monitoring_at": _time(incident.monitoring_utc),
        "resolved_at": _time(incident.end_utc),
        "impact": incident.impact,
        "shortlink": context.incident_url(ident),
        "started_at": format_utc(incident.start_utc),
        "page_id": context.page_id,
        "incident_updates": updates,
        "components": [component_json(components[key], context) for key in incident.components
                       if key in components],
    }


def maintenance_json(window: Maintenance, context: Context, components: Mapping[str, ComponentState],
                     now: dt.datetime) -> dict[str, Any]:
    """Statuspage's scheduled maintenance; ``status`` is the phase at ``now``."""
    ident = object_id(window, context.service.slug, "maintenance")
    phase = maintenance_phase(window.status, format_utc(window.start_utc), format_utc(window.end_utc),
                              window.auto_start, window.auto_end, format_utc(now))
    updates = [{
        "id": derived_id(ident, "update", str(index)),
        "status": update.status,
        "body": update.message,
        "incident_id": ident,
        "created_at": format_utc(update.time_utc),
        "updated_at": format_utc(update.time_utc),
        "display_at": format_utc(update.time_utc),
        "affected_components": None,  # a window's updates change no component (its phase does)
        **_NOT_TWEETED,
    } for index, update in enumerate(window.timeline())]
    updates.reverse()
    return {
        "id": ident,
        "name": window.title,
        "status": phase,
        "created_at": format_utc(window.created_utc),
        "updated_at": format_utc(_window_updated(window, phase)),
        "monitoring_at": None,
        "resolved_at": format_utc(window.end_utc) if phase == "completed" else None,
        "impact": "maintenance",
        "shortlink": context.maintenance_url(ident),
        "started_at": format_utc(window.start_utc),
        "page_id": context.page_id,
        "incident_updates": updates,
        "components": [component_json(components[key], context) for key in window.components
                       if key in components],
        "scheduled_for": format_utc(window.start_utc),
        "scheduled_until": format_utc(window.end_utc),
        # Statuspage's names for a window that starts and completes by itself.
        "scheduled_auto_in_progress": window.auto_start,
        "scheduled_auto_completed": window.auto_end,
    }


def _window_updated(window: Maintenance, phase: str) -> dt.datetime:
    """When a window last changed: its latest update, its start once it has started, its end
    once completed; never its start while that is still ahead."""
    moments = [u.time_utc for u in window.updates]
    if phase != "scheduled":
        moments.append(window.start_utc)
    if phase == "completed":
        moments.append(window.end_utc)
    return max(moments, default=window.created_utc)


def components_json(state: ServiceState, context: Context) -> list[dict[str, Any]]:
    """Groups and components in display order: each group followed by what it holds."""
    found: list[dict[str, Any]] = []

    def walk(nodes: Sequence[GroupState | ComponentState]) -> None:
        for node in nodes:
            if isinstance(node, GroupState):
                found.append(group_json(node, context))
                walk([*node.components, *node.groups])
            else:
                found.append(component_json(node, context))

    walk(state.roots)
    return found


def summary_json(state: ServiceState, context: Context, *, updated: dt.datetime | None,
                 incidents: Sequence[dict[str, Any]],
                 maintenances: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Statuspage's ``summary.json``, plus Oh Dear's ``summarized_status``."""
    return {
        "page": {"id": context.page_id, "name": context.service.title, "url": context.url,
                 "time_zone": context.timezone, "updated_at": _time(updated)},
        "components": components_json(state, context),
        "incidents": list(incidents),
        "scheduled_maintenances": list(maintenances),
        "status": {"indicator": state.indicator, "description": state.description},
        "summarized_status": state.summarized,
    }


def post_json(post: PostedUpdate, context: Context) -> dict[str, Any]:
    """Oh Dear's status page update: ``time`` in the page's time zone, ``Y-m-d H:i:s``."""
    import zoneinfo

    local = post.time_utc.astimezone(zoneinfo.ZoneInfo(context.timezone))
    return {
        "id": object_id(post, context.service.slug, "update"),
        "title": post.title,
        "text": post.text,
        "pinned": post.pinned,
        "severity": post.severity,
        "time": local.strftime("%Y-%m-%d %H:%M:%S"),
        "status_page_url": context.url,
    }


def status_json(status: SingleStatus) -> dict[str, Any]:
    """Stativate's status response, field for field. No user list or history is published."""
    ident, share = status_ids(status)
    return {
        "id": ident,
        "shareId": share,
        "name": status.name,
        "value": status.value,
        "type": status.type,
        "accessType": status.access_type,
        "description": status.description,
        "colorNo": status.color_no,
        "accessTypeUserList": "private",
        "accessTypeHistory": "private",
    }
