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
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

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

    def fill(self, node: Any) -> Any:
        """A copy of a parsed shape with every slot holding its value."""
        if isinstance(node, str):
            if PREFIX not in node:
                return node
            match = _TOKEN.fullmatch(node)
            if match is None:
                raise NotAWholeNode(node)
            return _read_json(self.texts[int(match.group(1))])
        if isinstance(node, dict):
            filled = {}
            for key, item in node.items():
                filled_key = self.fill(key)
                if not _hashable(filled_key):
                    raise NotAWholeNode(filled_key)
                filled[filled_key] = self.fill(item)
            if len(filled) != len(node):
                raise NotAWholeNode("two keys are equal once filled")  # a duplicate key in the real text
            return filled
        if isinstance(node, list):
            return [self.fill(item) for item in node]
        return node


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
