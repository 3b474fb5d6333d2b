"""``sspage fmt``: fill in what hand edits leave out, and nothing else.

Missing ids, timestamps, sortOrders and publicCodes are added; comments,
order and formatting stay. Running it twice changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import document as doc
from .errors import ContentError, Problem
from .store import Change, Site
from .validate import Invalid, page_from_data
from .yamlio import YamlProblem, edit_document, parse


@dataclass
class FmtResult:
    changed: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def fmt_site(site: Site, paths: list[Path] | None = None, *, dry_run: bool = False) -> FmtResult:
    """Format ``paths`` (default: every page). Files with problems are reported and left alone."""
    result = FmtResult()
    with site.lock:
        for path in paths if paths is not None else site.page_paths():
            try:
                if _fmt_file(site, path, dry_run):
                    result.changed.append(path)
            except ContentError as error:
                result.problems.extend(error.problems)
    return result


def _fmt_file(site: Site, path: Path, dry_run: bool) -> bool:
    text, newline = site._read_for_edit(path)
    try:
        document = edit_document(text)
    except YamlProblem as problem:
        raise ContentError([problem.problem(site.display(path))]) from None
    try:
        page_from_data(document.plain, complete=False)
    except Invalid as invalid:
        raise ContentError(site._locate(path, parse(text), invalid.issues)) from None
    if not doc.fill_missing(document.data, site.now()):
        return False
    if dry_run:
        return True
    site._write(path, document, newline=newline,
                change=lambda page: Change(path, f"{page.title}: fill in ids and timestamps",
                                           {"Sspage-Page": str(page.public_code)}))
    return True
