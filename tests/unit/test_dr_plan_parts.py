"""dr-plan's parts: the time budget, the restore target's validation, the provider's commands."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from clipper_manifests.dr import budget
from clipper_manifests.dr import managed as dr_managed
from clipper_manifests.dr.target import lag_warning, now, parse_target, rfc3339
from clipper_manifests.errors import UsageError
from clipper_manifests.profile.model import Profile
from clipper_manifests.profile.model_data import ManagedPostgres
from clipper_manifests.profile.model_recovery import RestoreThroughput
from clipper_manifests.project import find_project
from tests.conftest import REPO
from tests.helpers import rule_findings, shipped_profile

PROFILES = find_project(REPO, None).profile_names()
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def profile(name: str) -> Profile:
    return shipped_profile(name)


def with_dr(base: Profile, **changes: object) -> Profile:
    return dataclasses.replace(base, dr=dataclasses.replace(base.dr, **changes))  # type: ignore[arg-type]


def with_endpoint(base: Profile, endpoint: str) -> Profile:
    managed = dataclasses.replace(base.postgres.managed or ManagedPostgres(), endpoint=endpoint)
    return dataclasses.replace(base, postgres=dataclasses.replace(base.postgres, managed=managed))


# --- budget ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PROFILES)
def test_shipped_profiles_fit_their_rto(name: str) -> None:
    plan = budget.budget(profile(name))
    assert plan.warnings() == []
    assert plan.total <= profile(name).postgres.backup.rto_minutes
    assert plan.total == sum(step.minutes for step in plan.steps if step.in_rto)
    # The clock starts at the incident: detection and the decision come first.
    assert [step.key for step in plan.steps][:3] == ["detect", "prepare", "restore"]
    assert plan.minutes("detect") == profile(name).dr.detect_minutes > 0
    # Traffic resumes before search is rebuilt (the API degrades to PostgreSQL search).
    keys = [step.key for step in plan.steps]
    assert keys.index("verify") < keys.index("resume") < keys.index("reindex") < keys.index("verify-search")
    assert all(not step.in_rto for step in plan.steps[keys.index("resume") + 1 :])


def test_managed_restores_include_the_endpoint_switch_and_wal_replay() -> None:
    plan = budget.budget(profile("prod-aws"))
    assert [step.key for step in plan.steps] == [
        "detect",
        *("prepare", "restore", "switch", "verify", "resume"),
        *("reindex", "reembed", "verify-search"),
    ]
    assert plan.minutes("restore") == 23, "15 min to provision + 30 GiB at 10 GiB/min + a day of WAL (5 GiB) at 1 GiB/min"
    assert "replayed" in plan.throughput


def test_budgets_are_not_deadlines() -> None:
    """A Job's deadline above its budget: a slow step runs late instead of being killed, and the
    budget (not the deadline) is what the RTO counts."""
    dr = profile("prod-aws").dr
    plan = budget.budget(profile("prod-aws"))
    assert plan.minutes("verify") == dr.verify.budget_minutes < dr.verify.timeout_minutes
    assert plan.minutes("reindex") == dr.reindex.budget_minutes < dr.reindex.timeout_minutes


@pytest.mark.parametrize("name", PROFILES)
def test_deadlines_leave_a_margin_over_the_budget(name: str) -> None:
    assert findings("dr-deadline-margin", profile(name)) == []
    tight = with_dr(profile(name), verify=dataclasses.replace(profile(name).dr.verify, budget_minutes=5, timeout_minutes=5))
    [(where, message, _)] = findings("dr-deadline-margin", tight)
    assert where == ("dr", "verify", "timeoutMinutes")
    assert "less than twice its budget of 5 min" in message


def test_in_cluster_restore_estimate_follows_the_database_size_and_takes_a_base_backup() -> None:
    plan = budget.budget(profile("staging-aws"))
    assert plan.minutes("restore") == 10  # 5 min + 5 GiB at 2 GiB/min + 2 GiB of WAL at 1 GiB/min
    assert plan.minutes("backup") == 7  # 2 min + 5 GiB at 1 GiB/min
    keys = [step.key for step in plan.steps]
    assert keys.index("verify") < keys.index("backup") < keys.index("resume")
    bigger = budget.budget(with_dr(profile("staging-aws"), database_size="100Gi"))
    assert bigger.minutes("restore") == 57


def test_a_database_too_big_for_the_rto_is_flagged() -> None:
    plan = budget.budget(with_dr(profile("prod-aws"), database_size="2Ti"))
    warnings = plan.warnings()
    assert len(warnings) == 2
    assert warnings[0].startswith("restoring 2048 GiB takes about 225 min")
    assert "implausible" in warnings[0]
    assert "traffic resumes after" in warnings[1]


def test_a_measured_restore_replaces_the_assumption() -> None:
    measured = with_dr(profile("staging-aws"), restore_throughput=RestoreThroughput(size="10Gi", minutes=12))
    minutes, source = budget.restore_minutes(measured)
    assert minutes == 12, "5 GiB declared: never faster than the measured 10 GiB run"
    assert source == "measured: 10Gi in 12 min"
    larger = with_dr(measured, database_size="40Gi")
    assert budget.restore_minutes(larger)[0] == 48


# --- restore target --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25T10:30:00Z", "2026-11-25T10:30:00Z"),
        ("2026-11-25T11:30:00+01:00", "2026-11-25T10:30:00Z"),
        ("2026-11-25 10:30:00+00:00", "2026-11-25T10:30:00Z"),
        ("20261125T103000Z", "2026-11-25T10:30:00Z"),
    ],
)
def test_valid_targets_become_utc(text: str, expected: str) -> None:
    assert rfc3339(parse_target(text, profile("staging-aws"), NOW)) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("yesterday", "is not an ISO 8601 date and time"),
        ("2026-11-25", "is a date without a time"),
        ("2026-11-25T10:30:00", "has no time zone"),
        ("2026-11-25T12:30:00Z", "is in the future (now: 2026-11-25T12:00:00Z)"),
        ("2026-11-17T10:00:00Z", "outside the 7-day retention window"),
    ],
)
def test_invalid_targets_are_usage_errors(text: str, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_target(text, profile("staging-aws"), NOW)
    assert message in raised.value.message
    assert raised.value.exit_code == 2


def test_no_point_in_time_without_pitr() -> None:
    base = profile("prod-aws")
    without = dataclasses.replace(
        base, postgres=dataclasses.replace(base.postgres, backup=dataclasses.replace(base.postgres.backup, pitr=False))
    )
    with pytest.raises(UsageError, match="declares no point-in-time recovery"):
        parse_target("2026-11-25T10:30:00Z", without, NOW)


def test_now_comes_from_clipper_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIPPER_NOW", "2026-11-25T13:00:00+01:00")
    assert now() == NOW
    monkeypatch.setenv("CLIPPER_NOW", "noon")
    with pytest.raises(UsageError, match="CLIPPER_NOW"):
        now()


def test_a_target_younger_than_the_archive_lag_is_flagged() -> None:
    assert lag_warning(datetime(2026, 11, 25, 11, 58, tzinfo=UTC), NOW, profile("staging-aws")) is not None  # archive_timeout 5 min
    assert lag_warning(datetime(2026, 11, 25, 11, 50, tzinfo=UTC), NOW, profile("staging-aws")) is None


# --- managed databases ------------------------------------------------------------------------------


def test_instances_come_from_the_endpoint_or_the_profile() -> None:
    assert dr_managed.instance(profile("prod-aws")) == "clipper-prod"
    assert dr_managed.is_aurora(profile("prod-aws"))
    assert dr_managed.instance(profile("prod-do")) == "clipper-prod-pg"
    assert dr_managed.instance(profile("prod-gcp")) == "clipper-prod-pg", "a private IP names nothing: dr.managedDatabase.instance"
    rds = with_endpoint(profile("prod-aws"), "clipper-prod.c1a2b3c4d5e6.us-east-1.rds.amazonaws.com")
    assert dr_managed.instance(rds) == "clipper-prod" and not dr_managed.is_aurora(rds)
    assert (
        dr_managed.instance(
            with_dr(profile("prod-gcp"), managed_database=dataclasses.replace(profile("prod-gcp").dr.managed_database, instance=None))
        )
        is None
    )


def test_aurora_restore_to_a_point_in_time() -> None:
    restore = dr_managed.restore(profile("prod-aws"), datetime(2026, 11, 25, 8, 30, tzinfo=UTC))
    assert restore is not None
    text = "\n".join(restore.commands)
    assert "restore-db-cluster-to-point-in-time --source-db-cluster-identifier clipper-prod --db-cluster-identifier clipper-prod-r1" in text
    assert "--restore-to-time 2026-11-25T08:30:00Z" in text
    assert "--region us-east-1" in text and "--engine aurora-postgresql" in text
    assert "--backup-retention-period 7" in text
    assert restore.commands[-1].startswith("NEW_ENDPOINT=")


def test_rds_restore_to_the_latest_point() -> None:
    rds = with_endpoint(profile("prod-aws"), "clipper-prod.c1a2b3c4d5e6.us-east-1.rds.amazonaws.com")
    restore = dr_managed.restore(rds, None, attempt=2)
    assert restore is not None
    text = "\n".join(restore.commands)
    assert (
        "restore-db-instance-to-point-in-time --source-db-instance-identifier clipper-prod --target-db-instance-identifier clipper-prod-r2"
        in text
    )
    assert "--use-latest-restorable-time" in text and "--multi-az" in text


def test_cloud_sql_and_digitalocean_restores() -> None:
    target = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
    cloud_sql = dr_managed.restore(profile("prod-gcp"), target)
    assert cloud_sql is not None
    assert (
        cloud_sql.commands[0]
        == "gcloud sql instances clone clipper-prod-pg clipper-prod-pg-r1 --project=clipper-prod --point-in-time=2026-11-25T08:30:00Z"
    )
    fork = dr_managed.restore(profile("prod-do"), target)
    assert fork is not None
    expected = 'doctl databases fork clipper-prod-pg-r1 --restore-from-cluster-id "$SOURCE_ID"'
    assert f'{expected} --restore-from-timestamp "2026-11-25 08:30:00 +0000 UTC" --wait' in fork.commands


# --- profile rules ----------------------------------------------------------------------------------


def findings(rule_id: str, checked: Profile) -> list[tuple[tuple[object, ...], str, str]]:
    return [(path, message, severity.value) for path, message, severity in rule_findings(rule_id, checked)]


def test_a_missing_tools_image_is_an_error_in_production_only() -> None:
    for name, severity in (("prod-aws", "error"), ("staging-aws", "warning")):
        base = profile(name)
        without = dataclasses.replace(base, images=dataclasses.replace(base.images, tools=None))
        assert findings("dr-tools-image", without) == [
            (("images",), "no images.tools: a recovery cannot rebuild the search indices", severity)
        ]
        assert findings("dr-tools-image", base) == []


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ("0 9 2 * *", None),
        ("@monthly", None),
        ("0 25 2 * *", "hours: '25' is outside 0-23"),
        ("0 0 9 2 * *", "'0 0 9 2 * *' has 6 fields; a CronJob schedule has 5 (no seconds)"),
    ],
)
def test_restore_test_schedule_rule(schedule: str, message: str | None) -> None:
    base = profile("staging-do")
    changed = with_dr(base, restore_test=dataclasses.replace(base.dr.restore_test, schedule=schedule))
    assert [found[1] for found in findings("dr-restore-test-schedule", changed)] == ([message] if message else [])


@pytest.mark.parametrize(("name", "key"), [("prod-aws", "awsRoleArn"), ("prod-gcp", "gcpServiceAccount")])
def test_a_managed_database_without_the_backup_check_s_identity_is_refused(name: str, key: str) -> None:
    from clipper_manifests.profile.model_workloads import CloudIdentity

    base = profile(name)
    assert findings("dr-backup-check-identity", base) == []
    changed = with_dr(base, backup_check=dataclasses.replace(base.dr.backup_check, cloud_identity=CloudIdentity()))
    [(path, message, severity)] = findings("dr-backup-check-identity", changed)
    assert (path, severity) == (("postgres", "managed", "endpoint"), "error")
    assert f"no dr.backupCheck.cloudIdentity.{key}: the backup check cannot authenticate" in message
    # DigitalOcean has no workload identity: its check reads a token from the secret store.
    assert findings("dr-backup-check-identity", profile("prod-do")) == []


def test_backup_check_schedule_rule() -> None:
    base = profile("prod-gcp")
    changed = with_dr(base, backup_check=dataclasses.replace(base.dr.backup_check, schedule="0 0 6 * * *"))
    assert [found[1] for found in findings("dr-backup-check-schedule", changed)] == [
        "'0 0 6 * * *' has 6 fields; a CronJob schedule has 5 (no seconds)"
    ]
    assert findings("dr-backup-check-schedule", profile("staging-gcp")) == []
