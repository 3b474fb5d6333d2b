"""Creating and changing one service file, as one commit, under the site lock.

The same cycle as page edits (:mod:`sspage.edit`): take the lock, read the
file, apply the change in place when it only replaces existing values
(:mod:`sspage.spans`), else on a ruamel.yaml round-trip load that keeps
comments and formatting; validate the new text with the same reader and
rules as ``check`` and ``build``; write it atomically; commit that file alone.
A change that would make the file invalid raises :class:`InputError` and
writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic import atomic_write
from ..errors import ContentError, InputError
from ..spans import NeedsRoundTrip
from ..validate import Invalid, format_loc
from ..yamlio import YamlProblem, edit_document, new_document, parse
from .rules import Rules, convert

if TYPE_CHECKING:
    from ..store import Site

#: What a change function gets: the file's data (a mapping that edits in place or on
#: a round-trip load) and the file's current model object. It returns the commit subject.
Change = Callable[[Any, Any], str]
#: The list whose indentation a round-trip edit keeps for each kind.
LIST_KEYS = {"service": "components", "incident": "updates", "maintenance": "updates",
             "update": "audiences", "template": "items", "status": "audiences"}


def schema_comment(site: Site, path: Path, kind: str) -> str:
    import os

    relative = os.path.relpath(site.content_dir / "schema" / f"{kind}.schema.json", path.parent)
    return f"# yaml-language-server: $schema={relative.replace(os.sep, '/')}\n"


def validated(site: Site, path: Path, kind: str, rules: Rules, text: str) -> Any:
    """The object a new text holds; a rule it breaks is the change's fault, not the file's."""
    try:
        parsed = parse(text)
    except YamlProblem as problem:  # pragma: no cover - the writers only produce valid YAML
        raise InputError(f"the change would make invalid YAML: {problem.message}") from None
    try:
        value = convert(kind, parsed.data, rules)
    except Invalid as invalid:
        raise InputError("; ".join(f"{format_loc(i.loc)}: {i.message}" + (f" ({i.hint})" if i.hint else "")
                                   for i in invalid.issues)) from None
    value.path = path
    value.stem = path.stem
    return value


def create_file(site: Site, path: Path, kind: str, rules: Rules, pairs: list[tuple[str, Any]],
                summary: str, trailers: dict[str, str]) -> Any:
    """Write a new file from ``pairs`` (key, value) and commit it. The caller holds the lock."""
    from ..document import new_mapping
    from ..store import Change as Record

    text = schema_comment(site, path, kind) + new_document(new_mapping(pairs)).dump()
    value = validated(site, path, kind, rules, text)
    if path.exists():
        raise InputError(f"{site.display(path)} already exists")
    path.parent.mkdir(parents=True, exist_ok=True)
    record = Record(path, summary, trailers)
    site._changing(record)
    atomic_write(path, text)
    site._changed(record)
    return value


def mutate_file(site: Site, path: Path, kind: str, rules: Rules, change: Change,
                trailers: Callable[[Any], dict[str, str]]) -> Any:
    """Apply ``change`` to the file at ``path`` and commit it. The caller holds the lock.

    ``trailers(current)`` gives the commit's trailers. Returns the new object; when the
    change function changes nothing (it returns an empty subject), nothing is written.
    """
    from ..spans import SpanMap, Splices
    from ..store import Change as Record

    text, newline = site._read_for_edit(path)
    parsed = site._parse(path, text)
    try:
        current = convert(kind, parsed.data, rules)
    except Invalid as invalid:
        raise ContentError(site._locate(path, parsed, invalid.issues)) from None
    current.path, current.stem = path, path.stem
    try:
        splices = Splices(text)
        summary = change(SpanMap(parsed.root, splices), current)
        finish: Callable[[], str] = splices.apply
    except NeedsRoundTrip:
        try:
            document = edit_document(text, list_key=LIST_KEYS[kind])
        except YamlProblem as problem:  # pragma: no cover - it parsed a moment ago
            raise ContentError([problem.problem(site.display(path))]) from None
        summary = change(document.data, current)
        finish = document.dump
    if not summary:
        return current
    new_text = finish()
    value = validated(site, path, kind, rules, new_text)
    record = Record(path, summary, trailers(current))
    site._changing(record)
    atomic_write(path, new_text, newline)
    site._changed(record)
    return value


def free_path(folder: Path, base: str) -> Path:
    """``folder/base.yaml``, or ``base-2.yaml`` and so on if it is taken."""
    candidate, number = base, 2
    while (folder / f"{candidate}.yaml").exists():
        suffix = f"-{number}"
        candidate = base[: 64 - len(suffix)].rstrip("-") + suffix
        number += 1
    return folder / f"{candidate}.yaml"
