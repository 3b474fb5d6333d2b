"""``sspage fmt``: fill in what hand edits leave out, and nothing else.

Missing ids, timestamps, sortOrders and publicCodes are added; comments,
order and formatting stay. Running it twice changes nothing the second time.

With ``since`` (a git revision), fmt also does the bookkeeping a hand edit
skips: each page file that differs from its version at that revision has
``updatedUtc`` stamped on the items whose text or state changed, and on the
page when anything on it changed. Only the files git lists as changed are
read, and their old versions come from one ``git cat-file --batch``.

A value that already moved since the revision is taken as stamped (by
sspage or by the person editing), which is what makes a second run a no-op:

* an item whose text or state differs from the revision's is stamped unless
  its ``updatedUtc`` differs from the revision's too;
* the page is stamped when an item was stamped or filled in, or when any of
  its content (not counting ``updatedUtc`` and ``apiTokenHash``, which
  ``sspage page token rotate`` changes without touching the page) differs
  and its ``updatedUtc`` does not;
* an item or page that is new since the revision keeps the times it has and
  gets those it lacks. A file that was renamed is compared with its old self,
  found by its ``publicCode`` among the files that are gone.

fmt never commits: its changes complete someone's hand edit, and belong in
the commit that person makes (or, as a pre-commit hook, the one being made).
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import msgspec

from . import document as doc
from .atomic import atomic_write
from .errors import ContentError, Problem, StoreError
from .model import Page
from .store import Site
from .validate import Invalid, page_from_data
from .yamlio import YamlProblem, edit_document, parse


class FmtResult(msgspec.Struct):
    changed: list[Path] = msgspec.field(default_factory=list)
    problems: list[Problem] = msgspec.field(default_factory=list)


def fmt_site(site: Site, paths: list[Path] | None = None, *, dry_run: bool = False,
             since: str | None = None) -> FmtResult:
    """Format ``paths`` (default: every page). Files with problems are reported and left alone.

    ``since`` (a git revision such as ``HEAD`` or ``origin/main``) limits fmt to
    the page files that differ from that revision, and stamps what changed.
    """
    result = FmtResult()
    with site.lock:
        if since is None:
            todo: list[Path] = paths if paths is not None else site.page_paths()
            baseline: Baseline | None = None
        else:
            baseline = Baseline.of(site, since)
            wanted = None if paths is None else {p.resolve() for p in paths}
            todo = [p for p in baseline.paths if wanted is None or p in wanted]
        now = site.now()
        for path in todo:
            try:
                if _fmt_file(site, path, now, baseline, dry_run):
                    result.changed.append(path)
            except ContentError as error:
                result.problems.extend(error.problems)
    return result


class Baseline:
    """The page files that changed since a revision, and the pages they held there."""

    def __init__(self, paths: list[Path], before: dict[Path, Page | None],
                 gone: dict[str, Page]) -> None:
        self.paths = paths  # page files on disk that differ from the revision
        self._before = before
        self._gone = gone  # publicCode -> the page of a file that no longer exists

    @classmethod
    def of(cls, site: Site, rev: str) -> Baseline:
        git = site.git
        if git is None:
            raise StoreError(f"{site.root} is not in a git repository, so there is no "
                             f"revision {rev!r} to compare with",
                             hint="leave out --since, or run `git init` and commit first")
        commit = git.resolve(rev)
        pages = git.rel(site.pages_dir)
        changed = [rel for rel in git.changed_since(commit, site.pages_dir) if _is_page(rel, pages)]
        before: dict[Path, Page | None] = {}
        gone: dict[str, Page] = {}
        for rel, data in git.files_at(commit, changed).items():
            path = git.top / rel
            page = _old_page(data)
            before[path] = page
            if page is not None and isinstance(page.public_code, str) and not path.exists():
                gone[page.public_code] = page
        paths = [git.top / rel for rel in changed if (git.top / rel).is_file()]
        return cls(paths, before, gone)

    def before(self, path: Path, page: Page) -> Page | None:
        """``page`` (now at ``path``) as it was at the revision; None if it is new since."""
        old = self._before.get(path)
        if old is None and isinstance(page.public_code, str):
            old = self._gone.get(page.public_code)
        return old


def _is_page(rel: str, pages: str) -> bool:
    folder, name = posixpath.split(rel)
    return folder == pages and name.endswith(".yaml") and not name.startswith(".")


def _old_page(data: bytes | None) -> Page | None:
    """The page a file held at the revision; None if it had none (or none fmt can read)."""
    if data is None:
        return None
    try:
        return page_from_data(parse(data.decode("utf-8-sig")).data, complete=False)
    except (UnicodeDecodeError, YamlProblem, Invalid):
        return None


def _fmt_file(site: Site, path: Path, now: dt.datetime, baseline: Baseline | None,
              dry_run: bool) -> bool:
    text, newline = site._read_for_edit(path)
    parsed = site._parse(path, text)
    page = site._validated(path, parsed, complete=False)
    before = baseline.before(path, page) if baseline is not None else None
    new_text = _completed(site, path, text, parsed, page, baseline is not None, before, now)
    if new_text == text:
        return False
    site._validated_text(path, new_text)
    if not dry_run:
        atomic_write(path, new_text, newline)
    return True


def _completed(site: Site, path: Path, text: str, parsed: Any, page: Page, compare: bool,
               before: Page | None, now: dt.datetime) -> str:
    """The file's new text: spliced in place if only existing values change, else round-tripped."""
    from .spans import NeedsRoundTrip, SpanMap, Splices

    splices = Splices(text)
    try:
        changed = _complete(SpanMap(parsed.root, splices), page, compare, before, now)
        return splices.apply() if changed else text
    except NeedsRoundTrip:
        pass
    try:
        document = edit_document(text)
    except YamlProblem as problem:
        raise ContentError([problem.problem(site.display(path))]) from None
    changed = _complete(document.data, page, compare, before, now)
    return document.dump() if changed else text


def _complete(data: MutableMapping[str, Any], page: Page, compare: bool, before: Page | None,
              now: dt.datetime) -> bool:
    """Fill in the gaps, then (``compare``) stamp what changed since ``before``. True if any."""
    filled = doc.fill_missing(data, now)  # stamps the page's updatedUtc if it fills anything
    if not compare:
        return filled
    old_items = {item.id: item for item in (before.items if before is not None else [])
                 if isinstance(item.id, str)}
    stamped = False
    for mapping, item in zip(data.get("items") or [], page.items, strict=True):
        old = old_items.get(item.id) if isinstance(item.id, str) else None
        if old is not None and (item.text, item.state) != (old.text, old.state) \
                and item.updated_utc == old.updated_utc:
            doc.put(mapping, "updatedUtc", doc.time_value(_stamp(now, old.updated_utc)), doc.ITEM_KEYS)
            stamped = True
    page_moved = before is not None and page.updated_utc == before.updated_utc \
        and _content(page) != _content(before)
    if stamped or page_moved or (filled and before is not None):
        stamp = _stamp(now, before.updated_utc if before is not None else None)
        doc.put(data, "updatedUtc", doc.time_value(stamp), doc.PAGE_KEYS)
    return filled or stamped or page_moved


def _stamp(now: dt.datetime, old: object) -> dt.datetime:
    """The time to stamp a value with that was ``old`` at the revision.

    It must differ from ``old`` in the file's whole seconds: a stamp that spells the
    revision's value would look unstamped to the next run, which would stamp it again.
    """
    now = now.replace(microsecond=0)
    if not isinstance(old, dt.datetime) or now > old:  # none at the revision
        return now
    return old.replace(microsecond=0) + dt.timedelta(seconds=1)


def _content(page: Page) -> tuple[Any, ...]:
    """What a viewer of the page can see change, in display order."""
    return (page.public_code, page.title, page.latest_update, page.created_utc, page.expires_utc,
            page.listed, [(item.id, item.text, item.state, item.sort_order, item.created_utc,
                           item.updated_utc) for item in page.sorted_items()])
