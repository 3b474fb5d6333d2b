"""``sspage check``: validate a whole site, in parallel, reporting every problem.

Parsing is the cost (about 0.3 ms a page with the C parser), so large sites
are split into chunks that worker processes read. Workers are forked after
the parent has imported everything, so they start in milliseconds.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from .errors import ContentError, Problem
from .refs import is_slug
from .store import SITE_FILE, Site

T = TypeVar("T")
R = TypeVar("R")

SERIAL_BELOW = 400  # below this many files a worker pool costs more than it saves


class CheckResult(msgspec.Struct):
    pages: int
    problems: list[Problem]


def check_site(site: Site, *, jobs: int | None = None) -> CheckResult:
    problems: list[Problem] = []
    try:
        site.config  # noqa: B018  (reading it validates it)
    except ContentError as error:
        problems.extend(error.problems)
    else:  # service content is checked against site.yaml's audiences and statuses
        from .service.check import check_services

        problems.extend(check_services(site, jobs=jobs).problems)
    paths = site.page_paths()
    problems.extend(_stray_files(site))
    results = parallel_map(_check_chunk, [str(site.root)], paths, jobs=jobs)
    codes: dict[str, list[str]] = {}
    for slug, code, found in results:
        problems.extend(found)
        if code:
            codes.setdefault(code, []).append(slug)
    for slugs in codes.values():
        if len(slugs) > 1:
            for slug in slugs:
                others = ", ".join(s for s in slugs if s != slug)
                path = site.pages_dir / f"{slug}.yaml"
                line = _line_of(path, "publicCode:")
                problems.append(Problem(site.display(path), line, 1, "publicCode",
                                        f"the same publicCode as {others}",
                                        "delete the publicCode line from one and run `sspage fmt`"))
    return CheckResult(len(paths), sorted(problems, key=lambda p: (p.path, p.line or 0, p.col or 0)))


def _check_chunk(root: str, paths: Sequence[Path]) -> list[tuple[str, str | None, list[Problem]]]:
    site = Site(root)
    out: list[tuple[str, str | None, list[Problem]]] = []
    for path in paths:
        problems: list[Problem] = []
        code = None
        if not is_slug(path.stem):
            problems.append(Problem(site.display(path), None, None, "",
                                    "the file name is not a valid slug",
                                    "rename it with lower-case letters, digits and hyphens"))
        try:
            page = site.read_page(path)
            code = str(page.public_code)
        except ContentError as error:
            problems.extend(error.problems)
        out.append((path.stem, code, problems))
    return out


def _stray_files(site: Site) -> list[Problem]:
    try:
        names = os.listdir(site.pages_dir)
    except FileNotFoundError:
        if (site.content_dir / "services").is_dir():
            return []  # a site of service pages only
        return [Problem(site.display(site.pages_dir), None, None, "", "the pages folder is missing",
                        "run `sspage init` or create it")]
    return [
        Problem(site.display(site.pages_dir / name), None, None, "",
                "ignored: page files must end in .yaml", "rename it")
        for name in sorted(names) if name.endswith(".yml") and name != SITE_FILE
    ]


def _line_of(path: Path, needle: str) -> int | None:
    try:
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if line.startswith(needle):
                return number
    except (OSError, UnicodeDecodeError):
        pass
    return None


def parallel_map(func: Callable[..., list[R]], args: list[Any], items: Sequence[T], *,
                 jobs: int | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 serial_below: int = SERIAL_BELOW) -> list[R]:
    """``func(*args, chunk)`` over chunks of ``items`` in worker processes, results in order.

    ``progress(done, total)`` is called as chunks finish, for a progress bar. Fewer than
    ``serial_below`` items run in this process (lower it for items that cost more each).
    """
    jobs = jobs or os.cpu_count() or 1
    total = len(items)
    if jobs > 1 and total >= serial_below:
        import multiprocessing  # only here: small builds and checks never need it

        if "fork" not in multiprocessing.get_all_start_methods():
            jobs = 1
    if jobs <= 1 or total < serial_below:
        chunks = _chunks(items, max(1, total // 200)) if progress else [items]
        parts = []
        for chunk in chunks:
            parts.append(func(*args, chunk))
            if progress:
                progress(sum(len(part) for part in parts), total)
        return [result for part in parts for result in part]
    import multiprocessing

    chunks = _chunks(items, jobs * 8)
    context = multiprocessing.get_context("fork")  # workers inherit the parent's imports
    parts, done = [], 0
    with context.Pool(jobs) as pool:
        for part in pool.imap(_call, [(func, args, chunk) for chunk in chunks], chunksize=1):
            parts.append(part)
            done += len(part)
            if progress:
                progress(done, total)
    return [result for part in parts for result in part]


def _call(job: tuple[Callable[..., list[R]], list[Any], Sequence[T]]) -> list[R]:
    func, args, chunk = job
    return func(*args, chunk)


def _chunks(items: Sequence[T], count: int) -> Iterable[Sequence[T]]:
    size = max(1, -(-len(items) // count))
    return [items[start:start + size] for start in range(0, len(items), size)]
