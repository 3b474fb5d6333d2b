"""The library's front door to service pages: ``site.services``.

::

    import sspage
    site = sspage.open_site()
    services = site.services
    services.create_service("Acme Cloud", slug="acme")
    services.add_component("api", "REST API", service="acme")
    incident = services.open_incident("Elevated errors", components={"api": "partial_outage"},
                                      message="We are investigating.")
    services.update_incident(incident.id, status="monitoring", message="A fix is deployed.")
    services.resolve_incident(incident.id)
    services.set_status("deploy-freeze", value="TODAY", name="Deploy freeze")

Every change takes the site lock, writes one file atomically, validates it with
the rules ``sspage check`` applies, and is one git commit. ``service=None``
names the only service of a site that has one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..document import new_mapping, put, text_value, time_value
from ..errors import InputError, NotFoundError
from ..inputs import check_text
from ..refs import check_slug, is_slug, slugify
from . import layout, reader
from .base import quoted, trailers
from .compute import (
    Named,
    ServiceState,
    component_times,
    compute,
    incident_visible,
    named_components,
    set_times,
    visible,
    window_named,
)
from .files import create_file, free_path, mutate_file
from .incidents import IncidentOps
from .model import KEY_PATTERN, SEVERITIES, PostedUpdate, Service, SingleStatus, maintenance_phase
from .shapes import Context, incident_json, maintenance_json, summary_json

if TYPE_CHECKING:
    from pathlib import Path

SERVICE_KEYS = ("id", "title", "description", "timezone", "listed", "groups", "components", "statuses")
COMPONENT_KEYS = ("key", "name", "description", "group", "status", "onlyShowIfDegraded", "audiences")
GROUP_KEYS = ("key", "name", "description", "parent", "collapsed", "audiences")
UPDATE_KEYS = ("id", "title", "text", "severity", "pinned", "timeUtc", "audiences")
STATUS_KEYS = ("id", "shareId", "name", "type", "value", "accessType", "description", "colorNo",
               "audiences", "updatedUtc")
_UNSET: Any = object()


class Services(IncidentOps):
    """Every operation on service pages, posted updates and single-value statuses."""

    # -- services -------------------------------------------------------------------------

    def services(self) -> list[Service]:
        return [reader.read_service(self.site, slug, self.rules) for slug in self.slugs()]

    def create_service(self, title: str, *, slug: str | None = None, timezone: str | None = None,
                       description: str | None = None, listed: bool = True) -> Service:
        check_text("title", title, multiline=False)
        if description is not None:
            check_text("latest update", description, multiline=True)
        chosen = check_slug(slug) if slug is not None else slugify(title)
        folder = layout.service_dir(self.site, chosen)
        path = folder / layout.SERVICE_FILE
        pairs: list[tuple[str, Any]] = [("id", reader.new_id()), ("title", text_value(title))]
        if description is not None:
            pairs.append(("description", text_value(description)))
        if timezone is not None:
            pairs.append(("timezone", timezone))
        pairs += [("listed", listed), ("groups", []), ("components", []), ("statuses", [])]
        with self.site.lock:
            if path.exists():
                raise InputError(f"a service with the slug {chosen!r} already exists",
                                 hint="pass another --slug")
            service = create_file(self.site, path, "service", self.rules, pairs,
                                  f"{title}: create service page", trailers(chosen))
        service.slug = chosen
        return service  # type: ignore[no-any-return]

    def state(self, service: str | None = None, *, now: dt.datetime | None = None,
              audience: str | None = None) -> tuple[Service, ServiceState]:
        """The service and what it shows now (or at ``now``) to ``audience`` (None: the public)."""
        slug = self.slug(service)
        svc = self.service(slug)
        rules = self.rules_of(svc)
        moment = (now or self.now()).astimezone(dt.timezone.utc)
        stamp = _stamp(moment)
        shown = [i for i in self.all(slug, "incident", rules) if incident_visible(i, audience)]
        incidents = [i for i in shown if not i.resolved]
        windows = [(m, maintenance_phase(m.status, _stamp(m.start_utc), _stamp(m.end_utc), m.auto_start,
                                         m.auto_end, stamp))
                   for m in self.all(slug, "maintenance", rules) if incident_visible(m, audience)]
        maintained = [m.components for m, phase in windows if phase in ("in_progress", "verifying")]
        state = compute(svc, effects=[i.component_effects() for i in incidents],
                        impacts=[i.impact for i in incidents], maintained=maintained, audience=audience)
        # The components' created_at and updated_at, as the build publishes them.
        named: list[Named] = [(named_components(i), _stamp(i.start_utc), _stamp(i.updated_utc))
                              for i in shown]
        named += [entry for m, phase in windows if (entry := window_named(
            m.components, _stamp(m.start_utc), _stamp(m.end_utc), phase)) is not None]
        set_times(state, component_times(named))
        return svc, state

    def context(self, service: Service) -> Context:
        """Where a service is published, for the JSON shapes."""
        return Context(service, self.site.config.base_url,
                       service.timezone or self.site.config.timezone)

    def summary(self, service: str | None = None, *, now: dt.datetime | None = None,
                audience: str | None = None) -> dict[str, Any]:
        """Statuspage's ``summary.json`` of a service (and Oh Dear's ``summarized_status``)."""
        slug = self.slug(service)
        moment = (now or self.now()).astimezone(dt.timezone.utc)
        svc, state = self.state(slug, now=moment, audience=audience)
        context = self.context(svc)
        components = {c.key: c for c in state.components}
        rules = self.rules_of(svc)
        everything = [i for i in self.all(slug, "incident", rules) if incident_visible(i, audience)]
        incidents = sorted((i for i in everything if not i.resolved), key=lambda i: i.start_utc,
                           reverse=True)
        windows = [m for m in self.all(slug, "maintenance", rules) if incident_visible(m, audience)]
        shown = [maintenance_json(m, context, components, moment) for m in
                 sorted(windows, key=lambda m: m.start_utc)]
        # The page was last updated as the build says: its latest incident's change or post.
        times = [i.updated_utc for i in everything]
        times += [p.time_utc for p in self.all(slug, "update") if visible(p.audiences, audience)]
        return summary_json(state, context, updated=max(times, default=None),
                            incidents=[incident_json(i, context, components) for i in incidents],
                            maintenances=[m for m in shown if m["status"] != "completed"])

    # -- components and groups -------------------------------------------------------------

    def add_component(self, key: str, name: str, *, service: str | None = None,
                      group: str | None = None, description: str | None = None,
                      status: str = "operational") -> Service:
        _check_key(key, "component")
        check_text("title", name, multiline=False)
        word = self.component_status(status)

        def change(data: Any, svc: Service) -> str:
            if any(c.key == key for c in svc.components):
                raise InputError(f"{svc.title} already has a component {key!r}")
            if group is not None and all(g.key != group for g in svc.groups):
                raise InputError(f"{svc.title} has no group {group!r}",
                                 hint="add it first with `sspage group add`")
            pairs: list[tuple[str, Any]] = [("key", key), ("name", text_value(name))]
            if description is not None:
                pairs.append(("description", text_value(description)))
            if group is not None:
                pairs.append(("group", group))
            pairs.append(("status", word))
            _append(data, "components", new_mapping(pairs))
            return f"{svc.title}: add component {quoted(name)}"

        return self._change_service(service, change, key)

    def set_component(self, key: str, *, service: str | None = None, status: str | None = None,
                      name: str | None = None, description: str | None = _UNSET,
                      group: str | None = _UNSET) -> Service:
        """Change a component's own status, name, description or group."""
        if status is None and name is None and description is _UNSET and group is _UNSET:
            raise InputError("nothing to change", hint="give --status, --name, --description or --group")
        word = None if status is None else self.component_status(status)
        if name is not None:
            check_text("title", name, multiline=False)

        def change(data: Any, svc: Service) -> str:
            index = _index(svc.components, key, f"{svc.title} has no component {key!r}")
            mapping = data["components"][index]
            words = []
            if word is not None and word != svc.components[index].status:
                put(mapping, "status", word, COMPONENT_KEYS)
                words.append(f"{svc.components[index].status} → {word}")
            if name is not None:
                put(mapping, "name", text_value(name), COMPONENT_KEYS)
                words.append(f"now {quoted(name)}")
            if description is not _UNSET:
                put(mapping, "description", None if description is None else text_value(description),
                    COMPONENT_KEYS)
                words.append("description")
            if group is not _UNSET:
                if group is not None and all(g.key != group for g in svc.groups):
                    raise InputError(f"{svc.title} has no group {group!r}")
                put(mapping, "group", group, COMPONENT_KEYS)
                words.append(f"group {group}")
            if not words:
                return ""
            return f"{svc.title}: component {svc.components[index].name} " + ", ".join(words)

        return self._change_service(service, change, key)

    def remove_component(self, key: str, *, service: str | None = None) -> Service:
        """Remove a component that no incident or window names."""
        slug = self.slug(service)

        def change(data: Any, svc: Service) -> str:
            index = _index(svc.components, key, f"{svc.title} has no component {key!r}")
            users = self._files_naming(slug, key)
            if users:
                shown = ", ".join(self.site.display(p) for p in users[:3])
                raise InputError(f"component {key!r} is named by {len(users)} file(s): {shown}",
                                 hint="remove it from them first; history keeps resolved incidents "
                                 "in git")
            del data["components"][index]
            return f"{svc.title}: remove component {svc.components[index].name}"

        return self._change_service(slug, change, key)

    def _files_naming(self, slug: str, key: str) -> list[Path]:
        """Incidents and windows that name component ``key`` (a text scan, then a parse)."""
        needle = key.encode()
        found = []
        for kind in ("incident", "maintenance"):
            for path in layout.kind_paths(self.site, slug, kind):
                if needle in path.read_bytes():
                    value = reader.read(self.site, path, kind, self.rules)
                    named = set(value.components)
                    for update in getattr(value, "updates", ()):
                        named.update(getattr(update, "components", ()))
                    if key in named:
                        found.append(path)
        return found

    def add_group(self, key: str, name: str, *, service: str | None = None,
                  parent: str | None = None, description: str | None = None,
                  collapsed: bool = False) -> Service:
        _check_key(key, "group")
        check_text("title", name, multiline=False)

        def change(data: Any, svc: Service) -> str:
            if any(g.key == key for g in svc.groups):
                raise InputError(f"{svc.title} already has a group {key!r}")
            if parent is not None and all(g.key != parent for g in svc.groups):
                raise InputError(f"{svc.title} has no group {parent!r}")
            pairs: list[tuple[str, Any]] = [("key", key), ("name", text_value(name))]
            if description is not None:
                pairs.append(("description", text_value(description)))
            if parent is not None:
                pairs.append(("parent", parent))
            if collapsed:
                pairs.append(("collapsed", True))
            _append(data, "groups", new_mapping(pairs))
            return f"{svc.title}: add group {quoted(name)}"

        return self._change_service(service, change, key, "Group")

    def _change_service(self, service: str | None, change: Any, key: str,
                        what: str = "Component") -> Service:
        slug = self.slug(service)
        path = layout.service_dir(self.site, slug) / layout.SERVICE_FILE
        with self.site.lock:
            found = mutate_file(self.site, path, "service", self.rules, change,
                                lambda current: {**trailers(slug), f"Sspage-{what}": key})
        found.slug = slug
        return found  # type: ignore[no-any-return]

    # -- posted updates -------------------------------------------------------------------

    def posts(self, service: str | None = None) -> list[PostedUpdate]:
        """Posted updates, pinned first, then newest first."""
        found = self.all(self.slug(service), "update")
        return sorted(found, key=lambda u: (u.pinned, u.time_utc, u.stem), reverse=True)

    def post(self, ref: str, service: str | None = None) -> PostedUpdate:
        return self.read(self.slug(service), "update", ref)  # type: ignore[no-any-return]

    def post_update(self, title: str | None = None, *, service: str | None = None,
                    text: str | None = None, severity: str | None = None, pinned: bool = False,
                    template: str | None = None, audiences: Sequence[str] = (),
                    at: dt.datetime | None = None) -> PostedUpdate:
        """Post an Oh Dear style update: a title, Markdown text, a severity and a time."""
        chosen = self.template(template) if template else None
        title = title or (chosen.title if chosen else None)
        if not title:
            raise InputError("an update needs a title", hint="give TITLE, or --template NAME")
        check_text("title", title, multiline=False)
        text = text if text is not None else (chosen.text if chosen else None)
        if text is not None:
            check_text("latest update", text, multiline=True)
        severity = severity or (chosen.severity if chosen else None)
        if severity not in SEVERITIES:
            raise InputError(f"unknown severity {severity!r}" if severity else "an update needs a severity",
                             hint="use --severity info, warning, high, resolved or scheduled")
        slug = self.slug(service)
        with self.site.lock:
            svc = self.service(slug)
            moment = at or self.now()
            ident = reader.new_id()
            pairs: list[tuple[str, Any]] = [("id", ident), ("title", text_value(title))]
            if text is not None:
                pairs.append(("text", text_value(text)))
            pairs += [("severity", severity), ("pinned", pinned), ("timeUtc", time_value(moment))]
            if audiences:
                pairs.append(("audiences", self.audiences(audiences)))
            folder = layout.kind_dir(self.site, slug, "update")
            path = free_path(folder, f"{self.local_date(svc, moment)}-{slugify(title)}")
            return create_file(  # type: ignore[no-any-return]
                self.site, path, "update", self.rules, pairs,
                f"{svc.title}: post update {quoted(title)} ({severity})", trailers(slug, "update", ident))

    def pin_update(self, ref: str, *, service: str | None = None, pinned: bool = True) -> PostedUpdate:
        slug = self.slug(service)
        with self.site.lock:
            title = self.service(slug).title
            path = self.find(slug, "update", ref)

            def change(data: Any, post: PostedUpdate) -> str:
                if post.pinned == pinned:
                    return ""
                put(data, "pinned", pinned, UPDATE_KEYS)
                return f"{title}: {'pin' if pinned else 'unpin'} update {quoted(post.title)}"

            return mutate_file(  # type: ignore[no-any-return]
                self.site, path, "update", self.rules, change,
                lambda post: trailers(slug, "update", reader.object_id(post, slug, "update")))

    def remove_update(self, ref: str, *, service: str | None = None) -> PostedUpdate:
        from ..atomic import atomic_delete
        from ..store import Change

        slug = self.slug(service)
        with self.site.lock:
            title = self.service(slug).title
            path = self.find(slug, "update", ref)
            post = reader.read(self.site, path, "update", self.rules)
            record = Change(path, f"{title}: remove update {quoted(post.title)}",
                            trailers(slug, "update", reader.object_id(post, slug, "update")))
            self.site._changing(record)
            atomic_delete(path)
            self.site._changed(record)
        return post  # type: ignore[no-any-return]

    # -- single-value statuses ------------------------------------------------------------

    def statuses(self) -> list[SingleStatus]:
        return [reader.read_status(self.site, path, self.rules) for path in layout.status_paths(self.site)]

    def status(self, key: str) -> SingleStatus:
        path = self._status_path(key)
        if not path.is_file():
            raise NotFoundError(f"no status {key!r}", hint="`sspage status list` lists them")
        return reader.read_status(self.site, path, self.rules)  # type: ignore[no-any-return]

    def set_status(self, key: str, *, value: str | None = None, name: str | None = None,
                   color: int | None = None, private: bool | None = None,
                   description: str | None = _UNSET) -> SingleStatus:
        """Create or update a status by key, as Stativate's ``POST /v1/status-keys/:key`` does."""
        path = self._status_path(key)
        now = self.now()
        with self.site.lock:
            if not path.exists():
                if value is None:
                    raise InputError(f"there is no status {key!r} yet: a new one needs a value",
                                     hint="give --value")
                pairs: list[tuple[str, Any]] = [
                    ("id", reader.new_id() + reader.new_id()[:8]), ("shareId", reader.new_id()[:8]),
                    ("name", text_value(name or key)), ("type", "text"), ("value", text_value(value)),
                    ("accessType", "private" if private else "public")]
                if isinstance(description, str):
                    pairs.append(("description", text_value(description)))
                pairs += [("colorNo", color or 1), ("updatedUtc", time_value(now))]
                found = create_file(self.site, path, "status", self.rules, pairs,
                                    f"status {key}: {value}", {"Sspage-Status": key})
            else:
                def change(data: Any, current: SingleStatus) -> str:
                    words = []
                    for field, given, shown in (("value", value, value), ("name", name, name),
                                                ("colorNo", color, f"colour {color}"),
                                                ("accessType", None if private is None else
                                                 ("private" if private else "public"), None)):
                        if given is not None:
                            put(data, field, given if field == "colorNo" else text_value(str(given)),
                                STATUS_KEYS)
                            words.append(shown or str(given))
                    if description is not _UNSET:
                        put(data, "description",
                            None if description is None else text_value(description), STATUS_KEYS)
                        words.append("description")
                    if not words:
                        raise InputError("nothing to change", hint="give --value, --name, --color, "
                                         "--description, --private or --public")
                    put(data, "updatedUtc", time_value(now), STATUS_KEYS)
                    return f"status {key}: " + ", ".join(words)

                found = mutate_file(self.site, path, "status", self.rules, change,
                                    lambda current: {"Sspage-Status": key})
        found.key = key
        return found  # type: ignore[no-any-return]

    def _status_path(self, key: str) -> Path:
        if not is_slug(key):
            raise InputError(f"invalid status key {key!r}",
                             hint="use lower-case letters, digits and single hyphens")
        return self.site.content_dir / layout.STATUSES / f"{key}.yaml"


def visible_to(value: Any, audience: str | None) -> bool:
    """Whether an incident, window, post or status is published to ``audience``."""
    if getattr(value, "private", False) or getattr(value, "access_type", "public") == "private":
        return False
    return visible(value.audiences, audience)


def _append(data: Any, key: str, value: Any) -> None:
    from .incidents import _append as append

    append(data, key, value, SERVICE_KEYS)


def _index(entries: Sequence[Any], key: str, message: str) -> int:
    for index, entry in enumerate(entries):
        if entry.key == key:
            return index
    raise NotFoundError(message)


def _check_key(key: str, what: str) -> None:
    import re

    if not re.fullmatch(KEY_PATTERN, key) or len(key) > 64:
        raise InputError(f"invalid {what} key {key!r}",
                         hint="use lower-case letters, digits and single - or _ (at most 64)")


def _stamp(moment: dt.datetime) -> str:
    from ..model import format_utc

    return format_utc(moment)
