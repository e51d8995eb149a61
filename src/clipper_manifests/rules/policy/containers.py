"""Container rules: resources, pinned images, probes and the ports probes use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clipper_manifests.problems import Severity
from clipper_manifests.rules.policy.objects import Finding, Objects, containers, pod_spec
from clipper_manifests.rules.policy.workloads import LONG_RUNNING
from clipper_manifests.rules.registry import (
    ERROR,
    Severities,
    object_rule,
    tree_rule,
)

Path = tuple[Any, ...]
PROBES = ("startupProbe", "readinessProbe", "livenessProbe")


def _pod_containers(document: dict[str, Any], *, ephemeral: bool = False) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Each container of the document's pod spec, with its path from the document: init and app
    containers, and ephemeral ones only when asked (they take no resources or probes, but run an image)."""
    found = pod_spec(document)
    if found is None:
        return
    base, spec = found
    for where, container in containers(spec):
        if ephemeral or where[0] != "ephemeralContainers":
            yield (*base, *where), container


@object_rule("container-resources", ERROR, "api.resources", "frontend.resources")
def _resources(document: dict[str, Any]) -> Iterator[tuple[Path, str]]:
    """Every container requests CPU and memory and caps memory: the scheduler and the HPA need requests, and a memory limit keeps one leak
    from starving its node.

    Fix: set resources.requests.cpu, resources.requests.memory and resources.limits.memory"""
    for where, container in _pod_containers(document):
        resources = container.get("resources") or {}
        requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
        missing = [f"requests.{key}" for key in ("cpu", "memory") if key not in requests]
        missing += ["limits.memory"] if "memory" not in limits else []
        if missing:
            yield (*where, "resources"), f"container {container.get('name', '?')} sets no {', '.join(missing)}"


def image_problem(image: str) -> str | None:
    """Why `image` is not pinned (None when it is): no tag and no digest, or `latest`."""
    if "@" in image:
        return None  # a digest pins the image whatever the tag says
    last = image.rsplit("/", 1)[-1]  # a registry port (host:5000/app) is not a tag
    tag = last.split(":", 1)[1] if ":" in last else ""
    if not tag:
        return "has no tag and no digest"
    if tag == "latest":
        return "uses the `latest` tag"
    return None


@tree_rule("container-image-pinned", Severities.split((Severity.ERROR,), (Severity.ERROR, Severity.WARNING)), "images")
def _images(objects: Objects) -> Iterator[Finding]:
    """Every image a pod runs is pinned by a tag other than `latest` or by a digest, so a rollout runs what was reviewed (`latest` is a
    warning outside production). Images the profile sets are judged once, by the profile rule image-pinned.

    Fix: give the image a release tag or a digest"""
    for document in objects.documents:
        for where, container in _pod_containers(document, ephemeral=True):
            problem = image_problem(str(container.get("image", "")))
            if problem is None or container.get("image") in objects.profile_images:
                continue  # reported once, at the profile line, by the profile rule image-pinned
            severity = Severity.WARNING if "latest" in problem and not objects.production else Severity.ERROR
            yield (
                document,
                (*where, "image"),
                f"container {container.get('name', '?')}: {container.get('image')} {problem}",
                severity,
            )


@object_rule("container-probes", ERROR)
def _probes(document: dict[str, Any]) -> Iterator[tuple[Path, str]]:
    """Long-running containers have a readiness probe (no traffic before they are ready) and a liveness probe (restarted when they hang).

    Fix: add readinessProbe and livenessProbe (httpGet on a named container port)"""
    found = pod_spec(document) if document.get("kind") in LONG_RUNNING else None
    if found is None:
        return
    base, spec = found
    for index, container in enumerate(spec.get("containers") or []):
        missing = [probe for probe in ("readinessProbe", "livenessProbe") if probe not in container]
        if missing:
            yield (*base, "containers", index), f"container {container.get('name', '?')} has no {' and no '.join(missing)}"


@object_rule("probe-port-declared", ERROR)
def _probe_ports(document: dict[str, Any]) -> Iterator[tuple[Path, str]]:
    """A probe checks a port the container declares (by name or number); a typo makes the probe fail and the pod never become ready, or
    restart for ever.

    Fix: point the probe at a name or number listed in the container's ports"""
    for where, container in _pod_containers(document):
        ports = container.get("ports") or []
        names = {port.get("name") for port in ports if port.get("name")}
        numbers = {port.get("containerPort") for port in ports}
        for probe in PROBES:
            for handler in ("httpGet", "tcpSocket", "grpc"):
                port = ((container.get(probe) or {}).get(handler) or {}).get("port")
                if port is None or (isinstance(port, str) and port in names) or (isinstance(port, int) and port in numbers):
                    continue
                declared = ", ".join(sorted(map(str, names | numbers))) or "none"
                yield (
                    (*where, probe, handler, "port"),
                    f"container {container.get('name', '?')}: {probe} uses port {port!r}, which it does not declare (declared: {declared})",
                )
