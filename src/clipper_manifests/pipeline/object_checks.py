"""Stage 7: every built object of a profile checked: schemas per object (located), the security
checks on the overlay, the policy rules and unused exceptions, then the Flux delivery check."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Protocol

from clipper_manifests.pipeline.results import ProfileBuild
from clipper_manifests.pipeline.shared_layers import SharedLayers
from clipper_manifests.problems import Problem, json_path
from clipper_manifests.render import kustomize, layout
from clipper_manifests.render.layout import Layer
from clipper_manifests.rules import delivery
from clipper_manifests.rules.object_schemas.crds import check_custom_resource
from clipper_manifests.rules.object_schemas.kubernetes import check_builtin
from clipper_manifests.rules.policy.objects import Objects, check_policy
from clipper_manifests.rules.registry import ids
from clipper_manifests.rules.security.wiring import check_security
from clipper_manifests.values import flux_stages


class Locate(Protocol):
    """Points a problem about `document` at the file (of `layers`) and line that hold it."""

    def __call__(self, problem: Problem, document: dict[str, Any], layers: list[Layer], profile: str) -> Problem: ...


def check_objects(layers: SharedLayers, item: ProfileBuild, locate: Locate) -> list[Problem]:
    assert item.profile is not None
    version, rendered = item.profile.kubernetes_version, item.objects()
    problems = []
    for directory, documents in rendered.built().items():
        where = sources(layers, item, directory)
        for document in documents:
            for problem in check_object(layers, document, version):
                problems.append(locate(problem, document, where, item.name))
        if directory == rendered.overlay.directory:
            problems += check_security(item.profile, layers.platform, documents, functools.partial(locate, layers=where, profile=item.name))
    return problems + _check_policy(layers, item, locate) + _check_delivery(layers, item, locate)


def _check_policy(layers: SharedLayers, item: ProfileBuild, locate: Locate) -> list[Problem]:
    """Policy rules see every object of the profile at once, whatever folder holds it."""
    assert item.profile is not None and item.merged is not None
    built = item.objects().built()
    where = {id(d): sources(layers, item, folder) for folder, documents in built.items() for d in documents}
    chosen = [getattr(item.profile.images, f.name) for f in dataclasses.fields(item.profile.images)]
    images = frozenset(image.reference for image in chosen if image is not None)
    everything = [d for documents in built.values() for d in documents]
    objects = Objects(everything, item.profile.kubernetes_version, item.profile.is_production, images)
    suppressions = item.suppressions
    assert suppressions is not None

    def located(problem: Problem, document: dict[str, Any]) -> Problem:
        return locate(problem, document, where[id(document)], item.name)

    problems = check_policy(objects, located, item.name, suppressions)
    return problems + suppressions.unused(item.merged, ids())


def _check_delivery(layers: SharedLayers, item: ProfileBuild, locate: Locate) -> list[Problem]:
    """Flux objects of the profile against the folders the tool generates for it."""
    assert item.profile is not None
    rendered = item.objects()
    built = rendered.built()
    objects = [(directory, document) for directory, documents in built.items() for document in documents]
    problems = []
    # What out/ holds, as the project configures it (a `render --format` run writes a part,
    # and leaves the rest as it was): Flux may only point at those folders.
    configured = layers.project.configured_outputs
    overlays = set() if "kustomize" in configured else {rendered.overlay.directory}
    charts = {layout.chart_dir(item.name)} if "helm" in configured else set()
    for document, path, rule, message in delivery.check_delivery(
        [d for _, d in objects],
        (set(built) - overlays) | charts,
        flux_stages.app_folder(item.profile),
        item.profile.flux.out_path,
        may_substitute=_holds_substitution(layers, item),
        bootstrap=(layers.platform["flux"]["namespace"], item.profile.flux.git_repository),
    ):
        directory = next(folder for folder, d in objects if d is document)
        problems.append(locate(Problem(message, rule, path=json_path(path)), document, sources(layers, item, directory), item.name))
    return problems


def _holds_substitution(layers: SharedLayers, item: ProfileBuild) -> bool:
    """Whether a file the profile's objects come from holds `${`: YAML writes the text of
    every value as it is, so a value with a Flux substitution shows in the files."""
    assert item.profile is not None
    if any(layers.holds_substitution(layer) for layer in (layers.base, layers.component(item.profile.provider))):
        return True
    assert item.texts is not None, "the profile's files are made before its objects are checked"
    return any("${" in text for text in item.texts.values())


def sources(layers: SharedLayers, item: ProfileBuild, directory: str) -> list[Layer]:
    """The layers whose files hold the objects that `directory` builds."""
    assert item.profile is not None
    rendered = item.objects()
    if directory == rendered.overlay.directory:
        return [layers.base, layers.component(item.profile.provider), rendered.overlay]
    return rendered.layers_of(directory)


def check_object(layers: SharedLayers, document: dict[str, Any], version: str) -> list[Problem]:
    # Compiled validators take microseconds per object: less than a cache key would cost.
    if kustomize.is_builtin(document):
        return check_builtin(document, version)
    return check_custom_resource(document, layers.project.crd_schemas, layers.project.allow_unknown_kinds)
