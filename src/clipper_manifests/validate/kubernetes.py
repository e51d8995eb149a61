"""Built-in objects against the Kubernetes OpenAPI schemas that kubernetes-validate ships.

kubernetes-validate re-reads and recompiles its schema files on every call (12-17 ms per
object); here each (version, kind, apiVersion) validator is built once per process and
reused, which brings a check under a millisecond. The files are the same, so are the verdicts.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from clipper_manifests.problems import Problem, json_path

_STRICT_SUFFIX = "-local-strict"


@cache
def _schema_root() -> Path:
    import kubernetes_validate

    return Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"


@cache
def supported_versions() -> tuple[str, ...]:
    """Minor versions ("1.33") with strict schemas in the installed kubernetes-validate."""
    found = []
    for entry in _schema_root().iterdir():
        match = re.fullmatch(r"v(\d+\.\d+)\.\d+" + _STRICT_SUFFIX, entry.name)
        if match:
            found.append(match.group(1))
    return tuple(sorted(found, key=lambda v: tuple(int(p) for p in v.split("."))))


def _schema_dir(version: str) -> Path:
    return _schema_root() / f"v{version}.0{_STRICT_SUFFIX}"


@cache
def _registry(version: str) -> Any:
    from referencing import Registry, Resource

    definitions = json.loads((_schema_dir(version) / "_definitions.json").read_text(encoding="utf-8"))
    return Resource.from_contents(definitions) @ Registry()


@cache
def _validator(version: str, kind: str, api_version: str) -> Any:
    """None when kubernetes-validate has no schema for this kind and apiVersion."""
    from jsonschema import Draft202012Validator

    # rbac.authorization.k8s.io/v1 → rbac-v1; apps/v1 → apps-v1; v1 → v1
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    path = _schema_dir(version) / f"{kind.lower()}-{group_version}.json"
    if not path.is_file():
        return None
    schema = json.loads(path.read_text(encoding="utf-8"))
    return Draft202012Validator(schema, registry=_registry(version))


def check_builtin(document: dict[str, Any], version: str) -> list[Problem]:
    """Strict schema problems of one built-in object at Kubernetes `version` ("1.33")."""
    kind, api_version = document["kind"], document["apiVersion"]
    if version not in supported_versions():
        return [Problem(f"no Kubernetes {version} schemas are installed (have {', '.join(supported_versions())})", "kubernetes-version")]
    validator = _validator(version, kind, api_version)
    if validator is None:
        return [
            Problem(
                f"{kind} {api_version} does not exist in Kubernetes {version} (removed, misspelt, or not yet served)",
                "kubernetes-schema",
                path="apiVersion",
            )
        ]
    return [
        Problem(_message(error), "kubernetes-schema", path=json_path(list(error.absolute_path)) or "(object)")
        for error in sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    ]


def _message(error: Any) -> str:
    if error.validator == "additionalProperties":
        return f"unknown field: {error.message.split('(')[-1].rstrip(')')}"
    return str(error.message)
