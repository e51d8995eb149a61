"""Go (RE2) inline flags in CRD `pattern`s, rewritten into the scoped form every engine reads.

Operators generate their CRD schemas from Go, and RE2 lets a flag group such as `(?i)` stand
in the middle of a pattern, where it applies to the rest of the enclosing group
(`^((?i)sun|mon)day` accepts "SUNday" and "MONday", not "sunDAY"). ECMA-262 regular
expressions, which JSON Schema's `pattern` means and jsonschema-rs enforces, have no such form,
so upstream prometheusrule and alertmanagerconfig schemas would not compile on the fast path.
The scoped form `(?i:...)` means the same, and ECMA-262 (2025), Rust's regex and Python's `re`
all read it: `^((?i:sun|mon))day`.
"""

from __future__ import annotations

import re
from typing import Any

# i, m and s exist in all three engines; RE2's U (ungreedy) has no scoped equivalent, so a
# pattern using it is left as it is (and falls back to the slower validator).
_FLAGS = re.compile(r"\(\?([ims]+)\)")


def scoped_flags(pattern: str) -> str:
    """`pattern` with every `(?flags)` turned into `(?flags:...)` over the rest of its group."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index : index + 2])
            index += 2
        elif char == "[":
            end = _class_end(pattern, index)
            out.append(pattern[index:end])
            index = end
        elif flags := _FLAGS.match(pattern, index):
            end = _group_end(pattern, flags.end())
            out.append(f"(?{flags.group(1)}:{scoped_flags(pattern[flags.end() : end])})")
            index = end
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _class_end(pattern: str, start: int) -> int:
    """The index just after the character class opened at `start`."""
    index = start + 1
    if pattern.startswith("^", index):
        index += 1
    if pattern.startswith("]", index):  # a leading ] is a literal
        index += 1
    while index < len(pattern):
        if pattern[index] == "\\":
            index += 2
        elif pattern[index] == "]":
            return index + 1
        else:
            index += 1
    return len(pattern)


def _group_end(pattern: str, start: int) -> int:
    """The index of the `)` that closes the group `start` is in (or the pattern's end)."""
    depth = 0
    index = start
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            index = _class_end(pattern, index)
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                return index
            depth -= 1
        index += 1
    return len(pattern)


def rewrite_patterns(schema: Any) -> None:
    """Rewrite every `pattern` in a schema (a freshly loaded JSON tree) in place."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            pattern = node.get("pattern")
            if isinstance(pattern, str) and "(?" in pattern:
                node["pattern"] = scoped_flags(pattern)
            stack.extend(value for value in node.values() if isinstance(value, dict | list))
        elif isinstance(node, list):
            stack.extend(value for value in node if isinstance(value, dict | list))
