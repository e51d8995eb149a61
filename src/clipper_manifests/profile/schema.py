"""The profile JSON Schema: shipped in the package, checked against merged profiles."""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path
from typing import Any

from clipper_manifests import memo
from clipper_manifests.compiled_schema import CompiledSchema, compile_schema

SCHEMA_FILE = "profile.schema.json"
PARTIAL_SCHEMA_FILE = "profile-partial.schema.json"


@memo.function("profile.schema", 1)
def profile_schema() -> dict[str, Any]:
    text = resources.files("clipper_manifests").joinpath("schemas", SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def partial_schema() -> dict[str, Any]:
    """The same schema with nothing required: what editors check partials (`_*.yaml`) against."""

    def relax(node: Any) -> Any:
        if isinstance(node, dict):
            relaxed = {key: relax(value) for key, value in node.items() if key != "required"}
            # A choice between required keys means nothing once nothing is required.
            for choice in ("oneOf", "anyOf"):
                if any(branch == {} for branch in relaxed.get(choice, [None])):
                    del relaxed[choice]
            return relaxed
        if isinstance(node, list):
            return [relax(item) for item in node]
        return node

    schema: dict[str, Any] = relax(copy.deepcopy(profile_schema()))
    schema["$id"] = schema["$id"].replace(SCHEMA_FILE, PARTIAL_SCHEMA_FILE)
    schema["title"] += " (partial)"
    return schema


def schema_text(partial: bool = False) -> str:
    return json.dumps(partial_schema() if partial else profile_schema(), indent=2, ensure_ascii=False) + "\n"


@memo.function("profile.schema-validator", 1)
def schema_validator() -> CompiledSchema:
    def explain() -> Any:
        from jsonschema import Draft202012Validator  # imported here: heavy, and `list`/`--help` never need it

        return Draft202012Validator(profile_schema())

    return compile_schema(profile_schema(), explain)


def sync_schema_files(folder: Path, *, write: bool) -> list[str]:
    """Compare (and with `write`, update) the committed copies editors use; return stale names."""
    stale = []
    for name, partial in ((SCHEMA_FILE, False), (PARTIAL_SCHEMA_FILE, True)):
        path = folder / name
        wanted = schema_text(partial)
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != wanted:
            stale.append(name)
            if write:
                folder.mkdir(parents=True, exist_ok=True)
                path.write_text(wanted, encoding="utf-8")
    return stale
