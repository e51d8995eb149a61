"""Pointing a problem found in a built object at the output file:line that holds the value, and
at the template line and profile key it came from (provenance.py)."""

from __future__ import annotations

import dataclasses
from typing import Any

from clipper_manifests.errors import Location
from clipper_manifests.pipeline.provenance import find_source
from clipper_manifests.problems import Problem
from clipper_manifests.profile.merge import MergedProfile
from clipper_manifests.project import Project
from clipper_manifests.render import layout
from clipper_manifests.render.engine import Rendered
from clipper_manifests.render.layout import Layer
from clipper_manifests.yaml.read import load_marked, location_of


def locate(
    project: Project, merged: MergedProfile | None, problem: Problem, document: dict[str, Any], layers: list[Layer], profile: str
) -> Problem:
    """Point a problem at the output file (and line) that holds the offending value."""
    key_path = tuple(parse_path(problem.path))
    where, rendered = output_location(project, layers, document, key_path)
    label = f"{document['kind']}/{document['metadata']['name']}: {problem.message}"
    located = Problem(label, problem.rule, problem.severity, problem.path, where, profile, problem.hint)
    if rendered is None:
        return located
    source = find_source(project.templates, rendered.template, rendered.document, key_path, merged)
    return dataclasses.replace(located, template=source.template, profile_key=source.profile_key, profile_location=source.profile_location)


def parse_path(path: str) -> list[Any]:
    parts: list[Any] = []
    for chunk in path.replace("[", ".[").split("."):
        if not chunk or chunk.startswith("("):
            continue
        parts.append(int(chunk[1:-1]) if chunk.startswith("[") else chunk)
    return parts


def output_location(
    project: Project, layers: list[Layer], document: dict[str, Any], key_path: tuple[Any, ...]
) -> tuple[Location, Rendered | None]:
    """The output file:line holding `key_path`, and the rendered template object written there."""
    # The last patch that sets the path wins in Kustomize, so look there first, then the resource.
    candidates: list[tuple[str, Rendered]] = []
    for layer in layers:
        for item in layer.resources:
            if same_object(item.document, document):
                candidates.append((f"{layer.directory}/{layout.file_stem(item.document)}.yaml", item))
    for layer in layers:
        for item in layer.patches:
            if same_object(item.document, document):
                candidates.append((f"{layer.directory}/patches/{layout.file_stem(item.document)}.yaml", item))
    for relative, item in reversed(candidates):
        text = "\n" + item.yaml()  # the header takes line 1
        _, marks = load_marked(text)
        if key_path in marks or relative == candidates[0][0]:
            return location_of(project.out / relative, marks, key_path), item
    return Location(project.out), None


def same_object(candidate: dict[str, Any], document: dict[str, Any]) -> bool:
    return bool(candidate["kind"] == document["kind"] and candidate["metadata"]["name"] == document["metadata"]["name"])
