"""Schema validators compiled once per process: a fast yes/no, then details only when needed.

jsonschema-rs (Rust) decides whether a document is valid in microseconds; python-jsonschema,
a few hundred times slower per object, is asked only to explain a document that is not, so
the messages people read stay python-jsonschema's. Both compile the same schema with the same
referenced documents, and neither ever fetches anything over the network.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class CompiledSchema:
    """One schema: `errors(document)` is [] for a valid document, else the detailed errors."""

    def __init__(self, fast: Any, explain: Callable[[], Any], *, compiled: bool = True) -> None:
        self._fast = fast
        self.compiled = compiled  # False: the Rust side could not take it, python-jsonschema answers alone
        self._explain = explain
        self._detailed: Any = None

    def errors(self, document: Any) -> list[Any]:
        """python-jsonschema's errors for `document`, sorted by path (asked only when invalid)."""
        if self._fast.is_valid(document):
            return []
        if self._detailed is None:
            self._detailed = self._explain()
        return sorted(self._detailed.iter_errors(document), key=lambda error: [str(part) for part in error.absolute_path])


def fast_registry(documents: list[dict[str, Any]]) -> Any:
    """A jsonschema-rs registry of documents that schemas `$ref` (each must carry its `$id`)."""
    import jsonschema_rs

    return jsonschema_rs.Registry([(document["$id"], document) for document in documents])


def compile_schema(schema: dict[str, Any], explain: Callable[[], Any], *, draft: int = 2020, registry: Any = None) -> CompiledSchema:
    """Compile `schema` under JSON Schema `draft` (7 or 2020, as `explain`'s validator does);
    `explain` builds the equivalent python-jsonschema validator, lazily."""
    import jsonschema_rs

    validator_class = {7: jsonschema_rs.Draft7Validator, 2020: jsonschema_rs.Draft202012Validator}[draft]
    try:
        # python-jsonschema asserts no formats by default; the fast path must not either.
        fast = validator_class(schema, registry=registry, validate_formats=False, offline=True)
    except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError, ValueError):
        # A schema the Rust side cannot compile (say, a regex it does not support) is still
        # checked, only more slowly: python-jsonschema answers `is_valid` too.
        detailed = explain()
        return CompiledSchema(detailed, lambda: detailed, compiled=False)
    return CompiledSchema(fast, explain)
