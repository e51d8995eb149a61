"""The data tier of a profile: where PostgreSQL, Redis and OpenSearch run, and what follows.

Templates and rules ask this module, never the raw profile, how a data service is reached:

- the API's DB_*, DB_READ_HOSTS, REDIS_* and OPENSEARCH_URL settings;
- stable in-cluster names for managed PostgreSQL endpoints. They are the names CloudNativePG
  gives its own services (postgres-rw, postgres-ro), so the API reads the same host names in
  both modes and an endpoint can move without touching the API;
- the CloudNativePG, Barman Cloud ObjectStore, RedisCluster and OpenSearch settings;
- the operators (Helm charts) the profile's in-cluster services need.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from typing import Any

from clipper_manifests.profile.model import Profile
from clipper_manifests.profile.model_workloads import Resources

BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io"
# The migrations need them; postInitApplicationSQL creates them as the superuser, once, in the
# application database (pgvector is not a trusted extension, so the owner could not).
EXTENSIONS = ("pgcrypto", "pg_trgm", "vector", "ltree")
# The API's Redis client has no TLS option.
MANAGED_REDIS_TLS_ONLY = {"digitalocean": "DigitalOcean Managed Valkey accepts only TLS connections"}
HEAP_CAP_MIB = 31 * 1024  # above ~31 GiB the JVM loses compressed object pointers
OPENSEARCH_UID = 1000  # the opensearchproject/opensearch image's user
REDIS_UID = 1000  # the quay.io/opstree/redis image's user


def is_ip_address(text: str) -> bool:
    """Whether an endpoint is an IP address (else it is a host name)."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class StableName:
    """A Service in the application namespace that stands for a managed endpoint."""

    service: str
    target: str
    port: int

    @property
    def is_address(self) -> bool:
        """ExternalName needs a DNS name; an IP address gets a selector-less Service and an EndpointSlice."""
        return is_ip_address(self.target)


# --- PostgreSQL -------------------------------------------------------------------------------


def postgres_services(platform: dict[str, Any]) -> tuple[str, str]:
    name = platform["dataServices"]["postgres"]["name"]
    return f"{name}-rw", f"{name}-ro"


def postgres_stable_names(profile: Profile, platform: dict[str, Any]) -> list[StableName]:
    """postgres-rw for the primary; postgres-ro, postgres-ro-1, ... for the read endpoints."""
    managed = profile.postgres.managed
    if profile.postgres.mode != "managed" or managed is None or managed.endpoint is None:
        return []
    rw, ro = postgres_services(platform)
    names = [StableName(rw, managed.endpoint, managed.port)]
    for index, endpoint in enumerate(managed.read_endpoints):
        names.append(StableName(ro if index == 0 else f"{ro}-{index}", endpoint, managed.port))
    return names


def postgres_read_hosts(profile: Profile, platform: dict[str, Any]) -> list[str]:
    """Where read queries go. CloudNativePG's -ro service only has endpoints when there are
    replicas; with one instance, and with no managed read replica, reads go to the primary."""
    rw, ro = postgres_services(platform)
    if profile.postgres.mode == "in-cluster":
        instances = profile.postgres.in_cluster.instances if profile.postgres.in_cluster else 1
        return [ro] if instances > 1 else [rw]
    replicas = [name.service for name in postgres_stable_names(profile, platform)[1:]]
    return replicas or [rw]


def postgres_port(profile: Profile, platform: dict[str, Any]) -> int:
    managed = profile.postgres.managed
    if profile.postgres.mode == "managed" and managed is not None:
        return managed.port
    return int(platform["dataServices"]["postgres"]["ports"][0])


def postgres_ssl_mode(profile: Profile) -> str:
    """Managed databases: the profile's sslMode (require by default). CloudNativePG serves TLS
    with its own CA, which `require` accepts without verifying."""
    managed = profile.postgres.managed
    if profile.postgres.mode == "managed" and managed is not None:
        return managed.ssl_mode
    return "require"


def archive_timeout(profile: Profile) -> str:
    seconds = profile.postgres.in_cluster.archive_timeout_seconds if profile.postgres.in_cluster else 300
    return f"{seconds}s"


def backup_identity_annotations(profile: Profile) -> dict[str, str]:
    """Workload identity of the PostgreSQL pods (the Barman Cloud sidecar uses it for the bucket)."""
    in_cluster = profile.postgres.in_cluster
    if in_cluster is None:
        return {}
    identity = in_cluster.cloud_identity
    if profile.provider == "aws" and identity.aws_role_arn:
        return {"eks.amazonaws.com/role-arn": identity.aws_role_arn}
    if profile.provider == "gcp" and identity.gcp_service_account:
        return {"iam.gke.io/gcp-service-account": identity.gcp_service_account}
    return {}


def object_store_configuration(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    """ObjectStore.spec.configuration for the provider: IRSA on AWS, GKE Workload Identity on
    GCP, Spaces keys from a Secret on DigitalOcean (Spaces has no workload identity)."""
    in_cluster = profile.postgres.in_cluster
    assert in_cluster is not None and in_cluster.object_store is not None, "the schema requires inCluster.objectStore"
    store = in_cluster.object_store
    config: dict[str, Any] = {"destinationPath": store.destination_path}
    if store.endpoint_url:
        config["endpointURL"] = store.endpoint_url
    if store.destination_path.startswith("gs://"):
        config["googleCredentials"] = {"gkeEnvironment": True}
    elif profile.provider == "aws" and not store.endpoint_url:
        config["s3Credentials"] = {"inheritFromIAMRole": True}
    else:
        secret = platform["secrets"]["backupCredentials"]
        config["s3Credentials"] = {
            "accessKeyId": {"name": secret, "key": "ACCESS_KEY_ID"},
            "secretAccessKey": {"name": secret, "key": "ACCESS_SECRET_KEY"},
        }
    wal: dict[str, Any] = {"compression": "gzip", "maxParallel": 2}
    data: dict[str, Any] = {"compression": "gzip", "jobs": 2}
    if store.server_side_encryption and store.destination_path.startswith("s3://"):
        wal["encryption"] = data["encryption"] = store.server_side_encryption
    config["wal"], config["data"] = wal, data
    return config


def archive_server_name(profile: Profile, platform: dict[str, Any]) -> str:
    """Barman's server name: the folder under destinationPath the cluster archives to. The
    Cluster's name unless the profile names another (after a restore, see dr.py)."""
    in_cluster = profile.postgres.in_cluster
    store = in_cluster.object_store if in_cluster else None
    return (store.server_name if store else None) or str(platform["dataServices"]["postgres"]["name"])


def object_store_sidecar_env(profile: Profile) -> list[dict[str, str]]:
    """Recent AWS SDKs send checksums S3-compatible stores reject; the plugin's documented fix."""
    store = profile.postgres.in_cluster.object_store if profile.postgres.in_cluster else None
    if store is None or not store.endpoint_url:
        return []
    return [
        {"name": "AWS_REQUEST_CHECKSUM_CALCULATION", "value": "when_required"},
        {"name": "AWS_RESPONSE_CHECKSUM_VALIDATION", "value": "when_required"},
    ]


def achievable_rpo_minutes(profile: Profile) -> float | None:
    """The most data a restore can lose with this configuration, or None when unknown.

    In-cluster, a WAL segment is archived at the latest archive_timeout after a commit. A
    managed service's PITR restores up to its declared lag. Without PITR, the last daily
    backup is all there is: 24 hours.
    """
    backup = profile.postgres.backup
    if not backup.pitr:
        return 24 * 60.0
    if profile.postgres.mode == "in-cluster":
        seconds = profile.postgres.in_cluster.archive_timeout_seconds if profile.postgres.in_cluster else 300
        return seconds / 60
    if backup.pitr_granularity_minutes is None:
        return None
    return float(backup.pitr_granularity_minutes)


# --- Six-field cron (CloudNativePG ScheduledBackup: seconds first) ----------------------------

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_CRON_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("seconds", 0, 59, {}),
    ("minutes", 0, 59, {}),
    ("hours", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, {name: index + 1 for index, name in enumerate(_MONTHS)}),
    ("day of week", 0, 6, {name: index for index, name in enumerate(_WEEKDAYS)}),
)
_CRON_PART = re.compile(r"^(\*|\?|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/([0-9]+))?$")


def cron_problems(expression: str) -> list[str]:
    """Why a schedule is not a valid six-field cron expression (empty when it is)."""
    fields = expression.split()
    if expression.strip().startswith("@"):
        return [f"{expression!r} is a descriptor; write the six fields, e.g. '0 0 3 * * *' for 03:00 every day"]
    if len(fields) == 5:
        return [
            f"{expression!r} has 5 fields, but CloudNativePG schedules have 6 with seconds first "
            f"('0 {expression.strip()}' is the same time)"
        ]
    if len(fields) != 6:
        return [f"{expression!r} has {len(fields)} fields; CloudNativePG schedules have 6 (seconds minutes hours day month weekday)"]
    problems = []
    for text, (name, low, high, names) in zip(fields, _CRON_FIELDS, strict=True):
        for part in text.split(","):
            problem = _cron_part_problem(part, name, low, high, names)
            if problem:
                problems.append(problem)
    return problems


def _cron_part_problem(part: str, name: str, low: int, high: int, names: dict[str, int]) -> str | None:
    match = _CRON_PART.match(part)
    if not match:
        return f"{name}: {part!r} is not a value, range, list or step"
    if match.group(1) == "?" and name not in ("day of month", "day of week"):
        return f"{name}: '?' is only allowed for the day of month or the day of week"
    if match.group(4) is not None and int(match.group(4)) == 0:
        return f"{name}: a step of 0 never fires"
    if match.group(1) in ("*", "?"):
        return None
    bounds = match.group(1).split("-")
    for bound in bounds:
        value = names.get(bound.upper()) if not bound.isdigit() else int(bound)
        if value is None or not low <= value <= high:
            return f"{name}: {bound!r} is outside {low}-{high}"
    return None


def cron_fires_daily(expression: str) -> bool:
    """True when a valid six-field schedule fires on every day (day of month, month and
    weekday unrestricted)."""
    fields = expression.split()
    return len(fields) == 6 and all(field in ("*", "?") for field in fields[3:])


# --- Redis ------------------------------------------------------------------------------------


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


# --- OpenSearch -------------------------------------------------------------------------------


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


# --- Everything templates need ----------------------------------------------------------------


def api_environment(profile: Profile, platform: dict[str, Any]) -> dict[str, str]:
    """DB_*, REDIS_* and OPENSEARCH_URL for the API's ConfigMap (passwords come from its Secret).

    DB_READ_HOSTS is this tool's name for the read endpoints (platform.md has none): a
    comma-separated list of hosts with the same port, user, database and sslmode as DB_HOST.
    """
    rw, _ = postgres_services(platform)
    return {
        "DB_HOST": rw,
        "DB_READ_HOSTS": ",".join(postgres_read_hosts(profile, platform)),
        "DB_PORT": str(postgres_port(profile, platform)),
        "DB_USER": profile.postgres.user,
        "DB_NAME": profile.postgres.database,
        "DB_SSLMODE": postgres_ssl_mode(profile),
        "REDIS_HOST": redis_host(profile, platform),
        "REDIS_PORT": str(redis_port(profile, platform)),
        # Redis Cluster only has database 0.
        "REDIS_DB": "0",
        "OPENSEARCH_URL": opensearch_url(profile, platform),
    }


@dataclass(frozen=True)
class OperatorRelease:
    """A Helm chart (key of platform.charts) a profile's in-cluster services need."""

    chart: str
    namespace: str
    depends_on: tuple[tuple[str, str], ...] = ()  # (release, namespace)

    @property
    def depends_on_refs(self) -> list[dict[str, str]]:
        return [{"name": name, "namespace": namespace} for name, namespace in self.depends_on]


CERT_MANAGER = OperatorRelease("cert-manager", "cert-manager")
CLOUDNATIVE_PG = OperatorRelease("cloudnative-pg", "cnpg-system")
# The plugin must run in the operator's namespace, and its chart creates cert-manager Issuers.
BARMAN_CLOUD = OperatorRelease("plugin-barman-cloud", "cnpg-system", (("cert-manager", "cert-manager"), ("cloudnative-pg", "cnpg-system")))
REDIS_OPERATOR = OperatorRelease("redis-operator", "redis-operator")


def operator_releases(profile: Profile) -> list[OperatorRelease]:
    releases = []
    # cert-manager: the Barman Cloud plugin's TLS, and OpenSearch's transport certificates.
    if profile.postgres.mode == "in-cluster" or profile.opensearch.mode == "in-cluster":
        releases.append(CERT_MANAGER)
    if profile.postgres.mode == "in-cluster":
        releases += [CLOUDNATIVE_PG, BARMAN_CLOUD]
    if profile.redis.mode == "in-cluster":
        releases.append(REDIS_OPERATOR)
    return releases


def helm_repositories(releases: list[OperatorRelease], platform: dict[str, Any]) -> list[dict[str, str]]:
    """One HelmRepository per repository URL (CloudNativePG's charts share one)."""
    repositories: dict[str, str] = {}
    for release in releases:
        repositories.setdefault(platform["charts"][release.chart]["repository"], release.chart)
    return [{"name": name, "url": url} for url, name in repositories.items()]


def repository_of(release: OperatorRelease, releases: list[OperatorRelease], platform: dict[str, Any]) -> str:
    url = platform["charts"][release.chart]["repository"]
    return next(repo["name"] for repo in helm_repositories(releases, platform) if repo["url"] == url)


def context(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    """The `data` value templates see."""
    releases = operator_releases(profile)
    in_cluster_postgres = profile.postgres.mode == "in-cluster"
    return {
        "postgres": {
            "in_cluster": in_cluster_postgres,
            "managed": profile.postgres.mode == "managed",
            "stable_names": postgres_stable_names(profile, platform),
            "archive_timeout": archive_timeout(profile),
            "extensions_sql": [f"CREATE EXTENSION IF NOT EXISTS {name};" for name in EXTENSIONS],
            "service_account_annotations": backup_identity_annotations(profile),
            "object_store": object_store_configuration(profile, platform) if in_cluster_postgres else {},
            "sidecar_env": object_store_sidecar_env(profile),
            "retention": f"{profile.postgres.backup.retention_days}d",
            "server_name": archive_server_name(profile, platform),
            "plugin": BARMAN_PLUGIN,
            "port": postgres_port(profile, platform),
        },
        "redis": {
            "in_cluster": profile.redis.mode == "in-cluster",
            "uid": REDIS_UID,
            "config": redis_additional_config(profile) if profile.redis.mode == "in-cluster" else "",
        },
        "opensearch": {
            "in_cluster": profile.opensearch.mode == "in-cluster",
            "java_opts": opensearch_java_opts(profile) if profile.opensearch.mode == "in-cluster" else "",
            "initial_managers": opensearch_initial_managers(profile, platform),
            "uid": OPENSEARCH_UID,
            "app_role_json": json.dumps(opensearch_app_role(platform), indent=2) + "\n",
        },
        "releases": releases,
        "namespaces": sorted({release.namespace for release in releases}),
        "repositories": helm_repositories(releases, platform),
        "repository_of": lambda release: repository_of(release, releases, platform),
    }
