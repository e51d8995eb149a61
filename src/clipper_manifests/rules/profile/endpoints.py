"""Profile rule: a managed endpoint resolves inside the CIDRs its NetworkPolicy allows.

The API's egress to a managed data service is opened for `network.endpoints.<service>.cidrs`
only (the VPC's private ranges). An endpoint that resolves to a public address is then
blocked: reads, search and the DR jobs fail although every object is valid. The address a
hostname resolves to cannot be known offline, but the providers' naming tells private from
public where it differs:

- DigitalOcean managed databases (`*.db.ondigitalocean.com`, PostgreSQL, its read-only nodes
  and OpenSearch alike): the VPC address is the hostname prefixed with `private-`; the name
  without it resolves to the public address.
- Amazon OpenSearch Service: a domain inside a VPC has a `vpc-` endpoint; `search-` endpoints
  are public domains.
- A literal IP address (Cloud SQL private IP, Memorystore) must lie inside the CIDRs itself.

RDS/Aurora and ElastiCache names resolve to the VPC address from inside the VPC, so they are
not judged.
"""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Network, ip_address
from urllib.parse import urlsplit

from clipper_manifests.problems import Severity
from clipper_manifests.profile.model import Profile
from clipper_manifests.rules.profile.run import Finding
from clipper_manifests.rules.registry import (
    ERROR,
    profile_rule,
)

DIGITALOCEAN_DATABASES = ".db.ondigitalocean.com"
AWS_OPENSEARCH = ".es.amazonaws.com"


def endpoints(profile: Profile) -> Iterator[tuple[str, tuple[str | int, ...], str]]:
    """(service, profile key path, host) of every managed endpoint the API connects to."""
    postgres, redis, search = profile.postgres, profile.redis, profile.opensearch
    if postgres.mode == "managed" and postgres.managed is not None:
        if postgres.managed.endpoint:
            yield "postgres", ("postgres", "managed", "endpoint"), postgres.managed.endpoint
        for index, host in enumerate(postgres.managed.read_endpoints):
            yield "postgres", ("postgres", "managed", "readEndpoints", index), host
    if redis.mode == "managed" and redis.managed is not None and redis.managed.endpoint:
        yield "redis", ("redis", "managed", "endpoint"), redis.managed.endpoint
    if search.mode == "managed" and search.managed is not None and search.managed.url:
        yield "opensearch", ("opensearch", "managed", "url"), urlsplit(search.managed.url).hostname or ""


def public_by_naming(host: str) -> str | None:
    """Why the provider's naming makes `host` a public endpoint, with its private name (None
    when it is private or the naming does not tell)."""
    first, _, rest = host.partition(".")
    if host.endswith(DIGITALOCEAN_DATABASES) and not first.startswith("private-"):
        return f"DigitalOcean's public hostname; the VPC address is private-{host}"
    if host.endswith(AWS_OPENSEARCH) and first.startswith("search-"):
        return f"a public Amazon OpenSearch Service domain; a domain in the VPC has a vpc-… endpoint (vpc-{first[7:]}.{rest})"
    return None


def _covers_public(cidrs: tuple[str, ...]) -> bool:
    """Whether the allowed ranges reach public addresses at all (an internet-hosted service)."""
    return any(not IPv4Network(cidr).is_private for cidr in cidrs)


@profile_rule("managed-endpoint-private", ERROR, "network.endpoints")
def _endpoint_private(profile: Profile) -> Iterator[Finding]:
    """A managed endpoint resolves inside the CIDRs the NetworkPolicies allow for it: its private (VPC) name by the provider's naming, or an
    address inside network.endpoints.<service>.cidrs.

    Fix: use the provider's private endpoint (DigitalOcean: private-<host>; Amazon OpenSearch Service: a VPC domain, vpc-<host>), or
    correct network.endpoints.<service>.cidrs"""
    for service, where, host in endpoints(profile):
        allowed = profile.network.endpoints.get(service)
        if allowed is None or not host:
            continue  # network-endpoint-missing reports a service without CIDRs
        cidrs = ", ".join(allowed.cidrs)
        try:
            address = ip_address(host)
        except ValueError:
            why = public_by_naming(host)
            if why and not _covers_public(allowed.cidrs):
                yield where, f"{host} resolves outside network.endpoints.{service}.cidrs ({cidrs}): it is {why}", Severity.ERROR
            continue
        if not isinstance(address, IPv4Address) or not any(address in IPv4Network(cidr) for cidr in allowed.cidrs):
            yield where, f"{host} is outside network.endpoints.{service}.cidrs ({cidrs})", Severity.ERROR
