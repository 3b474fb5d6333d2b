"""``sspage init``: a new site that works at once."""

from __future__ import annotations

from pathlib import Path

from .errors import InputError
from .model import SCHEMA_KINDS, schema
from .shapes import to_json
from .store import CONTENT, PAGES, SITE_FILE, Site
from .validate import Invalid, format_loc, site_from_data

SITE_TEMPLATE = """\
# yaml-language-server: $schema=schema/site.schema.json
# The site's settings. docs/configuration.md describes each one.
title: {title}
# Where the site is published: a page's public URL is {{base_url}}/s/{{publicCode}}.
base_url: {base_url}
# adminUrl of a page: its file on your git host. {{path}} is the file's path in the repository.
# edit_url: https://github.com/OWNER/REPO/edit/main/{{path}}
language: en
timezone: UTC
"""

GITIGNORE = "/public/\n/public-*/\n/.sspage/\n"


def init_site(root: Path | str, *, title: str = "Status",
              base_url: str = "http://localhost:8000") -> Site:
    root = Path(root)
    site_file = root / CONTENT / SITE_FILE
    if site_file.exists():
        raise InputError(f"{site_file} already exists", hint="this folder already holds a site")
    try:
        site_from_data({"title": title, "base_url": base_url})
    except Invalid as invalid:
        raise InputError("; ".join(f"{format_loc(i.loc)}: {i.message}" for i in invalid.issues)) from None
    (root / CONTENT / PAGES).mkdir(parents=True, exist_ok=True)
    write_schemas(root / CONTENT)
    quoted_title = to_json(title, indent=None)
    site_file.write_text(SITE_TEMPLATE.format(title=quoted_title, base_url=base_url), "utf-8")
    gitignore = root / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text(GITIGNORE, "utf-8")
    return Site(root)


def write_schemas(content: Path) -> None:
    folder = content / "schema"
    folder.mkdir(exist_ok=True)
    for kind in SCHEMA_KINDS:
        (folder / f"{kind}.schema.json").write_text(to_json(schema(kind)) + "\n", "utf-8")
