"""Profile rules of Redis and OpenSearch: topologies, managed offers, versions."""

from __future__ import annotations

from collections.abc import Iterator

from clipper_manifests.problems import Severity
from clipper_manifests.profile.model import Profile
from clipper_manifests.profile.model_data import OpenSearch, Redis
from clipper_manifests.rules.profile.run import Finding
from clipper_manifests.rules.registry import (
    ERROR,
    NOTE,
    WARNING,
    profile_rule,
)
from clipper_manifests.values import redis_opensearch

QUORUM = 3  # the fewest members whose majority survives losing one


def _below_quorum(service: Redis | OpenSearch, name: str, members: str, why: str) -> Iterator[Finding]:
    """Redis primaries and OpenSearch nodes alike: an in-cluster service runs at least QUORUM `members`
    (the inCluster field, spelt the same in the profile and the model)."""
    count: int | None = getattr(service.in_cluster, members) if service.mode == "in-cluster" and service.in_cluster else None
    if count is not None and count < QUORUM:
        yield (name, "inCluster", members), f"{count} {why}", Severity.ERROR


@profile_rule("redis-primaries", ERROR, "redis.inCluster", "redis.mode")
def _redis_primaries(profile: Profile) -> Iterator[Finding]:
    """Redis Cluster needs at least 3 primaries (each here gets a replica, so production runs 3 + 3).

    Fix: set redis.inCluster.primaries to 3 or more"""
    yield from _below_quorum(
        profile.redis, "redis", "primaries", "primaries: Redis Cluster cannot form with fewer than 3 (slots need a majority of primaries)"
    )


@profile_rule("redis-managed-engine", NOTE, "provider", "redis.mode")
def _redis_engine(profile: Profile) -> Iterator[Finding]:
    """Managed offers run Valkey or Redis OSS 7.x rather than Redis 8; both speak the protocol the API's client uses.

    Fix: nothing to do"""
    if profile.redis.mode == "managed":
        offer = {"aws": "ElastiCache", "gcp": "Memorystore", "digitalocean": "DigitalOcean Managed Valkey"}[profile.provider]
        yield ("redis", "mode"), f"{offer} runs Valkey or Redis OSS 7.x, not Redis 8: wire-compatible with the API's client", Severity.NOTE


@profile_rule("redis-managed-kind", ERROR, "redis.managed", "redis.mode")
def _redis_kind(profile: Profile) -> Iterator[Finding]:
    """A managed Redis runs in cluster mode: the API's client is cluster-aware (seed: Redis Cluster), and a standalone instance answers its
    CLUSTER commands with an error.

    Fix: create the cache with cluster mode enabled (ElastiCache cluster mode, Memorystore for Redis Cluster); set redis.managed.kind:
    cluster"""
    managed = profile.redis.managed
    if profile.redis.mode == "managed" and managed is not None and managed.kind != "cluster":
        yield (
            ("redis", "managed", "kind"),
            f"a {managed.kind} instance has no cluster mode, which the API's cluster-aware Redis client needs",
            Severity.ERROR,
        )


@profile_rule("redis-managed-tls", ERROR, "provider", "redis.managed", "redis.managed.tls", "redis.mode")
def _redis_tls(profile: Profile) -> Iterator[Finding]:
    """The API's Redis client has no TLS option, so it cannot use an endpoint that only accepts TLS.

    Fix: turn in-transit encryption off on the managed cache, or use redis.mode: in-cluster"""
    if profile.redis.mode != "managed" or profile.redis.managed is None:
        return
    if profile.redis.managed.tls:
        yield ("redis", "managed", "tls"), "the endpoint requires TLS, which the API's Redis client cannot speak", Severity.ERROR
    elif profile.provider in redis_opensearch.MANAGED_REDIS_TLS_ONLY:
        yield (
            ("redis", "mode"),
            f"{redis_opensearch.MANAGED_REDIS_TLS_ONLY[profile.provider]}, which the API's Redis client cannot speak",
            Severity.ERROR,
        )


@profile_rule("opensearch-version", ERROR, "opensearch.version")
def _opensearch_version(profile: Profile) -> Iterator[Finding]:
    """The API is built against OpenSearch 2.11 (seed: 2.11.1).

    Fix: set opensearch.version to 2.11.1 (or the provider's 2.11 engine)"""
    version = profile.opensearch.version
    if not version.startswith("2.11."):
        yield ("opensearch", "version"), f"{version} is not an OpenSearch 2.11.x release", Severity.ERROR


@profile_rule("opensearch-nodes", ERROR, "opensearch.inCluster", "opensearch.mode")
def _opensearch_nodes(profile: Profile) -> Iterator[Finding]:
    """In-cluster OpenSearch runs at least 3 cluster-manager + data nodes (seed), so a majority survives losing one.

    Fix: set opensearch.inCluster.nodes to 3 or more"""
    yield from _below_quorum(
        profile.opensearch,
        "opensearch",
        "nodes",
        "node(s): the cluster manager election needs a majority, so fewer than 3 nodes cannot lose one",
    )


@profile_rule("opensearch-managed-provider", ERROR, "opensearch.mode", "provider")
def _opensearch_managed_provider(profile: Profile) -> Iterator[Finding]:
    """Google Cloud has no managed OpenSearch.

    Fix: use opensearch.mode: in-cluster (3 nodes in the cluster) or external (a hosted OpenSearch-compatible URL, e.g. Aiven, with basic
    auth from External Secrets)"""
    if profile.opensearch.mode == "managed" and profile.provider == "gcp":
        yield ("opensearch", "mode"), "Google Cloud offers no managed OpenSearch service", Severity.ERROR


@profile_rule("opensearch-external-api", WARNING, "opensearch.mode")
def _opensearch_external(profile: Profile) -> Iterator[Finding]:
    """An external search endpoint must speak the OpenSearch API: the API's client is an OpenSearch client with basic auth.

    Fix: point opensearch.external.url at an OpenSearch 2.11-compatible service"""
    if profile.opensearch.mode == "external":
        yield (
            ("opensearch", "external", "url"),
            "the API's OpenSearch client needs an OpenSearch-compatible API with basic auth (Elasticsearch 8 / Elastic Cloud is not)",
            Severity.WARNING,
        )
