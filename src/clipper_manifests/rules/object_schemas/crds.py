"""Custom resources against CRD JSON Schemas in kubeconform catalog layout.

By default the package's own copy of the upstream schemas is used (schemas/crds: one file per
kind the tool emits, unchanged from datreeio/CRDs-catalog; see SOURCES.md there). A fuller
catalog in the same layout, `<group>/<kind lower-case>_<version>.json`, can replace it with
`--crd-schemas DIR` (e.g. ../shared/crd-schemas, as CI does for a second opinion).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from clipper_manifests import memo
from clipper_manifests.compiled_schema import CompiledSchema, compile_schema
from clipper_manifests.config import kind_allowed
from clipper_manifests.problems import Problem, json_path
from clipper_manifests.rules.object_schemas.go_regex import rewrite_patterns
from clipper_manifests.rules.registry import ERROR, declare

BUILTIN_CATALOG = "crds"


def schema_path(document: dict[str, Any]) -> str:
    group, _, version = str(document["apiVersion"]).rpartition("/")
    return f"{group}/{str(document['kind']).lower()}_{version}.json"


@memo.function("crd.validators", 512)
def validator(catalog: Path | None, relative: str) -> CompiledSchema | None:
    """A compiled validator, or None when the catalog has no schema for this kind."""
    if catalog is None:
        source = resources.files("clipper_manifests").joinpath("schemas", BUILTIN_CATALOG, relative)
        if not source.is_file():
            return None
        text = source.read_text(encoding="utf-8")
    else:
        path = catalog / relative
        if not path.is_file():
            return None
        text = path.read_text(encoding="utf-8")
    schema = json.loads(text)
    if "(?" in text:  # only then can a pattern hold a Go inline flag
        rewrite_patterns(schema)

    def explain() -> Any:
        from jsonschema import Draft7Validator

        return Draft7Validator(schema)

    return compile_schema(schema, explain, draft=7)


def check_custom_resource(document: dict[str, Any], catalog: Path | None, allowed_unknown: frozenset[str] = frozenset()) -> list[Problem]:
    relative = schema_path(document)
    compiled = validator(catalog, relative)
    if compiled is None:
        if kind_allowed(document, allowed_unknown):
            return []
        where = str(catalog) if catalog else "the package's CRD schemas"
        return [
            Problem(
                f"no schema for {document['kind']} {document['apiVersion']} in {where} (looked for {relative}); add one, or list "
                f"{document['kind']}.{document['apiVersion'].rpartition('/')[0]} under allowUnknownKinds in clipper-manifests.yaml",
                "crd-schema-missing",
                path="apiVersion",
            )
        ]
    return [
        Problem(str(error.message), "crd-schema", path=json_path(list(error.absolute_path)) or "(object)")
        for error in compiled.errors(document)
    ]


declare(
    (
        "crd-schema",
        ERROR,
        "Every custom resource matches its upstream CRD schema (the package's copy, or --crd-schemas), strictly.",
        "fix or remove the field named",
        (),
    ),
    (
        "crd-schema-missing",
        ERROR,
        "Every custom resource has a schema in the catalog, unless its kind is allowed unknown.",
        "add the schema, or list Kind.group under allowUnknownKinds in clipper-manifests.yaml",
        (),
    ),
    scope="check",
    stage="objects",
    emitted_by="rules.object_schemas.crds:check_custom_resource",
)
