"""Values of profile fields the schema marks `"x-clipper-secret": true` are never printed.

Profiles hold no secret values, but some identifiers are kept out of logs (the Azure tenant
and client IDs), and a value pasted into such a field by mistake must not be echoed by
`show`, `diff` or an error message. The marker is a schema keyword, so any field can opt in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Set
from typing import Any

from clipper_manifests.problems import Problem
from clipper_manifests.profile.merge import MergedProfile
from clipper_manifests.profile.schema import profile_schema

SECRET_KEYWORD = "x-clipper-secret"
REDACTED = "<redacted>"
MIN_LENGTH = 4  # shorter values would blank out unrelated text


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node and str(node["$ref"]).startswith("#/$defs/"):
        target: dict[str, Any] = root["$defs"][str(node["$ref"]).removeprefix("#/$defs/")]
        node = {**target, **{key: value for key, value in node.items() if key != "$ref"}}
    return node


def secret_paths(data: Any, node: dict[str, Any] | None = None, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Key paths in `data` whose schema node carries the secret marker."""
    root = profile_schema()
    node = _resolve(node if node is not None else root, root)
    if node.get(SECRET_KEYWORD):
        yield path
        return
    if isinstance(data, dict):
        for key, value in data.items():
            child = (node.get("properties") or {}).get(key)
            if child is None and isinstance(node.get("additionalProperties"), dict):
                child = node["additionalProperties"]
            if child is not None:
                yield from secret_paths(value, child, (*path, key))
    elif isinstance(data, list) and isinstance(node.get("items"), dict):
        for index, value in enumerate(data):
            yield from secret_paths(value, node["items"], (*path, index))


def _leaves(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif value is not None:
        yield str(value)


def secret_values(merged: MergedProfile | None) -> set[str]:
    """Every value a profile holds in a secret-marked field, as the text it would print as."""
    if merged is None:
        return set()
    values: set[str] = set()
    for path in secret_paths(merged.data):
        node: Any = merged.data
        for key in path:
            node = node[key]
        values.update(leaf for leaf in _leaves(node) if len(leaf) >= MIN_LENGTH)
        # Earlier values of the key (overridden in a child profile) are in the files too.
        for origin in merged.history.get(path, []):
            values.update(leaf for leaf in _leaves(origin.value) if len(leaf) >= MIN_LENGTH)
    return values


def redact(text: str, values: Iterable[str]) -> str:
    for value in sorted(set(values), key=len, reverse=True):
        text = text.replace(value, REDACTED)
    return text


def redact_problems(problems: list[Problem], values: Set[str]) -> list[Problem]:
    if not values:
        return problems
    return [dataclasses.replace(p, message=redact(p.message, values), hint=redact(p.hint, values)) for p in problems]
