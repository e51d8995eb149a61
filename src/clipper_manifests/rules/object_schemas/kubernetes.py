"""Built-in objects against the Kubernetes OpenAPI schemas that kubernetes-validate ships.

kubernetes-validate re-reads and recompiles its schema files on every call (12-17 ms per
object); here each (version, kind, apiVersion) validator is compiled once per process and
reused (see compiled.py), which brings a check to microseconds. The files are the same, so are
the verdicts. The package is located, never imported: importing it costs 0.2 s and gives nothing.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

from clipper_manifests import memo
from clipper_manifests.compiled_schema import CompiledSchema, compile_schema, fast_registry
from clipper_manifests.problems import Problem, json_path
from clipper_manifests.rules.registry import ERROR, declare

_STRICT_SUFFIX = "-local-strict"


@memo.function("kubernetes.schema-root", 1)
def _schema_root() -> Path:
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("kubernetes-validate is not installed")
    return Path(spec.submodule_search_locations[0]) / "kubernetes-json-schema"


@memo.function("kubernetes.versions", 1)
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


@memo.function("kubernetes.definitions", 32)
def _definitions(version: str) -> dict[str, Any]:
    definitions: dict[str, Any] = json.loads((_schema_dir(version) / "_definitions.json").read_text(encoding="utf-8"))
    return definitions


@memo.function("kubernetes.registry", 32)
def _registry(version: str) -> Any:
    from referencing import Registry, Resource

    return Resource.from_contents(_definitions(version)) @ Registry()


@memo.function("kubernetes.fast-registry", 32)
def _fast_registry(version: str) -> Any:
    return fast_registry([_definitions(version)])


def _schema_file(version: str, kind: str, api_version: str) -> Path:
    # rbac.authorization.k8s.io/v1 → rbac-v1; apps/v1 → apps-v1; v1 → v1
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return _schema_dir(version) / f"{kind.lower()}-{group_version}.json"


@memo.function("kubernetes.served-in", 4096)
def served_in(kind: str, api_version: str) -> tuple[str, ...]:
    """The installed Kubernetes minor versions that serve `kind` at `api_version`."""
    return tuple(version for version in supported_versions() if _schema_file(version, kind, api_version).is_file())


@memo.function("kubernetes.current-api-versions", 1024)
def current_api_versions(kind: str) -> tuple[str, ...]:
    """The apiVersions the newest installed Kubernetes serves `kind` at (what to move to)."""
    newest = _schema_dir(supported_versions()[-1])
    found = []
    for path in sorted(newest.glob(f"{kind.lower()}-*.json")):
        for gvk in json.loads(path.read_text(encoding="utf-8")).get("x-kubernetes-group-version-kind") or []:
            if gvk.get("kind") == kind:
                found.append(f"{gvk['group']}/{gvk['version']}" if gvk.get("group") else str(gvk["version"]))
    return tuple(sorted(set(found)))


@memo.function("kubernetes.validators", 4096)
def _validator(version: str, kind: str, api_version: str) -> CompiledSchema | None:
    """None when kubernetes-validate has no schema for this kind and apiVersion."""
    path = _schema_file(version, kind, api_version)
    if not path.is_file():
        return None
    schema = json.loads(path.read_text(encoding="utf-8"))

    def explain() -> Any:
        from jsonschema import Draft202012Validator

        return Draft202012Validator(schema, registry=_registry(version))

    return compile_schema(schema, explain, registry=_fast_registry(version))


def check_builtin(document: dict[str, Any], version: str) -> list[Problem]:
    """Strict schema problems of one built-in object at Kubernetes `version` ("1.33")."""
    kind, api_version = document["kind"], document["apiVersion"]
    if version not in supported_versions():
        return [Problem(f"no Kubernetes {version} schemas are installed (have {', '.join(supported_versions())})", "kubernetes-version")]
    validator = _validator(version, kind, api_version)
    served = served_in(kind, api_version)
    if validator is None and served and _minor(served[-1]) < _minor(version):
        use = " or ".join(current_api_versions(kind)) or "a served apiVersion"
        message = f"{kind} {api_version} was removed in Kubernetes {_next(served[-1])} (last served in {served[-1]}); use {use}"
        return [Problem(message, "api-version-removed", path="apiVersion")]
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
        for error in validator.errors(document)
    ]


def _minor(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _next(version: str) -> str:
    major, minor = _minor(version)
    return f"{major}.{minor + 1}"


def _message(error: Any) -> str:
    if error.validator == "additionalProperties":
        return f"unknown field: {error.message.split('(')[-1].rstrip(')')}"
    return str(error.message)


declare(
    (
        "kubernetes-schema",
        ERROR,
        "Every built-in object matches the strict OpenAPI schema of the profile's Kubernetes version.",
        "fix or remove the field named",
        ("kubernetesVersion",),
    ),
    (
        "kubernetes-version",
        ERROR,
        "The profile's Kubernetes version has installed schemas (kubernetes-validate).",
        "use a version kubernetes-validate ships",
        ("kubernetesVersion",),
    ),
    (
        "api-version-removed",
        ERROR,
        "No object uses an apiVersion that the profile's Kubernetes version no longer serves.",
        "use the apiVersion the message names",
        ("kubernetesVersion",),
    ),
    scope="check",
    stage="objects",
    emitted_by="rules.object_schemas.kubernetes:check_builtin",
)
