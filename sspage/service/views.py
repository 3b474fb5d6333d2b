"""The template context of service pages, and the bytes of each of their outputs.

Views are msgspec Structs, as in :mod:`sspage.render` (docs/themes.md lists
their fields). Markdown is rendered by :func:`sspage.markdown.render_markdown`,
which sanitises it; nothing else is marked safe. Times are shown in the
service's time zone. Nothing here reads the clock: ``now`` is given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from ..model import format_utc
from . import layout, shapes
from .compute import ComponentState, GroupState, ServiceState, named_components, shown_component_names
from .model import Incident, Maintenance, PostedUpdate, Service, SingleStatus
from .reader import object_id, status_ids
from .records import IncidentRecord

if TYPE_CHECKING:
    from ..render import Renderer

RECENT_INCIDENTS = 5  # resolved incidents on the main page; the archive has the rest
RECENT_UPDATES = 5  # posted updates after the pinned ones
UPCOMING = 10  # upcoming windows on the main page


class NodeView(msgspec.Struct, frozen=True, kw_only=True):
    """A group (``kind == "group"``, with children) or a component of the component list."""

    kind: str
    key: str
    name: str
    description: str | None
    status: str  # effective: operational, degraded_performance, ...
    open: bool  # a group: shown open (not collapsed, or something in it is not operational)
    hidden: bool  # a component shown only when degraded, while it is operational
    children: list[NodeView]


class ChangeView(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    status: str


class UpdateView(msgspec.Struct, frozen=True, kw_only=True):
    time_utc: dt.datetime
    status: str
    message_html: Any
    changes: list[ChangeView]


class IncidentView(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    title: str
    impact: str
    status: str
    start_utc: dt.datetime
    end_utc: dt.datetime | None
    url: str  # the permalink, from the site root
    affected: list[ChangeView]  # components it affects now (open) or affected (resolved)
    updates: list[UpdateView]  # newest first


class MaintenanceView(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    title: str
    phase: str  # scheduled, in_progress, verifying, completed: by the clock at build time
    start_utc: dt.datetime
    end_utc: dt.datetime
    url: str
    components: list[str]  # names
    updates: list[UpdateView]


class PostView(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    title: str
    text_html: Any
    severity: str
    pinned: bool
    time_utc: dt.datetime


class SummaryView(msgspec.Struct, frozen=True, kw_only=True):
    """An incident in a list (the archive, past incidents): from the manifest's record."""

    id: str
    title: str
    impact: str
    status: str
    start_utc: dt.datetime
    end_utc: dt.datetime | None
    url: str


class MonthView(msgspec.Struct, frozen=True, kw_only=True):
    key: str  # 2026-06
    year: int
    month: int  # 1 to 12
    count: int
    url: str


class StatusView(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    name: str
    value: str
    color_no: int
    description: str | None
    description_html: Any  # links only where site.yaml allows them; None without a description
    url: str  # its share page
    json_url: str
    updated_utc: dt.datetime | None


class ServiceView(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    title: str
    description_html: Any
    url: str  # the main page, from the site root
    public_url: str
    history_url: str
    timezone: str
    # The state, on the main page only: a permalink must not change when the state does.
    indicator: str | None  # none, minor, major, critical
    banner: str | None  # none, minor, major, critical or maintenance: which sentence the banner says
    summarized: str | None  # up, warning, down, unknown
    listed: bool





class ServicePages:
    """Renders service pages with the site's :class:`~sspage.render.Renderer` (theme, strings)."""

    def __init__(self, renderer: Renderer, base_url: str, site_zone: str) -> None:
        self.renderer = renderer
        self.base_url = base_url
        self.site_zone = site_zone
        self._zones: dict[str, Any] = {}
        self._markdown: dict[str, Any] = {}

    def compile(self) -> None:
        """Load the templates workers use before they fork, not once in each."""
        for name in ("incident.html", "maintenance.html"):
            if name not in self.renderer.templates:
                self.renderer.templates[name] = self.renderer._load(name)

    # -- pieces ----------------------------------------------------------------------------

    def markdown(self, text: str | None) -> Any:
        """Sanitised HTML of a Markdown text. Status updates repeat themselves ("This incident
        has been resolved."), so each distinct text is rendered once per process."""
        if not text:
            return None
        html = self._markdown.get(text)
        if html is None:
            from ..markdown import render_markdown

            if len(self._markdown) > 4096:
                self._markdown.clear()
            html = self._markdown[text] = self.renderer.markup(render_markdown(text))
        return html

    def local_time(self, service: Service) -> Any:
        zone = service.timezone or self.site_zone
        if zone not in self._zones:
            import zoneinfo

            tz = zoneinfo.ZoneInfo(zone)
            strings = self.renderer.strings

            def local_time(moment: dt.datetime) -> str:
                local = moment.astimezone(tz)
                return str(strings["datetime"]).format(
                    day=local.day, month=strings["months"][local.month - 1], year=local.year,
                    time=local.strftime("%H:%M"), zone=local.tzname() or "")

            self._zones[zone] = local_time
        return self._zones[zone]

    def service_view(self, service: Service, state: ServiceState | None = None) -> ServiceView:
        slug = service.slug
        banner = None
        if state is not None:
            banner = "maintenance" if state.indicator == "none" and state.maintenance_active \
                else state.indicator
        return ServiceView(
            slug=slug, title=service.title,
            description_html=self.markdown(service.description) if state is not None else None,
            url=layout.service_path(slug), public_url=f"{self.base_url}/{layout.service_path(slug)}",
            history_url=layout.history_path(slug), timezone=service.timezone or self.site_zone,
            indicator=None if state is None else state.indicator, banner=banner,
            summarized=None if state is None else state.summarized,
            listed=service.listed)

    def incident_view(self, service: Service, incident: Incident, audience: str | None) -> IncidentView:
        names = shown_component_names(service, _named(incident), audience)
        ident = object_id(incident, service.slug, "incident")
        updates = [UpdateView(time_utc=u.time_utc, status=u.status, message_html=self.markdown(u.message),
                              changes=[ChangeView(name=names[k], status=s)
                                       for k, s in u.components.items() if k in names])
                   for u in reversed(incident.timeline())]
        affected = incident.component_effects() if not incident.resolved else dict(incident.components)
        return IncidentView(
            id=ident, title=incident.title, impact=incident.impact, status=incident.status,
            start_utc=incident.start_utc, end_utc=incident.end_utc,
            url=layout.incident_path(service.slug, ident),
            affected=[ChangeView(name=names[k], status=s) for k, s in affected.items() if k in names],
            updates=updates)

    def maintenance_view(self, service: Service, window: Maintenance, phase: str,
                         audience: str | None) -> MaintenanceView:
        names = shown_component_names(service, window.components, audience)
        ident = object_id(window, service.slug, "maintenance")
        return MaintenanceView(
            id=ident, title=window.title, phase=phase, start_utc=window.start_utc,
            end_utc=window.end_utc, url=layout.maintenance_path(service.slug, ident),
            components=[names[k] for k in window.components if k in names],
            updates=[UpdateView(time_utc=u.time_utc, status=u.status,
                                message_html=self.markdown(u.message), changes=[])
                     for u in reversed(window.timeline())])

    def post_view(self, service: Service, post: PostedUpdate) -> PostView:
        return PostView(id=object_id(post, service.slug, "update"), title=post.title,
                        text_html=self.markdown(post.text), severity=post.severity,
                        pinned=post.pinned, time_utc=post.time_utc)

    def status_view(self, status: SingleStatus, links: bool) -> StatusView:
        _, share = status_ids(status)
        html = None
        if status.description:
            html = self.markdown(status.description) if links else None
        return StatusView(key=status.key, name=status.name, value=status.value,
                          color_no=status.color_no, description=status.description,
                          description_html=html, url=layout.status_path(share),
                          json_url=f"{layout.status_path(share)}status.json",
                          updated_utc=status.updated_utc)

    # -- whole pages ---------------------------------------------------------------------

    def render(self, template: str, output: str, source: Service | None, **context: Any) -> bytes:
        """Render ``template`` for ``output``; times in the time zone of service ``source``."""
        if source is not None:
            context["local_time"] = self.local_time(source)
        return self.renderer.render(template, output, **context)

    def main_page(self, service: Service, state: ServiceState, *, incidents: Sequence[IncidentView],
                  active: Sequence[MaintenanceView], upcoming: Sequence[MaintenanceView],
                  pinned: Sequence[PostView], recent: Sequence[PostView],
                  past: Sequence[SummaryView], statuses: Sequence[StatusView],
                  updated: dt.datetime | None, uptime: Sequence[Any] = ()) -> bytes:
        output = layout.service_page_path(service.slug)
        return self.render("service.html", output, service, service=self.service_view(service, state),
                           components=[_node(n) for n in state.roots], incidents=list(incidents),
                           active_maintenance=list(active), upcoming_maintenance=list(upcoming),
                           pinned_updates=list(pinned), recent_updates=list(recent),
                           past_incidents=list(past), statuses=list(statuses), updated_utc=updated,
                           uptime=list(uptime))

    def incident_page(self, service: Service, view: IncidentView, month: MonthView) -> bytes:
        return self.render("incident.html", view.url, service, service=self.service_view(service),
                           incident=view, month=month)

    def maintenance_page(self, service: Service, view: MaintenanceView) -> bytes:
        return self.render("maintenance.html", view.url, service,
                           service=self.service_view(service), maintenance=view)

    def history_index(self, service: Service, months: Sequence[MonthView]) -> bytes:
        return self.render("history.html", layout.history_path(service.slug), service,
                           service=self.service_view(service), months=list(months))

    def month_page(self, service: Service, month: MonthView, incidents: Sequence[SummaryView],
                   newer: MonthView | None, older: MonthView | None) -> bytes:
        return self.render("history_month.html", layout.history_path(service.slug, month.key), service,
                           service=self.service_view(service), month=month,
                           incidents=list(incidents), newer=newer, older=older)

    def status_files(self, status: SingleStatus, links: bool) -> list[tuple[str, bytes]]:
        from ..shapes import to_json

        view = self.status_view(status, links)
        html_path, json_path = layout.status_outputs(view.url.split("/")[1])
        html = self.renderer.render("status.html", html_path, status=view)
        return [(html_path, html), (json_path, (to_json(shapes.status_json(status)) + "\n").encode())]


def summary_view(slug: str, record: IncidentRecord) -> SummaryView:
    return SummaryView(id=record.id, title=record.title, impact=record.impact, status=record.status,
                       start_utc=_parse(record.start), end_utc=None if record.end is None else
                       _parse(record.end), url=layout.incident_path(slug, record.id))


def month_view(slug: str, key: str, count: int) -> MonthView:
    year, month = key.split("-")
    return MonthView(key=key, year=int(year), month=int(month), count=count,
                     url=layout.history_path(slug, key))


def _parse(text: str) -> dt.datetime:
    """A ``format_utc`` time back to a datetime (fromisoformat is C; strptime is not)."""
    return dt.datetime.fromisoformat(text[:-1]).replace(tzinfo=dt.timezone.utc)


_named = named_components  # the build's records keep them (render.py)


def _node(node: GroupState | ComponentState) -> NodeView:
    if isinstance(node, ComponentState):
        return NodeView(kind="component", key=node.key, name=node.name, description=node.description,
                        status=node.effective, open=False,
                        hidden=node.only_show_if_degraded and node.effective == "operational",
                        children=[])
    children: list[GroupState | ComponentState] = [*node.components, *node.groups]
    return NodeView(kind="group", key=node.key, name=node.name, description=node.description,
                    status=node.effective, open=not node.collapsed or node.effective != "operational",
                    hidden=False, children=[_node(child) for child in children])


def timestamp(moment: dt.datetime) -> str:
    return format_utc(moment)
