"""Flux objects against the generated folders: paths, dependsOn, the apps stage, sources, substitutions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from clipper_manifests.rules.registry import ERROR, declare
from clipper_manifests.values.flux_stages import KUSTOMIZATION_API, folder_of

SUBSTITUTION = re.compile(r"\$\{([^}:]+)(:=[^}]*)?\}")


Finding = tuple[dict[str, Any], tuple[Any, ...], str, str]  # object, key path, rule id, message


def check_delivery(
    objects: list[dict[str, Any]],
    folders: set[str],
    overlay: str,
    out_path: str,
    *,
    may_substitute: bool = True,
    bootstrap: tuple[str, str] = ("flux-system", "flux-system"),
) -> Iterator[Finding]:
    """Consistency of one cluster's Flux objects with the generated tree. `overlay` is the
    folder the apps stage applies (the overlay, or the HelmRelease's folder); `bootstrap` the
    namespace and name of the GitRepository `flux bootstrap` creates. `may_substitute=False`
    says no file of the cluster holds `${`, so the walk over every value is skipped."""
    kustomizations = [o for o in objects if o["apiVersion"] == KUSTOMIZATION_API and o["kind"] == "Kustomization"]
    names = {o["metadata"]["name"] for o in kustomizations}
    overlay_users = []
    for item in kustomizations:
        path = str(item["spec"].get("path", ""))
        folder = folder_of(path, out_path)
        if folder is None or folder not in folders:
            yield item, ("spec", "path"), "flux-path", f"path {path} is not a folder this tool generates for this cluster"
        if folder == overlay:
            overlay_users.append(item)
        for index, dependency in enumerate(item["spec"].get("dependsOn") or []):
            if dependency.get("name") not in names:
                yield (
                    item,
                    ("spec", "dependsOn", index, "name"),
                    "flux-depends-on",
                    f"depends on {dependency.get('name')!r}, which does not exist",
                )
    for item in overlay_users[1:]:
        yield item, ("spec", "path"), "flux-overlay", f"{overlay} is applied by more than one Kustomization"
    if not overlay_users and kustomizations:
        yield kustomizations[0], ("spec",), "flux-overlay", f"no Kustomization applies {overlay}"
    yield from _cycles(kustomizations)
    yield from _sources(objects, bootstrap)
    yield from _git_charts(objects, folders, out_path)
    if may_substitute:
        yield from _substitutions(objects, kustomizations)


def _cycles(kustomizations: list[dict[str, Any]]) -> Iterator[Finding]:
    edges = {o["metadata"]["name"]: [d.get("name") for d in o["spec"].get("dependsOn") or []] for o in kustomizations}
    for item in kustomizations:
        start, seen, frontier = item["metadata"]["name"], set(), list(edges[item["metadata"]["name"]])
        while frontier:
            name = frontier.pop()
            if name == start:
                yield item, ("spec", "dependsOn"), "flux-depends-on", f"{start} depends on itself through dependsOn"
                break
            if name in edges and name not in seen:
                seen.add(name)
                frontier.extend(edges[name])


def _sources(objects: list[dict[str, Any]], bootstrap: tuple[str, str]) -> Iterator[Finding]:
    sources = {
        (o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"])
        for o in objects
        if o["apiVersion"].startswith("source.toolkit.fluxcd.io/")
    } | {("GitRepository", *bootstrap)}
    for item in objects:
        if item["kind"] != "HelmRelease":
            continue
        ref = item["spec"].get("chart", {}).get("spec", {}).get("sourceRef", {})
        key = (ref.get("kind"), ref.get("namespace", item["metadata"].get("namespace", "")), ref.get("name"))
        if key not in sources:
            yield (
                item,
                ("spec", "chart", "spec", "sourceRef"),
                "flux-source",
                f"source {key[0]} {key[1]}/{key[2]} is not emitted for this cluster",
            )


def _git_charts(objects: list[dict[str, Any]], folders: set[str], out_path: str) -> Iterator[Finding]:
    """A chart taken from the Git source must be a chart folder this tool writes."""
    for item in objects:
        spec = item["spec"].get("chart", {}).get("spec", {}) if item["kind"] == "HelmRelease" else {}
        if spec.get("sourceRef", {}).get("kind") == "GitRepository":
            folder = folder_of(str(spec.get("chart", "")), out_path)
            if folder is None or folder not in folders:
                message = f"chart {spec.get('chart')} is not a chart this tool writes (is helm in the outputs of clipper-manifests.yaml?)"
                yield item, ("spec", "chart", "spec", "chart"), "flux-path", message


def _substitutions(objects: list[dict[str, Any]], kustomizations: list[dict[str, Any]]) -> Iterator[Finding]:
    defined = {name for k in kustomizations for name in (k["spec"].get("postBuild", {}).get("substitute") or {})}
    for item in objects:
        for path, text in _strings(item, ()):
            for match in SUBSTITUTION.finditer(text):
                if match.group(1) not in defined and match.group(2) is None:
                    yield (
                        item,
                        path,
                        "flux-substitute",
                        f"${{{match.group(1)}}} is not defined by any postBuild.substitute; Flux would make it empty",
                    )


def _strings(node: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every text in `node` that might hold a substitution (`${`), with its key path."""
    found: list[tuple[tuple[Any, ...], str]] = []
    _collect_substitutable(node, list(path), found)
    return iter(found)


def _collect_substitutable(node: Any, path: list[Any], found: list[tuple[tuple[Any, ...], str]]) -> None:
    # Called for every value of every object: one list for the path, a tuple only per hit.
    if isinstance(node, str):
        if "${" in node:
            found.append((tuple(path), node))
        return
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        if isinstance(value, str):
            if "${" in value:
                found.append(((*path, key), value))
        elif isinstance(value, (dict, list)):
            path.append(key)
            _collect_substitutable(value, path, found)
            path.pop()


declare(
    (
        "flux-path",
        ERROR,
        "Every Flux Kustomization path, and every chart a HelmRelease takes from the Git source, is a folder this tool "
        "generates for the cluster and keeps in out/ (`outputs` in clipper-manifests.yaml).",
        "point the path at a folder of this profile under flux.outPath, or add the output to clipper-manifests.yaml's outputs",
        ("flux.outPath", "flux.delivery"),
    ),
    (
        "flux-depends-on",
        ERROR,
        "Every dependsOn names a Kustomization of the cluster, and the chain has no cycle.",
        "fix the name, or break the cycle",
        (),
    ),
    (
        "flux-overlay",
        ERROR,
        "Exactly one Kustomization applies the apps folder (the overlay, or the HelmRelease folder with flux.delivery: helm).",
        "keep one Kustomization whose path is the apps folder",
        ("flux.delivery",),
    ),
    (
        "flux-source",
        ERROR,
        "Every HelmRelease's sourceRef is a source emitted for the cluster, or the GitRepository `flux bootstrap` creates.",
        "emit the HelmRepository, or fix spec.chart.spec.sourceRef",
        ("flux.gitRepository",),
    ),
    (
        "flux-substitute",
        ERROR,
        "Every `${VAR}` in the cluster's objects is defined by a postBuild.substitute or has a default; Flux would make it empty.",
        "add it to postBuild.substitute, or give it a default (`${VAR:=value}`)",
        (),
    ),
    scope="delivery",
    stage="objects",
    emitted_by="rules.delivery:check_delivery",
)
