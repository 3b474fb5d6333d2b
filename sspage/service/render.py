"""Rendering the service part of a build: the steps that :mod:`sspage.service.build` plans.

Files are read, validated and rendered in worker processes (:mod:`sspage.service.workers`,
forked like the page build's), which return small records; the service's own pages are then
rendered in the parent from those records and from the few files they show
in full (open incidents, current windows, shown posts).
"""

from __future__ import annotations

import heapq
import operator
import zoneinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from ..errors import ContentError, Problem
from ..manifest import file_sha256, state_dir
from ..model import format_utc
from ..staging import stage
from . import layout, reader
from .build import KINDS, Plan, Result, ServicePlan, Todo, status_output_paths
from .check import overlap_problems
from .compute import compute, visible
from .embed import embed_files, embed_paths
from .incremental import incident_times, months_to_render, sorted_records
from .layout import history_path, incident_path, maintenance_path, service_page_path, service_path
from .model import maintenance_phase, next_transition
from .objects import ObjectCache
from .reading import counted_change, reader_outputs, same_window
from .records import (
    IncidentRecord,
    ServiceListing,
    ServiceRecord,
    ServicesManifest,
    StatusRecord,
)
from .rules import Rules, rules_for
from .uptime import next_midnight
from .views import (
    RECENT_INCIDENTS,
    RECENT_UPDATES,
    UPCOMING,
    ServicePages,
    month_view,
    summary_view,
)
from .workers import Job, installed, render_files, render_month_chunk

if TYPE_CHECKING:
    from ..store import Site


class ServiceBuilder:
    def __init__(self, site: Site, plan: Plan, *, out: Path, renderer: Any, now: Any, token: str,
                 jobs: int | None, full: bool) -> None:
        self.site, self.plan, self.out, self.token, self.jobs = site, plan, out, token, jobs
        self.full = full
        self.now = format_utc(now)
        self.audience = plan.audience
        self.pages = ServicePages(renderer, site.config.base_url, site.config.timezone)
        self.base_rules = rules_for(site.config)
        self.staged: list[tuple[str, str]] = []
        self.problems: list[Problem] = []
        self.stale: list[str] = []
        self.rendered = 0

    def run(self) -> Result:
        old = self.plan.old if not self.full else None
        statuses, changed_keys = self.build_statuses(old)
        services: dict[str, ServiceRecord] = {}
        listings_changed = bool(self.plan.removed)
        for service_plan in self.plan.services:
            before = service_plan.old
            stale_statuses = before is not None and bool(changed_keys.intersection(before.statuses))
            if self.full or service_plan.dirty or stale_statuses:
                record = self.build_service(service_plan, statuses, stale_statuses)
            else:
                record = before
            if record is None:
                continue
            services[service_plan.slug] = record
            if before is None or before.listing != record.listing:
                listings_changed = True
        for slug in self.plan.removed:
            gone = self.plan.old.services[slug] if self.plan.old else None
            if gone is not None:
                self.stale += _all_outputs(slug, gone)
        previous = self.plan.previous
        if old is None and previous is not None:  # a full build: what the last one wrote
            written = {p for slug, r in previous.services.items() for p in _all_outputs(slug, r)}
            kept = {p for slug, r in services.items() for p in _all_outputs(slug, r)}
            self.stale += sorted(written - kept)
        # A path can pass from one service to another (site.yaml's default_service moved).
        current = {path for record in services.values() for path in record.outputs}
        self.stale = [path for path in self.stale if path not in current]
        default = self.site.config.default_service
        if default is not None and default not in services and not self.problems:
            self.problems.append(reader.locate(
                self.site, self.site.content_dir / "site.yaml", ("default_service",),
                f"no service page {default!r}",
                "name the folder of one under content/services/, or delete default_service"))
        listings = [services[slug].listing for slug in sorted(services) if services[slug].listing]
        return Result(ServicesManifest(services=services, statuses=statuses), self.staged,
                      self.problems, self.stale, self.rendered, listings_changed, listings)

    # -- statuses ------------------------------------------------------------------------

    def build_statuses(self, old: ServicesManifest | None) -> tuple[dict[str, StatusRecord], set[str]]:
        records: dict[str, StatusRecord] = dict(old.statuses) if old else {}
        before = dict(self.plan.old.statuses) if self.plan.old else {}
        if old is None:  # a full build: every status file
            todo = [Todo("status", p.stem, str(p), *_stat(p), None) for p in layout.status_paths(self.site)]
            removed = sorted(set(before) - {t.stem for t in todo})
            records = {}
        else:
            todo, removed = self.plan.statuses, self.plan.removed_statuses
        changed = set(removed)
        for name in removed:
            records.pop(name, None)
        for entry in todo:
            path = Path(entry.path)
            try:
                data = self.site.file_bytes(path)
                status = reader.read_status(self.site, path, self.base_rules, data)
            except ContentError as error:
                self.problems += error.problems
                continue
            _, share = reader.status_ids(status)
            shown = status.access_type == "public" and visible(status.audiences, self.audience)
            records[entry.stem] = StatusRecord(entry.mtime_ns, entry.size, file_sha256(data), share,
                                               status.name, status.value, status.color_no, shown)
            if before.get(entry.stem) != records[entry.stem]:
                changed.add(entry.stem)
            if shown:
                for relative, output in self.pages.status_files(status, self.site.config.status_links):
                    self._stage(relative, output)
        old_outputs = {p for r in before.values() for p in status_output_paths(r)}
        new_outputs = {p for r in records.values() for p in status_output_paths(r)}
        self.stale += sorted(old_outputs - new_outputs)
        shares: dict[str, str] = {}
        for key, record in sorted(records.items()):
            other = shares.setdefault(record.share_id, key)
            if other != key:
                path = self.site.content_dir / layout.STATUSES / f"{key}.yaml"
                self.problems.append(reader.locate(self.site, path, ("shareId",),
                                                   f"the same shareId as {other}",
                                                   "delete the shareId line; one is derived from the key"))
        return records, changed

    # -- one service ---------------------------------------------------------------------

    def build_service(self, plan: ServicePlan, statuses: dict[str, StatusRecord],
                      touched_statuses: bool = False) -> ServiceRecord | None:
        slug = plan.slug
        path = layout.service_dir(self.site, slug) / layout.SERVICE_FILE
        try:
            data = self.site.file_bytes(path)
            service = reader.read(self.site, path, "service", self.base_rules, data)
        except ContentError as error:
            self.problems += error.problems
            return None
        service.slug = slug
        sha = file_sha256(data)
        old = plan.old
        full = self.full or old is None or old.sha256 != sha
        rules = rules_for(self.site.config, [c.key for c in service.components])
        zone = zoneinfo.ZoneInfo(service.timezone or self.site.config.timezone)
        job = Job(self.site, self.pages, self.out, self.token, self.now, self.audience, service, rules,
                   zone, full)
        todo = _all_todo(self.site, slug) if full else plan.todo
        records: dict[str, dict[str, Any]] = {
            kind: ({} if full or old is None else dict(old.of(kind))) for kind in KINDS}
        if not full:
            for kind, stems in plan.removed.items():
                for stem in stems:
                    records[kind].pop(stem, None)
        from ..check import parallel_map

        self.pages.compile()
        with installed(job):
            outcomes = parallel_map(render_files, [], todo, jobs=self.jobs)
        rendered: set[tuple[str, str]] = set()
        for outcome in outcomes:
            self.staged += outcome.staged
            self.problems += outcome.problems
            self.rendered += outcome.rendered
            if outcome.record is not None:
                records[outcome.kind][outcome.stem] = outcome.record
                rendered.add((outcome.kind, outcome.stem))
            elif outcome.restamped and old is not None:
                record = old.of(outcome.kind)[outcome.stem]
                records[outcome.kind][outcome.stem] = msgspec.structs.replace(
                    record, mtime_ns=outcome.stat[0], size=outcome.stat[1])
        if any(outcome.problems for outcome in outcomes):
            return None
        if old is not None and not full and not plan.clock and not touched_statuses and all(
                outcome.restamped for outcome in outcomes) and not any(plan.removed.values()):
            # Files were touched (a checkout, a save without changes): remember their stats.
            return msgspec.structs.replace(old, incidents=records["incident"],
                                           maintenance=records["maintenance"], updates=records["update"])
        self.problems += self._cross_checks(slug, records, statuses, service)
        self._records = records
        self._objects = ObjectCache(self._objects_path(slug), None if full or old is None else old.objects)
        self._clock(job, records, rendered)
        self._times = incident_times(old if not full else None, records["incident"], {
            t.stem for t in todo if t.kind == "incident"} | set(plan.removed.get("incident", ())))
        state_inputs = self._state_inputs(slug, records, rules)
        state = compute(service, **state_inputs)
        outputs = self._service_pages(job, records, state, statuses, old, todo, plan, full)
        listing = ServiceListing(title=service.title, url=service_path(slug), indicator=state.indicator,
                                 banner=self.pages.service_view(service, state).banner or "none",
                                 description=state.description, summarized=state.summarized) \
            if service.listed else None
        windows = records["maintenance"].values()
        # The uptime window moves at local midnight: the clock's day is an input of the main page.
        changes = [format_utc(next_midnight(_utc(self.now), zone))] + [
            t for w in windows if w.shown and (t := next_transition(
                w.status, w.start, w.end, w.auto_start, w.auto_end, self.now)) is not None]
        stat = _stat(path)
        copied = None if full else old  # where this build's records were copied from
        return ServiceRecord(mtime_ns=stat[0], size=stat[1], sha256=sha, statuses=list(service.statuses),
                             outputs=outputs, next_change=min(changes, default=None), listing=listing,
                             uptime_at=self._uptime_at, objects=self._objects.save(records),
                             times=self._times,
                             incidents=sorted_records(records, "incident", copied),
                             maintenance=sorted_records(records, "maintenance", copied),
                             updates=sorted_records(records, "update", copied))

    def _cross_checks(self, slug: str, records: dict[str, dict[str, Any]],
                      statuses: dict[str, StatusRecord], service: Any) -> list[Problem]:
        from .check import duplicate_id, unknown_statuses

        problems: list[Problem] = []
        for kind in ("incident", "maintenance", "update"):
            if len({record.id for record in records[kind].values()}) == len(records[kind]):
                continue  # the common case, in one pass of C-speed set building
            owner: dict[str, str] = {}
            for stem, record in records[kind].items():
                first = owner.setdefault(record.id, stem)
                if first != stem:
                    folder = layout.kind_dir(self.site, slug, kind)
                    problems += duplicate_id(self.site, {record.id: folder / f"{first}.yaml"},
                                             record.id, folder / f"{stem}.yaml")
        folder = layout.kind_dir(self.site, slug, "maintenance")
        problems += overlap_problems(self.site, [(str(folder / f"{stem}.yaml"), r.start, r.end, r.components)
                                                 for stem, r in records["maintenance"].items()])
        problems += unknown_statuses(self.site, service, set(statuses))
        return problems

    def _clock(self, job: Job, records: dict[str, dict[str, Any]], rendered: set[tuple[str, str]]) -> None:
        """Windows whose phase moved by the clock since their page was rendered: render it again."""
        for stem, record in list(records["maintenance"].items()):
            phase = maintenance_phase(record.status, record.start, record.end, record.auto_start,
                                      record.auto_end, self.now)
            if phase == record.phase or ("maintenance", stem) in rendered:
                continue
            records["maintenance"][stem] = msgspec.structs.replace(record, phase=phase)
            if record.shown:
                window = self._read(job.service.slug, "maintenance", stem, job.rules)
                view = self.pages.maintenance_view(job.service, window, phase, self.audience)
                self._stage(view.url, self.pages.maintenance_page(job.service, view))

    def _state_inputs(self, slug: str, records: dict[str, dict[str, Any]], rules: Rules) -> dict[str, Any]:
        self._open = [self._read(slug, "incident", stem, rules) for stem, r in records["incident"].items()
                      if r.end is None and r.shown]
        active = [r.components for r in records["maintenance"].values()
                  if r.shown and r.phase in ("in_progress", "verifying")]
        return {"effects": [i.component_effects() for i in self._open],
                "impacts": [i.impact for i in self._open], "maintained": active,
                "audience": self.audience}

    def _read(self, slug: str, kind: str, stem: str, rules: Rules) -> Any:
        """A file this build did not change, from the object cache if it holds this version."""
        path = layout.kind_dir(self.site, slug, kind) / f"{stem}.yaml"
        record = self._records[kind].get(stem)
        sha = None if record is None else record.sha256
        value = self._objects.get(kind, stem, sha, path)
        if value is None:
            data = self.site.file_bytes(path)
            value = reader.read(self.site, path, kind, rules, data)
            # Kept under the hash of the bytes read: if the file was saved again since its
            # record was made, the two differ, and this object is never taken for the record's.
            self._objects.put(kind, stem, file_sha256(data), value)
        return value

    def _objects_path(self, slug: str) -> Path:
        return state_dir(self.site.root, self.out) / f"objects-{slug}.msgpack"

    def _service_pages(self, job: Job, records: dict[str, dict[str, Any]], state: Any,
                       statuses: dict[str, StatusRecord], old: ServiceRecord | None, todo: list[Todo],
                       plan: ServicePlan, full: bool) -> list[str]:
        """The main page, the history index and the months that changed; their paths."""
        service, slug, pages = job.service, job.service.slug, self.pages
        # The id breaks ties: records come in the last build's order, new names last.
        incidents = sorted((pages.incident_view(service, i, self.audience) for i in self._open),
                           key=lambda v: (v.start_utc, v.id), reverse=True)
        windows = [(stem, r) for stem, r in records["maintenance"].items() if r.shown]
        active = sorted((s, r) for s, r in windows if r.phase in ("in_progress", "verifying"))
        upcoming = heapq.nsmallest(UPCOMING, ((r.start, s) for s, r in windows if r.phase == "scheduled"))
        shown_windows = [(stem, records["maintenance"][stem].phase) for stem, _ in active] + \
            [(stem, "scheduled") for _, stem in upcoming]
        views = [pages.maintenance_view(service, self._read(slug, "maintenance", stem, job.rules), phase,
                                        self.audience) for stem, phase in shown_windows]
        posts = [(r.pinned, r.time, s) for s, r in records["update"].items() if r.shown]
        chosen = sorted((p for p in posts if p[0]), reverse=True) + \
            heapq.nlargest(RECENT_UPDATES, (p for p in posts if not p[0]))
        post_views = [pages.post_view(service, self._read(slug, "update", stem, self.base_rules))
                      for _, _, stem in chosen]
        shown = [r for r in records["incident"].values() if r.shown]
        # A sort, not heapq.nlargest (see published._top): incidents come nearly sorted.
        past = sorted((r for r in shown if r.end is not None), key=_by_start, reverse=True)[:RECENT_INCIDENTS]
        tiles = []
        for key in service.statuses:
            record = statuses.get(key)
            if record is not None and record.shown:
                status_file = self.site.content_dir / layout.STATUSES / f"{key}.yaml"
                status = reader.read_status(self.site, status_file, self.base_rules)
                tiles.append(pages.status_view(status, self.site.config.status_links))
        updated = max(max((r.updated for r in shown), default=""), max((p[1] for p in posts), default=""))
        main = service_page_path(slug)
        # Badges and uptime change with the state, the windows, the clock's day and what the
        # incidents of the last 90 days did to components; embeds also show the open
        # incidents' titles and statuses. An edit of an older resolved incident changes none.
        # Left alone, they were counted at an earlier clock (an open incident's minutes grow):
        # the main page then shows their figures as of that clock, so one build's outputs agree.
        now = _utc(self.now)
        pairs = [(old.incidents.get(stem), records["incident"].get(stem)) for stem in (
            {t.stem for t in todo if t.kind == "incident"} | set(plan.removed.get("incident", ())))] \
            if old is not None else []
        fresh = full or old is None or plan.clock or any(t.kind != "incident" for t in todo) or any(
            plan.removed.get(kind) for kind in ("maintenance", "update")) or any(
            counted_change(before, after, now, job.zone) for before, after in pairs) or \
            not same_window(old.uptime_at, now, job.zone)
        embeds = fresh or any(record is not None and record.shown and record.end is None
                              for pair in pairs for record in pair)
        self._uptime_at = self.now if fresh or old is None or old.uptime_at is None else old.uptime_at
        extra = reader_outputs(service, state, records, now=_utc(self._uptime_at), zone=job.zone,
                               strings=pages.renderer.strings, render=fresh)
        if embeds:
            extra.files.extend(embed_files(pages, service, state, incidents=incidents,
                                           config=self.site.config,
                                           active=[v for v in views if v.phase != "scheduled"]))
        for relative, data in extra.files:
            self._stage(relative, data)
        self._stage(main, pages.main_page(
            service, state, incidents=incidents, active=[v for v in views if v.phase != "scheduled"],
            upcoming=[v for v in views if v.phase == "scheduled"],
            pinned=[v for v in post_views if v.pinned], recent=[v for v in post_views if not v.pinned],
            past=[summary_view(slug, r) for r in past], statuses=tiles,
            updated=_utc(updated) if updated else None, uptime=extra.rows))
        outputs = self._published(job, records, state, updated, todo, plan, old, full)
        by_month: dict[str, list[IncidentRecord]] = {}
        for record in shown:
            by_month.setdefault(record.month, []).append(record)
        months = sorted(by_month, reverse=True)
        month_views = [month_view(slug, key, len(by_month[key])) for key in months]
        touched = {(t.kind, t.stem) for t in todo} | {("incident", s) for s in plan.removed.get(
            "incident", ())}
        if full or old is None or any(kind == "incident" for kind, _ in touched):
            self._stage(history_path(slug), pages.history_index(service, month_views))
        if full or old is None:
            wanted = set(months)
        else:
            wanted = months_to_render(months, by_month, [
                (old.incidents.get(stem), records["incident"].get(stem)) for kind, stem in touched
                if kind == "incident"])
        month_jobs = [
            (month_views[index], sorted(by_month[key], key=lambda r: (r.start, r.id), reverse=True),
             month_views[index - 1] if index else None,
             month_views[index + 1] if index + 1 < len(months) else None)
            for index, key in enumerate(months) if key in wanted]
        self._render_months(job, month_jobs)
        outputs = [main, history_path(slug)] + [history_path(slug, key) for key in months] + outputs + \
            extra.paths + embed_paths(slug)
        self._stale(slug, old, records, outputs, todo, plan, full)
        return outputs

    def _published(self, job: Job, records: dict[str, dict[str, Any]], state: Any, updated: str,
                   todo: list[Todo], plan: ServicePlan, old: ServiceRecord | None, full: bool) -> list[str]:
        """Statuspage's JSON, the feeds and the calendar (sspage/service/published.py)."""
        from . import published

        service = job.service
        inputs = published.Inputs(
            service=service, state=state, records=records, open_incidents=self._open, times=self._times,
            read=lambda kind, stem: self._read(service.slug, kind, stem,
                                               job.rules if kind != "update" else self.base_rules),
            markdown=self.pages.markdown, local_time=self.pages.local_time(service),
            # No output path: the same feed is also published at the site root; it links absolutely.
            render=lambda template, /, **context: self.pages.renderer.render(template, None, **context),
            base_url=self.site.config.base_url, timezone=service.timezone or self.site.config.timezone,
            language=self.site.config.language, now=_utc(self.now),
            updated=_utc(updated) if updated else None,
            root=self.site.config.default_service == service.slug)
        touched = {t.stem for t in todo if t.kind == "incident"} | set(plan.removed.get("incident", ()))
        # Windows, posts and the clock change what the page-level documents say; so does
        # everything when the whole service is rendered. Incidents alone: published.render decides.
        others = plan.clock or any(t.kind != "incident" for t in todo) or any(
            plan.removed.get(kind) for kind in ("maintenance", "update"))
        files, paths = published.render(inputs, touched=touched, old_incidents=old.incidents if old else {},
                                        full=full or old is None, others=others)
        for relative, data in files:
            self._stage(relative, data)
        return paths

    def _render_months(self, job: Job, months: list[Any]) -> None:
        """The archive's month pages: in workers when a whole archive is rendered (a cold
        build of 10,000 incidents has about 120 months of about 80 incidents each)."""
        from ..check import parallel_map

        with installed(job):
            chunks = parallel_map(render_month_chunk, [], months, jobs=self.jobs, serial_below=24)
        for staged, rendered in chunks:
            self.staged += staged
            self.rendered += rendered

    def _stale(self, slug: str, old: ServiceRecord | None, records: dict[str, dict[str, Any]],
               outputs: list[str], todo: list[Todo], plan: ServicePlan, full: bool) -> None:
        if old is None:
            return
        if full:
            before = set(_all_outputs(slug, old))
            after = set(outputs) | {p for kind in ("incident", "maintenance")
                                    for r in records[kind].values() for p in _file_outputs(slug, kind, r)}
        else:
            touched = {(t.kind, t.stem) for t in todo} | {
                (kind, stem) for kind, stems in plan.removed.items() for stem in stems}
            before, after = set(old.outputs), set(outputs)
            for kind, stem in touched:
                if kind == "update":
                    continue
                previous, current = old.of(kind).get(stem), records[kind].get(stem)
                before.update(_file_outputs(slug, kind, previous))
                after.update(_file_outputs(slug, kind, current))
        self.stale += sorted(before - after)

    def _stage(self, relative: str, data: bytes) -> None:
        self.rendered += 1
        pair = stage(self.out, relative, data, self.token)
        if pair is not None:
            self.staged.append(pair)


_by_start = operator.attrgetter("start", "id")


def _file_outputs(slug: str, kind: str, record: Any) -> list[str]:
    if record is None or not record.shown:
        return []
    return [(incident_path if kind == "incident" else maintenance_path)(slug, record.id)]


def _all_outputs(slug: str, record: ServiceRecord) -> list[str]:
    found = list(record.outputs)
    for kind in ("incident", "maintenance"):
        for entry in record.of(kind).values():
            found += _file_outputs(slug, kind, entry)
    return found


def _all_todo(site: Site, slug: str) -> list[Todo]:
    todo = []
    for kind in KINDS:
        for path in layout.kind_paths(site, slug, kind):
            todo.append(Todo(kind, path.stem, str(path), *_stat(path), None))
    return todo


def _stat(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return 0, -1
    return stat.st_mtime_ns, stat.st_size


def _utc(text: str) -> Any:
    from .views import _parse

    return _parse(text)
