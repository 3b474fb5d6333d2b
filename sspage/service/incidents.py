"""Incidents and maintenance windows: open, update, resolve; schedule, start, complete.

Each operation writes one file and makes one commit. Times are aware
datetimes (the command line reads them in the service's time zone) and are
stored in UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..document import new_mapping, put, text_value, time_value
from ..errors import InputError
from ..inputs import check_text
from ..model import format_utc
from ..refs import is_slug, slugify
from . import layout, reader
from .base import ServiceBase, quoted, trailers
from .files import create_file, free_path, mutate_file
from .model import IMPACTS, MAINTENANCE_STATUSES, Incident, Maintenance, worst
from .rules import overlaps

if TYPE_CHECKING:
    from .model import Template

INCIDENT_KEYS = ("id", "title", "impact", "startUtc", "endUtc", "private", "audiences",
                 "components", "updates")
MAINTENANCE_KEYS = ("id", "title", "startUtc", "endUtc", "autoStart", "autoEnd", "status",
                    "private", "audiences", "components", "updates")
RESOLVED_MESSAGE = "This incident has been resolved."
#: The impact an incident gets from the worst status it gives a component, if none is named.
IMPACT_OF = {"operational": "none", "under_maintenance": "none", "degraded_performance": "minor",
             "partial_outage": "major", "major_outage": "critical"}


class IncidentOps(ServiceBase):
    """Incidents (Statuspage, Freshstatus): one file each, open until resolved."""

    def incidents(self, service: str | None = None) -> list[Incident]:
        """Every incident of a service, newest start first."""
        slug = self.slug(service)
        found = self.all(slug, "incident", self.rules_of(self.service(slug)))
        return sorted(found, key=lambda i: (i.start_utc, i.stem), reverse=True)

    def incident(self, ref: str, service: str | None = None) -> Incident:
        slug = self.slug(service)
        return self.read(slug, "incident", ref, self.rules_of(self.service(slug)))  # type: ignore[no-any-return]

    def open_incident(self, title: str | None = None, *, service: str | None = None,
                      components: Mapping[str, str] | Iterable[str] = (),
                      impact: str | None = None, status: str | None = None,
                      message: str | None = None, template: str | None = None,
                      private: bool = False, audiences: Sequence[str] = (),
                      at: dt.datetime | None = None) -> Incident:
        """Open an incident; ``template`` fills in the title, message, impact and status."""
        chosen = self.template(template) if template else None
        title = title or (chosen.title if chosen else None)
        if not title:
            raise InputError("an incident needs a title", hint="give TITLE, or --template NAME")
        check_text("title", title, multiline=False)
        message = message if message is not None else (chosen.text if chosen else None)
        slug = self.slug(service)
        with self.site.lock:
            svc = self.service(slug)
            effects = self.component_changes(svc, components)
            impact = impact or (chosen.impact if chosen else None) or \
                IMPACT_OF[worst(effects.values())]
            if impact not in IMPACTS:
                raise InputError(f"unknown impact {impact!r}", hint="use none, minor, major or critical")
            status = status or (chosen.status if chosen else None) or "investigating"
            self._check_status(status, allow_resolved=False)
            moment = at or self.now()
            ident = reader.new_id()
            pairs: list[tuple[str, Any]] = [
                ("id", ident), ("title", text_value(title)), ("impact", impact),
                ("startUtc", time_value(moment)), ("endUtc", None)]
            if private:
                pairs.append(("private", True))
            if audiences:
                pairs.append(("audiences", self.audiences(audiences)))
            pairs.append(("components", new_mapping(list(effects.items()))))
            pairs.append(("updates", [_update(moment, status, message)] if message else []))
            folder = layout.kind_dir(self.site, slug, "incident")
            path = free_path(folder, f"{self.local_date(svc, moment)}-{slugify(title)}")
            return create_file(  # type: ignore[no-any-return]
                self.site, path, "incident", self.rules_of(svc), pairs,
                f"{svc.title}: open incident {quoted(title)} ({impact})",
                trailers(slug, "incident", ident))

    def update_incident(self, ref: str, *, service: str | None = None, status: str | None = None,
                        message: str | None = None,
                        components: Mapping[str, str] | Iterable[str] = (),
                        reopen: bool = False, template: str | None = None,
                        at: dt.datetime | None = None) -> Incident:
        """Add an update. A resolved incident takes one only with ``reopen=True``."""
        chosen = self.template(template) if template else None
        message = message if message is not None else (chosen.text if chosen else None)
        status = status or (chosen.status if chosen else None)
        if status == "resolved":
            return self.resolve_incident(ref, service=service, message=message, at=at)
        if not message:
            raise InputError("an update needs a message", hint="give --message TEXT (Markdown)")
        check_text("latest update", message, multiline=True)
        slug = self.slug(service)
        with self.site.lock:
            svc = self.service(slug)
            effects = self.component_changes(svc, components)
            path = self.find(slug, "incident", ref)
            moment = at or self.now()

            def change(data: Any, incident: Incident) -> str:
                if incident.resolved and not reopen:
                    raise InputError(f"incident {quoted(incident.title)} is resolved",
                                     hint="pass --reopen to reopen it with this update")
                wanted = status or incident.status
                if wanted == "resolved":
                    wanted = "investigating"  # a reopened incident is under investigation again
                self._check_status(wanted, allow_resolved=False)
                if incident.resolved:
                    put(data, "endUtc", None, INCIDENT_KEYS)
                _append(data, "updates", _update(moment, wanted, message, effects), INCIDENT_KEYS)
                verb = "reopened, " if incident.resolved else ""
                return f"{svc.title}: incident {quoted(incident.title)} {verb}{wanted}"

            return self._mutate(slug, path, svc, change)  # type: ignore[no-any-return]

    def resolve_incident(self, ref: str, *, service: str | None = None, message: str | None = None,
                         at: dt.datetime | None = None) -> Incident:
        """End an incident: ``endUtc`` and a resolved update; its components recover."""
        if message is not None:
            check_text("latest update", message, multiline=True)
        slug = self.slug(service)
        with self.site.lock:
            svc = self.service(slug)
            path = self.find(slug, "incident", ref)
            moment = at or self.now()

            def change(data: Any, incident: Incident) -> str:
                if incident.resolved:
                    raise InputError(f"incident {quoted(incident.title)} is already resolved",
                                     hint=f"it ended at {format_utc(incident.end_utc)}")  # type: ignore[arg-type]
                put(data, "endUtc", time_value(moment), INCIDENT_KEYS)
                _append(data, "updates", _update(moment, "resolved", message or RESOLVED_MESSAGE),
                        INCIDENT_KEYS)
                return f"{svc.title}: resolve incident {quoted(incident.title)}"

            return self._mutate(slug, path, svc, change)  # type: ignore[no-any-return]

    def _mutate(self, slug: str, path: Path, svc: Any, change: Any) -> Any:
        kind = "incident" if path.parent.name == layout.FOLDERS["incident"] else "maintenance"
        return mutate_file(self.site, path, kind, self.rules_of(svc), change,
                           lambda current: trailers(slug, kind, reader.object_id(current, slug, kind)))

    def _check_status(self, status: str, *, allow_resolved: bool) -> None:
        allowed = self.rules.incident_statuses
        if status not in allowed or (status == "resolved" and not allow_resolved):
            words = sorted(allowed - {"resolved"})
            raise InputError(f"unknown incident status {status!r}" if status not in allowed
                             else "use `sspage incident resolve` to resolve an incident",
                             hint="use " + ", ".join(words))

    def template(self, name: str) -> Template:
        """An update template by name (its file name under content/templates/)."""
        folder = self.site.content_dir / layout.TEMPLATES
        path = folder / f"{name}.yaml"
        if not (name and is_slug(name) and path.is_file()):
            known = ", ".join(p.stem for p in layout.template_paths(self.site)) or "none yet"
            raise InputError(f"unknown template {name!r}",
                             hint=f"templates (content/templates/*.yaml): {known}")
        return reader.read(self.site, path, "template", self.rules)  # type: ignore[no-any-return]

    def templates(self) -> list[Template]:
        return [reader.read(self.site, path, "template", self.rules)
                for path in layout.template_paths(self.site)]

    # -- maintenance ----------------------------------------------------------------------

    def maintenances(self, service: str | None = None) -> list[Maintenance]:
        """Every window of a service, latest start first."""
        slug = self.slug(service)
        found = self.all(slug, "maintenance", self.rules_of(self.service(slug)))
        return sorted(found, key=lambda m: (m.start_utc, m.stem), reverse=True)

    def maintenance(self, ref: str, service: str | None = None) -> Maintenance:
        slug = self.slug(service)
        return self.read(slug, "maintenance", ref, self.rules_of(self.service(slug)))  # type: ignore[no-any-return]

    def schedule_maintenance(self, title: str | None = None, *, service: str | None = None,
                             start: dt.datetime, end: dt.datetime, components: Iterable[str] = (),
                             message: str | None = None, template: str | None = None,
                             auto_start: bool = True, auto_end: bool = True, private: bool = False,
                             audiences: Sequence[str] = ()) -> Maintenance:
        """Schedule a window. It may not overlap another window on a shared component."""
        chosen = self.template(template) if template else None
        title = title or (chosen.title if chosen else None)
        if not title:
            raise InputError("a maintenance window needs a title", hint="give TITLE, or --template NAME")
        check_text("title", title, multiline=False)
        message = message if message is not None else (chosen.text if chosen else None)
        if end <= start:
            raise InputError(f"the window ends ({format_utc(end)}) before or when it starts "
                             f"({format_utc(start)})", hint="give an --end after --start")
        slug = self.slug(service)
        with self.site.lock:
            svc = self.service(slug)
            keys = self.component_keys(svc, components)
            self._refuse_overlap(slug, svc, start, end, keys)
            now = self.now()
            ident = reader.new_id()
            pairs: list[tuple[str, Any]] = [
                ("id", ident), ("title", text_value(title)), ("startUtc", time_value(start)),
                ("endUtc", time_value(end)), ("autoStart", auto_start), ("autoEnd", auto_end),
                ("status", "scheduled")]
            if private:
                pairs.append(("private", True))
            if audiences:
                pairs.append(("audiences", self.audiences(audiences)))
            pairs.append(("components", keys))
            pairs.append(("updates", [_update(now, "scheduled", message)] if message else []))
            folder = layout.kind_dir(self.site, slug, "maintenance")
            path = free_path(folder, f"{self.local_date(svc, start)}-{slugify(title)}")
            return create_file(  # type: ignore[no-any-return]
                self.site, path, "maintenance", self.rules_of(svc), pairs,
                f"{svc.title}: schedule maintenance {quoted(title)} "
                f"{format_utc(start)} to {format_utc(end)}",
                trailers(slug, "maintenance", ident))

    def _refuse_overlap(self, slug: str, svc: Any, start: dt.datetime, end: dt.datetime,
                        keys: list[str]) -> None:
        windows = [(str(m.path), format_utc(m.start_utc), format_utc(m.end_utc), list(m.components))
                   for m in self.all(slug, "maintenance", self.rules_of(svc))]
        windows.append(("(new)", format_utc(start), format_utc(end), keys))
        for later, earlier, key in overlaps(windows):
            if "(new)" in (later, earlier):
                other = earlier if later == "(new)" else later
                raise InputError(f"the window overlaps {self.site.display(Path(other))} "
                                 f"on component {key!r}",
                                 hint="choose another time, or add to that window instead")

    def start_maintenance(self, ref: str, *, service: str | None = None,
                          message: str | None = None, at: dt.datetime | None = None) -> Maintenance:
        """Mark a window in progress now, whatever its schedule says."""
        return self._maintenance_status(ref, "in_progress", service, message, at)

    def complete_maintenance(self, ref: str, *, service: str | None = None,
                             message: str | None = None, at: dt.datetime | None = None) -> Maintenance:
        """Mark a window completed: its components are no longer under maintenance."""
        return self._maintenance_status(ref, "completed", service, message, at)

    def verify_maintenance(self, ref: str, *, service: str | None = None,
                           message: str | None = None, at: dt.datetime | None = None) -> Maintenance:
        return self._maintenance_status(ref, "verifying", service, message, at)

    def _maintenance_status(self, ref: str, status: str, service: str | None, message: str | None,
                            at: dt.datetime | None) -> Maintenance:
        assert status in MAINTENANCE_STATUSES
        if message is not None:
            check_text("latest update", message, multiline=True)
        slug = self.slug(service)
        with self.site.lock:
            svc = self.service(slug)
            path = self.find(slug, "maintenance", ref)
            moment = at or self.now()

            def change(data: Any, window: Maintenance) -> str:
                if window.status == "completed":
                    raise InputError(f"maintenance {quoted(window.title)} is already completed")
                if window.status == status:
                    raise InputError(f"maintenance {quoted(window.title)} is already {status}")
                put(data, "status", status, MAINTENANCE_KEYS)
                if message:
                    _append(data, "updates", _update(moment, status, message), MAINTENANCE_KEYS)
                return f"{svc.title}: maintenance {quoted(window.title)} {status}"

            return self._mutate(slug, path, svc, change)  # type: ignore[no-any-return]


def _update(moment: dt.datetime, status: str, message: str | None,
            components: Mapping[str, str] | None = None) -> Any:
    pairs: list[tuple[str, Any]] = [("timeUtc", time_value(moment)), ("status", status),
                                    ("message", text_value(message or ""))]
    if components:
        pairs.append(("components", new_mapping(list(components.items()))))
    return new_mapping(pairs)


def _append(data: Any, key: str, value: Any, order: tuple[str, ...]) -> None:
    """Append to the list at ``key``, creating it (a structural change: round trip)."""
    found = data.get(key)
    if found is None:
        from ruamel.yaml.comments import CommentedSeq

        found = CommentedSeq()
        put(data, key, found, order)
    elif not found and hasattr(found, "fa"):
        found.fa.set_block_style()  # `updates: []` becomes a block list, not `[{...}]`
    found.append(value)
