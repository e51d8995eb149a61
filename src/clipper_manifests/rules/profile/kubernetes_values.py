"""Profile values that reach Kubernetes fields, held to the API server's checks where the
profile schema's patterns cannot say it (an address is not a host name; 999 is no octet)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from clipper_manifests.problems import Severity
from clipper_manifests.profile.model import Profile
from clipper_manifests.rules.profile.run import Finding
from clipper_manifests.rules.registry import (
    ERROR,
    profile_rule,
)
from clipper_manifests.values.postgres import is_ip_address

_DOTTED = re.compile(r"[0-9]+(\.[0-9]+){3}")


def _endpoints(profile: Profile) -> Iterator[tuple[tuple[object, ...], str]]:
    postgres, redis = profile.postgres.managed, profile.redis.managed
    if profile.postgres.mode == "managed" and postgres is not None:
        if postgres.endpoint:
            yield ("postgres", "managed", "endpoint"), postgres.endpoint
        for index, host in enumerate(postgres.read_endpoints):
            yield ("postgres", "managed", "readEndpoints", index), host
    if profile.redis.mode == "managed" and redis is not None and redis.endpoint:
        yield ("redis", "managed", "endpoint"), redis.endpoint


@profile_rule("kubernetes-value", ERROR, "domain")
def _kubernetes_values(profile: Profile) -> Iterator[Finding]:
    """Profile values that land in Kubernetes fields pass the API server's own checks: an Ingress host is a DNS name, never an IP address;
    an endpoint written as four numbers is a valid IPv4 address.

    Fix: use a DNS name for domain, and valid IPv4 addresses (or host names) for managed endpoints"""
    if _DOTTED.fullmatch(profile.domain):
        yield ("domain",), f"{profile.domain} is an IP address, but it becomes the Ingress host, which must be a DNS name", Severity.ERROR
    for path, host in _endpoints(profile):
        if _DOTTED.fullmatch(host) and not is_ip_address(host):
            yield path, f"{host} is written as an IPv4 address, but is not one (each number is 0-255, no leading zeros)", Severity.ERROR
