"""Alert rules of the data services and the platform; every group as PrometheusRule rule lists."""

from __future__ import annotations

from typing import Any

from clipper_manifests.dr.objects import restore_test_name
from clipper_manifests.profile.model import Profile
from clipper_manifests.values import backup_check
from clipper_manifests.values.alerts_application import Alert, RuleGroup, Severity, api_group, ingress_group, public_group, workloads_group
from clipper_manifests.values.monitoring_targets import COMPONENT_LABEL, in_cluster, scrape_targets, uses_cert_manager


def postgres_group(profile: Profile, platform: dict[str, Any]) -> RuleGroup:
    limits, pg = profile.monitoring.thresholds, 'job="clipper-postgres"'
    backup = f"barman_cloud_cloudnative_pg_io_last_available_backup_timestamp{{{pg}}}"
    return RuleGroup(
        "postgres",
        ("cloudnative-pg", "barman-cloud", "kube-state-metrics"),
        (
            Alert(
                "ClipperPostgresInstanceDown",
                f"cnpg_collector_up{{{pg}}} == 0",
                "5m",
                "warning",
                "A PostgreSQL instance is not running",
                "PostgreSQL on {{ $labels.pod }} does not answer its instance manager.",
            ),
            Alert(
                "ClipperPostgresReplicationLag",
                f"max by (namespace, pod) (cnpg_pg_replication_lag{{{pg}}}) > {limits.replication_lag_seconds}",
                "5m",
                "warning",
                "A PostgreSQL standby lags behind",
                f"Standby {{{{ $labels.pod }}}} is {{{{ $value | humanizeDuration }}}} behind the primary "
                f"(threshold {limits.replication_lag_seconds} s).",
            ),
            Alert(
                "ClipperPostgresWalArchivingFailing",
                f"cnpg_pg_stat_archiver_last_failed_time{{{pg}}} > cnpg_pg_stat_archiver_last_archived_time{{{pg}}}",
                "5m",
                "critical",
                "PostgreSQL cannot archive WAL",
                "The last WAL archive attempt of {{ $labels.pod }} failed after the last success: point-in-time "
                "recovery and the 1 h RPO are at risk, and WAL piles up on the volume.",
            ),
            Alert(
                "ClipperPostgresBackupTooOld",
                f"time() - max by (namespace) ({backup}) > {limits.backup_max_age_hours * 3600}\nor\nabsent({backup})",
                "30m",
                "critical",
                "No recent PostgreSQL base backup",
                f"The newest successful base backup is older than {limits.backup_max_age_hours} h (or none exists): "
                "the daily ScheduledBackup is failing.",
            ),
            Alert(
                "ClipperPostgresConnectionsNearMax",
                f"""sum by (namespace, pod) (cnpg_backends_total{{{pg}}})
/ on (namespace, pod)
max by (namespace, pod) (cnpg_pg_settings_setting{{{pg}, name="max_connections"}})
* 100 > {limits.connections_percent}""",
                "10m",
                "warning",
                "PostgreSQL connections near max_connections",
                f'{{{{ $labels.pod }}}} uses {{{{ $value | printf "%.0f" }}}} % of max_connections '
                f"(threshold {limits.connections_percent} %).",
            ),
            *restore_test_alerts(profile, restore_test_name(platform)),
        ),
    )


def restore_test_alerts(profile: Profile, cronjob: str) -> tuple[Alert, ...]:
    """The monthly restore test (dr/values.py): its CronJob's last run did not succeed, or no run has
    succeeded for longer than a month (a suspended or broken schedule)."""
    selector = f'namespace="{profile.namespace}", cronjob="{cronjob}"'
    succeeded = f"kube_cronjob_status_last_successful_time{{{selector}}}"
    deadline = profile.dr.restore_test.timeout_minutes * 60
    severity: Severity = "critical" if profile.is_production else "warning"
    return (
        Alert(
            "ClipperPostgresRestoreTestFailed",
            cronjob_failed(selector, deadline),
            "5m",
            severity,
            "The monthly restore test failed",
            f"The last run of CronJob {cronjob} (restore the latest backup into a scratch cluster, then verify it) "
            "did not succeed within its deadline: the backups may not restore, and the RTO is at risk.",
        ),
        Alert(
            "ClipperPostgresRestoreTestOverdue",
            f"time() - {succeeded} > {35 * 86400}",
            "1h",
            "warning",
            "No successful restore test for more than a month",
            f"CronJob {cronjob} last succeeded {{{{ $value | humanizeDuration }}}} ago: it is suspended, or its runs fail.",
        ),
    )


def cronjob_failed(selector: str, deadline: int) -> str:
    """The CronJob's last run, scheduled longer ago than its deadline, has not succeeded (it
    succeeded before that run, or never)."""
    scheduled = f"kube_cronjob_status_last_schedule_time{{{selector}}}"
    succeeded = f"kube_cronjob_status_last_successful_time{{{selector}}}"
    return f"""(time() - {scheduled} > {deadline})
and on (namespace, cronjob)
(
  {scheduled} > on (namespace, cronjob) {succeeded}
  or
  ({scheduled} unless on (namespace, cronjob) {succeeded})
)"""


def managed_postgres_group(profile: Profile, platform: dict[str, Any]) -> RuleGroup:
    """A managed database's backups: the daily check (backup_check.py) failed, or has not
    succeeded for longer than the backup age the profile tolerates (suspended, never run, its
    runs failing)."""
    cronjob = platform["backupCheck"]["name"]
    selector = f'namespace="{profile.namespace}", cronjob="{cronjob}"'
    succeeded = f"kube_cronjob_status_last_successful_time{{{selector}}}"
    created = f"kube_cronjob_created{{{selector}}}"
    hours = profile.monitoring.thresholds.backup_max_age_hours
    severity: Severity = "critical" if profile.is_production else "warning"
    return RuleGroup(
        "postgres",
        ("kube-state-metrics",),
        (
            Alert(
                "ClipperPostgresBackupCheckFailed",
                cronjob_failed(selector, profile.dr.backup_check.timeout_minutes * 60),
                "5m",
                severity,
                "The managed database's backups do not match the profile",
                f"The last run of CronJob {cronjob} (read the provider's backup settings and newest backup, compare them "
                "with postgres.backup) failed: a backup is stale, PITR or retention is weaker than declared, or the "
                "provider could not be asked. Its log names the finding.",
            ),
            Alert(
                "ClipperPostgresBackupCheckOverdue",
                f"""time() - {succeeded} > {hours * 3600}
or
(time() - {created} > {hours * 3600} unless on (namespace, cronjob) {succeeded})""",
                "30m",
                severity,
                "Nothing has proven the managed database's backups for a day",
                f"CronJob {cronjob} has not succeeded for more than {hours} h (or never since it was created): it is "
                "suspended, not scheduled, or its runs fail.",
            ),
        ),
    )


def redis_group() -> RuleGroup:
    redis = 'job="clipper-redis"'
    return RuleGroup(
        "redis",
        ("redis_exporter",),
        (
            Alert(
                "ClipperRedisClusterStateNotOk",
                f"redis_cluster_state{{{redis}}} == 0",
                "2m",
                "critical",
                "Redis Cluster state is not ok",
                "Node {{ $labels.pod }} reports cluster_state:fail: some hash slots have no reachable primary.",
            ),
            Alert(
                "ClipperRedisNodeDown",
                f"redis_up{{{redis}}} == 0",
                "2m",
                "warning",
                "A Redis node is down",
                "The exporter beside {{ $labels.pod }} cannot reach its Redis server.",
            ),
        ),
    )


def opensearch_group() -> RuleGroup:
    health = 'elasticsearch_cluster_health_status{job="clipper-opensearch", color="%s"}'
    return RuleGroup(
        "opensearch",
        ("elasticsearch_exporter",),
        (
            Alert(
                "ClipperOpenSearchClusterRed",
                f"max by (namespace) ({health % 'red'}) == 1",
                "2m",
                "critical",
                "OpenSearch cluster health is red",
                "Some primary shards are unassigned: searches return partial results and writes fail.",
            ),
            Alert(
                "ClipperOpenSearchClusterYellow",
                f"max by (namespace) ({health % 'yellow'}) == 1",
                "15m",
                "warning",
                "OpenSearch cluster health is yellow",
                "Some replica shards are unassigned: one more node failure may lose data.",
            ),
        ),
    )


def platform_group(profile: Profile, platform: dict[str, Any]) -> RuleGroup:
    days = profile.monitoring.thresholds.certificate_expiry_days
    jobs = "|".join(target.job for target in scrape_targets(profile, platform))
    found = [
        Alert(
            "ClipperTargetDown",
            f'up{{job=~"{jobs}"}} == 0',
            "5m",
            "warning",
            "A scrape target is down",
            "Prometheus cannot scrape {{ $labels.instance }} of job {{ $labels.job }}.",
        ),
        Alert(
            "ClipperExternalSecretNotSynced",
            f"""max by (namespace, name) (
  externalsecret_status_condition{{job="external-secrets", namespace="{profile.namespace}", condition="Ready", status="False"}}
) == 1""",
            "15m",
            "warning",
            "An ExternalSecret does not sync",
            "ExternalSecret {{ $labels.name }} is not Ready: rotated values do not reach the cluster.",
        ),
    ]
    exporters = ["prometheus", "external-secrets"]
    if uses_cert_manager(profile):
        exporters.append("cert-manager")
        found += [
            Alert(
                "ClipperCertManagerCertificateExpiring",
                f'(certmanager_certificate_expiration_timestamp_seconds{{job="cert-manager"}} - time()) / 86400 < {days}',
                "1h",
                "warning",
                "A cert-manager certificate expires soon",
                f"Certificate {{{{ $labels.namespace }}}}/{{{{ $labels.name }}}} expires within {days} days and has not renewed.",
            ),
            Alert(
                "ClipperCertManagerCertificateNotReady",
                'max by (namespace, name) (certmanager_certificate_ready_status{job="cert-manager", condition="False"}) == 1',
                "15m",
                "warning",
                "A cert-manager certificate is not ready",
                "Certificate {{ $labels.namespace }}/{{ $labels.name }} is not Ready (issuance or renewal failed).",
            ),
        ]
    return RuleGroup("platform", tuple(exporters), tuple(found))


def rule_groups(profile: Profile, platform: dict[str, Any]) -> list[RuleGroup]:
    """Every group the profile needs: data-service groups only for in-cluster services."""
    groups = [api_group(profile), workloads_group(profile), ingress_group(profile), public_group(profile)]
    if in_cluster(profile, "postgres"):
        groups.append(postgres_group(profile, platform))
    elif backup_check.enabled(profile):
        groups.append(managed_postgres_group(profile, platform))
    if in_cluster(profile, "redis"):
        groups.append(redis_group())
    if in_cluster(profile, "opensearch"):
        groups.append(opensearch_group())
    groups.append(platform_group(profile, platform))
    return groups


def runbook_url(profile: Profile, alert: Alert) -> str:
    return f"{profile.monitoring.alerting.runbook_base_url}#{alert.name.lower()}"


def rule(profile: Profile, group: RuleGroup, alert: Alert) -> dict[str, Any]:
    return {
        "alert": alert.name,
        "expr": alert.expr,
        "for": alert.duration,
        "labels": {"severity": alert.severity, COMPONENT_LABEL: group.component, "namespace": profile.namespace},
        "annotations": {"summary": alert.summary, "description": alert.description, "runbook_url": runbook_url(profile, alert)},
    }


def rule_list(profile: Profile, group: RuleGroup) -> list[dict[str, Any]]:
    """The rules of a group's PrometheusRule (the template writes the object around them)."""
    return [rule(profile, group, alert) for alert in group.alerts]
