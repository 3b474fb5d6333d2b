"""``sspage check`` for service content: every file, and the rules that span files.

Per-file rules run in worker processes for large services (as page checks
do); the rules across files (duplicate ids, overlapping windows, statuses a
page names) run on small summaries, each in one pass, never pair by pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from ..errors import ContentError, Problem
from ..model import format_utc
from . import layout, reader
from .rules import Rules, overlaps, rules_for

if TYPE_CHECKING:
    from ..store import Site


class ServiceCheck(msgspec.Struct):
    services: int = 0
    files: int = 0
    problems: list[Problem] = msgspec.field(default_factory=list)


def check_services(site: Site, *, jobs: int | None = None) -> ServiceCheck:
    """Every problem in services, templates and statuses. Needs a valid site.yaml."""
    from ..check import parallel_map

    result = ServiceCheck()
    base = rules_for(site.config)
    status_keys = set()
    for path in layout.status_paths(site):
        result.files += 1
        try:
            reader.read_status(site, path, base)
        except ContentError as error:
            result.problems.extend(error.problems)
        status_keys.add(path.stem)
    for path in layout.template_paths(site):
        result.files += 1
        try:
            reader.read(site, path, "template", base)
        except ContentError as error:
            result.problems.extend(error.problems)
    for slug in layout.service_slugs(site):
        result.services += 1
        result.files += 1
        try:
            service = reader.read_service(site, slug, base)
        except ContentError as error:
            result.problems.extend(error.problems)
            rules = base  # its files are still checked, but not against its components
        else:
            result.problems += unknown_statuses(site, service, status_keys)
            rules = rules_for(site.config, [c.key for c in service.components])
        for kind in layout.FOLDERS:
            paths = layout.kind_paths(site, slug, kind)
            result.files += len(paths)
            summaries = parallel_map(_check_chunk, [str(site.root), kind, rules], paths, jobs=jobs)
            ids: dict[str, Path] = {}
            windows = []
            for path, ident, window, problems in summaries:
                result.problems.extend(problems)
                if ident is None:
                    continue
                result.problems += duplicate_id(site, ids, ident, path)
                if window is not None:
                    windows.append((str(path), *window))
            result.problems += overlap_problems(site, windows)
    return result


def _check_chunk(root: str, kind: str, rules: Rules, paths: Sequence[Path],
                 ) -> list[tuple[Path, str | None, Any, list[Problem]]]:
    from ..store import Site

    site = Site(root)
    out: list[tuple[Path, str | None, Any, list[Problem]]] = []
    for path in paths:
        try:
            value = reader.read(site, path, kind, rules)
        except ContentError as error:
            out.append((path, None, None, error.problems))
            continue
        ident = reader.object_id(value, path.parent.parent.name, kind)
        window = None
        if kind == "maintenance":
            window = (format_utc(value.start_utc), format_utc(value.end_utc), list(value.components))
        out.append((path, ident, window, []))
    return out


def duplicate_id(site: Site, seen: dict[str, Path], ident: str, path: Path) -> list[Problem]:
    """Two files with one id would publish to one permalink: the second is an error."""
    first = seen.setdefault(ident, path)
    if first == path:
        return []
    return [reader.locate(site, path, ("id",), f"the same id as {site.display(first)}",
                          "delete the id line from one of them (a new one is derived from the file name)")]


def overlap_problems(site: Site, windows: list[tuple[str, str, str, list[str]]]) -> list[Problem]:
    """Windows of one service that share a component and overlap in time."""
    problems = []
    starts = {name: (start, end) for name, start, end, _ in windows}
    for later, earlier, key in overlaps(windows):
        start, end = starts[earlier]
        problems.append(reader.locate(
            site, Path(later), ("startUtc",),
            f"overlaps {site.display(Path(earlier))} ({start} to {end}) on component {key!r}",
            "move one window, or merge the two into one file"))
    return problems


def unknown_statuses(site: Site, service: Any, known: set[str]) -> list[Problem]:
    return [reader.locate(site, service.path, ("statuses", index), f"no status {key!r}",
                          f"create content/statuses/{key}.yaml, e.g. with `sspage status set {key} "
                          "--value ...`")
            for index, key in enumerate(service.statuses) if key not in known]
