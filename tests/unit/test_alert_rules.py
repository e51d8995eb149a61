"""Alert rules: every expression is PromQL that names only metrics of exporters the profile scrapes."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from clipper_manifests.profile.model import Profile
from clipper_manifests.project import find_project
from clipper_manifests.values import alerts_platform, monitoring_targets
from clipper_manifests.values.platform import load_platform
from tests.conftest import REPO
from tests.helpers import shipped_profile
from tests.promql import metric_names

PROFILES = find_project(REPO, None).profile_names()
PLATFORM = load_platform(REPO / "templates")
RUNBOOKS = (REPO / "docs" / "runbooks.md").read_text(encoding="utf-8")


def profile(name: str) -> Profile:
    return shipped_profile(name)


def allowed_metrics(exporters: tuple[str, ...] | set[str]) -> set[str]:
    known = monitoring_targets.known_metrics()
    return {metric for exporter in exporters for metric in known[exporter]}


@pytest.mark.parametrize("name", PROFILES)
def test_every_expression_parses_and_names_only_scraped_metrics(name: str) -> None:
    chosen = profile(name)
    scraped = monitoring_targets.scraped_exporters(chosen, PLATFORM)
    for group in alerts_platform.rule_groups(chosen, PLATFORM):
        assert set(group.exporters) <= scraped, f"{group.name} reads exporters this profile does not scrape"
        allowed = allowed_metrics(group.exporters)
        for alert in group.alerts:
            names = metric_names(alert.expr)
            assert names, alert.name
            assert names <= allowed, f"{alert.name} names {sorted(names - allowed)}, not in schemas/metrics.yaml for {group.exporters}"


def test_a_metric_outside_the_list_is_caught() -> None:
    assert metric_names('sum(rate(http_requests_totl{job="clipper-api"}[5m])) > 1') - allowed_metrics(("clipper-api",)) == {
        "http_requests_totl"
    }
    with pytest.raises(ValueError):
        metric_names("rate(http_requests_total[5m)")


@pytest.mark.parametrize("name", PROFILES)
def test_every_alert_has_severity_summary_description_and_a_runbook(name: str) -> None:
    chosen = profile(name)
    for group in alerts_platform.rule_groups(chosen, PLATFORM):
        for alert in group.alerts:
            rule = alerts_platform.rule(chosen, group, alert)
            assert rule["labels"]["severity"] in {"critical", "warning"}
            assert rule["labels"]["namespace"] == chosen.namespace, "the AlertmanagerConfig only receives its namespace"
            assert rule["labels"][monitoring_targets.COMPONENT_LABEL] == group.component
            assert rule["annotations"]["summary"] and rule["annotations"]["description"]
            url = rule["annotations"]["runbook_url"]
            assert url == f"{chosen.monitoring.alerting.runbook_base_url}#{alert.name.lower()}"
            assert re.search(rf"^## {alert.name}$", RUNBOOKS, re.MULTILINE), f"docs/runbooks.md has no section for {alert.name}"


def test_the_issue_s_alerts_exist_in_an_all_in_cluster_profile() -> None:
    names = {alert.name for group in alerts_platform.rule_groups(profile("staging-aws"), PLATFORM) for alert in group.alerts}
    assert {
        "ClipperApiDown",
        "ClipperApiHighErrorRate",
        "ClipperApiHighLatency",
        "ClipperTargetDown",
        "ClipperPodCrashLooping",
        "ClipperContainerOOMKilled",
        "ClipperHpaAtMaximum",
        "ClipperPdbBlocksEvictions",
        "ClipperPostgresReplicationLag",
        "ClipperPostgresWalArchivingFailing",
        "ClipperPostgresBackupTooOld",
        "ClipperPostgresConnectionsNearMax",
        "ClipperRedisClusterStateNotOk",
        "ClipperOpenSearchClusterRed",
        "ClipperOpenSearchClusterYellow",
        "ClipperCertificateExpiringSoon",
        "ClipperCertManagerCertificateExpiring",
        "ClipperExternalSecretNotSynced",
    } <= names


def test_data_service_rules_and_monitors_only_for_in_cluster_services() -> None:
    managed = profile("prod-aws")
    assert {str(managed.postgres.mode), str(managed.redis.mode)} == {"managed"}
    groups = {group.component: group for group in alerts_platform.rule_groups(managed, PLATFORM)}
    assert set(groups).isdisjoint({"redis", "opensearch"})
    # A managed database has only the alerts of its backup check: the provider runs the rest.
    assert {alert.name for alert in groups["postgres"].alerts} == {"ClipperPostgresBackupCheckFailed", "ClipperPostgresBackupCheckOverdue"}
    assert not [t for t in monitoring_targets.scrape_targets(managed, PLATFORM) if t.kind == "PodMonitor"]
    in_cluster = profile("staging-aws")
    assert {"postgres", "redis", "opensearch"} <= {group.component for group in alerts_platform.rule_groups(in_cluster, PLATFORM)}
    jobs = {t.job for t in monitoring_targets.scrape_targets(in_cluster, PLATFORM) if t.kind == "PodMonitor"}
    assert jobs == {"clipper-postgres", "clipper-redis", "clipper-opensearch"}


def test_thresholds_come_from_the_profile() -> None:
    chosen = profile("staging-aws")
    limits = dataclasses.replace(
        chosen.monitoring.thresholds, error_rate_percent=2.5, latency_p95_seconds=0.75, hpa_at_max_for="45m", backup_max_age_hours=30
    )
    changed = dataclasses.replace(chosen, monitoring=dataclasses.replace(chosen.monitoring, thresholds=limits))
    found = {alert.name: alert for group in alerts_platform.rule_groups(changed, PLATFORM) for alert in group.alerts}
    assert found["ClipperApiHighErrorRate"].expr.endswith("* 100 > 2.5")
    assert found["ClipperApiHighLatency"].expr.endswith("> 0.75")
    assert found["ClipperHpaAtMaximum"].duration == "45m"
    assert "> 108000" in found["ClipperPostgresBackupTooOld"].expr


def test_production_defaults_match_the_platform_facts() -> None:
    limits = profile("prod-aws").monitoring.thresholds
    assert (limits.error_rate_percent, limits.backup_max_age_hours, limits.hpa_at_max_for) == (0.5, 26, "15m")


def test_every_listed_metric_is_used_somewhere(project: Path) -> None:
    """Keeps schemas/metrics.yaml the small list of what rules and dashboards really read
    (the nginx controller's metrics are read by a test profile: no shipped one runs it)."""
    from clipper_manifests.values import dashboard_boards
    from tests.acceptance.test_extra_profiles import build_extra

    nginx = build_extra(project, "staging-gcp-nginx").profiles["staging-gcp-nginx"].profile
    assert nginx is not None
    used: set[str] = set()
    for chosen in [*(profile(name) for name in PROFILES), nginx]:
        for group in alerts_platform.rule_groups(chosen, PLATFORM):
            for alert in group.alerts:
                used |= metric_names(alert.expr)
        for board in dashboard_boards.boards(chosen, PLATFORM):
            for row in board.rows:
                used |= {
                    metric
                    for panel in row.panels
                    for query in panel.queries
                    if query.language == "promql"
                    for metric in metric_names(query.expr.replace("$__rate_interval", "5m"))
                }
    listed = allowed_metrics(set(monitoring_targets.known_metrics()))
    assert listed - used == set()


@pytest.mark.parametrize("name", [name for name in PROFILES if name.startswith("prod-")])
def test_a_managed_database_s_backup_check_pages_when_it_fails_or_stops(name: str) -> None:
    chosen = profile(name)
    assert chosen.postgres.mode == "managed"
    found = {alert.name: alert for group in alerts_platform.rule_groups(chosen, PLATFORM) for alert in group.alerts}
    failed, overdue = found["ClipperPostgresBackupCheckFailed"], found["ClipperPostgresBackupCheckOverdue"]
    cronjob = f'cronjob="{PLATFORM["backupCheck"]["name"]}"'
    assert cronjob in failed.expr and cronjob in overdue.expr
    assert (failed.severity, overdue.severity) == ("critical", "critical")
    # A day's run plus the slack the backup age allows; never run at all counts from its creation.
    assert f"> {chosen.monitoring.thresholds.backup_max_age_hours * 3600}" in overdue.expr
    assert "kube_cronjob_created" in overdue.expr
