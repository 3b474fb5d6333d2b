"""Where service files live, and reading one into a model object or located problems.

The layout keeps one file per incident, window and post, so that two people's
pull requests never touch the same file::

    content/services/<slug>/service.yaml          the page, its groups and components
    content/services/<slug>/incidents/<name>.yaml  one incident each
    content/services/<slug>/maintenance/<name>.yaml
    content/services/<slug>/updates/<name>.yaml    posted updates
    content/templates/<name>.yaml                  update templates, for every service
    content/statuses/<key>.yaml                    single-value statuses

Files are read exactly like page files (:mod:`sspage.yamlio`'s strict reader),
and every problem is reported as ``path:line:col: field: message (hint)``.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ContentError, NotFoundError, Problem
from ..refs import is_slug
from ..validate import Invalid
from .layout import SERVICE_FILE, kind_paths, service_dir, service_slugs
from .rules import Rules, convert

if TYPE_CHECKING:
    from ..store import Site

_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"







@functools.lru_cache(maxsize=4096)  # the build asks for the same components' and updates' ids often
def derived_id(*parts: str) -> str:
    """A stable 12-character id from names: for files that do not give one."""
    number = int.from_bytes(hashlib.sha256("/".join(parts).encode()).digest()[:8], "big")
    out = []
    for _ in range(12):
        number, digit = divmod(number, 36)
        out.append(_BASE36[digit])
    return "".join(out)


def new_id() -> str:
    """A random id like Statuspage's (``8kbf7d35c070``): 12 lower-case letters and digits."""
    import secrets

    return "".join(secrets.choice(_BASE36) for _ in range(12))


def object_id(obj: Any, service: str, kind: str) -> str:
    ident = obj.id
    return ident if isinstance(ident, str) else derived_id(service, kind, obj.stem)


def read(site: Site, path: Path, kind: str, rules: Rules, data: bytes | None = None) -> Any:
    """One file as its model object; a :class:`ContentError` with every located problem."""
    problems = name_problems(site, path)
    raw = site.file_bytes(path) if data is None else data
    text, _ = site._decode(path, raw)
    parsed = site._parse(path, text)
    try:
        value = convert(kind, parsed.data, rules)
    except Invalid as invalid:
        raise ContentError(problems + site._locate(path, parsed, invalid.issues)) from None
    if problems:
        raise ContentError(problems)
    value.path = path
    value.stem = path.stem
    return value


def name_problems(site: Site, path: Path) -> list[Problem]:
    """A file name must be a slug: it is part of a URL and of git history."""
    if is_slug(path.stem):
        return []
    return [Problem(site.display(path), None, None, "", "the file name is not a valid slug",
                    "rename it with lower-case letters, digits and single hyphens, ending in .yaml")]


def locate(site: Site, path: Path, loc: tuple[str | int, ...], message: str,
           hint: str | None = None) -> Problem:
    """A problem found across files (an overlap, a duplicate id), pointed at ``loc`` in ``path``."""
    from ..validate import format_loc

    line: int | None = None
    col: int | None = None
    try:
        text, _ = site._decode(path, site.file_bytes(path))
        line, col = site._parse(path, text).locate(loc)
    except ContentError:
        pass
    return Problem(site.display(path), line, col, format_loc(loc), message, hint)


def read_service(site: Site, slug: str, rules: Rules) -> Any:
    path = service_dir(site, slug) / SERVICE_FILE
    if not path.is_file():
        known = ", ".join(service_slugs(site)) or "none yet"
        raise NotFoundError(f"no service {slug!r}", hint=f"services: {known}")
    service = read(site, path, "service", rules)
    service.slug = slug
    return service


def read_all(site: Site, slug: str, kind: str, rules: Rules) -> list[Any]:
    """Every file of one kind of a service; a :class:`ContentError` listing every bad one."""
    found, problems = [], []
    for path in kind_paths(site, slug, kind):
        try:
            found.append(read(site, path, kind, rules))
        except ContentError as error:
            problems.extend(error.problems)
    if problems:
        raise ContentError(problems)
    return found




def read_status(site: Site, path: Path, rules: Rules, data: bytes | None = None) -> Any:
    status = read(site, path, "status", rules, data)
    status.key = path.stem
    return status


def status_ids(status: Any) -> tuple[str, str]:
    """(id, shareId): as written, or derived from the key."""
    ident = status.id if isinstance(status.id, str) else derived_id("status-id", status.key)
    share = status.share_id if isinstance(status.share_id, str) else derived_id("share", status.key)[:8]
    return ident, share
