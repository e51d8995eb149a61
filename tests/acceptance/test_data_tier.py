"""The data tier of the shipped profiles: every mode of every service is shipped, and what the
tool emits for it passes the upstream CRD schemas strictly (and the tool's own, which are
strict too: a misspelt field fails with either)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from clipper_manifests.project import find_project
from clipper_manifests.rules.object_schemas.crds import check_custom_resource
from clipper_manifests.rules.object_schemas.kubernetes import check_builtin
from tests.conftest import REPO
from tests.helpers import shipped_build

PROFILES = find_project(REPO, None).profile_names()
DATA_KINDS = {"Cluster", "ObjectStore", "ScheduledBackup", "RedisCluster", "Certificate", "Issuer"}


@pytest.fixture(scope="module")
def built() -> dict[str, dict[str, list[dict[str, Any]]]]:
    build = shipped_build()
    errors = [(p.profile, p.rule, p.message) for p in build.problems if p.is_error]
    assert errors == []
    return {name: item.objects().built() for name, item in build.profiles.items()}


def objects(built: dict[str, dict[str, list[dict[str, Any]]]], profile: str) -> list[dict[str, Any]]:
    return [document for documents in built[profile].values() for document in documents]


def find(built: dict[str, dict[str, list[dict[str, Any]]]], profile: str, kind: str, name: str) -> dict[str, Any]:
    return next(d for d in objects(built, profile) if d["kind"] == kind and d["metadata"]["name"] == name)


def test_every_mode_of_every_service_is_shipped(built: dict[str, dict[str, list[dict[str, Any]]]]) -> None:
    from tests.unit.test_data_tier import shipped

    modes: dict[str, set[str]] = {"postgres": set(), "redis": set(), "opensearch": set()}
    for name in PROFILES:
        profile = shipped(name)
        for service, seen in modes.items():
            seen.add(getattr(profile, service).mode)
    assert modes == {
        "postgres": {"managed", "in-cluster"},
        "redis": {"managed", "in-cluster"},
        "opensearch": {"managed", "in-cluster", "external"},
    }


def test_data_tier_custom_resources_are_emitted_and_pass_upstream_schemas(built: dict[str, dict[str, list[dict[str, Any]]]]) -> None:
    emitted = [d for name in PROFILES for d in objects(built, name) if d["kind"] in DATA_KINDS]
    assert {d["kind"] for d in emitted} == DATA_KINDS
    for document in emitted:
        assert check_custom_resource(document, None) == [], document["kind"]


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("Cluster", "postgres"),
        ("ObjectStore", "postgres-backups"),
        ("ScheduledBackup", "postgres-daily"),
        ("RedisCluster", "redis"),
        ("Certificate", "opensearch-transport"),
        ("Issuer", "opensearch-ca"),
    ],
)
def test_a_misspelt_field_fails_the_upstream_schema(built: dict[str, dict[str, list[dict[str, Any]]]], kind: str, name: str) -> None:
    document = copy.deepcopy(find(built, "staging-aws", kind, name))
    document["spec"]["misspeltField"] = True
    problems = check_custom_resource(document, None)
    assert problems and {p.rule for p in problems} == {"crd-schema"}
    assert any("misspeltField" in p.message for p in problems)


def test_postgres_in_cluster(built: dict[str, dict[str, list[dict[str, Any]]]]) -> None:
    cluster = find(built, "staging-aws", "Cluster", "postgres")["spec"]
    assert cluster["enableSuperuserAccess"] is False
    assert cluster["storage"]["storageClass"] == "clipper-ssd"
    assert cluster["bootstrap"]["initdb"]["secret"] == {"name": "postgres-app"}
    assert cluster["plugins"] == [
        {"name": "barman-cloud.cloudnative-pg.io", "isWALArchiver": True, "parameters": {"barmanObjectName": "postgres-backups"}}
    ]
    assert [sql.split()[-1] for sql in cluster["bootstrap"]["initdb"]["postInitApplicationSQL"]] == [
        "pgcrypto;",
        "pg_trgm;",
        "vector;",
        "ltree;",
    ]
    assert find(built, "staging-aws", "ObjectStore", "postgres-backups")["spec"]["retentionPolicy"] == "7d"
    backup = find(built, "staging-aws", "ScheduledBackup", "postgres-daily")["spec"]
    assert backup["schedule"] == "0 0 3 * * *" and backup["method"] == "plugin"


def test_managed_postgres_gets_stable_names(built: dict[str, dict[str, list[dict[str, Any]]]]) -> None:
    rw = find(built, "prod-aws", "Service", "postgres-rw")["spec"]
    assert rw["type"] == "ExternalName" and rw["externalName"].endswith(".rds.amazonaws.com")
    assert find(built, "prod-gcp", "EndpointSlice", "postgres-rw")["endpoints"] == [{"addresses": ["10.20.0.3"]}]
    assert "selector" not in find(built, "prod-gcp", "Service", "postgres-rw")["spec"]
    assert not [d for d in objects(built, "prod-aws") if d["kind"] in DATA_KINDS]


def test_redis_in_cluster(built: dict[str, dict[str, list[dict[str, Any]]]]) -> None:
    spec = find(built, "prod-do", "RedisCluster", "redis")["spec"]
    assert spec["clusterSize"] == 3 and spec["persistenceEnabled"] is True
    assert spec["kubernetesConfig"]["redisSecret"] == {"name": "redis-auth", "key": "password"}
    assert spec["podSecurityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    for role in ("redisLeader", "redisFollower", "redisExporter"):
        assert spec[role]["securityContext"]["allowPrivilegeEscalation"] is False
        assert spec[role]["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    pdb = find(built, "prod-do", "PodDisruptionBudget", "redis")["spec"]
    assert pdb["selector"]["matchLabels"] == {"app.kubernetes.io/name": "redis"} and pdb["maxUnavailable"] == 1


@pytest.mark.parametrize("profile", ["prod-do", "staging-aws"])
def test_redis_is_bounded_below_its_memory_limit(built: dict[str, dict[str, list[dict[str, Any]]]], profile: str) -> None:
    """Without maxmemory Redis grows until the kernel OOM-kills it at the container's limit."""
    import re

    from clipper_manifests.values.redis_opensearch import mebibytes

    redis = find(built, profile, "RedisCluster", "redis")
    limit = mebibytes(redis["spec"]["kubernetesConfig"]["resources"]["limits"]["memory"])
    for role in ("redisLeader", "redisFollower"):
        config = find(built, profile, "ConfigMap", redis["spec"][role]["redisConfig"]["additionalRedisConfig"])
        lines = dict(line.split(" ", 1) for line in config["data"]["redis-additional.conf"].splitlines())
        maxmemory = re.fullmatch(r"([0-9]+)mb", lines["maxmemory"])
        assert maxmemory, lines
        assert 0.6 * limit <= int(maxmemory.group(1)) <= 0.7 * limit
        # Cache entries (with a TTL) go first; queued jobs (no TTL) are never evicted.
        assert lines["maxmemory-policy"] == "volatile-lru"


def test_opensearch_in_cluster(built: dict[str, dict[str, list[dict[str, Any]]]]) -> None:
    sts = find(built, "prod-gcp", "StatefulSet", "opensearch")
    pod = sts["spec"]["template"]["spec"]
    assert sts["spec"]["replicas"] == 3
    assert pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    containers = pod["initContainers"] + pod["containers"]
    assert all(not c["securityContext"].get("privileged") and c["securityContext"]["readOnlyRootFilesystem"] for c in containers)
    by_name = {c["name"]: c for c in pod["containers"]}
    assert by_name["opensearch"]["image"].startswith("opensearchproject/opensearch:2.11.1@sha256:")  # the profile's version, pinned
    env = {e["name"]: e for e in by_name["opensearch"]["env"]}
    assert env["OPENSEARCH_JAVA_OPTS"]["value"] == "-Xms4096m -Xmx4096m"  # half of the 8Gi limit
    assert env["DISABLE_INSTALL_DEMO_CONFIG"]["value"] == "true"
    secrets = {e["valueFrom"]["secretKeyRef"]["name"] for e in containers[0]["env"] if "valueFrom" in e}
    assert secrets == {"opensearch-admin"}
    exporter = by_name["metrics"]
    assert exporter["ports"] == [{"name": "metrics", "containerPort": 9114, "protocol": "TCP"}]
    assert {e["valueFrom"]["secretKeyRef"]["name"] for e in exporter["env"]} == {"opensearch-admin"}
    settings = find(built, "prod-gcp", "ConfigMap", "opensearch-config")["data"]["opensearch.yml"]
    assert "node.store.allow_mmap: false" in settings and "plugins.security.disabled: false" in settings
    assert find(built, "prod-gcp", "PodDisruptionBudget", "opensearch")["spec"]["maxUnavailable"] == 1
    assert check_builtin(sts, "1.33") == []


def test_operators_follow_the_modes(built: dict[str, dict[str, list[dict[str, Any]]]]) -> None:
    def releases(profile: str) -> set[str]:
        return {d["metadata"]["name"] for d in objects(built, profile) if d["kind"] == "HelmRelease"}

    operators = {"cert-manager", "cloudnative-pg", "plugin-barman-cloud", "redis-operator"}
    assert releases("prod-aws") & operators == set()
    assert releases("staging-aws") & operators == operators
    barman = find(built, "staging-aws", "HelmRelease", "plugin-barman-cloud")
    assert barman["metadata"]["namespace"] == "cnpg-system"
    assert {d["name"] for d in barman["spec"]["dependsOn"]} == {"cert-manager", "cloudnative-pg"}


def test_migrations_wait_for_an_in_cluster_database_only(built: dict[str, dict[str, list[dict[str, Any]]]]) -> None:
    def init_names(profile: str) -> list[str]:
        job = next(d for d in objects(built, profile) if d["kind"] == "Job")
        return [c["name"] for c in job["spec"]["template"]["spec"].get("initContainers", [])]

    assert init_names("staging-aws") == ["wait-for-postgres"]
    assert init_names("prod-aws") == []
