"""``sspage init``: a new site that works at once.

:func:`init_site` makes the content alone (``site.yaml``, the schemas, ``.gitignore``).
:func:`scaffold_site`, which the command line runs, adds an example page, a
``.pre-commit-config.yaml`` and the GitHub workflows, then makes a git repository if the
folder is not in one and commits what it wrote as the first commit. Neither overwrites a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from . import skeleton
from .atomic import atomic_write
from .errors import InputError, StoreError
from .model import SCHEMA_KINDS, schema
from .shapes import to_json
from .store import CONTENT, PAGES, SITE_FILE, Site
from .validate import Invalid, format_loc, site_from_data

if TYPE_CHECKING:
    from .git import GitStore

SITE_TEMPLATE = """\
# yaml-language-server: $schema=schema/site.schema.json
# The site's settings. docs/file-format.md describes each one.
title: {title}
# Where the site is published: a page's public URL is {{base_url}}/s/{{publicCode}}.
base_url: {base_url}
# adminUrl of a page: its file on your git host. {{path}} is the file's path in the repository.
# edit_url: https://github.com/OWNER/REPO/edit/main/{{path}}
language: en
timezone: UTC
"""

GITIGNORE = skeleton.GITIGNORE


class Scaffold(NamedTuple):
    """What :func:`scaffold_site` did. Paths are absolute."""

    site: Site
    written: list[Path]
    kept: list[Path]  # files that were there already and were left as they were
    branch: str  # the branch the deploy workflow publishes
    repo_created: bool
    commit: str | None  # the first commit's id, when one was made


def init_site(root: Path | str, *, title: str = "Status",
              base_url: str = "http://localhost:8000") -> Site:
    """Make ``content/site.yaml``, ``content/pages/``, the schemas and ``.gitignore`` in ``root``."""
    root = Path(root)
    site_file = root / CONTENT / SITE_FILE
    _check_settings(site_file, title, base_url)
    (root / CONTENT / PAGES).mkdir(parents=True, exist_ok=True)
    write_schemas(root / CONTENT)
    site_file.write_text(_site_yaml(title, base_url), "utf-8")
    gitignore = root / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text(GITIGNORE, "utf-8")
    return Site(root)


def scaffold_site(root: Path | str, *, title: str = "Status", base_url: str = "http://localhost:8000",
                  workflows: bool = True, git: bool = True, commit: bool = True,
                  author: str | None = None) -> Scaffold:
    """A complete site repository in ``root``: content, example page, hooks, workflows, git.

    The workflows and ``.pre-commit-config.yaml`` go to the top of the git repository
    ``root`` is in (GitHub reads workflows only there), else to ``root``. With ``git``, a
    repository is made in ``root`` when it is in none; with ``commit`` too, the files
    written become one commit (by ``author``, "Name <email>", if given), and nothing
    else the user has staged or changed is touched. Files that exist are kept as
    they are; an existing ``content/site.yaml`` is an error, before anything is written.
    """
    from .git import find_repo, parse_author
    from .gitsetup import check_identity, init_repo, require_git

    root = Path(root).resolve()
    site_file = root / CONTENT / SITE_FILE
    _check_settings(site_file, title, base_url)
    if author is not None:
        parse_author(author)
    existing = _existing_folder(root)
    repo = find_repo(existing)
    top = repo.top if repo is not None else root
    site_rel = root.relative_to(top).as_posix()
    # What git would refuse (no git, a detached HEAD, no identity) is refused before any write.
    if git:
        try:
            require_git()
        except StoreError as error:
            raise StoreError(error.message, hint="install git, or pass --no-git") from None
    branch = _deploy_branch(repo, existing, git)
    if git and commit:
        check_identity(existing)

    rev = f"v{_version()}"
    planned: dict[Path, str | None] = {
        site_file: _site_yaml(title, base_url),
        **{root / CONTENT / "schema" / f"{kind}.schema.json": to_json(schema(kind)) + "\n"
           for kind in ("page", "site")},
        root / ".gitignore": GITIGNORE,
        top / ".pre-commit-config.yaml": skeleton.pre_commit_config(rev, site_rel),
    }
    if workflows:
        for name, workflow in skeleton.workflows(rev, site_rel, branch).items():
            planned[top / ".github" / "workflows" / name] = workflow
    pages = root / CONTENT / PAGES
    example = pages / f"{skeleton.EXAMPLE_SLUG}.yaml"
    if not (pages.is_dir() and any(pages.glob("*.yaml"))):
        planned[example] = None  # made by Site.create_page, with fresh codes and ids
    kept = sorted(path for path in planned if path.exists() or path.is_symlink())

    written = []
    pages.mkdir(parents=True, exist_ok=True)
    for path, text in planned.items():
        if path in kept or text is None:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, text)
        written.append(path)
    site = Site(root, commit=False)
    if example in planned and example not in kept:
        site.create_page(skeleton.EXAMPLE_TITLE, items=skeleton.EXAMPLE_ITEMS,
                         latest_update=skeleton.EXAMPLE_UPDATE, slug=skeleton.EXAMPLE_SLUG)
        written.append(example)
    written.sort()

    repo_created = False
    commit_id = None
    if git:
        if repo is None:
            repo = init_repo(root, branch)
            repo_created = True
        if commit and written:
            store = find_repo(root)
            assert store is not None
            try:
                commit_id = store.commit([store.rel(p) for p in written], _message(title), author)
            except StoreError as error:
                raise StoreError(f"{error.message}; the files are written but not committed",
                                 hint="commit them with git add and git commit") from None
    return Scaffold(Site(root), written, kept, branch, repo_created, commit_id)


def write_schemas(content: Path) -> None:
    folder = content / "schema"
    folder.mkdir(exist_ok=True)
    for kind in SCHEMA_KINDS:
        (folder / f"{kind}.schema.json").write_text(to_json(schema(kind)) + "\n", "utf-8")


def _check_settings(site_file: Path, title: str, base_url: str) -> None:
    if site_file.exists():
        raise InputError(f"{site_file} already exists", hint="this folder already holds a site")
    try:
        site_from_data({"title": title, "base_url": base_url})
    except Invalid as invalid:
        raise InputError("; ".join(f"{format_loc(i.loc)}: {i.message}" for i in invalid.issues)) from None


def _site_yaml(title: str, base_url: str) -> str:
    return SITE_TEMPLATE.format(title=to_json(title, indent=None), base_url=base_url)


def _existing_folder(root: Path) -> Path:
    """``root`` or its nearest ancestor that exists; an :class:`InputError` if that is a file."""
    for folder in (root, *root.parents):
        if folder.exists():
            if not folder.is_dir():
                raise InputError(f"{folder} is a file, so {root} cannot be a site folder")
            return folder
    return Path(root.anchor)


def _deploy_branch(repo: GitStore | None, existing: Path, git: bool) -> str:
    from .gitsetup import new_repo_branch

    if repo is not None:
        try:
            return repo.default_branch()
        except StoreError:
            if git:  # a detached HEAD, or no git at all: refused before anything is written
                raise
            return "main"
    return new_repo_branch(existing) if git else "main"


def _message(title: str) -> str:
    from .git import commit_message

    return commit_message(f"{' '.join(title.split())}: create the site (sspage init)", {})


def _version() -> str:
    from . import __version__

    return __version__
