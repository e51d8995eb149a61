"""Profile rules on container resources: what the API server itself refuses."""

from __future__ import annotations

from collections.abc import Iterator

from clipper_manifests.problems import Severity
from clipper_manifests.profile.model import Profile
from clipper_manifests.profile.model_workloads import Resources
from clipper_manifests.rules.profile.run import Finding
from clipper_manifests.rules.quantities import cpu_millicores, memory_bytes
from clipper_manifests.rules.registry import (
    ERROR,
    profile_rule,
)


def _sections(profile: Profile) -> Iterator[tuple[tuple[str, ...], Resources]]:
    yield ("api", "resources"), profile.api.resources
    yield ("frontend", "resources"), profile.frontend.resources
    for service in ("postgres", "redis", "opensearch"):
        in_cluster = getattr(profile, service).in_cluster
        if in_cluster is not None and in_cluster.resources is not None:
            yield (service, "inCluster", "resources"), in_cluster.resources


@profile_rule(
    "resources-request-within-limit",
    ERROR,
    "api.resources",
    "frontend.resources",
    "postgres.inCluster.resources",
    "redis.inCluster.resources",
    "opensearch.inCluster.resources",
)
def _request_within_limit(profile: Profile) -> Iterator[Finding]:
    """A container's request may not exceed its limit: the API server refuses such a pod template.

    Fix: lower the request to the limit or below, or raise the limit"""
    for path, resources in _sections(profile):
        requests, limits = resources.requests, resources.limits
        if memory_bytes(requests.memory) > memory_bytes(limits.memory):
            yield (*path, "requests", "memory"), f"request {requests.memory} exceeds the limit {limits.memory}", Severity.ERROR
        if requests.cpu and limits.cpu and cpu_millicores(requests.cpu) > cpu_millicores(limits.cpu):
            yield (*path, "requests", "cpu"), f"request {requests.cpu} exceeds the limit {limits.cpu}", Severity.ERROR
