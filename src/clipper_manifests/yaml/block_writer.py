"""Block YAML for manifest-shaped data, the same text as PyYAML's dumper writes, several
times faster.

PyYAML builds an event per value and decides each scalar's style one character at a time;
a build writes millions of scalars, most of them names it has written before. Here the block
structure (indentation, `- ` items, `key:` lines) is written directly, and each distinct
scalar's text comes from the real dumper once (names and numbers from a shortcut that
cannot differ from it). Whatever this writer does not know how to place exactly (a non-text
key, a key PyYAML would write in the `? ` form, a value in a multi-line quoted style, `|+`
blocks, which make libyaml end the document with `...`) raises `Unsupported`; the caller
then uses PyYAML for the whole document. tests/unit/test_yaml_writer.py compares both.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from clipper_manifests import memo

# Text PyYAML always writes plain: starts with a letter (so never a number, date or
# indicator), then name characters and inner spaces only. Only these words among them
# read as booleans or null, and get quoted.
_PLAIN = re.compile(r"[A-Za-z](?:[A-Za-z0-9_./ -]*[A-Za-z0-9_./-])?")
_KEYWORDS = frozenset(
    spelling for word in ("yes", "no", "true", "false", "on", "off", "null") for spelling in (word, word.title(), word.upper())
)
_MAX_TEXT = 100_000  # far below the dumper's line width, so it never folds a long line
# More text PyYAML writes plain: printable ASCII after the letter, not ending in a space or
# `:`; `: ` and ` #` (a value or a comment would start there) are ruled out separately.
_PLAIN_TEXT = re.compile(r"[A-Za-z](?:[ -~]*[!-9;-~])?")
# Text PyYAML writes as the literal block _represent_str asks for: printable ASCII lines, the
# first not indented (no indentation hint), not ending in a space (no line may, ruled out
# separately); with at most one line break at the end (`|` or `|-`, never `|+`).
_LITERAL_TEXT = re.compile(r"[!-~](?:[ -~\n]*[!-~\n])?")


class Unsupported(Exception):
    """A value this writer cannot place exactly as PyYAML would."""


class BlockWriter:
    """Writes documents; `dump_value` is the real dumper for one value (a list of one item)."""

    def __init__(self, dump_value: Callable[[Any], str], memo_name: str | None = None) -> None:
        """`memo_name`: the module writer's memos are registered under it (memo.py); a writer
        made for a test keeps private ones."""
        self._dump_value = dump_value
        # text → (first line, further lines relative to the block's indentation)
        texts = memo.function(f"{memo_name}.scalar-text", 1 << 16) if memo_name else functools.lru_cache(maxsize=1 << 16)
        self._texts: Callable[[str], tuple[str, tuple[str, ...]]] = texts(self._scalar_text)
        # other scalars by type and repr: equal values can be written differently (0.0, -0.0)
        others = f"{memo_name}.other-scalar-text" if memo_name else None
        self._others: memo.Table[tuple[str, tuple[str, ...]]] = memo.Table(others, 1 << 12) if others else memo.Table.private(1 << 12)

    def _scalars(self, value: Any) -> tuple[str, tuple[str, ...]]:
        if isinstance(value, str):
            return self._texts(value)
        return self._others.get((type(value), repr(value)), lambda: self._scalar_text(value))

    def write(self, document: Any) -> str:
        out: list[str] = []
        if isinstance(document, dict) and document:
            self._mapping(document, 0, out, inline=False)
        elif isinstance(document, list) and document:
            self._sequence(document, 0, out, inline=False)
        else:
            raise Unsupported("not a non-empty mapping or sequence")
        return "".join(out)

    def hole(self, value: Any, after_key: bool, indent: int) -> str:
        """What the document writes for `value` after `key:` (at mapping `indent`) or after
        `- ` (at sequence `indent`), up to the end of its last line; the same code writes
        whole documents, so the text is the same as theirs."""
        if not isinstance(value, (dict, list)) or not value:  # most holes: `_entry`'s or `_item`'s last branch
            text = self._value(value, indent)
            return f" {text}\n" if after_key else f"{text}\n"
        out: list[str] = []
        (self._entry if after_key else self._item)("", value, indent, out)
        return "".join(out)

    def _mapping(self, mapping: dict[Any, Any], indent: int, out: list[str], inline: bool) -> None:
        pad = " " * indent
        for key, value in mapping.items():
            self._entry(f"{'' if inline else pad}{self._key(key)}:", value, indent, out)
            inline = False

    def _entry(self, head: str, value: Any, indent: int, out: list[str]) -> None:
        if isinstance(value, dict) and value:
            out.append(head + "\n")
            self._mapping(value, indent + 2, out, inline=False)
        elif isinstance(value, list) and value:
            out.append(head + "\n")
            self._sequence(value, indent, out, inline=False)  # PyYAML does not indent lists in mappings
        else:
            out.append(f"{head} {self._value(value, indent)}\n")

    def _sequence(self, sequence: list[Any], indent: int, out: list[str], inline: bool) -> None:
        pad = " " * indent
        for item in sequence:
            self._item("- " if inline else pad + "- ", item, indent, out)
            inline = False

    def _item(self, head: str, item: Any, indent: int, out: list[str]) -> None:
        if isinstance(item, dict) and item:
            out.append(head)
            self._mapping(item, indent + 2, out, inline=True)
        elif isinstance(item, list) and item:
            out.append(head)
            self._sequence(item, indent + 2, out, inline=True)
        else:
            out.append(f"{head}{self._value(item, indent)}\n")

    def _key(self, key: Any) -> str:
        if not isinstance(key, str):
            raise Unsupported("a key that is not text")
        if len(key) < 128 and _PLAIN.fullmatch(key) and key not in _KEYWORDS:
            return key
        # PyYAML writes an empty, long or multi-line key in the `? key` form.
        if not key or len(key) >= 128 or any(brk in key for brk in "\n\r\x85\u2028\u2029"):
            raise Unsupported("a key PyYAML writes in the long form")
        first, rest = self._scalars(key)
        if rest:
            raise Unsupported("a key PyYAML writes on more than one line")
        return first

    def _value(self, value: Any, indent: int) -> str:
        """A scalar (or empty collection) in a block at `indent`; a literal block's lines go
        two spaces deeper, empty lines stay empty (as PyYAML writes them)."""
        if isinstance(value, str) and len(value) <= _MAX_TEXT and _PLAIN.fullmatch(value) and value not in _KEYWORDS:
            return value
        if type(value) is int:
            return str(value)
        if isinstance(value, (dict, list)):
            return "{}" if isinstance(value, dict) else "[]"  # empty: the non-empty ones are blocks
        first, rest = self._scalars(value)
        if not rest:
            return first
        pad = " " * (indent + 2)
        return first + "".join(f"\n{pad}{line}" if line else "\n" for line in rest)

    def _scalar_text(self, value: Any) -> tuple[str, tuple[str, ...]]:
        if isinstance(value, str) and len(value) > _MAX_TEXT:
            raise Unsupported("text long enough to be folded")
        shortcut = _text_shortcut(value) if isinstance(value, str) else None
        if shortcut is not None:
            return shortcut
        text = self._dump_value([value])  # "- <scalar>\n", a block scalar's lines indented by 2
        if not text.startswith("- ") or not text.endswith("\n") or text.endswith("\n...\n"):
            raise Unsupported("a scalar that ends the document open")
        lines = text[2:-1].split("\n")
        first, rest = lines[0], lines[1:]
        if rest and not first.startswith("|"):
            raise Unsupported("a multi-line quoted scalar")
        if first.startswith("|") and first.endswith("+"):
            raise Unsupported("a block scalar that keeps its trailing lines")
        if any(line and not line.startswith("  ") for line in rest):
            raise Unsupported("a block scalar indented unexpectedly")
        return first, tuple(line[2:] for line in rest)


def _text_shortcut(text: str) -> tuple[str, tuple[str, ...]] | None:
    """The text of ASCII names and of scripts and queries (most text a build writes for the
    first time), as the dumper would write it; None: ask the dumper."""
    if "\n" not in text:
        plain = _PLAIN_TEXT.fullmatch(text) and ": " not in text and " #" not in text and text not in _KEYWORDS
        return (text, ()) if plain else None
    if not _LITERAL_TEXT.fullmatch(text) or " \n" in text or text.endswith("\n\n"):
        return None
    if text.endswith("\n"):
        return "|", tuple(text[:-1].split("\n"))
    return "|-", tuple(text.split("\n"))
