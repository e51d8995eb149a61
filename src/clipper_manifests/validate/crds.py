"""Custom resources against CRD JSON Schemas in kubeconform catalog layout.

A catalog (`--crd-schemas DIR`, e.g. shared/crd-schemas) holds
`<group>/<kind lower-case>_<version>.json`. Without one, the schemas the package ships for the
custom resources it emits (same layout, fewer fields) are used, so a typo is caught either way.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from clipper_manifests.config import kind_allowed
from clipper_manifests.problems import Problem, json_path
from clipper_manifests.validate.compiled import CompiledSchema, compile_schema

BUILTIN_CATALOG = "crds"


def schema_path(document: dict[str, Any]) -> str:
    group, _, version = str(document["apiVersion"]).rpartition("/")
    return f"{group}/{str(document['kind']).lower()}_{version}.json"


@cache
def _validator(catalog: Path | None, relative: str) -> CompiledSchema | None:
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

    def explain() -> Any:
        from jsonschema import Draft7Validator

        return Draft7Validator(schema)

    return compile_schema(schema, explain, draft=7)


def check_custom_resource(document: dict[str, Any], catalog: Path | None, allowed_unknown: frozenset[str] = frozenset()) -> list[Problem]:
    relative = schema_path(document)
    validator = _validator(catalog, relative)
    if validator is None:
        if kind_allowed(document, allowed_unknown):
            return []
        where = str(catalog) if catalog else "the built-in CRD schemas"
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
        for error in validator.errors(document)
    ]
