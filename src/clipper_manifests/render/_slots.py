"""Parse each template's YAML shape once per process; fill in each profile's values.

Every value a template writes goes through the `yaml` filter, and stands in the output as a
whole YAML node: a JSON scalar or flow collection, on one line. While rendering, the filter
writes a slot token (letters and digits: a plain scalar wherever it stands) and keeps the
JSON text aside. The text with tokens is the same for every profile that takes the same
paths through the template, so its YAML is parsed once (yaml.read.parse_shared); each render
then gets a copy with its values in the slots, read from their JSON as YAML reads JSON.

A token inside a longer string, or values that make two keys equal, would not read the
same: `fill` raises NotAWholeNode and the caller renders again with the values in the text,
which also reports any YAML error exactly as before.

The output YAML is written from the shape too (`written`, _shape_yaml.py).
"""

from __future__ import annotations

import json
import re
from typing import Any

from clipper_manifests import memo
from clipper_manifests.render._shape_yaml import SHAPES_KEPT, write_filled
from clipper_manifests.render._slot_tokens import PREFIX, TOKEN, token
from clipper_manifests.yaml.read import clone

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
        return token(len(self.texts) - 1)

    def expand(self, value: Any) -> Any:
        """`value` as it reads without slots: text captured from a block of the template
        (`{% set x %}…{% endset %}`) holds the tokens of the values written inside it."""
        if isinstance(value, str):
            return TOKEN.sub(lambda match: self.texts[int(match.group(1))], value) if PREFIX in value else value
        if isinstance(value, dict):
            return {self.expand(key): self.expand(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.expand(item) for item in value]
        return value

    def fill(self, shape: Any) -> Any:
        """A copy of a parsed shape with every slot holding its value."""
        route = _ROUTES.get((shape,), lambda: _route_or_walk_all(shape))
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
            match = TOKEN.fullmatch(node)
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
        return write_filled(shape, self._filled, self.texts)


# The way from a shape to its slots: a slot's number where its token stands, else the keys
# (or list positions) of the branches that hold slots; None where no slot is.
_Route = int | dict[Any, "_Route"]
_WALK_ALL = "walk all"  # a slot in a key or inside a longer text: no route, look at everything
# Parsed shapes are shared (yaml.read.parse_shared): each one's route is worked out once.
_ROUTES: memo.Table[_Route | str | None] = memo.Table("render.slot-routes", SHAPES_KEPT, by="identity")


def _route_or_walk_all(shape: Any) -> _Route | str | None:
    try:
        return _route(shape)
    except _NoRoute:
        return _WALK_ALL


class _NoRoute(Exception):
    pass


def _route(node: Any) -> _Route | None:
    if isinstance(node, str):
        if PREFIX not in node:
            return None
        match = TOKEN.fullmatch(node)
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
