"""Strict YAML reading, with source marks, and the shared parse of rendered text.

PyYAML keeps the last of two duplicate keys without a word; both readers here refuse them.
The LibYAML C loader is used when present (it is ten times faster); the result is the same
either way. Writing is yaml/write.py.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from clipper_manifests import memo
from clipper_manifests.errors import Location

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

Marks = dict[tuple[Any, ...], tuple[int, int]]
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_STR_TAG, _MAP_TAG, _SEQ_TAG = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


class YamlSyntaxError(Exception):
    """Bad YAML: a message and the 1-based line/column it points at."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def _syntax_error(error: yaml.YAMLError) -> YamlSyntaxError:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    context = getattr(error, "context", None)
    message = f"{context}, {problem}" if context else str(problem)
    if mark is None:
        return YamlSyntaxError(message, 0, 0)
    return YamlSyntaxError(message, mark.line + 1, mark.column + 1)


def decode_utf8(raw: bytes, path: Path) -> str:
    """Decode or raise a YamlSyntaxError naming the line of the first bad byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        message = f"not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start})"
        raise YamlSyntaxError(message, line, column) from None


class _MarkedReader:
    """Turns a composed node tree into plain data plus a mark per path."""

    def __init__(self, text: str) -> None:
        self._scalars = SafeConstructor()
        self.marks: Marks = {}
        self._text = text
        self._seen: set[int] = set()

    def read(self, node: yaml.Node, path: tuple[Any, ...]) -> Any:
        if id(node) in self._seen:
            # An alias is the same node again. Refused outright: nine nested aliases of ten
            # make a billion values ("billion laughs"), and profiles share values by `extends:`.
            raise YamlSyntaxError(
                "YAML anchors and aliases (&name, *name) are not supported; write the value out, or share it with `extends:`",
                *_first_alias(self._text),
            )
        self._seen.add(id(node))
        self.marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.read(item, (*path, index)) for index, item in enumerate(node.value)]
        if node.tag == _TIMESTAMP_TAG:
            # Dates stay strings: profiles are JSON-shaped and validated by JSON Schema.
            return node.value
        return self._scalars.construct_object(node)

    def _mapping(self, node: yaml.MappingNode, path: tuple[Any, ...]) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise YamlSyntaxError(
                    "YAML merge keys (<<) are not supported; use `extends:` to share settings",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            key = self._scalars.construct_object(key_node)
            if not isinstance(key, str):
                # YAML reads `1:` or `yes:` as a number or a bool; profile keys are names.
                raise YamlSyntaxError(
                    f"keys must be text, but {key_node.value!r} reads as {type(key).__name__}; quote it",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            if key in result:
                first = self.marks[(*path, key)]
                raise YamlSyntaxError(
                    f"duplicate key {key!r} (first defined on line {first[0]})",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            self.marks[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.read(value_node, (*path, key))
        return result


def load_marked(text: str) -> tuple[Any, Marks]:
    """Load one YAML document; return the data and the 1-based (line, column) of every path."""
    try:
        node = yaml.compose(text, Loader=_BaseLoader)
    except yaml.YAMLError as error:
        raise _syntax_error(error) from None
    if node is None:
        return None, {}
    reader = _MarkedReader(text)
    return reader.read(node, ()), reader.marks


@memo.function("yaml.marks", 64)  # asked for the few files that hold a finding
def _marks_of(text: str) -> Marks:
    try:
        return load_marked(text)[1]
    except YamlSyntaxError:
        return {}


def key_path_at(text: str, line: int, column: int) -> tuple[Any, ...]:
    """The key path of the YAML value at (line, column) of `text`: the key (or list item) that
    starts last at or before it, so a report names the key itself rather than its parent."""
    before = [(mark, path) for path, mark in _marks_of(text).items() if path and mark <= (line, column)]
    return max(before, key=lambda pair: pair[0])[1] if before else ()


def _first_alias(text: str) -> tuple[int, int]:
    """Where the first alias (`*name`) stands: the composed node only knows its anchor."""
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.AliasEvent) and event.start_mark is not None:
            return event.start_mark.line + 1, event.start_mark.column + 1
    return 1, 1


class _StrictLoader(_BaseLoader):
    """The fast loader, but refusing duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        # Fast path: keys whose source texts all differ cannot be equal (`1` and "1" share a
        # text but not a value, so equal texts fall through to the exact check below).
        texts = [key_node.value for key_node, _ in node.value if isinstance(key_node, yaml.ScalarNode)]
        if len(texts) == len(node.value) and len(set(texts)) == len(texts):
            fast: dict[Any, Any] = super().construct_mapping(node, deep=deep)
            return fast
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                break  # PyYAML refuses it below, as a YAML error ("found unhashable key")
            if key in seen:
                mark = key_node.start_mark
                raise YamlSyntaxError(f"duplicate key {key!r}", mark.line + 1, mark.column + 1)
            seen.add(key)
        result: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return result


def load_documents(text: str) -> list[Any]:
    """Load every document of a YAML stream, skipping empty ones."""
    loader = _StrictLoader(text)
    try:
        documents = []
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                documents.append(_plain(loader, node))
    except yaml.YAMLError as error:
        raise _syntax_error(error) from None
    finally:
        loader.dispose()
    return [document for document in documents if document is not None]


# A line starting `---` (then a blank or the end) starts a document wherever it stands: YAML
# forbids it inside quoted scalars, and block scalars inside a mapping are indented.
_DOCUMENT_START = re.compile(r"^(?=---(?:[ \t]|$))", re.MULTILINE)
# Distinct documents kept parsed: more than one large build renders (~4,500).
_MEMO_SIZE = 8192


def load_rendered(text: str) -> list[Any]:
    """`load_documents` for rendered templates, each document the caller's own copy."""
    return [clone(document) for document in parse_shared(text)]


def parse_shared(text: str) -> list[Any]:
    """The documents of a rendered text, parsed once per process for each distinct document
    text (profiles render many identical ones): shared between callers, so never to be
    changed; `load_rendered` and render._slots copy them."""
    documents: list[Any] = []
    line = 0  # lines before the current piece
    for piece in _DOCUMENT_START.split(text):
        try:
            documents += _load_piece(piece)
        except YamlSyntaxError as error:
            raise YamlSyntaxError(error.message, error.line + line, error.column) from None
        line += piece.count("\n")
    return documents


@memo.function("yaml.parsed-pieces", _MEMO_SIZE)
def _load_piece(text: str) -> tuple[Any, ...]:
    return tuple(load_documents(text))


def clone(node: Any) -> Any:
    """A deep copy of parsed YAML (mappings, lists, immutable scalars); 3x faster than deepcopy."""
    if isinstance(node, dict):
        return {key: clone(value) for key, value in node.items()}
    if isinstance(node, list):
        return [clone(item) for item in node]
    return node


def _plain(loader: _StrictLoader, node: yaml.Node) -> Any:
    """What `loader` would construct from `node`, with strings, plain mappings and lists built
    directly (most of a manifest, and most of the loader's time); anything else, such as
    another tag, a merge key or keys that might repeat, goes through the loader's own rules."""
    if isinstance(node, yaml.ScalarNode):
        return node.value if node.tag == _STR_TAG else loader.construct_object(node, deep=True)
    if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ_TAG:
        return [_plain(loader, item) for item in node.value]
    if isinstance(node, yaml.MappingNode) and node.tag == _MAP_TAG:
        keys = [key.value for key, _ in node.value if isinstance(key, yaml.ScalarNode) and key.tag == _STR_TAG]
        if len(keys) == len(node.value) and len(set(keys)) == len(keys):
            return {key.value: _plain(loader, value) for key, value in node.value}
    return loader.construct_document(node)


def location_of(path: Path, marks: Marks, key_path: tuple[Any, ...]) -> Location:
    """The mark of `key_path`, or of its nearest ancestor that has one."""
    for end in range(len(key_path), -1, -1):
        mark = marks.get(key_path[:end])
        if mark is not None:
            return Location(path, *mark)
    return Location(path, 1, 1)
