"""History from git: who changed which page, and when (``sspage log``), and what a
commit did to a page's items (``sspage log --item`` and the build's timelines).

Each question is answered by one ``git log`` pass. With a page, the pathspec is
that page's file alone, so when the repository has a commit-graph with
changed-path Bloom filters (``git commit-graph write --reachable
--changed-paths``), git skips the commits that did not touch it without reading
their trees: on 100,000 commits that is the difference between about a minute and
about a second (docs/performance.md). Without a page, it is every page file.

Pages are attributed by the files a commit touched, so hand edits and merged pull
requests count as well as sspage's own commits; sspage's trailers
(``Sspage-Page``, ``Sspage-Item``) add the publicCode and the item. A merge is
listed only for what it changed itself (git's combined diff), since the commits
it merged are listed on their own.

With an item, a commit whose ``Sspage-Item`` trailer names it is kept, one that
names another item is not, and every other commit of the page (hand edits,
merges, page-wide changes such as ``create page``) is decided by content: the
file's versions before and after (all read through one ``git cat-file --batch``)
are compared, the item being found by its id, or by its text while it has none.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import msgspec

from .errors import InputError, NotFoundError, StoreError
from .model import GUID_PATTERN, State

if TYPE_CHECKING:
    from .git import GitStore
    from .model import Page
    from .store import Site

# Each commit starts with a marker that holds a NUL, which no subject or name can.
_MARK = "\0\x1esspage\x1f"
_FORMAT = "%x00%x1esspage%x1f%H%x00%P%x00%at%x00%aN%x00%aE%x00%s%x00%(trailers:only,unfold)%x00"
_FIELDS = 7
# ``:old-mode new-mode old-id new-id M\0path\0``; a merge's combined diff has one colon,
# mode and id more per parent. Renames are off, so there is one path.
_RAW = re.compile(r"(:+)((?:[0-7]{6} )+)((?:[0-9a-f]{40,64} )+)[A-Z]+[0-9]*\0([^\0]*)\0")
_ZERO = re.compile(r"^0+$")
_GUID = re.compile(GUID_PATTERN)
PAGE_TRAILER = "sspage-page"
ITEM_TRAILER = "sspage-item"
#: ``sspage log`` suggests a commit-graph when it took longer than this without one.
SLOW_LOG_SECONDS = 1.0


class FileChange(NamedTuple):
    """One file a commit changed: its blob in each parent and after (all zeros: absent)."""

    path: str
    parents: tuple[str, ...]
    blob: str


class Commit(NamedTuple):
    id: str
    parents: tuple[str, ...]
    time: int  # the author's time, seconds since 1970
    author_name: str
    author_email: str
    subject: str
    trailers: dict[str, str]  # lower-cased key -> first value
    files: list[FileChange]


class ItemChange(msgspec.Struct, kw_only=True, rename="camel"):
    """What one commit did to one item. States are ``pending``/``active``/``complete``."""

    id: str | None  # None while the item has no id (added by hand, before `sspage fmt`)
    text: str  # after the change (before it, for a removed item)
    before: str | None  # None: the commit added the item
    after: str | None  # None: the commit removed it
    text_before: str | None = None  # the old text, when the commit changed it


class LogEntry(msgspec.Struct, kw_only=True, rename="camel"):
    """One commit of ``sspage log``."""

    commit: str
    time: dt.datetime  # the author's time, in UTC
    author_name: str
    author_email: str
    subject: str
    pages: list[str]  # slugs of the page files the commit changed
    page_code: str | None  # its Sspage-Page trailer: None for hand edits and merges
    item_id: str | None  # its Sspage-Item trailer
    changes: list[ItemChange]  # with --item, for commits without an Sspage-Item trailer


class ItemVersion(NamedTuple):
    """An item as one version of a page file has it."""

    id: str | None
    text: str
    state: int | None  # None: not a state sspage knows (the file was invalid)


# -- the command ---------------------------------------------------------------------------


def site_log(site: Site, page: str | None = None, item: str | None = None,
             limit: int | None = None) -> list[LogEntry]:
    """The commits that changed ``site``'s pages, newest first.

    ``page`` (slug or publicCode) keeps one page's; a slug of a page that was
    deleted still finds its history. ``item`` (``#position``, id, id prefix or
    text, as elsewhere; a deleted item by its full id) keeps one item's, and needs
    ``page``. ``limit`` keeps the newest ones.
    """
    if limit is not None and limit < 1:
        raise InputError("the number of changes to show must be at least 1")
    if item is not None and page is None:
        raise InputError("--item needs a PAGE", hint="sspage log PAGE --item ITEM")
    git = repository(site)
    head = git.head_commit()
    pages_rel = git.rel(site.pages_dir)
    path: Path | None = None
    exists = False
    if page is None:
        # Only files directly in the pages folder are pages; :(glob)'s * stops at a slash.
        specs = [f":(glob){_glob_escape(pages_rel)}/*.yaml"]
    else:
        path, exists = _find_page(site, page)
        specs = [git.rel(path)]
        if head is None and not exists:
            site.find_page(page)  # raises the usual "no page" error
    if head is None:
        return []
    wanted = limit if item is None else None
    runner = LogRunner(git, [head], specs, limit=wanted, literal=page is not None)
    target = None
    if item is not None and path is not None:  # read the page while git walks the history
        try:
            current = site.read_page(path, complete=False) if exists else None
            target = _target_item(current, item)
        except BaseException:
            runner.cancel()
            raise
    commits = runner.commits()
    if page is not None and not exists and not commits:
        site.find_page(page)  # no such page now, nor ever: the usual "no page" error
    entries: list[LogEntry] = []
    if target is None:
        entries = [entry for entry in (_entry(c, pages_rel) for c in commits) if entry.pages]
        if limit is not None and len(entries) < limit and len(commits) == wanted:
            # Some commits touched no page (a merge's changes are its parents'): ask for more.
            return site_log(site, page, item, limit * 2)[:limit]
        return entries[:limit] if limit is not None else entries
    target_id, target_text = target
    shallow = shallow_commits(git)  # their parents are missing: git shows them adding every item
    undecided = [c for c in commits if ITEM_TRAILER not in c.trailers and c.id not in shallow]
    items = read_items(git, [blob for c in undecided for f in c.files
                             for blob in (*f.parents, f.blob)])
    for commit in commits:
        entry = _entry(commit, pages_rel)
        if ITEM_TRAILER in commit.trailers:
            if commit.trailers[ITEM_TRAILER].lower() != target_id:
                continue
        elif commit.id in shallow:
            continue
        else:
            entry.changes = [change for f in commit.files
                             for change in combined_changes([items.get(p, None) for p in f.parents],
                                                            items.get(f.blob))
                             if _is_target(change, target_id, target_text)]
            if not entry.changes:
                continue
        entries.append(entry)
        if limit is not None and len(entries) == limit:
            break
    return entries


def repository(site: Site) -> GitStore:
    """The site's git work tree, or a :class:`StoreError` saying there is no history."""
    from .gitsetup import require_git

    if site.git is None:
        raise StoreError(f"{site.root} is not in a git repository, so it has no history",
                         hint="run `git init` and commit the site; sspage then commits every change")
    require_git()
    return site.git


def is_shallow(git: GitStore) -> bool:
    """Whether the repository is a shallow clone (its oldest commits are missing)."""
    return (git.common_dir / "shallow").is_file()


def shallow_commits(git: GitStore) -> frozenset[str]:
    """The commits whose parents a shallow clone lacks: git shows them as adding every file."""
    try:
        return frozenset((git.common_dir / "shallow").read_text("ascii").split())
    except (OSError, UnicodeDecodeError):
        return frozenset()


def has_changed_path_filters(git: GitStore) -> bool:
    """Whether git's commit-graph carries changed-path Bloom filters (read from its header)."""
    info = git.common_dir / "objects" / "info"
    files = [info / "commit-graph"]
    chain = info / "commit-graphs" / "commit-graph-chain"
    try:
        files += [chain.parent / f"graph-{line.strip()}.graph"
                  for line in chain.read_text("ascii").split() if line.strip()]
    except (OSError, UnicodeDecodeError):
        pass
    for file in files:
        try:
            with open(file, "rb") as handle:
                header = handle.read(8)
                if len(header) < 8 or header[:4] != b"CGPH":
                    continue
                table = handle.read(12 * (header[6] + 1))
        except OSError:
            continue
        if any(table[i:i + 4] == b"BDAT" for i in range(0, len(table), 12)):
            return True
    return False


# -- reading git -----------------------------------------------------------------------------


class LogRunner:
    """One ``git log`` started at once, so the caller can work while git walks the history."""

    def __init__(self, git: GitStore, revisions: Sequence[str], paths: Sequence[str], *,
                 limit: int | None = None, literal: bool = True, reverse: bool = False) -> None:
        # A user's log.follow would make a one-path log follow renames, and showSignature adds
        # gpg output to the records.
        args = ["git", "-c", "log.showSignature=false", "-c", "log.mailmap=true", "-c", "log.follow=false"]
        if literal:
            args.append("--literal-pathspecs")  # a path is a path, not a pattern
        args += ["log", "--no-color", "--no-renames", "--encoding=UTF-8", "-z", "--raw",
                 "--no-abbrev", "--cc", f"--format={_FORMAT}"]
        if limit is not None:
            args.append(f"-n{limit}")
        if reverse:
            args += ["--reverse", "--topo-order"]
        args += [*revisions, "--", *paths]
        try:
            self.process = subprocess.Popen(args, cwd=git.top, env=git.env, stdin=subprocess.DEVNULL,
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except FileNotFoundError:
            raise StoreError("git is not installed (or not on PATH)",
                             hint="install git to read the site's history") from None

    def cancel(self) -> None:
        """Stop git (the caller failed before it needed the answer)."""
        self.process.kill()
        self.process.communicate()

    def commits(self) -> list[Commit]:
        out, err = self.process.communicate()
        if self.process.returncode != 0:
            _failed("log", err)
        return parse_log(out.decode("utf-8", "surrogateescape"))


def parse_log(text: str) -> list[Commit]:
    """The commits of ``git log`` run with ``_FORMAT``, ``-z``, ``--raw`` and ``--cc``."""
    commits = []
    for record in text.split(_MARK)[1:]:
        fields = record.split("\0", _FIELDS)
        if len(fields) <= _FIELDS:
            continue
        ident, parents, when, name, email, subject, trailer_text, rest = fields
        trailers: dict[str, str] = {}
        for line in trailer_text.splitlines():
            key, colon, value = line.partition(":")
            if colon:
                trailers.setdefault(key.strip().lower(), value.strip())
        files = []
        for match in _RAW.finditer(rest):
            ids = match.group(3).split()
            files.append(FileChange(match.group(4), tuple(ids[:-1]), ids[-1]))
        commits.append(Commit(ident, tuple(parents.split()), int(when or 0), name, email, subject,
                              trailers, files))
    return commits


def read_items(git: GitStore, blobs: Iterable[str]) -> dict[str, list[ItemVersion] | None]:
    """The items of each page-file version (blob id), read through one ``git cat-file --batch``.

    An absent file (an all-zero id) has no items; a version that is not a readable
    page, or a blob the repository lacks, maps to None.
    """
    found: dict[str, list[ItemVersion] | None] = {}
    wanted = []
    for blob in blobs:
        if blob in found:
            continue
        if _ZERO.match(blob):
            found[blob] = []
        else:
            found[blob] = None
            wanted.append(blob)
    if not wanted:
        return found
    try:
        result = subprocess.run(["git", "cat-file", "--batch"], cwd=git.top, env=git.env,
                                input=("\n".join(wanted) + "\n").encode(), capture_output=True)
    except FileNotFoundError:
        raise StoreError("git is not installed (or not on PATH)",
                         hint="install git to read the site's history") from None
    if result.returncode != 0:
        _failed("cat-file", result.stderr)
    data, at = result.stdout, 0
    for _ in wanted:
        end = data.index(b"\n", at)
        header = data[at:end].split()
        at = end + 1
        if len(header) != 3:  # "<id> missing": a shallow clone or a damaged repository
            continue
        size = int(header[2])
        found[header[0].decode()] = items_of(data[at:at + size])
        at += size + 1
    return found


def items_of(data: bytes) -> list[ItemVersion] | None:
    """The items of one version of a page file, or None if it cannot be read as one."""
    from .yamlio import YamlProblem, parse

    try:
        parsed = parse(data.decode("utf-8-sig")).data
    except (UnicodeDecodeError, YamlProblem):
        return None
    if not isinstance(parsed, dict):
        return None
    entries = parsed.get("items")
    if entries is None:
        return []
    if not isinstance(entries, list):
        return None
    items = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
            continue
        ident = entry.get("id")
        try:
            state: int | None = int(State.parse(entry.get("state", 0)))
        except ValueError:
            state = None
        items.append(ItemVersion(ident.strip().lower() if isinstance(ident, str) else None,
                                 entry["text"], state))
    return items


# -- what a commit did to the items ----------------------------------------------------------


def item_changes(before: list[ItemVersion], after: list[ItemVersion]) -> list[ItemChange]:
    """The items added, removed, or changed in state or text from ``before`` to ``after``.

    Items are matched by id; one without an id on either side (added by hand, and
    perhaps given its id by ``sspage fmt`` in this very change) by its text.
    Changes come in ``after``'s order, removals last.
    """
    by_id = {item.id: index for index, item in enumerate(before) if item.id is not None}
    matched: dict[int, int] = {}  # after index -> before index
    for index, item in enumerate(after):
        if item.id is not None and item.id in by_id:
            matched[index] = by_id[item.id]
    taken = set(matched.values())
    for index, item in enumerate(after):
        if index in matched:
            continue
        for old_index, old in enumerate(before):
            if (old_index not in taken and old.text == item.text
                    and (old.id is None or item.id is None)):
                matched[index] = old_index
                taken.add(old_index)
                break
    changes = []
    for index, item in enumerate(after):
        if index not in matched:
            changes.append(ItemChange(id=item.id, text=item.text, before=None,
                                      after=_state_key(item.state)))
            continue
        old = before[matched[index]]
        if old.state != item.state or old.text != item.text:
            changes.append(ItemChange(id=item.id or old.id, text=item.text,
                                      before=_state_key(old.state), after=_state_key(item.state),
                                      text_before=old.text if old.text != item.text else None))
    for old_index, old in enumerate(before):
        if old_index not in taken:
            changes.append(ItemChange(id=old.id, text=old.text, before=_state_key(old.state),
                                      after=None))
    return changes


def combined_changes(parents: list[list[ItemVersion] | None],
                     after: list[ItemVersion] | None) -> list[ItemChange]:
    """What a commit itself did: for a merge, only changes made against every parent.

    Unknown versions (unreadable, or missing from a shallow clone) give no changes:
    a change cannot be told from what is not there.
    """
    if after is None or not parents or any(parent is None for parent in parents):
        return []
    first = item_changes(parents[0], after)  # type: ignore[arg-type]
    if len(parents) == 1:
        return first
    others = [{_change_key(c) for c in item_changes(parent, after)}  # type: ignore[arg-type]
              for parent in parents[1:]]
    return [change for change in first if all(_change_key(change) in keys for keys in others)]


def _change_key(change: ItemChange) -> tuple[str | None, str, str | None]:
    return change.id, change.text, change.after


def _state_key(state: int | None) -> str | None:
    return None if state is None else State(state).name.lower()


def _is_target(change: ItemChange, ident: str, text: str) -> bool:
    if change.id is not None:
        return change.id == ident
    return text in (change.text, change.text_before)


# -- helpers ---------------------------------------------------------------------------------


def _entry(commit: Commit, pages_rel: str) -> LogEntry:
    prefix = pages_rel + "/"
    pages = []
    for change in commit.files:
        name = change.path[len(prefix):] if change.path.startswith(prefix) else ""
        if name.endswith(".yaml") and "/" not in name and not name.startswith("."):
            pages.append(name[:-5])
    return LogEntry(commit=commit.id, time=dt.datetime.fromtimestamp(commit.time, dt.timezone.utc),
                    author_name=commit.author_name, author_email=commit.author_email,
                    subject=commit.subject, pages=sorted(set(pages)),
                    page_code=commit.trailers.get(PAGE_TRAILER) or None,
                    item_id=(commit.trailers.get(ITEM_TRAILER) or "").lower() or None, changes=[])


def _find_page(site: Site, ref: str) -> tuple[Path, bool]:
    """The page's file, and whether it exists (a deleted page's slug still names its history)."""
    from .refs import is_slug

    try:
        return site.find_page(ref), True
    except NotFoundError:
        if not is_slug(ref):
            raise
        return site.pages_dir / f"{ref}.yaml", False


def _target_item(page: Page | None, ref: str) -> tuple[str, str]:
    """(id, text) of the item ``ref`` names; a deleted item only by its full id."""
    from .refs import resolve_item

    if page is not None:
        try:
            found = resolve_item(page.sorted_items(), ref, page.title)
            return str(found.id).lower() if isinstance(found.id, str) else "", found.text
        except NotFoundError:
            if not _GUID.fullmatch(ref.strip()):
                raise
    elif not _GUID.fullmatch(ref.strip()):
        raise NotFoundError(f"no item {ref!r} in the page's history",
                            hint="the page was deleted: name its items by their full id")
    return ref.strip().lower(), ""


def _glob_escape(path: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", path)


def _failed(command: str, stderr: bytes) -> None:
    from .gitsetup import check_version, first_line

    check_version()
    message = first_line(stderr.decode("utf-8", "replace")) or "no message"
    raise StoreError(f"git {command} failed: {message}")
