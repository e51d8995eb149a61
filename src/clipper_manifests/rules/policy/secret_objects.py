"""No secret value in the generated tree: Secrets come from External Secrets, never from git."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clipper_manifests.rules.policy.objects import Document
from clipper_manifests.rules.registry import (
    ERROR,
    object_rule,
)


@object_rule("no-secret-values", ERROR)
def _secret_values(document: Document) -> Iterator[tuple[tuple[Any, ...], str]]:
    """The tree is committed to git: a Secret with data or stringData would publish its values.

    Fix: remove the Secret and sync it from the secret store with an ExternalSecret instead"""
    if document.get("kind") != "Secret" or document.get("apiVersion") != "v1":
        return
    for field in ("data", "stringData"):
        if document.get(field):
            keys = ", ".join(sorted(document[field]))
            yield (field,), f"holds values in {field} ({keys})"
