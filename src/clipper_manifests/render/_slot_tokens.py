"""The slot token the `yaml` filter writes for a value (render/_slots.py): letters and digits, so
a plain scalar wherever it stands, with a fresh nonce per process, so that no template or
profile text can contain one by accident."""

from __future__ import annotations

import re
import secrets

PREFIX = f"cmslot{secrets.token_hex(6)}n"
TOKEN = re.compile(rf"{PREFIX}(\d+)x")


def token(slot: int) -> str:
    return f"{PREFIX}{slot}x"


def in_keys(node: object) -> bool:
    """Whether a token stands in a key anywhere in a parsed shape."""
    if isinstance(node, dict):
        return any((isinstance(key, str) and PREFIX in key) or in_keys(value) for key, value in node.items())
    if isinstance(node, list):
        return any(in_keys(item) for item in node)
    return False
