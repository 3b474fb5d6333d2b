"""What the worker processes of a service build run: one file each, or a batch of months.

A worker reads, validates and renders an incident, window or post file and returns
its record (:mod:`sspage.service.records`) with the outputs it staged; the parent
renders the pages that list many files from those records (:mod:`sspage.service.render`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import msgspec

from ..errors import ContentError, Problem
from ..manifest import file_sha256
from ..model import format_utc
from ..staging import stage, unstage
from . import reader
from .build import Todo
from .compute import incident_visible, visible
from .layout import history_path
from .model import maintenance_phase
from .records import IncidentRecord, MaintenanceRecord, PostRecord
from .rules import Rules
from .uptime import incident_spans
from .views import ServicePages, _named, month_view, summary_view

if TYPE_CHECKING:
    from ..store import Site
    from .model import Service


class FileOutcome(NamedTuple):
    kind: str
    stem: str
    record: Any  # a record, or None (a problem, or a restamp)
    problems: list[Problem]
    staged: list[tuple[str, str]]
    restamped: bool
    rendered: int
    stat: tuple[int, int]  # the file's mtime_ns and size, as planned


class Job(msgspec.Struct):
    """What a worker needs of the build of one service."""

    site: Site
    pages: ServicePages
    out: Path
    token: str
    now: str
    audience: str | None
    service: Service
    rules: Rules
    zone: Any
    full: bool


# Set in the parent before workers fork (see sspage/build.py's _JOB), so they inherit it
# rather than receive it pickled with every chunk.
_JOB: Job | None = None


@contextlib.contextmanager
def installed(job: Job) -> Iterator[None]:
    global _JOB
    _JOB = job
    try:
        yield
    finally:
        _JOB = None


def render_files(todos: Sequence[Todo]) -> list[FileOutcome]:
    job = _JOB
    assert job is not None, "render_files runs inside a service build"
    outcomes: list[FileOutcome] = []
    try:
        for todo in todos:
            outcomes.append(_render_file(job, todo))
    except BaseException:
        unstage([pair for outcome in outcomes for pair in outcome.staged])
        raise
    return outcomes


def _render_file(job: Job, todo: Todo) -> FileOutcome:
    path = Path(todo.path)
    try:
        data = job.site.file_bytes(path)
        sha = file_sha256(data)
        if not job.full and todo.old_sha == sha:  # touched, not changed
            return FileOutcome(todo.kind, todo.stem, None, [], [], True, 0, (todo.mtime_ns, todo.size))
        value = reader.read(job.site, path, todo.kind, job.rules, data)
    except ContentError as error:
        return FileOutcome(todo.kind, todo.stem, None, list(error.problems), [], False, 0, (0, -1))
    record = make_record(job, todo, sha, value)
    files: list[tuple[str, bytes]] = []
    if record.shown and todo.kind == "incident":
        incident = job.pages.incident_view(job.service, value, job.audience)
        month = month_view(job.service.slug, record.month, 0)
        files = [(incident.url, job.pages.incident_page(job.service, incident, month))]
    elif record.shown and todo.kind == "maintenance":
        window = job.pages.maintenance_view(job.service, value, record.phase, job.audience)
        files = [(window.url, job.pages.maintenance_page(job.service, window))]
    staged = [pair for relative, output in files
              if (pair := stage(job.out, relative, output, job.token)) is not None]
    return FileOutcome(todo.kind, todo.stem, record, [], staged, False, len(files), (0, -1))


def render_month_chunk(months: Sequence[Any]) -> list[tuple[list[tuple[str, str]], int]]:
    job = _JOB
    assert job is not None, "render_month_chunk runs inside a service build"
    slug = job.service.slug
    out: list[tuple[list[tuple[str, str]], int]] = []
    try:
        for month, entries, newer, older in months:
            html = job.pages.month_page(job.service, month, [summary_view(slug, r) for r in entries],
                                        newer, older)
            pair = stage(job.out, history_path(slug, month.key), html, job.token)
            out.append(([pair] if pair else [], 1))
    except BaseException:
        unstage([pair for staged, _ in out for pair in staged])
        raise
    return out


def make_record(job: Job, todo: Todo, sha: str, value: Any) -> Any:
    slug = job.service.slug
    ident = reader.object_id(value, slug, todo.kind)
    if todo.kind == "incident":
        return IncidentRecord(
            todo.mtime_ns, todo.size, sha, ident, value.title, value.impact, format_utc(value.start_utc),
            None if value.end_utc is None else format_utc(value.end_utc), value.status,
            value.start_utc.astimezone(job.zone).strftime("%Y-%m"), incident_visible(value, job.audience),
            format_utc(value.updated_utc), list(_named(value)),
            [(s.component, s.status, s.start, s.end) for s in incident_spans(value, job.now)])
    if todo.kind == "maintenance":
        start, end = format_utc(value.start_utc), format_utc(value.end_utc)
        return MaintenanceRecord(
            todo.mtime_ns, todo.size, sha, ident, value.title, start, end, value.status,
            value.auto_start, value.auto_end, list(value.components),
            incident_visible(value, job.audience),
            maintenance_phase(value.status, start, end, value.auto_start, value.auto_end, job.now))
    return PostRecord(todo.mtime_ns, todo.size, sha, ident, value.pinned, format_utc(value.time_utc),
                      visible(value.audiences, job.audience))
