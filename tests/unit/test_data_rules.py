"""The data-tier profile rules: each one fires on the bad setting, and stays quiet on the
shipped profiles' good ones."""

from __future__ import annotations

import pytest

from clipper_manifests.problems import Severity
from clipper_manifests.profile.model import Profile
from clipper_manifests.rules.registry import find_rule, registered
from tests.helpers import rule_findings
from tests.unit.test_data_tier import shipped

DATA_RULES = [r.id for r in registered("profile") if r.id.split("-")[0] in ("postgres", "redis", "opensearch")]


def findings(profile: Profile, rule_id: str) -> list[tuple[tuple[object, ...], str, Severity]]:
    return rule_findings(rule_id, profile)


def errors(profile: Profile, rule_id: str) -> list[str]:
    return [message for _, message, severity in findings(profile, rule_id) if severity is Severity.ERROR]


@pytest.mark.parametrize("name", ["prod-aws", "prod-do", "prod-gcp", "staging-aws", "staging-do", "staging-gcp"])
def test_shipped_profiles_have_no_data_tier_errors(name: str) -> None:
    profile = shipped(name)
    assert [(rule_id, errors(profile, rule_id)) for rule_id in DATA_RULES if errors(profile, rule_id)] == []


def test_every_data_rule_is_registered() -> None:
    assert {
        "postgres-backup-schedule",
        "postgres-backup-daily",
        "postgres-backup-retention",
        "postgres-backup-pitr",
        "postgres-backup-encryption",
        "postgres-backup-rpo",
        "postgres-backup-rto",
        "postgres-object-store",
        "postgres-instances",
        "redis-primaries",
        "redis-managed-engine",
        "redis-managed-tls",
        "opensearch-version",
        "opensearch-nodes",
        "opensearch-managed-provider",
        "opensearch-external-api",
    } <= set(DATA_RULES)


def test_production_retention_below_seven_days() -> None:
    [(path, message, severity)] = findings(shipped("prod-aws", **{"postgres.backup.retentionDays": 3}), "postgres-backup-retention")
    assert path == ("postgres", "backup", "retentionDays") and severity is Severity.ERROR and "3 days" in message
    assert findings(shipped("staging-aws", **{"postgres.backup.retentionDays": 3}), "postgres-backup-retention") == []


def test_pitr_off() -> None:
    assert errors(shipped("prod-aws", **{"postgres.backup.pitr": False}), "postgres-backup-pitr") == [
        "point-in-time recovery is off in production"
    ]
    # In the cluster WAL is always archived: declaring otherwise is wrong in any environment.
    assert errors(shipped("staging-aws", **{"postgres.backup.pitr": False}), "postgres-backup-pitr")
    # Without PITR the daily backup is all there is: 24 hours of data at risk.
    assert any("cannot be met" in m for m in errors(shipped("prod-aws", **{"postgres.backup.pitr": False}), "postgres-backup-rpo"))


def test_encryption() -> None:
    assert errors(shipped("prod-aws", **{"postgres.backup.encryption": False}), "postgres-backup-encryption")
    unencrypted_bucket = shipped("staging-aws", **{"postgres.inCluster.objectStore.serverSideEncryption": None})
    assert errors(unencrypted_bucket, "postgres-backup-encryption") == [
        "encryption is declared but no serverSideEncryption is set for the S3 bucket"
    ]
    [(_, message, severity)] = findings(shipped("staging-do"), "postgres-backup-encryption")
    assert severity is Severity.WARNING and "SSE-C" in message
    in_prod = shipped("staging-do", environment="production")
    assert any("SSE-C" in m for m in errors(in_prod, "postgres-backup-encryption"))
    assert findings(shipped("staging-gcp"), "postgres-backup-encryption") == []  # GCS always encrypts at rest


def test_rpo_must_be_declared_within_an_hour_and_be_achievable() -> None:
    assert errors(shipped("prod-aws", **{"postgres.backup.rpoMinutes": 240}), "postgres-backup-rpo") == [
        "an RPO of 240 minutes is more than the 60 production allows"
    ]
    slow_archive = shipped("prod-gcp", **{"postgres.mode": "in-cluster", "postgres.inCluster.archiveTimeoutSeconds": 7200})
    [(path, message, _)] = [f for f in findings(slow_archive, "postgres-backup-rpo")]
    assert path == ("postgres", "inCluster", "archiveTimeoutSeconds") and "120 minutes" in message
    lagging = shipped("prod-aws", **{"postgres.backup.pitrGranularityMinutes": 90})
    assert any("lags up to 90 minutes" in m for m in errors(lagging, "postgres-backup-rpo"))


def test_rto_within_an_hour_in_production() -> None:
    assert errors(shipped("prod-do", **{"postgres.backup.rtoMinutes": 120}), "postgres-backup-rto")
    assert errors(shipped("staging-do", **{"postgres.backup.rtoMinutes": 120}), "postgres-backup-rto") == []


def test_daily_backups() -> None:
    weekly = shipped("prod-gcp", **{"postgres.mode": "in-cluster", "postgres.backup.schedule": "0 0 3 * * SUN"})
    assert errors(weekly, "postgres-backup-daily") == ["'0 0 3 * * SUN' does not fire every day (day, month and weekday must be '*')"]
    no_window = shipped("prod-aws", **{"postgres.backup.window": None})
    assert errors(no_window, "postgres-backup-daily") == ["no daily backup window is declared for the managed database"]
    staging = shipped(
        "staging-aws", **{"postgres.mode": "managed", "postgres.managed.endpoint": "db.example.com", "postgres.backup.window": None}
    )
    assert [severity for _, _, severity in findings(staging, "postgres-backup-daily")] == [Severity.WARNING]


def test_five_field_schedule_is_refused() -> None:
    [(path, message, _)] = findings(shipped("staging-aws", **{"postgres.backup.schedule": "0 3 * * *"}), "postgres-backup-schedule")
    assert path == ("postgres", "backup", "schedule") and "'0 0 3 * * *' is the same time" in message


def test_object_store_matches_the_provider() -> None:
    wrong_scheme = shipped("staging-gcp", **{"postgres.inCluster.objectStore.destinationPath": "s3://bucket/pg"})
    assert errors(wrong_scheme, "postgres-object-store") == ["a gcp cluster writes its backups to gs:// buckets"]
    no_role = shipped("staging-aws", **{"postgres.inCluster.cloudIdentity": {}})
    assert any("IRSA" in m for m in errors(no_role, "postgres-object-store"))
    no_endpoint = shipped("staging-do", **{"postgres.inCluster.objectStore.endpointUrl": None})
    assert any("Spaces needs its S3 endpoint" in m for m in errors(no_endpoint, "postgres-object-store"))


def test_production_runs_three_postgres_instances() -> None:
    assert errors(shipped("prod-gcp", **{"postgres.mode": "in-cluster", "postgres.inCluster.instances": 2}), "postgres-instances")
    assert errors(shipped("staging-aws", **{"postgres.inCluster.instances": 1}), "postgres-instances") == []


def test_redis_needs_three_primaries() -> None:
    [(path, message, severity)] = findings(shipped("staging-aws", **{"redis.inCluster.primaries": 2}), "redis-primaries")
    assert path == ("redis", "inCluster", "primaries") and severity is Severity.ERROR and message.startswith("2 primaries")


def test_managed_redis_engine_is_a_note_and_tls_only_endpoints_are_errors() -> None:
    [(_, message, severity)] = findings(shipped("prod-aws"), "redis-managed-engine")
    assert severity is Severity.NOTE and "ElastiCache" in message
    assert errors(shipped("prod-aws", **{"redis.managed.tls": True}), "redis-managed-tls")
    do_managed = shipped("prod-do", **{"redis.mode": "managed", "redis.managed.endpoint": "cache.example.com"})
    assert any("DigitalOcean Managed Valkey accepts only TLS" in m for m in errors(do_managed, "redis-managed-tls"))
    assert findings(shipped("prod-do"), "redis-managed-tls") == []


def test_opensearch_version_and_nodes() -> None:
    assert errors(shipped("prod-aws", **{"opensearch.version": "2.13.0"}), "opensearch-version") == [
        "2.13.0 is not an OpenSearch 2.11.x release"
    ]
    assert errors(shipped("prod-aws", **{"opensearch.version": "2.11.0"}), "opensearch-version") == []
    [(path, message, _)] = findings(shipped("staging-aws", **{"opensearch.inCluster.nodes": 2}), "opensearch-nodes")
    assert path == ("opensearch", "inCluster", "nodes") and message.startswith("2 node(s)")


def test_managed_opensearch_on_gcp_explains_the_alternatives() -> None:
    profile = shipped("prod-gcp", **{"opensearch.mode": "managed", "opensearch.managed": {"url": "https://search.example.com"}})
    assert errors(profile, "opensearch-managed-provider") == ["Google Cloud offers no managed OpenSearch service"]
    rule = find_rule("opensearch-managed-provider")
    assert rule is not None and "in-cluster" in rule.fix and "external" in rule.fix


def test_external_opensearch_is_a_warning() -> None:
    [(_, message, severity)] = findings(shipped("staging-gcp"), "opensearch-external-api")
    assert severity is Severity.WARNING and "OpenSearch-compatible" in message


# --- managed endpoints inside the allowed CIDRs (issue 16, item 2) ------------------------------


def test_shipped_managed_endpoints_resolve_inside_their_cidrs() -> None:
    for name in ("prod-aws", "prod-do", "prod-gcp", "staging-gcp"):
        assert findings(shipped(name), "managed-endpoint-private") == [], name


def test_digitalocean_public_hostnames_are_refused_with_their_private_name() -> None:
    profile = shipped(
        "prod-do",
        **{
            "postgres.managed.readEndpoints": ["replica-clipper-prod-pg-do-user-1234567-0.b.db.ondigitalocean.com"],
            "opensearch.managed.url": "https://clipper-prod-search-do-user-1234567-0.b.db.ondigitalocean.com:25060",
        },
    )
    found = findings(profile, "managed-endpoint-private")
    assert [(path, severity) for path, _, severity in found] == [
        (("postgres", "managed", "readEndpoints", 0), Severity.ERROR),
        (("opensearch", "managed", "url"), Severity.ERROR),
    ]
    assert "private-replica-clipper-prod-pg-do-user-1234567-0.b.db.ondigitalocean.com" in found[0][1]
    assert "outside network.endpoints.opensearch.cidrs (10.116.0.0/20)" in found[1][1]


def test_a_public_amazon_opensearch_domain_and_an_ip_outside_the_cidrs_are_refused() -> None:
    aws = shipped("prod-aws", **{"opensearch.managed.url": "https://search-clipper-prod-a1b2c3.us-east-1.es.amazonaws.com"})
    assert [path for path, _, _ in findings(aws, "managed-endpoint-private")] == [("opensearch", "managed", "url")]
    gcp = shipped("prod-gcp", **{"redis.managed.endpoint": "10.30.1.5"})
    assert findings(gcp, "managed-endpoint-private") == [
        (("redis", "managed", "endpoint"), "10.30.1.5 is outside network.endpoints.redis.cidrs (10.20.1.0/24)", Severity.ERROR)
    ]


def test_an_internet_hosted_service_with_public_cidrs_is_not_judged_by_name() -> None:
    profile = shipped(
        "prod-do",
        **{
            "opensearch.managed.url": "https://clipper-prod-search-do-user-1234567-0.b.db.ondigitalocean.com:25060",
            "network.endpoints.opensearch": {"cidrs": ["0.0.0.0/0"]},
        },
    )
    assert findings(profile, "managed-endpoint-private") == []
