"""The data tier of a profile: where PostgreSQL, Redis and OpenSearch run, and what follows.

Templates and rules ask this module, never the raw profile, how a data service is reached:

- the API's DB_*, DB_READ_HOSTS, REDIS_* and OPENSEARCH_URL settings;
- stable in-cluster names for managed PostgreSQL endpoints. They are the names CloudNativePG
  gives its own services (postgres-rw, postgres-ro), so the API reads the same host names in
  both modes and an endpoint can move without touching the API;
- the CloudNativePG, Barman Cloud ObjectStore, RedisCluster and OpenSearch settings;
- the operators (Helm charts) the profile's in-cluster services need.

PostgreSQL's details are values/postgres.py, Redis' and OpenSearch's values/redis_opensearch.py;
this module joins them into the `data` value and the API's settings. The cron syntax the rules
check is rules/cron_syntax.py.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from clipper_manifests.profile.model import Profile
from clipper_manifests.values.postgres import (
    BARMAN_PLUGIN,
    EXTENSIONS,
    archive_server_name,
    archive_timeout,
    backup_identity_annotations,
    object_store_configuration,
    object_store_sidecar_env,
    postgres_port,
    postgres_read_hosts,
    postgres_services,
    postgres_ssl_mode,
    postgres_stable_names,
)
from clipper_manifests.values.redis_opensearch import (
    OPENSEARCH_UID,
    REDIS_UID,
    opensearch_app_role,
    opensearch_initial_managers,
    opensearch_java_opts,
    opensearch_url,
    redis_additional_config,
    redis_host,
    redis_port,
)


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

    @property
    def values(self) -> dict[str, Any]:
        """The chart's Helm values (data: the chart's own format), the caller's own copy."""
        return copy.deepcopy(_CHART_VALUES[self.chart])


# Helm values per chart, keys in the order the HelmRelease writes them.
_CHART_VALUES: dict[str, dict[str, Any]] = {
    "cert-manager": {"crds": {"enabled": True}},
    "cloudnative-pg": {"crds": {"create": True}},
    "plugin-barman-cloud": {},
    "redis-operator": {
        "redisOperator": {"imagePullPolicy": "IfNotPresent"},
        "podSecurityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
        },
    },
}


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
