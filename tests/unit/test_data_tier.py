"""The data tier: API wiring per mode, stable names for managed endpoints, backup settings per
provider, the six-field cron, the OpenSearch heap and the operators a profile needs."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from clipper_manifests.profile.convert import from_data
from clipper_manifests.profile.merge import load_merged
from clipper_manifests.profile.model import Profile
from clipper_manifests.project import find_project
from clipper_manifests.rules import cron_syntax
from clipper_manifests.values import data_tier, postgres, redis_opensearch
from clipper_manifests.values.platform import load_platform
from tests.conftest import REPO

PROJECT = find_project(REPO, None)
PLATFORM = load_platform(PROJECT.templates)


def shipped(name: str, **changes: Any) -> Profile:
    """A shipped profile, with `changes` deep-merged into its data ("postgres.backup.pitr": False)."""
    data = copy.deepcopy(load_merged(PROJECT, name).data)
    for dotted, value in changes.items():
        node = data
        *parents, last = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    return from_data(Profile, {**data, "name": name})


# --- API wiring ---------------------------------------------------------------------------------


def test_managed_postgres_is_reached_through_stable_names_and_read_replicas() -> None:
    env = data_tier.api_environment(shipped("prod-aws"), PLATFORM)
    assert env["DB_HOST"] == "postgres-rw"
    assert env["DB_READ_HOSTS"] == "postgres-ro"
    assert env["DB_SSLMODE"] == "require"
    assert env["REDIS_HOST"] == "clustercfg.clipper-prod.x1y2z3.use1.cache.amazonaws.com"
    assert env["OPENSEARCH_URL"] == "https://vpc-clipper-prod-a1b2c3d4e5f6.us-east-1.es.amazonaws.com"


def test_digitalocean_managed_postgres_keeps_its_port() -> None:
    assert data_tier.api_environment(shipped("prod-do"), PLATFORM)["DB_PORT"] == "25060"


def test_in_cluster_services_are_reached_by_their_service_names() -> None:
    env = data_tier.api_environment(shipped("staging-aws"), PLATFORM)
    assert env["DB_HOST"] == "postgres-rw"
    assert env["DB_PORT"] == "5432"
    assert env["REDIS_HOST"] == "redis-leader"
    assert env["REDIS_PORT"] == "6379"
    assert env["OPENSEARCH_URL"] == "http://opensearch:9200"


def test_reads_go_to_the_replicas_only_when_there_are_replicas() -> None:
    single = shipped("staging-aws", **{"postgres.inCluster.instances": 1})
    three = shipped("staging-aws", **{"postgres.inCluster.instances": 3})
    no_replica = shipped("prod-aws", **{"postgres.managed.readEndpoints": []})
    assert data_tier.api_environment(single, PLATFORM)["DB_READ_HOSTS"] == "postgres-rw"
    assert data_tier.api_environment(three, PLATFORM)["DB_READ_HOSTS"] == "postgres-ro"
    assert data_tier.api_environment(no_replica, PLATFORM)["DB_READ_HOSTS"] == "postgres-rw"


def test_several_read_replicas_get_one_stable_name_each() -> None:
    profile = shipped("prod-aws", **{"postgres.managed.readEndpoints": ["replica-a.example.com", "replica-b.example.com"]})
    names = postgres.postgres_stable_names(profile, PLATFORM)
    assert [(n.service, n.target) for n in names] == [
        ("postgres-rw", "clipper-prod.cluster-c1a2b3c4d5e6.us-east-1.rds.amazonaws.com"),
        ("postgres-ro", "replica-a.example.com"),
        ("postgres-ro-1", "replica-b.example.com"),
    ]
    assert data_tier.api_environment(profile, PLATFORM)["DB_READ_HOSTS"] == "postgres-ro,postgres-ro-1"


def test_an_ip_endpoint_cannot_be_an_external_name() -> None:
    gcp, aws = (
        postgres.postgres_stable_names(shipped("prod-gcp"), PLATFORM),
        postgres.postgres_stable_names(shipped("prod-aws"), PLATFORM),
    )
    assert [n.is_address for n in gcp] == [True, True]
    assert [n.is_address for n in aws] == [False, False]
    assert postgres.postgres_stable_names(shipped("staging-aws"), PLATFORM) == []


def test_external_opensearch_url_loses_its_trailing_slash() -> None:
    profile = shipped("staging-gcp", **{"opensearch.external.url": "https://search.example.com:9243/"})
    assert data_tier.api_environment(profile, PLATFORM)["OPENSEARCH_URL"] == "https://search.example.com:9243"


# --- Backups ------------------------------------------------------------------------------------


def test_object_store_uses_workload_identity_on_aws_and_gcp_and_keys_on_spaces() -> None:
    aws = postgres.object_store_configuration(shipped("staging-aws"), PLATFORM)
    gcp = postgres.object_store_configuration(shipped("staging-gcp"), PLATFORM)
    spaces = postgres.object_store_configuration(shipped("staging-do"), PLATFORM)
    assert aws["s3Credentials"] == {"inheritFromIAMRole": True}
    assert aws["wal"]["encryption"] == aws["data"]["encryption"] == "AES256"
    assert gcp["googleCredentials"] == {"gkeEnvironment": True}
    assert "encryption" not in gcp["wal"] and "s3Credentials" not in gcp
    assert spaces["endpointURL"] == "https://nyc3.digitaloceanspaces.com"
    assert spaces["s3Credentials"]["accessKeyId"] == {"name": PLATFORM["secrets"]["backupCredentials"], "key": "ACCESS_KEY_ID"}


def test_backup_identity_annotations_follow_the_provider() -> None:
    assert postgres.backup_identity_annotations(shipped("staging-aws")) == {
        "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/clipper-staging-aws-postgres-backup"
    }
    assert postgres.backup_identity_annotations(shipped("staging-gcp")) == {
        "iam.gke.io/gcp-service-account": "postgres-backup@clipper-staging.iam.gserviceaccount.com"
    }
    assert postgres.backup_identity_annotations(shipped("staging-do")) == {}


def test_spaces_gets_the_checksum_workaround_and_s3_does_not() -> None:
    assert [e["name"] for e in postgres.object_store_sidecar_env(shipped("staging-do"))] == [
        "AWS_REQUEST_CHECKSUM_CALCULATION",
        "AWS_RESPONSE_CHECKSUM_VALIDATION",
    ]
    assert postgres.object_store_sidecar_env(shipped("staging-aws")) == []


def test_achievable_rpo() -> None:
    assert postgres.achievable_rpo_minutes(shipped("staging-aws")) == 5
    assert postgres.achievable_rpo_minutes(shipped("staging-aws", **{"postgres.inCluster.archiveTimeoutSeconds": 7200})) == 120
    assert postgres.achievable_rpo_minutes(shipped("prod-aws")) == 5
    assert postgres.achievable_rpo_minutes(shipped("prod-aws", **{"postgres.backup.pitr": False})) == 24 * 60
    data = copy.deepcopy(load_merged(PROJECT, "prod-aws").data)
    del data["postgres"]["backup"]["pitrGranularityMinutes"]
    assert postgres.achievable_rpo_minutes(from_data(Profile, {**data, "name": "prod-aws"})) is None


@pytest.mark.parametrize(
    "expression",
    ["0 0 3 * * *", "0 30 2 * * ?", "*/30 0 3 * * *", "0 0 1-5 * JAN-DEC MON-FRI", "0 0 0,12 1 * *", "0 0 3 * * SUN"],
)
def test_valid_six_field_schedules(expression: str) -> None:
    assert cron_syntax.cron_problems(expression) == []


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("0 3 * * *", "has 5 fields, but CloudNativePG schedules have 6 with seconds first ('0 0 3 * * *' is the same time)"),
        ("0 0 3 * * * 2026", "has 7 fields"),
        ("@daily", "is a descriptor"),
        ("0 0 25 * * *", "hours: '25' is outside 0-23"),
        ("0 60 3 * * *", "minutes: '60' is outside 0-59"),
        ("0 0 3 0 * *", "day of month: '0' is outside 1-31"),
        ("0 0 3 * * FUN", "day of week: 'FUN' is outside 0-6"),
        ("0 0 */0 * * *", "hours: a step of 0 never fires"),
        ("? 0 3 * * *", "seconds: '?' is only allowed"),
        ("0 0 3 * * 1--2", "day of week: '1--2' is not a value"),
    ],
)
def test_invalid_schedules_say_why(expression: str, expected: str) -> None:
    problems = cron_syntax.cron_problems(expression)
    assert len(problems) == 1 and expected in problems[0], problems


def test_daily_means_every_day() -> None:
    assert cron_syntax.cron_fires_daily("0 0 3 * * *")
    assert cron_syntax.cron_fires_daily("0 0 */6 * * ?")
    assert not cron_syntax.cron_fires_daily("0 0 3 * * MON")
    assert not cron_syntax.cron_fires_daily("0 0 3 1 * *")
    assert not cron_syntax.cron_fires_daily("0 0 3 * 1 *")


# --- OpenSearch and operators -------------------------------------------------------------------


def test_heap_is_half_the_memory_limit_and_capped() -> None:
    assert redis_opensearch.opensearch_java_opts(shipped("prod-gcp")) == "-Xms4096m -Xmx4096m"
    assert redis_opensearch.opensearch_java_opts(shipped("staging-aws")) == "-Xms1024m -Xmx1024m"
    large = shipped(
        "prod-gcp", **{"opensearch.inCluster.resources": {"requests": {"cpu": "4", "memory": "96Gi"}, "limits": {"memory": "96Gi"}}}
    )
    assert redis_opensearch.opensearch_java_opts(large) == "-Xms31744m -Xmx31744m"


def test_initial_cluster_managers_are_the_pod_names() -> None:
    assert redis_opensearch.opensearch_initial_managers(shipped("prod-gcp", **{"opensearch.inCluster.nodes": 5}), PLATFORM) == [
        f"opensearch-{index}" for index in range(5)
    ]


def test_operators_are_installed_only_for_in_cluster_services() -> None:
    def charts(name: str) -> list[str]:
        return [release.chart for release in data_tier.operator_releases(shipped(name))]

    assert charts("prod-aws") == []
    assert charts("prod-gcp") == ["cert-manager"]
    assert charts("prod-do") == ["redis-operator"]
    assert charts("staging-aws") == ["cert-manager", "cloudnative-pg", "plugin-barman-cloud", "redis-operator"]


def test_charts_that_share_a_repository_share_one_helm_repository() -> None:
    releases = data_tier.operator_releases(shipped("staging-aws"))
    repositories = data_tier.helm_repositories(releases, PLATFORM)
    assert [repo["name"] for repo in repositories] == ["cert-manager", "cloudnative-pg", "redis-operator"]
    assert data_tier.repository_of(data_tier.BARMAN_CLOUD, releases, PLATFORM) == "cloudnative-pg"
