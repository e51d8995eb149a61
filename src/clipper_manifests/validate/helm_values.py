"""HelmRelease values against a schema of the keys the tool sets for that chart.

Charts' own values.schema.json files are not on any package registry this project can reach,
so the package ships a small strict schema per chart it deploys (schemas/values/<chart>.json):
a misspelt key in a template fails here instead of being silently ignored by Helm.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from clipper_manifests.problems import Severity
from clipper_manifests.validate.compiled import CompiledSchema, compile_schema
from clipper_manifests.validate.policy import Document, object_rule


@cache
def _validator(chart: str) -> CompiledSchema | None:
    source = resources.files("clipper_manifests").joinpath("schemas", "values", f"{chart}.json")
    if not source.is_file():
        return None
    schema = json.loads(source.read_text(encoding="utf-8"))

    def explain() -> Any:
        from jsonschema import Draft202012Validator

        return Draft202012Validator(schema)

    return compile_schema(schema, explain)


@object_rule(
    "helm-values",
    "HelmRelease values match the keys the chart understands.",
    "fix the key in the template, or extend schemas/values/<chart>.json when the chart gained it",
)
def _values(document: Document) -> Iterator[tuple[tuple[Any, ...], str]]:
    if document.get("kind") != "HelmRelease":
        return
    chart = str(document.get("spec", {}).get("chart", {}).get("spec", {}).get("chart", ""))
    validator = _validator(chart)
    if validator is None:
        return
    for error in validator.errors(document["spec"].get("values") or {}):
        yield ("spec", "values", *error.absolute_path), f"chart {chart}: {error.message}"


@object_rule(
    "helm-values-schema",
    "Every chart the tool deploys has a values schema, so its values are checked.",
    "add schemas/values/<chart>.json with the keys the template sets",
    severity=Severity.WARNING,
)
def _values_schema(document: Document) -> Iterator[tuple[tuple[Any, ...], str]]:
    if document.get("kind") == "HelmRelease":
        chart = str(document.get("spec", {}).get("chart", {}).get("spec", {}).get("chart", ""))
        if _validator(chart) is None:
            yield ("spec", "chart", "spec", "chart"), f"no values schema for chart {chart}: its values are not checked"


@object_rule(
    "helm-crd-policy",
    "Every HelmRelease states how its chart's CRDs are installed and upgraded (Flux's default never upgrades them).",
    "set spec.install.crds and spec.upgrade.crds (CreateReplace for charts with CRDs, Skip otherwise)",
)
def _crd_policy(document: Document) -> Iterator[tuple[tuple[Any, ...], str]]:
    if document.get("kind") != "HelmRelease":
        return
    for phase in ("install", "upgrade"):
        if not (document.get("spec", {}).get(phase) or {}).get("crds"):
            yield ("spec", phase), f"spec.{phase}.crds is not set"
