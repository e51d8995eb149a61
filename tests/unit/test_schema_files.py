"""The schema copies editors use are current, and every profile points its editor at one."""

from __future__ import annotations

import json

from clipper_manifests.profile.schema import PARTIAL_SCHEMA_FILE, SCHEMA_FILE, partial_schema, profile_schema, schema_text
from tests.conftest import REPO


def test_committed_schemas_are_current() -> None:
    assert (REPO / "schemas" / SCHEMA_FILE).read_text(encoding="utf-8") == schema_text(partial=False)
    assert (REPO / "schemas" / PARTIAL_SCHEMA_FILE).read_text(encoding="utf-8") == schema_text(partial=True)


def test_schema_is_draft_2020_12_and_closed_at_every_level() -> None:
    schema = profile_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"

    def objects(node: object) -> list[dict[str, object]]:
        found = []
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                found.append(node)
            for value in node.values():
                found.extend(objects(value))
        elif isinstance(node, list):
            for item in node:
                found.extend(objects(item))
        return found

    assert objects(schema)
    assert all(item.get("additionalProperties") is False for item in objects(schema))


def test_partial_schema_requires_nothing() -> None:
    assert '"required"' not in json.dumps(partial_schema())


def test_every_profile_names_its_schema_on_the_first_line() -> None:
    for path in sorted((REPO / "profiles").glob("*.yaml")):
        wanted = PARTIAL_SCHEMA_FILE if path.name.startswith("_") else SCHEMA_FILE
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == f"# yaml-language-server: $schema=../schemas/{wanted}", path.name
