"""How Redis and OpenSearch are reached and configured: hosts, ports, memory, heap, roles."""

from __future__ import annotations

import re
from typing import Any

from clipper_manifests.profile.model import Profile
from clipper_manifests.profile.model_workloads import Resources

# The API's Redis client has no TLS option.
MANAGED_REDIS_TLS_ONLY = {"digitalocean": "DigitalOcean Managed Valkey accepts only TLS connections"}


HEAP_CAP_MIB = 31 * 1024  # above ~31 GiB the JVM loses compressed object pointers


OPENSEARCH_UID = 1000  # the opensearchproject/opensearch image's user


REDIS_UID = 1000  # the quay.io/opstree/redis image's user


def redis_host(profile: Profile, platform: dict[str, Any]) -> str:
    """The OT redis-operator names the leaders' Service <cluster>-leader."""
    managed = profile.redis.managed
    if profile.redis.mode == "managed" and managed is not None and managed.endpoint:
        return managed.endpoint
    return f"{platform['dataServices']['redis']['name']}-leader"


def managed_redis_port_ranges(profile: Profile, platform: dict[str, Any]) -> list[tuple[int, int]]:
    """Port ranges (first, last) a managed Redis Cluster's nodes listen on besides its endpoint's
    port: a cluster-aware client is redirected (MOVED/ASK) to them, so blocking them leaves it
    connected to the endpoint only and every redirected command fails. A standalone instance
    has no redirects."""
    managed = profile.redis.managed
    if profile.redis.mode != "managed" or managed is None or managed.kind != "cluster":
        return []
    ranges = platform["network"].get("managedRedisClusterPortRanges", {}).get(profile.provider, [])
    return [(int(first), int(last)) for first, last in ranges]


def redis_port(profile: Profile, platform: dict[str, Any]) -> int:
    managed = profile.redis.managed
    if profile.redis.mode == "managed" and managed is not None:
        return managed.port
    return int(platform["dataServices"]["redis"]["ports"][0])


# Redis's own memory, as a share of the container's limit. The rest is what Redis uses beside
# its dataset and what `maxmemory` does not count: replication and client output buffers, the
# copy-on-write pages of the fork that writes an RDB snapshot or rewrites the AOF, and
# allocator fragmentation. Without a bound Redis grows until the kernel kills it at the limit.
REDIS_MAXMEMORY_SHARE = 0.65


# Only keys with a TTL (the API's cache entries) are evicted; keys without one (queues, locks,
# rate-limit windows) are never dropped silently: when no volatile key is left, writes fail
# with an OOM error the API reports, instead of losing a queued job.
REDIS_EVICTION_POLICY = "volatile-lru"


def redis_maxmemory_mib(resources: Resources) -> int:
    return int(mebibytes(resources.limits.memory) * REDIS_MAXMEMORY_SHARE)


def redis_additional_config(profile: Profile) -> str:
    """The redis.conf lines the operator's image includes from the `additionalRedisConfig` ConfigMap."""
    in_cluster = profile.redis.in_cluster
    assert in_cluster is not None and in_cluster.resources is not None, "the schema requires inCluster.resources"
    return f"maxmemory {redis_maxmemory_mib(in_cluster.resources)}mb\nmaxmemory-policy {REDIS_EVICTION_POLICY}\n"


def opensearch_url(profile: Profile, platform: dict[str, Any]) -> str:
    search = profile.opensearch
    endpoint = {"managed": search.managed, "external": search.external}.get(search.mode)
    if endpoint is not None and endpoint.url:
        return endpoint.url.rstrip("/")
    facts = platform["dataServices"]["opensearch"]
    # In the cluster HTTP is plain: the API's client would not trust a private CA. The
    # NetworkPolicies keep the port to the API and the nodes.
    return f"http://{facts['name']}:{facts['ports'][0]}"


def mebibytes(quantity: str) -> int:
    number, unit = re.fullmatch(r"([0-9]+)(Ki|Mi|Gi|Ti)", quantity).groups()  # type: ignore[union-attr]
    factor = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024, "Ti": 1024 * 1024}[unit]
    return int(int(number) * factor)


def opensearch_heap_mib(resources: Resources) -> int:
    """Half the memory limit (the rest is off-heap and file cache), at most 31 GiB."""
    return min(mebibytes(resources.limits.memory) // 2, HEAP_CAP_MIB)


def opensearch_java_opts(profile: Profile) -> str:
    in_cluster = profile.opensearch.in_cluster
    assert in_cluster is not None and in_cluster.resources is not None, "the schema requires inCluster.resources"
    heap = opensearch_heap_mib(in_cluster.resources)
    return f"-Xms{heap}m -Xmx{heap}m"


def opensearch_initial_managers(profile: Profile, platform: dict[str, Any]) -> list[str]:
    """The StatefulSet's pod names: the nodes that may elect the first cluster manager."""
    nodes = profile.opensearch.in_cluster.nodes if profile.opensearch.in_cluster else 0
    name = platform["dataServices"]["opensearch"]["name"]
    return [f"{name}-{index}" for index in range(nodes)]


def opensearch_app_role(platform: dict[str, Any]) -> dict[str, Any]:
    """The body of `PUT _plugins/_security/api/roles/<appRole.name>`: the API's own indices and
    nothing else. The index patterns are the search aliases (dr.searchIndices) with a `*`, which
    also covers the versioned indices a rebuild creates behind them."""
    role = platform["dataServices"]["opensearch"]["appRole"]
    patterns = [f"{alias}*" for alias in platform["dr"]["searchIndices"]]
    return {
        "cluster_permissions": list(role["clusterPermissions"]),
        "index_permissions": [{"index_patterns": patterns, "allowed_actions": list(role["indexActions"])}],
    }
