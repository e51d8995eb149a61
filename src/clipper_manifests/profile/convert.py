"""A schema-valid profile mapping converted into the typed dataclasses."""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from typing import Any, TypeVar

from clipper_manifests import memo

T = TypeVar("T")


def snake_case(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def from_data(cls: type[T], data: dict[str, Any]) -> T:
    """Build dataclass `cls` from schema-valid data, converting nested values by type hint."""
    hints, names = _fields_of(cls)
    values = {}
    for key, value in data.items():
        name = snake_case(key)
        if name in names:
            values[name] = _convert(hints[name], value)
    return cls(**values)


@memo.function("profile.type-hints", 256)
def _fields_of(cls: type) -> tuple[dict[str, Any], frozenset[str]]:
    # Resolving the string annotations is most of the cost of from_data: once per class.
    return typing.get_type_hints(cls), frozenset(f.name for f in dataclasses.fields(cls))


def _convert(hint: Any, value: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return None if value is None else _convert(options[0], value)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return from_data(hint, value)
    if origin is tuple:
        return tuple(_convert(typing.get_args(hint)[0], item) for item in value)
    if origin is dict:
        return {key: _convert(typing.get_args(hint)[1], item) for key, item in value.items()}
    return value
