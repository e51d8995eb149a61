"""The project config file: settings a team shares, in `clipper-manifests.yaml` beside profiles/.

    crdSchemas: ../crd-catalog            # CRD schema catalog, relative to this file
    allowUnknownKinds: [Widget.example.com, Gadget.example.com/v1alpha1]
    outputs: [kustomize, helm]            # what `render` writes (default: kustomize)

Every key is optional. The catalog comes from `--crd-schemas`, else CLIPPER_CRD_SCHEMAS, else
this file, else the upstream schemas the package ships (schemas/crds). An allowed-unknown kind (`Kind.group`, or
`Kind.group/version` for one version) may be emitted without a schema in the catalog.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clipper_manifests.errors import Location, UsageError
from clipper_manifests.yaml.read import Marks, YamlSyntaxError, decode_utf8, load_marked, location_of

CONFIG_FILE = "clipper-manifests.yaml"
KEYS = ("crdSchemas", "allowUnknownKinds", "outputs")
# kustomize: base, components and overlays; helm: a chart per profile (out/charts/<profile>).
OUTPUTS = ("kustomize", "helm")
_KIND = re.compile(r"[A-Z][A-Za-z0-9]*\.[a-z0-9]([-a-z0-9.]*[a-z0-9])?(/v[0-9a-z]+)?")


@dataclass(frozen=True)
class ProjectConfig:
    path: Path | None = None  # None: the project has no config file
    crd_schemas: Path | None = None  # resolved against the config file's folder
    crd_schemas_at: Location | None = None  # where it was set, for errors
    allow_unknown_kinds: frozenset[str] = frozenset()
    outputs: tuple[str, ...] = ("kustomize",)


def load_config(root: Path) -> ProjectConfig:
    path = root / CONFIG_FILE
    if not path.is_file():
        return ProjectConfig()
    try:
        data, marks = load_marked(decode_utf8(path.read_bytes(), path))
    except YamlSyntaxError as error:
        raise UsageError(f"invalid YAML: {error.message}", location=Location(path, error.line, error.column)) from None
    except OSError as error:
        raise UsageError(f"cannot read {CONFIG_FILE}: {error.strerror}", location=Location(path)) from None
    if data is None:
        return ProjectConfig(path=path)
    if not isinstance(data, dict):
        raise UsageError(f"{CONFIG_FILE} must be a mapping of settings", location=Location(path, 1, 1), hint=_HINT)
    for key in data:
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            suggestion = f"did you mean {close[0]!r}? " if close else ""
            raise UsageError(f"unknown setting {key!r}", location=location_of(path, marks, (key,)), hint=f"{suggestion}{_HINT}")
    return ProjectConfig(
        path=path,
        crd_schemas=_catalog(data.get("crdSchemas"), path, marks),
        crd_schemas_at=location_of(path, marks, ("crdSchemas",)) if "crdSchemas" in data else None,
        allow_unknown_kinds=_kinds(data.get("allowUnknownKinds"), path, marks),
        outputs=_outputs(data.get("outputs"), path, marks),
    )


_HINT = "settings: crdSchemas (a folder), allowUnknownKinds (a list of Kind.group), outputs (kustomize, helm)"


def _catalog(value: Any, path: Path, marks: Marks) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise UsageError("crdSchemas must be a folder path", location=location_of(path, marks, ("crdSchemas",)))
    return (path.parent / value).resolve()


def _outputs(value: Any, path: Path, marks: Marks) -> tuple[str, ...]:
    if value is None:
        return ("kustomize",)
    if not isinstance(value, list) or not value or any(item not in OUTPUTS for item in value):
        raise UsageError(
            f"outputs must be a non-empty list of {', '.join(OUTPUTS)}",
            location=location_of(path, marks, ("outputs",)),
            hint="for example outputs: [kustomize, helm]",
        )
    return tuple(item for item in OUTPUTS if item in value)


def parse_outputs(value: str) -> tuple[str, ...]:
    """`render --format kustomize|helm|all`."""
    if value == "all":
        return OUTPUTS
    if value not in OUTPUTS:
        raise UsageError(f"unknown output format {value!r}", hint=f"use one of: {', '.join(OUTPUTS)}, all")
    return (value,)


def _kinds(value: Any, path: Path, marks: Marks) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list):
        raise UsageError("allowUnknownKinds must be a list", location=location_of(path, marks, ("allowUnknownKinds",)))
    for index, item in enumerate(value):
        if not isinstance(item, str) or not _KIND.fullmatch(item):
            raise UsageError(
                f"allowUnknownKinds: {item!r} is not Kind.group or Kind.group/version",
                location=location_of(path, marks, ("allowUnknownKinds", index)),
                hint="for example Widget.example.com or Widget.example.com/v1alpha1",
            )
    return frozenset(value)


def kind_allowed(document: dict[str, Any], allowed: frozenset[str]) -> bool:
    """Whether a custom resource's kind (any version, or this version) is allowed without a schema."""
    kind, api_version = str(document.get("kind")), str(document.get("apiVersion"))
    group = api_version.rpartition("/")[0]
    return f"{kind}.{group}" in allowed or f"{kind}.{api_version}" in allowed
