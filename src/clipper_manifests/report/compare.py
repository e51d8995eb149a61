"""What differs between two rendered environments, and whether the project allows it.

Objects are matched by where they go (the folder with the profile's name taken out:
`overlays`, `infrastructure/controllers`, `dr/1-restore`, ...), kind and name, so prod-aws's
`Deployment/api` meets prod-gcp's. A difference is an object only one side has, or a key
whose value differs (lists are compared item by item). The parity declaration
(`parity.yaml` beside profiles/) lists what may differ, with a reason; `compare --check`
fails on anything else, so an unexplained drift between staging and production, or between
two providers, is caught in review.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clipper_manifests import memo
from clipper_manifests.errors import Location, UsageError
from clipper_manifests.problems import json_path
from clipper_manifests.yaml.read import YamlSyntaxError, decode_utf8, load_marked, location_of

PARITY_FILE = "parity.yaml"
ObjectKey = tuple[str, str, str]  # (folder without the profile, kind, name)
_STEP = re.compile(r"^[0-9]+-")


@dataclass(frozen=True)
class Difference:
    object: ObjectKey
    key: str  # dotted path of the differing value; "" when the whole object is on one side only
    left: Any  # the value (or None: absent)
    right: Any

    @property
    def label(self) -> str:
        folder, kind, name = self.object
        return f"{folder}: {kind}/{name}"


@dataclass(frozen=True)
class Allowance:
    between: str  # "providers" (same environment) or "environments" (same provider), or "any"
    objects: tuple[str, ...]  # Kind/name globs
    keys: tuple[str, ...]  # dotted-path globs; empty: the object may be on one side only
    reason: str
    location: Location


@dataclass
class Comparison:
    left: str
    right: str
    relation: str  # providers, environments, or both
    differences: list[tuple[Difference, Allowance | None]] = field(default_factory=list)  # with what explains each

    @property
    def unexplained(self) -> list[Difference]:
        return [difference for difference, allowance in self.differences if allowance is None]


def compare(
    left: tuple[str, dict[ObjectKey, dict[str, Any]]],
    right: tuple[str, dict[ObjectKey, dict[str, Any]]],
    relation: str,
    allowances: list[Allowance],
) -> Comparison:
    """Every difference between two profiles' objects, each with the parity entry that allows it."""
    found = differences(left[1], right[1])
    return Comparison(left[0], right[0], relation, [(item, explanation(item, relation, allowances)) for item in found])


def objects_by_key(built: dict[str, list[dict[str, Any]]], profile: str) -> dict[ObjectKey, dict[str, Any]]:
    """A profile's objects keyed by (folder without the profile's name, kind, name)."""
    found = {}
    for folder, documents in built.items():
        # The runbook numbers its steps (dr/3-restore), and the numbers shift with the steps a
        # profile has: the step's name is what matches across profiles.
        generic = "/".join(_STEP.sub("", part) for part in folder.split("/") if part != profile)
        for document in documents:
            found[(generic, str(document.get("kind")), str((document.get("metadata") or {}).get("name")))] = document
    return found


def differences(left: dict[ObjectKey, dict[str, Any]], right: dict[ObjectKey, dict[str, Any]]) -> list[Difference]:
    found = []
    for key in sorted(set(left) | set(right)):
        if key not in right:
            found.append(Difference(key, "", left[key], None))
        elif key not in left:
            found.append(Difference(key, "", None, right[key]))
        else:
            found += [Difference(key, path, a, b) for path, a, b in _leaf_differences(left[key], right[key], ())]
    return found


def _leaf_differences(a: Any, b: Any, path: tuple[Any, ...]) -> Iterator[tuple[str, Any, Any]]:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            yield from _leaf_differences(a.get(key), b.get(key), (*path, key))
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (item_a, item_b) in enumerate(zip(a, b, strict=True)):
            yield from _leaf_differences(item_a, item_b, (*path, index))
    elif a != b:
        yield json_path(path), a, b


def load_parity(root: Path) -> list[Allowance]:
    """The project's parity declaration (none: nothing may differ)."""
    path = root / PARITY_FILE
    if not path.is_file():
        return []
    try:
        data, marks = load_marked(decode_utf8(path.read_bytes(), path))
    except YamlSyntaxError as error:
        raise UsageError(f"invalid YAML: {error.message}", location=Location(path, error.line, error.column)) from None
    entries = data.get("allow") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise UsageError(f"{PARITY_FILE} needs an `allow:` list", location=Location(path, 1, 1), hint=_HINT)
    return [_allowance(entry, path, marks, index) for index, entry in enumerate(entries)]


_HINT = "each entry: {between: providers|environments|any, objects: [Kind/name globs], keys: [dotted globs], reason: why}"


def _allowance(entry: Any, path: Path, marks: Any, index: int) -> Allowance:
    where = location_of(path, marks, ("allow", index))
    if not isinstance(entry, dict) or set(entry) - {"between", "objects", "keys", "reason"}:
        raise UsageError("a parity entry has unknown or missing settings", location=where, hint=_HINT)
    between, objects, keys, reason = entry.get("between", "any"), entry.get("objects", ["*"]), entry.get("keys", []), entry.get("reason")
    if between not in ("providers", "environments", "any"):
        raise UsageError(f"between: {between!r} is not providers, environments or any", location=where, hint=_HINT)
    if not isinstance(reason, str) or not reason.strip():
        raise UsageError("every parity entry needs a reason", location=where, hint=_HINT)
    if not all(isinstance(item, str) for item in [*objects, *keys]):
        raise UsageError("objects and keys are lists of text globs", location=where, hint=_HINT)
    return Allowance(between, tuple(objects), tuple(keys), reason, where)


def explanation(difference: Difference, relation: str, allowances: list[Allowance]) -> Allowance | None:
    """The parity entry that allows `difference`: its object matches, and its keys match the
    differing key (an entry without keys allows any difference of its objects)."""
    _, kind, name = difference.object
    for allowance in allowances:
        if allowance.between not in ("any", relation):
            continue
        if not any(_glob(pattern).fullmatch(f"{kind}/{name}") for pattern in allowance.objects):
            continue
        if not allowance.keys or any(_glob(key).fullmatch(difference.key) for key in allowance.keys):
            return allowance
    return None


@memo.function("parity.globs", 1024)
def _glob(pattern: str) -> re.Pattern[str]:
    """`*` stands for any text, `[*]` for any list index: `spec.data[*].remoteRef.*`."""
    return re.compile(re.escape(pattern).replace(r"\[\*\]", r"\[[0-9]+\]").replace(r"\*", ".*"))


def relation_of(left: tuple[str, str], right: tuple[str, str]) -> str:
    """How two (provider, environment) pairs relate: what a parity entry's `between` names."""
    same_provider, same_environment = left[0] == right[0], left[1] == right[1]
    if same_environment and not same_provider:
        return "providers"
    if same_provider and not same_environment:
        return "environments"
    return "any"
