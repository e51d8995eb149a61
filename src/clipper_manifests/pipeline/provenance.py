"""Where a value in a rendered object came from: the template line, and the profile key.

Templates are YAML with Jinja in it, so the line that writes a key is found by walking the
template's indentation along the problem's key path, skipping `{% … %}` lines. The walk stops,
and claims nothing deeper, where it cannot be sure: inside a `{{ … }}` value (a whole mapping
or list written by one expression), at a list item when a loop or condition shapes the list,
or when a template holds several documents of the same kind. The profile key is claimed only
when the line's expressions name `profile.<key>` (directly or through `{% set x = profile.… %}`)
and that key exists in the merged profile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clipper_manifests.errors import Location
from clipper_manifests.profile.merge import MergedProfile

_STATEMENT = re.compile(r"^\s*\{[%#].*[%#]\}\s*$")
_SET_ALIAS = re.compile(r"\{%-?\s*set\s+(\w+)\s*=\s*profile((?:\.\w+)+)\s*-?%\}")
_EXPRESSION = re.compile(r"\{\{(.*?)\}\}")


@dataclass(frozen=True)
class Source:
    template: Location  # templates/<name>, with the line when it is known
    profile_key: str = ""  # dotted camelCase key, e.g. api.resources
    profile_location: Location | None = None  # where the profile sets it


def find_source(
    templates: Path, template: str, document: dict[str, Any], key_path: tuple[Any, ...], merged: MergedProfile | None
) -> Source:
    path = templates / template
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return Source(Location(path))
    lines = _segment(text, str(document.get("kind")))
    line_number, line = _walk(lines, key_path) if lines else (0, "")
    key = _profile_key(text, line, merged) if line else ()
    return Source(
        Location(path, line_number),
        ".".join(map(str, key)),
        merged.location(key) if key and merged is not None else None,
    )


def _segment(text: str, kind: str) -> list[tuple[int, str]]:
    """The numbered lines of the one document of `kind` (empty when that is ambiguous). A
    document a loop repeats is still one segment: every copy comes from the same lines."""
    documents: list[list[tuple[int, str]]] = [[]]
    for number, line in enumerate(text.splitlines(), start=1):
        if line.rstrip() == "---":
            documents.append([])
        elif line.strip() and not line.lstrip().startswith("#"):
            documents[-1].append((number, line))
    matching = [d for d in documents if any(re.match(rf"kind:\s*{re.escape(kind)}\s*$", line) for _, line in d)]
    return matching[0] if len(matching) == 1 else []


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _walk(lines: list[tuple[int, str]], key_path: tuple[Any, ...]) -> tuple[int, str]:
    """(line number, text) of the deepest key of `key_path` the template writes as a key."""
    block, found, written_by_expression = lines, (0, ""), False
    for part in key_path:
        yaml_lines = [(i, line) for i, (_, line) in enumerate(block) if not _STATEMENT.match(line)]
        if not yaml_lines or written_by_expression:
            break  # nothing deeper, or a value written by an expression: deeper keys are inside it
        child = min(_indent(line) for _, line in yaml_lines)
        if isinstance(part, int):
            items = [i for i, line in yaml_lines if _indent(line) == child and line.lstrip().startswith("- ")]
            if part >= len(items) or any(_STATEMENT.match(line) for _, line in block[: items[part]]):
                break  # a loop or a condition before the item decides which index it gets
            end = items[part + 1] if part + 1 < len(items) else len(block)
            item = block[items[part] : end]
            found, written_by_expression = item[0], False
            block = [(n, " " * (_indent(line) + 2) + line.lstrip()[2:]) if k == 0 else (n, line) for k, (n, line) in enumerate(item)]
            continue
        key = re.compile(rf'\s*"?{re.escape(str(part))}"?:(\s|$)')
        match = next((i for i, line in yaml_lines if _indent(line) == child and key.match(line)), None)
        if match is None:
            break
        end = next((i for i, line in yaml_lines if i > match and _indent(line) <= child), len(block))
        found, block = block[match], block[match + 1 : end]
        written_by_expression = "{{" in found[1].split(":", 1)[1]
    return found


def _profile_key(text: str, line: str, merged: MergedProfile | None) -> tuple[str, ...]:
    if merged is None:
        return ()
    aliases = {name: path.lstrip(".") for name, path in _SET_ALIAS.findall(text)}
    for expression in _EXPRESSION.findall(line):
        for name, rest in re.findall(r"\b(profile|\w+)((?:\.\w+)*)", expression):
            dotted = rest.lstrip(".") if name == "profile" else f"{aliases[name]}{rest}" if name in aliases else ""
            key = tuple(_camel(part) for part in dotted.split(".") if part)
            while key and not _in_profile(merged.data, key):
                key = key[:-1]  # `profile.images.api.reference` → images.api (a property, not a key)
            if key:
                return key
    return ()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _in_profile(data: Any, key: tuple[str, ...]) -> bool:
    for part in key:
        if not isinstance(data, dict) or part not in data:
            return False
        data = data[part]
    return True
