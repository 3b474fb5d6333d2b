"""Service pages in ``sspage build``: planned from the manifest, rendered incrementally.

Which outputs depend on which files:

* an incident's permalink (``status/<slug>/incidents/<id>.html``) on its own
  file and ``service.yaml``; likewise a maintenance window's, plus the clock;
* the main page (``status/<slug>/``) on ``service.yaml``, the open incidents,
  the active and upcoming windows, the shown posts and statuses, and the clock;
* the month archive (``history/<YYYY-MM>.html``) on the summaries of that
  month's incidents, kept in the manifest, and the history index on the
  number of incidents per month;
* a status's share page (``st/<shareId>/``) on its own file.

So one changed incident costs its file read, its permalink, its month, the
history index and the main page; the other incidents are not read. Every step
is linear in the number of files (a stat each, a record each), never a
comparison of every pair. ``service.yaml`` changing, like the theme or
site.yaml changing, renders the whole service again.

The clock enters only through maintenance windows with automatic start or
end: each service records when its next window starts or ends
(``next_change``) and the phase each window was shown in, so a scheduled
build after that moment renders the pages that changed, and no others.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import msgspec

from ..errors import Problem
from . import layout
from .records import ServiceRecord, ServicesManifest, StatusRecord

if TYPE_CHECKING:
    from ..store import Site

KINDS = ("incident", "maintenance", "update")


class Todo(NamedTuple):
    """A file to read: its kind, name, path and stat, and the hash its record had."""

    kind: str
    stem: str
    path: str
    mtime_ns: int
    size: int
    old_sha: str | None


class ServicePlan(msgspec.Struct):
    slug: str
    old: ServiceRecord | None
    stat: tuple[int, int] | None  # of service.yaml; None: it changed (or is new)
    todo: list[Todo] = msgspec.field(default_factory=list)
    removed: dict[str, list[str]] = msgspec.field(default_factory=dict)
    restamped: bool = False
    clock: bool = False  # a window starts or ends by the clock since the last build

    @property
    def dirty(self) -> bool:
        return self.old is None or self.stat is None or bool(self.todo) or self.clock or any(
            self.removed.values())


class Plan(msgspec.Struct):
    services: list[ServicePlan]
    removed: list[str]  # services whose folder is gone
    statuses: list[Todo]
    removed_statuses: list[str]
    old: ServicesManifest | None
    now: str
    audience: str | None
    # The last build's manifest even when this build is a full one (``old`` is then None),
    # so that what it wrote and this one does not is deleted.
    previous: ServicesManifest | None = None

    @property
    def dirty(self) -> bool:
        changed_status = {t.stem for t in self.statuses} | set(self.removed_statuses)
        return bool(self.removed or self.statuses or self.removed_statuses) or any(
            p.dirty or bool(changed_status.intersection(p.old.statuses if p.old else ()))
            for p in self.services)

    @property
    def empty(self) -> bool:
        """No service now, none before, and no status planned or known before."""
        before = self.previous or self.old
        return not (self.services or self.removed or self.statuses or self.removed_statuses) and (
            before is None or not (before.services or before.statuses))


def plan(site: Site, old: ServicesManifest | None, now: str, *, changed: Collection[str] | None,
         audience: str | None, previous: ServicesManifest | None = None) -> Plan:
    """Stat what may have changed since ``old``. ``changed`` (from a watcher) not None means
    no service file changed: only the clock is consulted."""
    services = old.services if old else {}
    slugs = layout.service_slugs(site) if changed is None else list(services)
    plans = []
    for slug in slugs:
        record = services.get(slug)
        if changed is not None and record is not None:
            service_plan = ServicePlan(slug, record, (record.mtime_ns, record.size))
        else:
            service_plan = _plan_service(site, slug, record)
        if record is not None and record.next_change is not None and record.next_change <= now:
            service_plan.clock = True
        plans.append(service_plan)
    removed = sorted(set(services) - set(slugs))
    statuses: list[Todo] = []
    removed_statuses: list[str] = []
    if changed is None:
        statuses, removed_statuses = _plan_statuses(site, old.statuses if old else {})
    return Plan(plans, removed, statuses, removed_statuses, old, now, audience, previous or old)


def _plan_service(site: Site, slug: str, record: ServiceRecord | None) -> ServicePlan:
    folder = layout.service_dir(site, slug)
    try:
        stat = os.stat(folder / layout.SERVICE_FILE)
        same = record is not None and (stat.st_mtime_ns, stat.st_size) == (record.mtime_ns, record.size)
    except OSError:
        same = False
    result = ServicePlan(slug, record, (record.mtime_ns, record.size) if same and record else None)
    if record is None:
        return result  # everything is read anyway
    for kind in KINDS:
        kept = record.of(kind)
        todo, removed = _stat_folder(str(folder / layout.FOLDERS[kind]), kind, kept)
        result.todo += todo
        result.removed[kind] = removed
    return result


def _stat_folder(folder: str, kind: str, records: dict[str, Any]) -> tuple[list[Todo], list[str]]:
    """Files whose stat differs from their record, and records whose file is gone.

    Runs over every file of a service on every build (10,000 stats cost about 30 ms, most
    of a no-op build), so it lists the folder once, unsorted (names only: listdir is faster
    than scandir's entries), stats names relative to the open folder, and compares two
    integers per file.
    """
    todo: list[Todo] = []
    try:
        directory = os.open(folder, os.O_RDONLY)
    except OSError:
        return [], sorted(records)
    seen = 0
    try:
        names = [n for n in os.listdir(directory) if n.endswith(".yaml") and not n.startswith(".")]
        stat = os.stat
        for name in names:
            stem = name[:-5]
            record = records.get(stem)
            try:
                found = stat(name, dir_fd=directory)
            except OSError:  # a folder named *.yaml, or gone since the listing
                continue
            if record is None or found.st_mtime_ns != record.mtime_ns or found.st_size != record.size:
                todo.append(Todo(kind, stem, f"{folder}/{name}", found.st_mtime_ns, found.st_size,
                                 None if record is None else record.sha256))
            if record is not None:
                seen += 1
    finally:
        os.close(directory)
    removed: list[str] = []
    if seen != len(records):  # some record has no file any more: find which
        present = {name[:-5] for name in names}
        removed = sorted(stem for stem in records if stem not in present)
    todo.sort()
    return todo, removed


def _plan_statuses(site: Site, records: dict[str, StatusRecord]) -> tuple[list[Todo], list[str]]:
    folder = site.content_dir / layout.STATUSES
    return _stat_folder(str(folder), "status", records)


# -- rendering -----------------------------------------------------------------------------


class Result(msgspec.Struct):
    """What the service part of a build produced, for build.py to commit or throw away."""

    manifest: ServicesManifest
    staged: list[tuple[str, str]]
    problems: list[Problem]
    stale: list[str]  # outputs to delete once the staged files are in place
    rendered: int  # output files rendered
    listings_changed: bool
    listings: list[Any]  # ServiceListing of listed services, for the index


def render(site: Site, the_plan: Plan, *, out: Path, renderer: Any, now: Any, token: str,
           jobs: int | None, full: bool) -> Result:
    """Render what ``the_plan`` found stale (everything if ``full``) and stage it."""
    if the_plan.empty and site.config.default_service is None and not layout.status_paths(site):
        return Result(ServicesManifest(), [], [], [], 0, False, [])  # a site of SharedStatus pages only
    from .render import ServiceBuilder

    builder = ServiceBuilder(site, the_plan, out=out, renderer=renderer, now=now, token=token,
                             jobs=jobs, full=full)
    return builder.run()


def status_output_paths(record: StatusRecord) -> list[str]:
    return layout.status_outputs(record.share_id) if record.shown else []
