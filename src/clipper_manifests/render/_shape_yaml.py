"""The output YAML of a filled shape, from the shape's YAML (render/_slots.py).

A shape's YAML is written once, with its slot tokens where the values go; each render then
writes its values into those holes with the same code that writes whole documents
(yaml.block_writer), so the text is exactly the filled copy's YAML. A token in a key (keys decide
the order of the output) or metadata that is one slot (its keys are ordered too) make the
copy be written whole instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from clipper_manifests import memo
from clipper_manifests.render._slot_tokens import TOKEN, in_keys
from clipper_manifests.yaml.write import dump_hole, dump_ordered_exactly

SHAPES_KEPT = 1 << 12  # a bound on memory; a build has a few hundred shapes


def write_filled(shape: Any, filled: dict[int, Any], texts: list[str]) -> str | None:
    """The YAML of `shape` with slot i holding `filled[i]` (read from the JSON `texts[i]`);
    None when only writing the filled copy itself gives the exact text."""
    plan = _PLANS.get((shape,), lambda: _plan_of(shape))
    if plan is None:
        return None
    parts: list[str] = []
    for part in plan:
        if isinstance(part, str):
            parts.append(part)
            continue
        text = dump_hole(filled[part.slot], part.after_key, part.indent, texts[part.slot])
        if text is None:
            return None
        parts.append(text)
    return "".join(parts)


@dataclass(frozen=True)
class _Hole:
    """Where a slot's value goes in the shape's YAML: after `key:` or after `- `, at a depth."""

    slot: int
    after_key: bool
    indent: int  # of the mapping that holds the key, or of the sequence that holds the item


_Plan = tuple[str | _Hole, ...]  # the shape's YAML: text, and holes where its tokens stood
# Parsed shapes are shared (yaml.read.parse_shared): each one's plan is worked out once.
_PLANS: memo.Table[_Plan | None] = memo.Table("render.shape-plans", SHAPES_KEPT, by="identity")
_ITEM_HEAD = re.compile(r" *(?:- )+")


def _plan_of(shape: Any) -> _Plan | None:
    # The output orders the keys of the object and of its metadata: keys from a slot, or
    # metadata that is one slot, take their order from the filled copy only.
    ordered_alike = isinstance(shape, dict) and isinstance(shape.get("metadata"), dict) and not in_keys(shape)
    text = dump_ordered_exactly(shape) if ordered_alike else None
    return None if text is None else _plan(text)


def _plan(text: str) -> _Plan | None:
    """Cut the shape's YAML at its tokens; each token is a plain value, alone at the end of
    its line, after `key: ` or after one or more `- `."""
    parts: list[str | _Hole] = []
    start = 0
    for match in TOKEN.finditer(text):
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
