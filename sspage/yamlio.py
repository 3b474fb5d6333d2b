"""YAML in and out, with one set of rules for both directions.

Reading (``read``) uses PyYAML's C parser, because a build reads thousands of
files. Editing (``edit_document``) uses ruamel.yaml's round-trip mode, so
that comments, key order and formatting survive. Both produce a node tree
that :func:`to_plain` turns into plain data under the same rules:

* no implicit typing: every scalar is text except ``null``/``~``/empty, so
  ``no``, ``off``, ``1.10`` and ``012`` stay exactly as written, and the
  model converts numbers, booleans and times only where a field wants one;
* no tags (``!!python/object`` and friends), no anchors or aliases, no
  duplicate keys, a mapping at the top, and a size limit.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from .atomic import written_bytes
from .errors import Problem
from .model import MAX_FILE_BYTES
from .validate import Loc

STR_TAG = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"
SEQ_TAG = "tag:yaml.org,2002:seq"
MAP_TAG = "tag:yaml.org,2002:map"
NULL_WORDS = frozenset(("", "~", "null", "Null", "NULL"))
ALLOWED_TAGS = frozenset((STR_TAG, NULL_TAG, SEQ_TAG, MAP_TAG))


class YamlProblem(Exception):
    """A file-level problem found while reading; the caller knows the path."""

    def __init__(self, message: str, line: int | None = None, col: int | None = None,
                 hint: str | None = None, field: str = "") -> None:
        super().__init__(message)
        self.message, self.line, self.col, self.hint, self.field = message, line, col, hint, field

    def problem(self, path: str) -> Problem:
        return Problem(path, self.line, self.col, self.field, self.message, self.hint)


def read_bytes(path: Path) -> bytes:
    """A file's bytes (up to the size limit); within :func:`~sspage.atomic.grouped_writes`,
    as this thread last wrote them."""
    written = written_bytes(path)
    if written is not None:
        return written
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > MAX_FILE_BYTES:
            raise YamlProblem(
                f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}",
                hint="split the page or shorten its texts",
            )
        return handle.read(MAX_FILE_BYTES + 1)


# -- the fast reader ------------------------------------------------------------------------


class Parsed:
    """A file's plain data and the node tree it came from (for locating problems)."""

    __slots__ = ("data", "root")

    def __init__(self, data: Any, root: Any) -> None:  # not a dataclass: that import costs 2 ms
        self.data, self.root = data, root

    def locate(self, loc: Loc) -> tuple[int, int]:
        return locate(self.root, loc)


def _parser_class() -> Any:
    from yaml import nodes

    base: Any
    try:
        from yaml.cyaml import CParser as base  # type: ignore[attr-defined]
    except ImportError:  # PyYAML built without libyaml: same rules, slower
        from yaml.composer import Composer
        from yaml.parser import Parser
        from yaml.reader import Reader
        from yaml.scanner import Scanner

        class PureParser(Reader, Scanner, Parser, Composer):
            def __init__(self, stream: Any) -> None:
                Reader.__init__(self, stream)
                Scanner.__init__(self)
                Parser.__init__(self)
                Composer.__init__(self)

        base = PureParser

    scalar = nodes.ScalarNode
    sequence = nodes.SequenceNode

    class StrictParser(base):  # type: ignore[misc]
        def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
            if kind is scalar:
                return NULL_TAG if implicit[0] and value in NULL_WORDS else STR_TAG
            return SEQ_TAG if kind is sequence else MAP_TAG

        def descend_resolver(self, *args: Any) -> None:  # used by the pure parser only
            pass

        def ascend_resolver(self, *args: Any) -> None:
            pass

    return StrictParser


_PARSER: Any = None


def parse(data: bytes | str) -> Parsed:
    """Parse one YAML document under sspage's rules; raise :class:`YamlProblem` if it breaks one."""
    global _PARSER
    if _PARSER is None:
        _PARSER = _parser_class()
    import yaml

    if (b"&" in data) if isinstance(data, bytes) else ("&" in data):
        _refuse_anchors(data)
    parser = _PARSER(data)
    try:
        root = parser.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise YamlProblem(
            f"YAML syntax error: {error.problem or error.context}",
            mark.line + 1 if mark else None,
            mark.column + 1 if mark else None,
            hint="check the indentation and quoting around this line",
        ) from None
    except yaml.reader.ReaderError as error:
        raise _reader_problem(data, error.position, error.character) from None
    except yaml.YAMLError as error:
        raise YamlProblem(f"cannot read the file: {error}") from None
    finally:
        parser.dispose()
    return Parsed(to_plain(root, check_anchors=False), root)


def _reader_problem(data: bytes | str, position: int, character: object) -> YamlProblem:
    """A character YAML refuses (a control character, say), located by line and column."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    before = text[:position]
    line = before.count("\n") + 1
    col = position - (before.rfind("\n") + 1) + 1
    code = character if isinstance(character, int) else ord(str(character)[:1] or "\0")
    return YamlProblem(f"the file contains the control character U+{code:04X}", line, col,
                       hint="delete it; only tab and newline are allowed")


def _refuse_anchors(data: bytes | str) -> None:
    # Anchors are rare in page files, so only files containing "&" pay for an event scan.
    import yaml

    parser = _PARSER(data)
    try:
        while parser.check_event():
            event = parser.get_event()
            if getattr(event, "anchor", None):
                mark = event.start_mark
                raise YamlProblem(
                    "anchors and aliases (&name, *name) are not allowed",
                    mark.line + 1, mark.column + 1,
                    hint="write the value out in full",
                )
    except yaml.MarkedYAMLError:
        pass  # parse() reports syntax errors with their position
    finally:
        parser.dispose()


def to_plain(root: Any, *, check_anchors: bool = True) -> Any:
    """Plain dicts, lists, str and None from a PyYAML or ruamel node tree, enforcing the rules.

    ``check_anchors=False`` is for trees whose source was already scanned for anchors
    (:func:`parse` does): without an anchor there can be no alias, and the walk, which
    runs for every node of every page in a build, skips that bookkeeping.
    """
    if root is None:
        raise YamlProblem("the file is empty", 1, 1, hint="a page file starts with `title: ...`")
    seen: set[int] = set()
    remember = seen.add
    scalar_kind, sequence_kind = _kinds(root)

    def build(node: Any) -> Any:
        if check_anchors:
            if id(node) in seen or getattr(node, "anchor", None):  # an alias reuses a node
                _fail_node(node, "anchors and aliases (&name, *name) are not allowed",
                           "write the value out in full")
            remember(id(node))
        tag = node.tag
        if tag is not STR_TAG and tag is not NULL_TAG and tag is not MAP_TAG and tag is not SEQ_TAG:
            tag = _allowed_tag(node)
        kind = node.__class__
        if kind is scalar_kind:
            return None if tag == NULL_TAG else node.value
        if kind is sequence_kind:
            return [build(child) for child in node.value]
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            name = build(key_node)
            if name.__class__ is not str:
                _fail_node(key_node, "a key must be plain text", None)
            if name in result:
                _fail_node(key_node, f"duplicate key {name!r}", "keep one of them", name)
            result[name] = build(value_node)
        return result

    data = build(root)
    if not isinstance(data, dict):
        raise YamlProblem(
            "the top level must be a mapping of fields",
            root.start_mark.line + 1, root.start_mark.column + 1,
            hint="a page file starts with `title: ...`",
        )
    return data


def _kinds(root: Any) -> tuple[type, type]:
    if root.__class__.__module__.startswith("ruamel"):
        from ruamel.yaml import nodes as ruamel_nodes

        return ruamel_nodes.ScalarNode, ruamel_nodes.SequenceNode
    from yaml import nodes

    return nodes.ScalarNode, nodes.SequenceNode


def _allowed_tag(node: Any) -> str:
    tag = str(node.tag)
    if tag not in ALLOWED_TAGS:
        _fail_node(node, f"the tag {tag} is not allowed", "remove the tag; write plain values")
    return tag


def _fail_node(node: Any, message: str, hint: str | None, field: str = "") -> None:
    mark = node.start_mark
    raise YamlProblem(message, mark.line + 1, mark.column + 1, hint, field)


def locate(root: Any, loc: Loc) -> tuple[int, int]:
    """Line and column (1-based) of the node at ``loc``, or of its nearest existing parent."""
    node = root
    for part in loc:
        if node.id == "mapping":
            match = next(((k, v) for k, v in node.value if k.value == part), None)
            if match is None:
                break
            # A problem with the value points at the value; a missing child at its key.
            node = match[1]
        elif node.id == "sequence" and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
    mark = node.start_mark
    return mark.line + 1, mark.column + 1


# -- the round-trip editor ------------------------------------------------------------------


class Document:
    """A page file loaded for editing. Change ``data`` in place, then :meth:`dump`."""

    def __init__(self, data: Any, plain: Any, indent: tuple[int, int]) -> None:
        self.data = data
        self.plain = plain
        self._indent = indent

    def dump(self) -> str:
        out = io.StringIO()
        _dumper(self._indent).dump(self.data, out)
        return out.getvalue()


def edit_document(text: str, list_key: str = "items") -> Document:
    """Load ``text`` for a round-trip edit; raise :class:`YamlProblem` if it breaks the rules.

    New list entries are indented like the existing entries of the list at ``list_key``.
    """
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = _round_trip()
    try:
        # The steps of YAML.load, split so the rules can see the nodes before construction.
        if hasattr(yaml, "doc_infos"):  # ruamel.yaml >= 0.18.7
            from ruamel.yaml.docinfo import DocInfo

            yaml.doc_infos.append(DocInfo(requested_version=None))
        yaml.tags = {}
        constructor, parser = yaml.get_constructor_parser(text)
        try:
            root = constructor.composer.get_single_node()
            plain = to_plain(root)
            data = constructor.construct_document(root)
        finally:
            parser.dispose()
            yaml.reader.reset_reader()
            yaml.scanner.reset_scanner()
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise YamlProblem(
            f"YAML syntax error: {error.problem or error.context}",
            mark.line + 1 if mark else None,
            mark.column + 1 if mark else None,
        ) from None
    except YAMLError as error:
        raise YamlProblem(f"cannot read the file: {error}") from None
    return Document(data, plain, _items_indent(root, list_key))


def new_document(data: Any) -> Document:
    return Document(data, None, (4, 2))


_ROUND_TRIP: Any = None
_DUMPERS: dict[tuple[int, int], Any] = {}


def _round_trip() -> Any:
    global _ROUND_TRIP
    if _ROUND_TRIP is None:
        from ruamel.yaml import YAML
        from ruamel.yaml.constructor import RoundTripConstructor
        from ruamel.yaml.nodes import ScalarNode, SequenceNode
        from ruamel.yaml.resolver import VersionedResolver
        from ruamel.yaml.tag import Tag

        class PlainResolver(VersionedResolver):
            def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
                if kind is ScalarNode:
                    name = NULL_TAG if implicit[0] and value in NULL_WORDS else STR_TAG
                else:
                    name = SEQ_TAG if kind is SequenceNode else MAP_TAG
                return Tag(suffix=name)

        class PlainConstructor(RoundTripConstructor):
            def construct_yaml_str(self, node: Any) -> Any:
                value = super().construct_yaml_str(node)
                if type(value) is str and not node.style:
                    return Verbatim(value)
                return value

        PlainConstructor.add_constructor(STR_TAG, PlainConstructor.construct_yaml_str)
        _ROUND_TRIP = YAML(typ="rt")
        _ROUND_TRIP.Resolver = PlainResolver
        _ROUND_TRIP.Constructor = PlainConstructor
        _ROUND_TRIP.preserve_quotes = True
    return _ROUND_TRIP


class Verbatim(str):
    """A plain scalar as it was written; dumped back unquoted even if it looks like a number."""


class BlockText(str):
    """Multi-line text to write as a literal block (``|``)."""


class QuotedText(str):
    """Text to write single-quoted, because unquoted YAML 1.1 tools would read it as a number."""


def _dumper(indent: tuple[int, int]) -> Any:
    if indent not in _DUMPERS:
        from ruamel.yaml import YAML
        from ruamel.yaml.nodes import ScalarNode
        from ruamel.yaml.representer import RoundTripRepresenter
        from ruamel.yaml.resolver import VersionedResolver

        resolver = VersionedResolver()

        class Representer(RoundTripRepresenter):
            pass

        def represent_verbatim(self: Any, data: Verbatim) -> Any:
            tag = resolver.resolve(ScalarNode, str(data), (True, False))
            return self.represent_scalar(tag, str(data))

        def represent_none(self: Any, data: None) -> Any:
            return self.represent_scalar(NULL_TAG, "null")

        def represent_block(self: Any, data: BlockText) -> Any:
            return self.represent_scalar(STR_TAG, str(data), style="|")

        def represent_quoted(self: Any, data: QuotedText) -> Any:
            return self.represent_scalar(STR_TAG, str(data), style="'")

        Representer.add_representer(Verbatim, represent_verbatim)
        Representer.add_representer(BlockText, represent_block)
        Representer.add_representer(QuotedText, represent_quoted)
        Representer.add_representer(type(None), represent_none)
        yaml = YAML(typ="rt")
        yaml.Representer = Representer
        yaml.width = 4096  # never fold long lines that a person wrote on one line
        sequence, offset = indent
        yaml.indent(mapping=2, sequence=sequence, offset=offset)
        yaml.allow_unicode = True
        _DUMPERS[indent] = yaml
    return _DUMPERS[indent]


def _items_indent(root: Any, list_key: str = "items") -> tuple[int, int]:
    """(sequence indent, dash offset) of the ``items`` list as the file writes it.

    ``items:`` / ``  - id: x`` is (4, 2); ``items:`` / ``- id: x`` is (2, 0).
    Taken from the parsed nodes, so a Markdown list inside a text cannot mislead it.
    """
    for key, value in getattr(root, "value", ()):
        if getattr(key, "value", None) == list_key and value.id == "sequence" and value.value \
                and not value.flow_style:
            base = key.start_mark.column
            dash = value.start_mark.column - base
            content = value.value[0].start_mark.column - base
            return max(content, dash + 2), max(dash, 0)
    return 4, 2


def yaml_names(folder: Path | str) -> list[str]:
    """The names of the ``*.yaml`` files of a folder, sorted, skipping hidden and temporary files."""
    try:
        with os.scandir(folder) as entries:
            return sorted(
                entry.name for entry in entries
                if entry.name.endswith(".yaml") and not entry.name.startswith(".")
                and entry.is_file()
            )
    except FileNotFoundError:
        return []

