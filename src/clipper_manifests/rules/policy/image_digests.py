"""Policy rule: every image a pod runs is pinned by digest (a tag can be moved to other bytes).

Covers the pods the tree shows and those an operator creates from a custom resource in it (the
RedisCluster's Redis and exporter, CloudNativePG's operand). Images the profile chooses
(`images.*`) are judged once, at the profile's line, by the profile rule image-digest. Images
inside HelmReleases are the charts' own, fixed by the chart version pinned in
templates/platform.yaml (docs/security-posture.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clipper_manifests.problems import Severity
from clipper_manifests.rules.policy.objects import Document, Finding, Objects, containers, pod_spec
from clipper_manifests.rules.registry import (
    PRODUCTION_ERROR,
    tree_rule,
)

Path = tuple[Any, ...]


def workload_images(document: Document) -> Iterator[tuple[Path, str, str]]:
    """(key path, container, image) of every image the object's pods run."""
    found = pod_spec(document)
    if found is not None:
        base, spec = found
        for where, container in containers(spec):
            yield (*base, *where, "image"), str(container.get("name", "?")), str(container.get("image", ""))
        return
    api_version, spec = str(document.get("apiVersion", "")), document.get("spec") or {}
    if document.get("kind") == "RedisCluster" and api_version.startswith("redis.redis.opstreelabs.in/"):
        yield ("spec", "kubernetesConfig", "image"), "redis", str((spec.get("kubernetesConfig") or {}).get("image", ""))
        exporter = spec.get("redisExporter") or {}
        if exporter.get("enabled"):
            yield ("spec", "redisExporter", "image"), "redis-exporter", str(exporter.get("image", ""))
    elif document.get("kind") == "Cluster" and api_version.startswith("postgresql.cnpg.io/") and spec.get("imageName"):
        yield ("spec", "imageName"), "postgres", str(spec["imageName"])


@tree_rule("container-image-digest", PRODUCTION_ERROR, "images")
def _digests(objects: Objects) -> Iterator[Finding]:
    """Every image a pod runs (operators' pods included) is pinned by digest, `tag@sha256:…`: a tag can be moved to other bytes, a digest
    cannot. An error in production, a warning elsewhere; images the profile sets are judged by the profile rule image-digest.

    Fix: append the image's digest to its reference in templates/platform.yaml and record where it was found in
    templates/IMAGE-DIGESTS.md"""
    severity = Severity.ERROR if objects.production else Severity.WARNING
    for document in objects.documents:
        for path, container, image in workload_images(document):
            if "@sha256:" in image or not image or image in objects.profile_images:
                continue
            yield document, path, f"container {container}: {image} has no digest", severity
