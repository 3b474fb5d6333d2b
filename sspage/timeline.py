"""Timelines: each item's state changes, from git, for the pages that show them.

A page shows a timeline with ``history: true`` in its file, or in ``site.yaml``
as the default (the page's own value wins). At build time one ``git log --raw``
over the files of every such page lists, per commit, each file's blob before and
after; one ``git cat-file --batch`` reads those blobs; comparing the items of the
two versions (:func:`sspage.history.item_changes`) gives the events: an item
added, with its state, and an item whose state changed. Text changes and deleted
items are not events. Times are the commits' author times. A merge contributes
only what it changed against every parent, and a commit that left the file
unreadable (or repaired it) contributes nothing, since no change can be told
from it.

The events are cached in ``.sspage/history.json`` with the commit they were read
up to. While ``HEAD`` stays there, a build runs no git at all; when it has moved
on, only the new commits are read (``git log CACHED..HEAD``); a page that newly
shows a timeline has its whole history read, in one more pass for all such
pages. If ``HEAD`` no longer descends from the cached commit (history was
rewritten), everything is read again. The manifest records a fingerprint of each
page's events, so a page is rendered again when its timeline changed.

Outside a git repository, with git missing, or before the first commit the
timelines are empty; in a shallow clone they hold what the clone has. Either
way the build says so once, and the page says that earlier changes are missing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING

import msgspec

from .errors import StoreError
from .model import State

if TYPE_CHECKING:
    from pathlib import Path

    from .git import GitStore
    from .history import Commit, ItemVersion
    from .manifest import PageRecord
    from .store import Site

FORMAT = 1
CACHE = "history.json"
#: Up to this many page files are named to git one by one; more, and git is given the
#: pages folder and the answer filtered (a command line of 10,000 paths is too long).
MAX_NAMED_PATHS = 200


class Event(msgspec.Struct, array_like=True, frozen=True):
    """One item's state change. ``after`` is 0, 1 or 2; ``before`` is None when it was added."""

    time: int  # the commit's author time, seconds since 1970
    seq: int  # the commit's place in the reading, oldest first: orders events of one second
    key: str  # the item's id, or "text:" and its text while it had none
    before: int | None
    after: int


class _Cache(msgspec.Struct):
    format: int
    head: str  # the commit the events were read up to
    seq: int  # the next commit's ``seq``
    partial: bool  # read from a shallow clone
    paths: dict[str, list[Event]]  # page file (relative to the repository's top) -> events


class Timelines:
    """The events of each page that asked for a timeline, and what to tell the user."""

    def __init__(self, events: dict[str, list[Event]], *, partial: bool,
                 note: str | None = None) -> None:
        self.events = events  # slug -> events, oldest first
        self.partial = partial  # earlier changes are missing (shallow clone, or no git)
        self.note = note

    def __contains__(self, slug: object) -> bool:
        return slug in self.events

    def fingerprint(self, slug: str) -> str:
        """A digest of what the page's timeline shows; it changes when the timeline does."""
        data = msgspec.json.encode([self.partial, self.events.get(slug, [])])
        return hashlib.sha256(data).hexdigest()[:20]


class BuildTimelines:
    """The timelines of one build, read from git (through the cache) at most twice.

    Before rendering, it reads those of the pages that showed one last time, and of
    every page to render when the site shows them by default: one ``git log`` pass,
    or none while the cache is current. A page found showing a timeline that was not
    read (its file just turned ``history: true`` on) is rendered after a second pass.
    """

    def __init__(self, site: Site) -> None:
        self.site = site
        self.wanted: set[str] = set()
        self.timelines: Timelines | None = None
        self.notes: list[str] = []  # to tell the user once (no git, a shallow clone...)

    def refresh(self, kept: Mapping[str, PageRecord], rendering: Iterable[str],
                before: Mapping[str, PageRecord], *, default: bool) -> list[str]:
        """Read the timelines the build will likely need: of the ``kept`` pages that showed
        one, and of the pages ``rendering`` that did (``before``) or will by ``default``.
        Returns the kept pages whose timeline changed, sorted: they must be rendered again."""
        shown = {slug for slug, record in kept.items() if record.history is not None}
        for slug in rendering:
            record = before.get(slug)
            if default or (record is not None and record.history is not None):
                shown.add(slug)
        if not shown:
            return []
        timelines = self.read(shown)
        return sorted(slug for slug in shown
                      if slug in kept and kept[slug].history != timelines.fingerprint(slug))

    def read(self, slugs: Collection[str]) -> Timelines:
        self.wanted.update(slugs)
        self.timelines = read_timelines(self.site, self.wanted)
        note = self.timelines.note
        if note is not None and note not in self.notes:
            self.notes.append(note)
        return self.timelines


def read_timelines(site: Site, slugs: Collection[str]) -> Timelines:
    """The timelines of the pages ``slugs``, from the cache and the commits since."""
    git = site.git
    empty: dict[str, list[Event]] = {slug: [] for slug in slugs}
    if not slugs:
        return Timelines({}, partial=False)
    if git is None:
        return Timelines(empty, partial=True, note="the site is not in a git repository, so "
                         "page timelines (history: true) are empty")
    from .gitsetup import require_git

    try:
        require_git()
        head = git.head_commit()
        if head is None:
            return Timelines(empty, partial=False)
        return _read(site, git, head, {slug: git.rel(site.pages_dir / f"{slug}.yaml")
                                       for slug in slugs})
    except StoreError as error:
        return Timelines(empty, partial=True,
                         note=f"page timelines (history: true) are empty: {error.message}")


def _read(site: Site, git: GitStore, head: str, paths: dict[str, str]) -> Timelines:
    from .history import shallow_commits

    cache_path = site.root / ".sspage" / CACHE
    cache = _load(cache_path)
    shallow = shallow_commits(git)
    if cache is not None and cache.partial and not shallow:
        cache = None  # the clone was deepened since: read the rest
    if cache is not None and cache.head != head and not _descends(git, cache.head, head):
        cache = None  # history was rewritten: read it all again
    wanted = set(paths.values())
    if cache is None:
        cache = _Cache(format=FORMAT, head=head, seq=0, partial=False, paths={})
        known: set[str] = set()
        dirty = True
    else:
        known = wanted & cache.paths.keys()
        dirty = known != cache.paths.keys()  # pages that stopped asking are dropped
    paths_events = {path: list(cache.paths[path]) for path in known}
    if cache.head != head and known:
        _add_events(site, git, paths_events, [f"{cache.head}..{head}"], known, cache, shallow)
        dirty = True
    new = wanted - known
    if new:
        _add_events(site, git, paths_events, [head], new, cache, shallow)
        dirty = True
    partial = cache.partial
    if dirty or cache.head != head:
        fresh = _Cache(format=FORMAT, head=head, seq=cache.seq, partial=partial, paths=paths_events)
        _save(cache_path, fresh)
    note = None
    if partial:
        note = ("this is a shallow clone, so page timelines (history: true) start at its oldest "
                "commit (git fetch --unshallow fetches the rest)")
    return Timelines({slug: paths_events[path] for slug, path in paths.items()},
                     partial=partial, note=note)


def _add_events(site: Site, git: GitStore, into: dict[str, list[Event]], revisions: list[str],
                paths: set[str], cache: _Cache, shallow: frozenset[str]) -> None:
    """Read the commits of ``revisions`` that touched ``paths``; add their events. One pass."""
    from .history import LogRunner, _glob_escape, read_items

    if len(paths) <= MAX_NAMED_PATHS:
        runner = LogRunner(git, revisions, sorted(paths), reverse=True)
    else:
        pages = f":(glob){_glob_escape(git.rel(site.pages_dir))}/*.yaml"
        runner = LogRunner(git, revisions, [pages], literal=False, reverse=True)
    commits = runner.commits()
    blobs = [blob for commit in commits if commit.id not in shallow
             for change in commit.files if change.path in paths
             for blob in (*change.parents, change.blob)]
    items = read_items(git, blobs)
    for path in paths:
        into.setdefault(path, [])
    for commit in commits:  # oldest first
        seq = cache.seq
        cache.seq += 1
        if commit.id in shallow:  # its parents are missing: it would "add" every item
            cache.partial = True
            continue
        _commit_events(commit, seq, paths, items, into)


def _commit_events(commit: Commit, seq: int, paths: set[str],
                   items: dict[str, list[ItemVersion] | None], into: dict[str, list[Event]]) -> None:
    from .history import combined_changes

    for change in commit.files:
        if change.path not in paths:
            continue
        before = [items.get(parent) for parent in change.parents]
        for item in combined_changes(before, items.get(change.blob)):
            if item.after is None or item.before == item.after:
                continue  # deleted, or only its text changed
            into[change.path].append(Event(
                time=commit.time, seq=seq, key=item.id or f"text:{item.text}",
                before=None if item.before is None else int(State[item.before.upper()]),
                after=int(State[item.after.upper()])))


def _descends(git: GitStore, ancestor: str, head: str) -> bool:
    import subprocess

    result = subprocess.run(["git", "merge-base", "--is-ancestor", ancestor, head], cwd=git.top,
                            env=git.env, stdin=subprocess.DEVNULL, capture_output=True)
    return result.returncode == 0


def _load(path: Path) -> _Cache | None:
    try:
        with open(path, "rb") as handle:
            cache = msgspec.json.decode(handle.read(), type=_Cache)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return None  # missing, damaged or from another version: read the history again
    return cache if cache.format == FORMAT else None


def _save(path: Path, cache: _Cache) -> None:
    from .staging import write_atomic

    write_atomic(path, msgspec.json.encode(cache))
