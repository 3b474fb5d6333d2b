"""``sspage build``: the YAML store as a static site, rebuilt incrementally and in parallel.

A build runs in four steps:

1. **Plan.** Stat every page file and compare it with the manifest of the
   last build (see :mod:`sspage.manifest`). A page is rendered again if its
   file changed (stat first, then the hash), if it expired or came back since,
   or if anything every page depends on changed (theme, config, sspage).
2. **Render.** Worker processes (:func:`sspage.check.parallel_map`) read,
   validate and render their share of the pages. Each output whose bytes
   differ from the file already there is *staged*: written to a hidden
   temporary file beside its final path. Unchanged files are not touched.
3. **Decide.** If any page is invalid, or two pages claim one publicCode, or
   a template fails, every staged file is deleted and the build fails,
   listing every problem. The previous output is left exactly as it was.
4. **Commit.** Every staged file is renamed into place (a rename is atomic, so
   a reader sees the old file or the new one, never a mix), the outputs of
   removed pages are deleted, and the manifest is written last. A crash
   during the commit leaves the old manifest, so the next build redoes the
   pages whose outputs might be stale.

:mod:`sspage.staging` does the writing. Two builds of one output folder take
turns, by a lock in ``{out}/.sspage/``.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from stat import S_ISREG
from typing import TYPE_CHECKING, NamedTuple

import msgspec

from . import __version__
from .check import parallel_map
from .errors import BuildError, ContentError, Problem
from .lock import SiteLock
from .manifest import (
    FORMAT,
    MARKER,
    Manifest,
    PageRecord,
    encode_manifest,
    file_sha256,
    inputs_fingerprint,
    load_manifest,
    remember_manifest,
    state_dir,
)
from .model import format_utc, utc_now
from .staging import commit, delete_output, forget_folders, stage, sweep, unstage, write_atomic
from .store import Site
from .theme import load_theme
from .timeline import BuildTimelines

if TYPE_CHECKING:
    from .render import Renderer
    from .service.build import Plan as ServicePlan
    from .service.build import Result as ServiceResult
    from .service.records import ServicesManifest
    from .theme import Theme

DEFAULT_OUT = "public"
STATE = ".sspage"


class BuildResult(msgspec.Struct):
    out: Path
    pages: int  # page files in the site
    rendered: int  # pages rendered by this build
    removed: int  # pages whose outputs this build deleted
    seconds: float
    notes: list[str] = msgspec.field(default_factory=list)  # to tell the user once (missing history...)
    services: int = 0  # service pages in the site
    service_files: int = 0  # service outputs rendered by this build


class Todo(NamedTuple):
    """A page to render, with its file's stat as taken before reading it."""

    slug: str
    path: str
    mtime_ns: int
    size: int


class Outcome(NamedTuple):
    slug: str
    record: PageRecord | None
    problems: list[Problem]
    staged: list[tuple[str, str]]  # (temporary file, final path)
    error: str | None  # a template error, which stops the build
    deferred: bool = False  # it shows a timeline that was not read yet: render it again


class _Job(msgspec.Struct):
    site: Site
    renderer: Renderer
    out: Path
    now: dt.datetime
    token: str
    history: BuildTimelines


# Set in the parent before workers fork, so that they inherit the compiled
# templates instead of receiving them through a pipe.
_JOB: _Job | None = None
# The last renderer and the inputs it was made from: `sspage serve` builds again and
# again in one process, and compiling the templates each time would cost ~30 ms.
_RENDERER: tuple[str, Renderer] | None = None


def build_time() -> dt.datetime:
    """``SOURCE_DATE_EPOCH`` if set (reproducible builds), else now. It only decides expiry."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return utc_now()
    try:
        return dt.datetime.fromtimestamp(int(value), dt.timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise BuildError(f"SOURCE_DATE_EPOCH={value!r} is not a time",
                         hint="give whole seconds since 1970, e.g. $(git log -1 --format=%ct)") from None


def build_site(site: Site, out: Path | str | None = None, *, jobs: int | None = None,
               clean: bool = False,
               progress: Callable[[int, int], None] | None = None,
               changed: Collection[str] | None = None, audience: str | None = None) -> BuildResult:
    """Build ``site`` into ``out`` (default ``public/`` in the site). ``clean`` renders every page.

    ``audience`` builds what that audience (site.yaml ``audiences``) may see of service
    pages, into ``public-<audience>/`` by default: a separate site, for a host's access control.

    ``progress(done, total)`` is told how many of the pages to render are done.
    ``changed``, from a file watcher, names the only page slugs whose files may have
    changed since this output's last build; the others are not even stat'ed.
    None (the default) checks every file.
    """
    from .service.build import plan as plan_services

    started = time.perf_counter()
    config = site.config  # validates site.yaml first: a bad config is reported on its own
    if audience is not None and audience not in config.audiences:
        raise BuildError(f"unknown audience {audience!r}",
                         hint="audiences in site.yaml: " + (", ".join(config.audiences) or "none"))
    default = DEFAULT_OUT if audience is None else f"{DEFAULT_OUT}-{audience}"
    out = Path(out).resolve() if out is not None else site.root / default
    _check_out(site, out)
    now = build_time()
    theme = load_theme(site.root, config.theme)
    inputs = inputs_fingerprint(theme.fingerprint(), msgspec.json.encode(config)
                                + (b"" if audience is None else b"\0audience " + audience.encode()))
    state = state_dir(site.root, out)
    with SiteLock(state / "lock"):
        old = load_manifest(site.root, out)
        full = clean or old is None or old.inputs != inputs
        plan = _plan(str(site.pages_dir), old, full, format_utc(now), changed)
        kept, todo, restamped, removed = plan.kept, plan.todo, plan.restamped, plan.removed
        history = BuildTimelines(site)
        for slug in history.refresh(kept, [item.slug for item in todo], old.pages if old else {},
                                    default=config.history):
            record = kept.pop(slug)  # its timeline changed: render it again
            todo.append(Todo(slug, f"{site.pages_dir}/{slug}.yaml", record.mtime_ns, record.size))
        services = plan_services(site, None if full or old is None else old.services, format_utc(now),
                                 changed=changed, audience=audience,
                                 previous=old.services if old else None)
        if todo or removed or full or services.dirty:
            renderer = _renderer(site, theme, inputs)
            records, site_outputs, service_result = _render_and_commit(
                site, out, renderer, now, old, kept, todo, removed, jobs, history, progress=progress,
                full=full, services=services)
            service_manifest: ServicesManifest | None = service_result.manifest
            service_files = service_result.rendered
        elif restamped and old is not None:  # only stats moved: remember them, render nothing
            records, site_outputs = kept, old.site_outputs
            service_manifest, service_files = old.services, 0
        else:
            return BuildResult(out, plan.pages, 0, 0, time.perf_counter() - started, history.notes,
                               services=len(services.services))
        marker = old.marker if old is not None else os.urandom(16).hex()
        if old is None:
            write_atomic(out / MARKER, f"{marker}\n".encode())
        manifest = Manifest(format=FORMAT, sspage=__version__, marker=marker, inputs=inputs,
                            site_outputs=site_outputs, pages=dict(sorted(records.items())),
                            services=service_manifest if service_manifest and (
                                service_manifest.services or service_manifest.statuses) else None)
        write_atomic(state / "manifest.json", encode_manifest(manifest))
        remember_manifest(state / "manifest.json", manifest)
    return BuildResult(out, plan.pages, len(todo), len(removed), time.perf_counter() - started,
                       history.notes, services=len(services.services), service_files=service_files)


class Plan(NamedTuple):
    kept: dict[str, PageRecord]  # pages whose outputs stand, by slug
    todo: list[Todo]  # pages to render
    restamped: bool  # a kept record's stat was updated (the file was touched, not changed)
    removed: list[str]  # slugs of the last build's pages whose files are gone
    pages: int


def _plan(folder: str, old: Manifest | None, full: bool, now: str,
          changed: Collection[str] | None = None) -> Plan:
    """Split the pages into kept records and pages to render.

    This is the only part of a build that grows with the size of the site, so
    it works on names rather than Paths, and stats each file relative to the
    open folder; the common case (stat unchanged, no expiry crossed) is one
    comparison.
    """
    kept: dict[str, PageRecord] = {}
    todo: list[Todo] = []
    restamped = False
    records = old.pages if old is not None else {}
    pages = {} if full else records
    try:
        names = sorted(name for name in os.listdir(folder)
                       if name.endswith(".yaml") and not name.startswith("."))
    except FileNotFoundError:  # no pages folder: a site of service pages only
        names = []
    known = 0  # pages of the last build still here
    directory = os.open(folder, os.O_RDONLY) if names else -1
    try:
        for name in names:
            slug = name[:-5]
            record = pages.get(slug)
            if record is not None:
                known += 1
                expiry_moved = (record.expires_utc is not None
                                and (record.expires_utc <= now) != record.expired)
                if changed is not None and slug not in changed and not expiry_moved:
                    kept[slug] = record  # the watcher saw no change to this file
                    continue
            try:
                stat = os.stat(name, dir_fd=directory)
            except OSError:
                todo.append(Todo(slug, f"{folder}/{name}", 0, -1))  # the worker says why
                continue
            if record is not None and stat.st_mtime_ns == record.mtime_ns and stat.st_size == record.size:
                if expiry_moved:
                    todo.append(Todo(slug, f"{folder}/{name}", stat.st_mtime_ns, stat.st_size))
                else:
                    kept[slug] = record
            elif not S_ISREG(stat.st_mode):  # a folder named *.yaml: not a page, as for check
                known -= record is not None
            elif record is None:
                todo.append(Todo(slug, f"{folder}/{name}", stat.st_mtime_ns, stat.st_size))
            else:
                touched = _restamped(record, f"{folder}/{name}", stat)
                if touched is None or expiry_moved:
                    todo.append(Todo(slug, f"{folder}/{name}", stat.st_mtime_ns, stat.st_size))
                else:
                    kept[slug] = touched
                    restamped = True
    finally:
        if directory >= 0:
            os.close(directory)
    seen = len(kept) + len(todo)
    if known == len(records):
        removed = []
    else:  # rare: only then is it worth a set of every slug
        here = set(kept).union(todo_item.slug for todo_item in todo)
        removed = sorted(slug for slug in records if slug not in here)
    return Plan(kept, todo, restamped, removed, seen)


def _restamped(record: PageRecord, path: str, stat: os.stat_result) -> PageRecord | None:
    """A touched file (checked out again, saved unchanged): the record with its new stat, or
    None if the bytes really changed."""
    if _hash_file(Path(path)) != record.sha256:
        return None
    return msgspec.structs.replace(record, mtime_ns=stat.st_mtime_ns, size=stat.st_size)


def _renderer(site: Site, theme: Theme, inputs: str) -> Renderer:
    global _RENDERER
    if _RENDERER is None or _RENDERER[0] != inputs:
        from .render import Renderer  # Jinja and Markdown load only when something is rendered

        _RENDERER = (inputs, Renderer(site.config, theme,
                                      cache=site.root / STATE / "cache" / "templates"))
    return _RENDERER[1]


def _render_and_commit(site: Site, out: Path, renderer: Renderer, now: dt.datetime,
                       old: Manifest | None, kept: dict[str, PageRecord], todo: list[Todo],
                       removed: list[str], jobs: int | None, history: BuildTimelines, *,
                       progress: Callable[[int, int], None] | None = None, full: bool = True,
                       services: ServicePlan,
                       ) -> tuple[dict[str, PageRecord], list[str], ServiceResult]:
    """Steps 2 to 4 of the module docstring; returns the page records, the site's own files,
    and what the service part of the build produced (sspage/service/build.py)."""
    from .service.build import render as render_services

    global _JOB
    token = os.urandom(4).hex()
    forget_folders()  # a folder seen in an earlier build may have been removed since
    _JOB = _Job(site, renderer, out, now, token, history)
    staged: list[tuple[str, str]] = []
    try:
        outcomes = parallel_map(_render_chunk, [], todo, jobs=jobs, progress=progress)
        deferred = {outcome.slug for outcome in outcomes if outcome.deferred}
        if deferred:  # pages that just turned their timeline on: read theirs, render them
            history.read(deferred)
            outcomes = [outcome for outcome in outcomes if not outcome.deferred] + parallel_map(
                _render_chunk, [], [item for item in todo if item.slug in deferred], jobs=jobs)
        staged = [pair for outcome in outcomes for pair in outcome.staged]
        errors = [outcome.error for outcome in outcomes if outcome.error]
        if errors:
            raise BuildError(errors[0])
        records = dict(kept)
        records.update((o.slug, o.record) for o in outcomes if o.record is not None)
        problems = [problem for outcome in outcomes for problem in outcome.problems]
        if full or old is None or _codes_moved(old, outcomes):
            problems += _shared_codes(site, records)
        service_result = render_services(site, services, out=out, renderer=renderer, now=now,
                                         token=token, jobs=jobs, full=full)
        staged += service_result.staged
        problems += service_result.problems
        if problems:
            raise ContentError(problems)
        if old is not None and not full and not removed and _site_unchanged(old, outcomes) \
                and not service_result.listings_changed:
            site_files = [(relative, b"") for relative in old.site_outputs]  # as they are
        else:
            site_files = renderer.site_outputs((records[slug] for slug in sorted(records)),
                                               services=service_result.listings)
            for relative, data in site_files:
                pair = stage(out, relative, data, token)
                if pair:
                    staged.append(pair)
    except BaseException:
        unstage(staged)
        sweep(out, token)
        raise
    finally:
        _JOB = None
    commit(staged)
    site_outputs = [relative for relative, _ in site_files]
    before: set[str] = set(old.site_outputs) if old else set()
    if old:
        for slug in [todo_item.slug for todo_item in todo] + removed:
            if slug in old.pages:
                before.update(old.pages[slug].outputs)
    after = set(site_outputs)
    for outcome in outcomes:
        if outcome.record is not None:
            after.update(outcome.record.outputs)
    for relative in sorted((before - after) | set(service_result.stale)):
        delete_output(out, relative)
    return records, site_outputs, service_result


def _site_unchanged(old: Manifest, outcomes: list[Outcome]) -> bool:
    """True when the site's own files (index, sitemap, host files) cannot have changed
    in an incremental build: no page added or removed, and no rendered page changed
    how the index shows it."""
    for outcome in outcomes:
        before = old.pages.get(outcome.slug)
        record = outcome.record
        if before is None or record is None or (before.listed, before.expired, before.listing) != (
                record.listed, record.expired, record.listing):
            return False
    return True


def _render_chunk(todos: Sequence[Todo]) -> list[Outcome]:
    job = _JOB
    assert job is not None, "_render_chunk runs inside build_site"
    outcomes: list[Outcome] = []
    try:
        for todo in todos:
            try:
                outcomes.append(_render_page(job, todo))
            except BuildError as error:  # a template error would repeat for every page: stop
                outcomes.append(Outcome(todo.slug, None, [], [], str(error)))
                break
    except BaseException:
        unstage([pair for outcome in outcomes for pair in outcome.staged])
        raise
    return outcomes


def _render_page(job: _Job, todo: Todo) -> Outcome:
    path = Path(todo.path)
    try:
        data = job.site.file_bytes(path)  # read once: hashed for the manifest, then parsed
        sha256 = file_sha256(data)
        page = job.site.page_from_bytes(path, data)
    except ContentError as error:
        return Outcome(todo.slug, None, error.problems, [], None)
    expired = page.is_expired(job.now)
    timeline = None
    fingerprint = None
    if not expired and page.shows_history(job.site.config):
        timelines = job.history.timelines
        if timelines is None or todo.slug not in timelines:
            return Outcome(todo.slug, None, [], [], None, deferred=True)
        timeline = (timelines.events[todo.slug], timelines.partial)
        fingerprint = timelines.fingerprint(todo.slug)
    files = job.renderer.page_outputs(page, expired=expired, public_url=job.site.public_url(page),
                                      history=timeline)
    staged: list[tuple[str, str]] = []
    written: dict[bytes, str] = {}  # the mirror's two paths hold the same bytes: link them
    try:
        for relative, data in files:
            pair = stage(job.out, relative, data, job.token, twin=written.get(data))
            if pair:
                staged.append(pair)
                written.setdefault(data, pair[0])
    except BaseException:
        unstage(staged)
        raise
    listing = job.renderer.listing(page) if page.listed and not expired else None
    record = PageRecord(
        mtime_ns=todo.mtime_ns, size=todo.size, sha256=sha256, public_code=str(page.public_code),
        expires_utc=None if page.expires_utc is None else format_utc(page.expires_utc),
        expired=expired, listed=page.listed, output_lines="\n".join(relative for relative, _ in files),
        listing=listing, history=fingerprint,
    )
    return Outcome(todo.slug, record, [], staged, None)


def _hash_file(path: Path) -> str:
    with open(path, "rb") as handle:
        return file_sha256(handle.read())


def _has_expired(expires_utc: str | None, now: str) -> bool:
    # Both are format_utc() text, which sorts like the times it spells.
    return expires_utc is not None and expires_utc <= now


def _codes_moved(old: Manifest, outcomes: list[Outcome]) -> bool:
    """True unless every rendered page kept the publicCode it had in the last build, whose
    codes were all distinct: only then can the whole-site check be skipped."""
    for outcome in outcomes:
        before = old.pages.get(outcome.slug)
        if before is None or outcome.record is None or before.public_code != outcome.record.public_code:
            return True
    return False


def _shared_codes(site: Site, records: dict[str, PageRecord]) -> list[Problem]:
    """Two pages with one publicCode would write one output path twice: an error."""
    from collections import Counter

    counts = Counter(record.public_code for record in records.values())  # counted in C
    if not counts or counts.most_common(1)[0][1] == 1:
        return []
    owners: dict[str, list[str]] = {}
    for slug, record in records.items():
        owners.setdefault(record.public_code, []).append(slug)
    problems = []
    for slugs in owners.values():
        for slug in slugs if len(slugs) > 1 else ():
            others = ", ".join(s for s in slugs if s != slug)
            problems.append(Problem(site.display(site.pages_dir / f"{slug}.yaml"), None, None,
                                    "publicCode", f"the same publicCode as {others}",
                                    "delete the publicCode line from one and run `sspage fmt`"))
    return problems


def _check_out(site: Site, out: Path) -> None:
    """Refuse output folders where writing s/, v1/ and index.html would damage the site."""
    protected = [site.content_dir, site.root / "themes", site.root / STATE]
    if out == site.root or out in site.root.parents:
        raise BuildError(f"cannot build into {out}: it holds the site itself",
                         hint=f"use a folder of its own, e.g. --out {DEFAULT_OUT}")
    for folder in protected:
        if out == folder or folder in out.parents:
            raise BuildError(f"cannot build into {out}: it is inside {site.display(folder)}",
                             hint=f"use a folder of its own, e.g. --out {DEFAULT_OUT}")
