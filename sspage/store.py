"""The page store: a site folder of YAML files, and every SharedStatus operation on it.

The editing machinery (``edit``, ``document``) is imported inside the methods that
change pages, so that read-only commands such as ``build`` do not load it.

``Site`` is the library's front door::

    import sspage
    site = sspage.open_site()
    created = site.create_page("Kitchen renovation", items=["Survey booked", "Materials ordered"])
    site.update_item(created.page.slug, "#2", state="active")

Every change takes the site lock, reads the file, applies the change to its
round-trip data, validates the result and writes it atomically, so hand
edits and command-line edits never undo each other.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import msgspec

from .atomic import atomic_delete, atomic_write
from .errors import ConfigError, ContentError, InputError, NotFoundError, Problem
from .inputs import check_sort_order, check_text, item_spec, parse_state, quoted
from .lock import SiteLock
from .model import MAX_ITEMS, MAX_SORT_ORDER, Item, Page, SiteConfig, State, utc_now
from .refs import check_slug, describe_page_ref, is_public_code, is_slug, slugify
from .validate import Invalid, Issue, format_loc, page_from_data, site_from_data
from .yamlio import YamlProblem, new_document, parse, read_bytes, yaml_names

if TYPE_CHECKING:
    from .edit import PageEdit
    from .git import GitStore, Pending
    from .service.store import Services

CONTENT = "content"
SITE_FILE = "site.yaml"
PAGES = "pages"
STATE_DIR = ".sspage"
SCHEMA_COMMENT = "# yaml-language-server: $schema=../schema/page.schema.json\n"

_UNSET: Any = msgspec.UNSET


class Change(NamedTuple):
    """What one mutation did, in words for people and trailers for machines."""

    path: Path
    summary: str
    trailers: dict[str, str]


class CreatedPage(NamedTuple):
    """The result of :meth:`Site.create_page`. ``token`` is shown once and stored only as a hash."""

    page: Page
    token: str


class Site:
    """A site folder: ``content/site.yaml`` and ``content/pages/*.yaml``."""

    def __init__(self, root: Path | str, *, now: Callable[[], dt.datetime] = utc_now,
                 on_change: Callable[[Change], None] | None = None,
                 author: str | None = None, commit: bool | None = None) -> None:
        """``author`` ("Name <email>") overrides git's for commits; ``commit=False`` never
        commits, ``None`` follows ``commit:`` in site.yaml (default: commit inside a git work tree).
        """
        self.root = Path(root).resolve()
        self.content_dir = self.root / CONTENT
        self.pages_dir = self.content_dir / PAGES
        self.now = now
        self.on_change = on_change
        self.lock = SiteLock(self.root / STATE_DIR / "lock")
        self._config: SiteConfig | None = None
        if author is not None:
            from .git import parse_author

            parse_author(author)  # a bad --author fails before anything is written
        self.author = author
        self._commit = commit
        self._git: Any = _UNSET

    # -- configuration and paths ---------------------------------------------------------

    @property
    def config(self) -> SiteConfig:
        if self._config is None:
            self._config = self._read_config()
        return self._config

    def _read_config(self) -> SiteConfig:
        path = self.content_dir / SITE_FILE
        if not path.is_file():
            raise ConfigError(f"{self.display(path)} is missing", hint="run `sspage init`")
        text = self._read_text(path)
        parsed = self._parse(path, text)
        try:
            return site_from_data(parsed.data)
        except Invalid as invalid:
            raise ContentError(self._locate(path, parsed, invalid.issues)) from None

    @property
    def services(self) -> Services:
        """Service status pages: components, incidents, maintenance, updates, statuses."""
        from .service.store import Services

        return Services(self)

    @property
    def git(self) -> GitStore | None:
        """The git work tree the site lives in, or None (found without running git)."""
        if self._git is _UNSET:
            from .git import find_repo

            self._git = find_repo(self.root)
        return self._git  # type: ignore[no-any-return]

    @property
    def commits(self) -> bool:
        """Whether changes are committed: in a git work tree, unless turned off."""
        wanted = self._commit if self._commit is not None else self.config.commit
        return wanted and self.git is not None

    def pending(self) -> list[Pending]:
        """Changes sspage wrote but did not commit because its process was stopped.

        Cheap when there are none; otherwise it waits for the site lock, so that
        a change another process is making right now is not counted.
        """
        if self.git is None or not self.git.has_pending():
            return []
        with self.lock:
            return self.git.pending()

    def commit_pending(self) -> list[tuple[Pending, str]]:
        """Commit changes sspage wrote but did not commit (its process was stopped)."""
        if self.git is None:
            return []
        with self.lock:
            return self.git.commit_pending()

    def display(self, path: Path) -> str:
        """A path as the user should see it: relative to the site root."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def page_path(self, slug: str) -> Path:
        return self.pages_dir / f"{check_slug(slug)}.yaml"

    def public_url(self, page: Page) -> str:
        return f"{self.config.base_url}/s/{page.public_code}"

    def admin_url(self, page: Page) -> str:
        """Where the page is managed: its file on the git host (``edit_url``), else its path."""
        path = self.display(self.page_path(page.slug)).replace(os.sep, "/")
        template = self.config.edit_url
        return template.format(path=path, slug=page.slug) if template else path

    # -- reading -------------------------------------------------------------------------

    def page_paths(self) -> list[Path]:
        return [self.pages_dir / name for name in yaml_names(self.pages_dir)]

    def pages(self) -> list[Page]:
        """Every page, in slug order. Raises :class:`ContentError` listing every bad file."""
        pages: list[Page] = []
        problems: list[Problem] = []
        for path in self.page_paths():
            try:
                pages.append(self.read_page(path))
            except ContentError as error:
                problems.extend(error.problems)
        if problems:
            raise ContentError(problems)
        return pages

    def page(self, ref: str) -> Page:
        """A page by slug or publicCode."""
        return self.read_page(self.find_page(ref))

    def find_page(self, ref: str) -> Path:
        if is_slug(ref):
            path = self.pages_dir / f"{ref}.yaml"
            if path.is_file():
                return path
        if is_public_code(ref):
            needle = ref.encode()
            for path in self.page_paths():
                if needle in read_bytes(path):
                    try:
                        if self.read_page(path, complete=False).public_code == ref:
                            return path
                    except ContentError:
                        continue
        raise NotFoundError(describe_page_ref(ref), hint="`sspage page list` shows every page")

    def read_page(self, path: Path, *, complete: bool = True) -> Page:
        return self.page_from_bytes(path, self.file_bytes(path), complete=complete)

    def page_from_bytes(self, path: Path, data: bytes, *, complete: bool = True) -> Page:
        """The page a file's bytes hold (the build reads each file once, to hash and parse it)."""
        text, _ = self._decode(path, data)
        return self._validated(path, self._parse(path, text), complete=complete)

    def file_bytes(self, path: Path) -> bytes:
        """A content file's bytes, refusing one over the size limit."""
        try:
            return read_bytes(path)
        except YamlProblem as problem:
            raise ContentError([problem.problem(self.display(path))]) from None
        except OSError as error:
            raise ContentError([Problem(self.display(path), None, None, "",
                                        f"cannot read: {error.strerror}")]) from None

    def _read_text(self, path: Path) -> str:
        return self._read_for_edit(path)[0]

    def _read_for_edit(self, path: Path) -> tuple[str, str]:
        """The file's text without a BOM and with ``\\n`` line ends, and the line end it used."""
        return self._decode(path, self.file_bytes(path))

    def _decode(self, path: Path, data: bytes) -> tuple[str, str]:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ContentError([Problem(self.display(path), None, None, "",
                                        f"not UTF-8 text (byte {error.start})")]) from None
        if "\r\n" in text:
            return text.replace("\r\n", "\n"), "\r\n"
        return text, "\n"

    def _parse(self, path: Path, text: str) -> Any:
        try:
            return parse(text)
        except YamlProblem as problem:
            raise ContentError([problem.problem(self.display(path))]) from None

    def _locate(self, path: Path, parsed: Any, issues: list[Issue]) -> list[Problem]:
        shown = self.display(path)
        problems = []
        for issue in issues:
            line, col = parsed.locate(issue.loc)
            problems.append(Problem(shown, line, col, format_loc(issue.loc), issue.message, issue.hint))
        return problems

    # -- creating and deleting pages -----------------------------------------------------

    def create_page(self, title: str, *, items: Sequence[str | dict[str, Any]] = (),
                    latest_update: str | None = None, expires: dt.datetime | None = None,
                    slug: str | None = None) -> CreatedPage:
        """Create a page, optionally with items (text, or dicts with text/state/sortOrder)."""
        from . import document as doc
        from .tokens import hash_token, new_public_code, new_token

        check_text("title", title, multiline=False)
        if latest_update is not None:
            check_text("latest update", latest_update, multiline=True)
        specs = [item_spec(entry, position) for position, entry in enumerate(items)]
        if len(specs) > MAX_ITEMS:
            raise InputError(f"a page can hold at most {MAX_ITEMS} items")
        now = self.now()
        token = new_token()
        data = doc.new_mapping([
            ("publicCode", new_public_code()),
            ("title", doc.text_value(title)),
            ("latestUpdate", None if latest_update is None else doc.text_value(latest_update)),
            ("createdUtc", doc.time_value(now)),
            ("updatedUtc", doc.time_value(now)),
            ("expiresUtc", None if expires is None else doc.time_value(expires)),
            ("apiTokenHash", hash_token(token)),
            ("items", [doc.new_item(text, state, order, now) for text, state, order in specs]),
        ])
        with self.lock:
            self._prepare_commit()
            chosen = check_slug(slug) if slug is not None else self._free_slug(slugify(title))
            path = self.page_path(chosen)
            if path.exists():
                raise InputError(f"a page with the slug {chosen!r} already exists",
                                 hint="pass another --slug")
            page = self._write(path, new_document(data), prefix=SCHEMA_COMMENT,
                               change=lambda page: Change(path, f"{title}: create page",
                                                          {"Sspage-Page": str(page.public_code)}))
        return CreatedPage(page, token)

    def delete_page(self, ref: str) -> Page:
        with self.lock:
            self._prepare_commit()
            path = self.find_page(ref)
            page = self.read_page(path, complete=False)
            change = Change(path, f"{page.title}: delete page", {"Sspage-Page": str(page.public_code)})
            self._changing(change)
            atomic_delete(path)
            self._changed(change)
        return page

    def _free_slug(self, base: str) -> str:
        candidate, number = base, 2
        while (self.pages_dir / f"{candidate}.yaml").exists():
            suffix = f"-{number}"
            candidate = base[: 64 - len(suffix)].rstrip("-") + suffix
            number += 1
        return candidate

    # -- changing pages ------------------------------------------------------------------

    def update_page(self, ref: str, *, title: str | None = None,
                    latest_update: str | None = _UNSET, expires: dt.datetime | None = _UNSET) -> Page:
        """Change the title, latest update (None clears it) or expiry (None: never expires)."""
        from . import document as doc
        from .edit import mutate

        if title is not None:
            check_text("title", title, multiline=False)
        if latest_update not in (None, _UNSET):
            check_text("latest update", latest_update, multiline=True)
        if title is None and latest_update is _UNSET and expires is _UNSET:
            raise InputError("nothing to change", hint="give a title, latest update or expiry")
        def change(edit: PageEdit) -> None:
            words = []
            if title is not None:
                doc.put(edit.data, "title", doc.text_value(title), doc.PAGE_KEYS)
                words.append(f"title {quoted(title)}")
            if latest_update is not _UNSET:
                value = None if latest_update is None else doc.text_value(latest_update)
                doc.put(edit.data, "latestUpdate", value, doc.PAGE_KEYS)
                words.append("latest update cleared" if latest_update is None else "latest update")
            if expires is not _UNSET:
                value = None if expires is None else doc.time_value(expires)
                doc.put(edit.data, "expiresUtc", value, doc.PAGE_KEYS)
                words.append("no expiry" if expires is None else f"expires {doc.time_value(expires)}")
            edit.summary = f"{title or edit.page.title}: " + ", ".join(words)

        edit = mutate(self, ref, change)
        return edit.result_page

    def rotate_token(self, ref: str) -> str:
        """A new API token for the page; the old one stops working. Returns it (show it once)."""
        from . import document as doc
        from .edit import mutate
        from .tokens import hash_token, new_token

        token = new_token()

        def change(edit: PageEdit) -> None:
            doc.put(edit.data, "apiTokenHash", hash_token(token), doc.PAGE_KEYS)
            edit.summary = f"{edit.page.title}: rotate API token"

        mutate(self, ref, change, touch=False)
        return token

    def verify_token(self, ref: str, token: str) -> bool:
        from .tokens import verify_token

        return verify_token(token, self.page(ref).api_token_hash)

    # -- items ---------------------------------------------------------------------------

    def add_item(self, ref: str, text: str, *, state: State | str | int = State.PENDING,
                 sort_order: int | None = None) -> Item:
        """Add an item; without a sortOrder it goes to the end."""
        from . import document as doc
        from .edit import mutate

        check_text("text", text, multiline=True)
        wanted = parse_state(state)
        if sort_order is not None:
            check_sort_order(sort_order)
        def change(edit: PageEdit) -> None:
            nonlocal sort_order
            items = doc.items_of(edit.data)
            if len(items) >= MAX_ITEMS:
                raise InputError(f"{edit.page.title} already has {MAX_ITEMS} items, the limit")
            if sort_order is None:
                sort_order = max((i.sort_order for i in edit.page.items
                                  if isinstance(i.sort_order, int)), default=-1) + 1
                if sort_order > MAX_SORT_ORDER:
                    raise InputError("the last item already has the largest sortOrder",
                                     hint="give --sort-order, or renumber with `sspage item move`")
            mapping = doc.new_item(text, wanted, sort_order, edit.now)
            items.append(mapping)
            edit.item_id = mapping["id"]
            edit.summary = f"{edit.page.title}: add {quoted(text)} ({wanted.label})"

        edit = mutate(self, ref, change)
        return edit.result_item

    def update_item(self, ref: str, item: str, *, text: str | None = None,
                    state: State | str | int | None = None) -> Item:
        """Change an item's text and/or state (PATCH). Send at least one."""
        from . import document as doc
        from .edit import mutate

        if text is None and state is None:
            raise InputError("nothing to change", hint="give a new state or text")
        if text is not None:
            check_text("text", text, multiline=True)
        wanted = None if state is None else parse_state(state)
        def change(edit: PageEdit) -> None:
            target, mapping, _ = edit.find(item)
            changes = []
            if wanted is not None and wanted != target.state:
                doc.put(mapping, "state", doc.state_value(wanted, mapping.get("state")), doc.ITEM_KEYS)
                changes.append(f"{State.parse(target.state).label} → {wanted.label}")
            if text is not None and text != target.text:
                doc.put(mapping, "text", doc.text_value(text), doc.ITEM_KEYS)
                changes.append(f"now {quoted(text)}")
            if changes:
                doc.put(mapping, "updatedUtc", doc.time_value(edit.now), doc.ITEM_KEYS)
            else:
                edit.changed = False
            edit.item_id = str(target.id)
            edit.summary = f"{edit.page.title}: {quoted(target.text)} " + (
                ", ".join(changes) if changes else "unchanged")

        edit = mutate(self, ref, change)
        return edit.result_item

    def delete_item(self, ref: str, item: str) -> Item:
        from . import document as doc
        from .edit import mutate

        removed: list[Item] = []

        def change(edit: PageEdit) -> None:
            target, _, index = edit.find(item)
            del doc.items_of(edit.data)[index]
            edit.summary = f"{edit.page.title}: delete {quoted(target.text)}"
            edit.item_id = str(target.id)
            removed.append(target)

        mutate(self, ref, change)
        return removed[-1]

    def move_item(self, ref: str, item: str, to: int) -> Item:
        """Move an item to display position ``to`` (1-based); sortOrders become 0..n-1."""
        from . import document as doc
        from .edit import mutate

        def change(edit: PageEdit) -> None:
            target, _, _ = edit.find(item)
            ordered = [i for i in edit.page.sorted_items() if i is not target]
            if not 1 <= to <= len(ordered) + 1:
                raise InputError(f"position {to} is out of range",
                                 hint=f"use 1 to {len(ordered) + 1}")
            ordered.insert(to - 1, target)
            mappings = {str(m["id"]).lower(): m for m in doc.items_of(edit.data)}
            for order, entry in enumerate(ordered):
                mapping = mappings[str(entry.id)]
                if entry.sort_order != order:
                    doc.put(mapping, "sortOrder", order, doc.ITEM_KEYS)
            doc.put(mappings[str(target.id)], "updatedUtc", doc.time_value(edit.now), doc.ITEM_KEYS)
            edit.item_id = str(target.id)
            edit.summary = f"{edit.page.title}: move {quoted(target.text)} to #{to}"

        edit = mutate(self, ref, change)
        return edit.result_item

    def _validated(self, path: Path, parsed: Any, *, complete: bool = True) -> Page:
        try:
            page = page_from_data(parsed.data, complete=complete)
        except Invalid as invalid:
            raise ContentError(self._locate(path, parsed, invalid.issues)) from None
        page.slug = path.stem
        page.path = path
        return page

    def _validated_text(self, path: Path, text: str) -> Page:
        """The page a new text will hold; a rule it breaks is the change's fault, not the file's."""
        try:
            parsed = parse(text)
        except YamlProblem as problem:  # pragma: no cover - the writers only produce valid YAML
            raise InputError(f"the change would make invalid YAML: {problem.message}") from None
        try:
            return self._validated(path, parsed)
        except ContentError as error:
            raise InputError("; ".join(f"{p.field}: {p.message}" for p in error.problems)) from None

    def _write(self, path: Path, document: Any, prefix: str = "", newline: str = "\n",
               change: Callable[[Page], Change] | None = None) -> Page:
        """Validate and write; ``change(page)`` describes it, and is then committed."""
        text = prefix + document.dump()
        page = self._validated_text(path, text)
        record = change(page) if change is not None else None
        if record is not None:
            self._changing(record)
        atomic_write(path, text, newline)
        if record is not None:
            self._changed(record)
        return page

    def _prepare_commit(self) -> None:
        """Called under the lock as a change starts: git may get ready while it is made."""
        if self.commits:
            assert self.git is not None
            self.git.prepare()
            self.lock.on_release(self.git.settle)

    def _changing(self, change: Change) -> None:
        """Called under the lock just before ``change.path`` is written: journal the commit."""
        if self.commits:
            assert self.git is not None
            self.git.begin(change.path, _message(change), self.author)

    def _changed(self, change: Change) -> None:
        """Called under the lock just after ``change.path`` was written: commit it."""
        if self.commits:
            assert self.git is not None
            self.git.finish(change.path, _message(change), self.author)
        if self.on_change is not None:
            self.on_change(change)


def _message(change: Change) -> str:
    from .git import commit_message

    return commit_message(change.summary, change.trailers)


def open_site(path: Path | str | None = None, *, check_config: bool = True, **options: Any) -> Site:
    """The site at ``path``, or the first folder upwards from the current one that has one.

    A broken ``site.yaml`` raises here, before any command writes anything;
    ``check_config=False`` leaves that to the caller (``sspage check`` reports it).
    """

    def _opened(site: Site) -> Site:
        if check_config:
            site.config  # noqa: B018  (reading it validates it)
        return site

    start = Path(path) if path is not None else Path(os.environ.get("SSPAGE_SITE") or Path.cwd())
    if path is not None or os.environ.get("SSPAGE_SITE"):
        if not (start / CONTENT / SITE_FILE).is_file():
            raise ConfigError(f"{start} is not an sspage site (no {CONTENT}/{SITE_FILE})",
                              hint="run `sspage init` there first")
        return _opened(Site(start, **options))
    for folder in (start.resolve(), *start.resolve().parents):
        if (folder / CONTENT / SITE_FILE).is_file():
            return _opened(Site(folder, **options))
    raise ConfigError("no sspage site here or in any parent folder",
                      hint="run `sspage init`, or pass --site DIR")
