"""Parse each template's YAML shape once per process; fill in each profile's values.

Every value a template writes goes through the `yaml` filter, and stands in the output as a
whole YAML node: a JSON scalar or flow collection, on one line. While rendering, the filter
writes a slot token (letters and digits: a plain scalar wherever it stands) and keeps the
JSON text aside. The text with tokens is the same for every profile that takes the same
paths through the template, so its YAML is parsed once (yamlio.parse_shared); each render
then gets a copy with its values in the slots, read from their JSON as YAML reads JSON.

A token inside a longer string, or values that make two keys equal, would not read the
same: `fill` raises NotAWholeNode and the caller renders again with the values in the text,
which also reports any YAML error exactly as before.

Writing the output works the same way (`written`): the shape's YAML is written once, and
each render writes its values into the holes where the tokens stood, with the same code that
writes whole documents (yaml_writer), so the text is exactly the filled copy's YAML. Only a
token in a key (keys decide the order of the output) makes the copy be written whole.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from clipper_manifests.yamlio import clone, dump_hole, dump_ordered_exactly

# A fresh nonce per process: no template or profile text can contain a token by accident.
PREFIX = f"cmslot{secrets.token_hex(6)}n"
_TOKEN = re.compile(rf"{PREFIX}(\d+)x")
# What YAML 1.1 reads as a float among the numbers JSON writes: a decimal point, and an
# exponent (if any) with its sign. PyYAML reads `1e+20` or `NaN` as text, and so does `fill`.
_YAML_FLOAT = re.compile(r"-?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?")


class NotAWholeNode(Exception):
    """The rendered text cannot be read from its shape; render it with its values instead."""


class Slots:
    """The JSON texts one render put into its slots, in order."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self._filled: dict[int, Any] = {}  # slot → the value `fill` put there

    def token(self, json_text: str) -> str:
        self.texts.append(json_text)
        return f"{PREFIX}{len(self.texts) - 1}x"

    def expand(self, value: Any) -> Any:
        """`value` as it reads without slots: text captured from a block of the template
        (`{% set x %}…{% endset %}`) holds the tokens of the values written inside it."""
        if isinstance(value, str):
            return _TOKEN.sub(lambda match: self.texts[int(match.group(1))], value) if PREFIX in value else value
        if isinstance(value, dict):
            return {self.expand(key): self.expand(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.expand(item) for item in value]
        return value

    def fill(self, shape: Any) -> Any:
        """A copy of a parsed shape with every slot holding its value."""
        route = _route_of(shape)
        if isinstance(route, str):  # _WALK_ALL
            return self._fill_all(shape)
        return clone(shape) if route is None else self._follow(shape, route)

    def _follow(self, node: Any, route: _Route) -> Any:
        # Only the branches that lead to a slot are walked; the rest is copied as it is.
        if isinstance(route, int):
            value = self._filled[route] = _read_json(self.texts[route])
            return value
        if isinstance(node, dict):
            return {key: self._follow(item, route[key]) if key in route else clone(item) for key, item in node.items()}
        return [self._follow(item, route[index]) if index in route else clone(item) for index, item in enumerate(node)]

    def _fill_all(self, node: Any) -> Any:
        """`fill` for a shape with a slot in a key or inside a longer text: every node is
        looked at, keys are checked for what their values make of them."""
        if isinstance(node, str):
            if PREFIX not in node:
                return node
            match = _TOKEN.fullmatch(node)
            if match is None:
                raise NotAWholeNode(node)
            index = int(match.group(1))
            value = self._filled[index] = _read_json(self.texts[index])
            return value
        if isinstance(node, dict):
            filled = {}
            for key, item in node.items():
                filled_key = self._fill_all(key)
                if not _hashable(filled_key):
                    raise NotAWholeNode(filled_key)
                filled[filled_key] = self._fill_all(item)
            if len(filled) != len(node):
                raise NotAWholeNode("two keys are equal once filled")  # a duplicate key in the real text
            return filled
        if isinstance(node, list):
            return [self._fill_all(item) for item in node]
        return node

    def written(self, shape: Any) -> str | None:
        """The output YAML of this render's copy of `shape` (`fill` it first), or None when
        only writing the copy itself gives the exact text."""
        plan = _plan_of(shape)
        if plan is None:
            return None
        parts: list[str] = []
        for part in plan:
            if isinstance(part, str):
                parts.append(part)
                continue
            text = dump_hole(self._filled[part.slot], part.after_key, part.indent, self.texts[part.slot])
            if text is None:
                return None
            parts.append(text)
        return "".join(parts)


# The way from a shape to its slots: a slot's number where its token stands, else the keys
# (or list positions) of the branches that hold slots; None where no slot is.
_Route = int | dict[Any, "_Route"]
_WALK_ALL = "walk all"  # a slot in a key or inside a longer text: no route, look at everything
_SHAPES_KEPT = 1 << 12
# id(shape) → (shape, its route); the shape is kept so that its id is not reused.
_routes: dict[int, tuple[Any, _Route | str | None]] = {}


def _route_of(shape: Any) -> _Route | str | None:
    entry = _routes.get(id(shape))
    if entry is not None and entry[0] is shape:
        return entry[1]
    try:
        route: _Route | str | None = _route(shape)
    except _NoRoute:
        route = _WALK_ALL
    if len(_routes) >= _SHAPES_KEPT:
        _routes.clear()  # a bound on memory; a build has a few hundred shapes
    _routes[id(shape)] = (shape, route)
    return route


class _NoRoute(Exception):
    pass


def _route(node: Any) -> _Route | None:
    if isinstance(node, str):
        if PREFIX not in node:
            return None
        match = _TOKEN.fullmatch(node)
        if match is None:
            raise _NoRoute
        return int(match.group(1))
    if isinstance(node, dict):
        if any(isinstance(key, str) and PREFIX in key for key in node):
            raise _NoRoute
        items: Any = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return None
    branches = {key: route for key, item in items if (route := _route(item)) is not None}
    return branches or None


@dataclass(frozen=True)
class _Hole:
    """Where a slot's value goes in the shape's YAML: after `key:` or after `- `, at a depth."""

    slot: int
    after_key: bool
    indent: int  # of the mapping that holds the key, or of the sequence that holds the item


_Plan = tuple[str | _Hole, ...]  # the shape's YAML: text, and holes where its tokens stood
# id(shape) → (shape, its plan or None); the shape is kept so that its id is not reused.
_plans: dict[int, tuple[Any, _Plan | None]] = {}
_ITEM_HEAD = re.compile(r" *(?:- )+")


def _plan_of(shape: Any) -> _Plan | None:
    entry = _plans.get(id(shape))
    if entry is not None and entry[0] is shape:
        return entry[1]
    # The output orders the keys of the object and of its metadata: keys from a slot, or
    # metadata that is one slot, take their order from the filled copy only.
    ordered_alike = isinstance(shape, dict) and isinstance(shape.get("metadata"), dict) and not _token_in_keys(shape)
    text = dump_ordered_exactly(shape) if ordered_alike else None
    plan = None if text is None else _plan(text)
    if len(_plans) >= _SHAPES_KEPT:
        _plans.clear()  # a bound on memory; a build has a few hundred shapes
    _plans[id(shape)] = (shape, plan)
    return plan


def _plan(text: str) -> _Plan | None:
    """Cut the shape's YAML at its tokens; each token is a plain value, alone at the end of
    its line, after `key: ` or after one or more `- `."""
    parts: list[str | _Hole] = []
    start = 0
    for match in _TOKEN.finditer(text):
        if text[match.end() : match.end() + 1] != "\n":
            return None
        before = text[text.rfind("\n", 0, match.start()) + 1 : match.start()]
        slot = int(match.group(1))
        if before.endswith(": "):
            key = before.lstrip(" ")
            while key.startswith("- "):  # the first key of a mapping that is a list item
                key = key[2:]
            parts += [text[start : match.start() - 1], _Hole(slot, True, len(before) - len(key))]
        elif _ITEM_HEAD.fullmatch(before):
            parts += [text[start : match.start()], _Hole(slot, False, len(before) - 2)]
        else:
            return None
        start = match.end() + 1
    parts.append(text[start:])
    return tuple(parts)


def _token_in_keys(node: Any) -> bool:
    if isinstance(node, dict):
        return any((isinstance(key, str) and PREFIX in key) or _token_in_keys(value) for key, value in node.items())
    if isinstance(node, list):
        return any(_token_in_keys(item) for item in node)
    return False


def _hashable(key: Any) -> bool:
    return not isinstance(key, (dict, list))


def _yaml_float(text: str) -> float | str:
    return float(text) if _YAML_FLOAT.fullmatch(text) else text


_DECODER = json.JSONDecoder(parse_float=_yaml_float, parse_constant=str)
_CONSTANTS = {"true": True, "false": False, "null": None}


def _read_json(text: str) -> Any:
    # Most values are names and numbers: read those directly, the rest with the decoder.
    if text[0] == '"' and "\\" not in text:
        return text[1:-1]  # a JSON string without escapes is its own content
    if text.isdigit():
        return int(text)
    if text in _CONSTANTS:
        return _CONSTANTS[text]
    return _DECODER.decode(text)
