"""Editing a page file in place: replace the text of the values that change, nothing else.

Most changes (an item's state, its text, the page's ``updatedUtc``) only
replace scalar values that already exist. For those, the node tree of the
fast C parser tells exactly where each value sits in the file, and the edit
is a splice of the new value's text: everything else stays byte for byte,
and no round-trip parser has to be loaded. Anything structural (a new key, a
new item, a deletion, a block scalar) raises :class:`NeedsRoundTrip`, and the
store redoes the change with ruamel.yaml's round-trip editor.

The classes mimic the few mapping and list operations that the mutations in
``store`` and ``document`` use, on top of PyYAML nodes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, MutableMapping, Sequence
from typing import Any

from .yamlio import NULL_TAG, BlockText, QuotedText, Verbatim


class NeedsRoundTrip(Exception):
    """The change is structural: redo it with the round-trip editor."""


class Splices:
    """Replacements of character ranges of one text, applied at the end."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._by_start: dict[int, tuple[int, str]] = {}

    def replace(self, node: Any, new: str) -> None:
        self._by_start[node.start_mark.index] = (node.end_mark.index, new)

    def apply(self) -> str:
        out, position = [], 0
        for start in sorted(self._by_start):
            end, new = self._by_start[start]
            out += [self.text[position:start], new]
            position = end
        out.append(self.text[position:])
        return "".join(out)


class SpanMap(MutableMapping[str, Any]):
    """A YAML mapping node whose existing scalar values can be replaced in place."""

    def __init__(self, node: Any, splices: Splices) -> None:
        self._node = node
        self._splices = splices
        self._pairs = {key.value: value for key, value in node.value}

    def __contains__(self, key: object) -> bool:
        return key in self._pairs

    def __iter__(self) -> Iterator[str]:
        return iter(self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)

    def __getitem__(self, key: str) -> Any:
        return _wrap(self._pairs[key], self._splices)

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self._pairs else default

    def __setitem__(self, key: str, value: Any) -> None:
        node = self._pairs.get(key)
        if node is None or node.id != "scalar" or node.style in ("|", ">"):
            raise NeedsRoundTrip(key)
        self._splices.replace(node, render(value))
        node.value, node.tag, node.style = _as_read(value), _tag_of(value), ""

    def __delitem__(self, key: str) -> None:
        raise NeedsRoundTrip(key)

    def insert(self, position: int, key: str, value: Any) -> None:
        raise NeedsRoundTrip(key)


class SpanSeq(Sequence[Any]):
    """A YAML sequence node: items can be read and changed, not added or removed."""

    def __init__(self, node: Any, splices: Splices) -> None:
        self._node = node
        self._splices = splices

    def __len__(self) -> int:
        return len(self._node.value)

    def __iter__(self) -> Iterator[Any]:
        return (_wrap(child, self._splices) for child in self._node.value)

    def __getitem__(self, index: Any) -> Any:
        return _wrap(self._node.value[index], self._splices)

    def append(self, value: Any) -> None:
        raise NeedsRoundTrip("append")

    def __delitem__(self, index: int) -> None:
        raise NeedsRoundTrip("delete")


def _wrap(node: Any, splices: Splices) -> Any:
    if node.id == "mapping":
        return SpanMap(node, splices)
    if node.id == "sequence":
        return SpanSeq(node, splices)
    return None if node.tag == NULL_TAG else node.value


def _as_read(value: Any) -> Any:
    return None if value is None else str(value)


def _tag_of(value: Any) -> str:
    from .yamlio import STR_TAG

    return NULL_TAG if value is None else STR_TAG


# Plain scalars that every YAML reader takes as the same string: a conservative set.
_PLAIN = re.compile(r"^[A-Za-z](?:[A-Za-z0-9 .,()/+&'%!?:_-]*[A-Za-z0-9.)!?])?$")
_LOOKS_TYPED = re.compile(r"^(?:y|yes|n|no|true|false|on|off|null)$", re.I)
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\x85": "\\N",
            "\u2028": "\\L", "\u2029": "\\P", "\ufeff": "\\uFEFF"}
_NEEDS_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]')


def render(value: Any) -> str:
    """The YAML text of one scalar value, valid after ``key: `` in block context."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Verbatim):
        return str(value)
    if isinstance(value, BlockText) or ("\n" in value and isinstance(value, QuotedText)):
        raise NeedsRoundTrip("block scalar")
    if isinstance(value, QuotedText):
        return "'" + value.replace("'", "''") + "'"
    text = str(value)
    if _PLAIN.match(text) and ": " not in text and " #" not in text and not _LOOKS_TYPED.match(text):
        return text
    return '"' + _NEEDS_ESCAPE.sub(_escape, text) + '"'


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    known = _ESCAPES.get(char)
    if known:
        return known
    code = ord(char)
    return f"\\x{code:02X}" if code < 0x100 else f"\\u{code:04X}"
