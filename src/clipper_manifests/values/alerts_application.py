"""Clipper's alert rules: one PrometheusRule per component, thresholds from the profile.

Each rule group names the exporters its expressions read (keys of schemas/metrics.yaml); a
test parses every expression and proves it names only those exporters' metrics, and that the
profile scrapes them. Every alert carries `severity`, `component` and the application
`namespace` (the AlertmanagerConfig of that namespace only receives alerts with that label,
so aggregations and targets in other namespaces would otherwise never be routed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from clipper_manifests.dr import restore_test_name
from clipper_manifests.profile.model import Profile
from clipper_manifests.values import backup_check
from clipper_manifests.values.monitoring_targets import COMPONENT_LABEL, in_cluster, scrape_targets, uses_cert_manager

Severity = Literal["critical", "warning"]


@dataclass(frozen=True)
class Alert:
    name: str
    expr: str
    duration: str  # the rule's `for`
    severity: Severity
    summary: str
    description: str


@dataclass(frozen=True)
class RuleGroup:
    component: str
    exporters: tuple[str, ...]
    alerts: tuple[Alert, ...]

    @property
    def name(self) -> str:
        return f"clipper-{self.component}"


def number(value: float) -> str:
    """0.5 → "0.5", 1.0 → "1": thresholds as PromQL literals."""
    return f"{value:g}"


def api_group(profile: Profile) -> RuleGroup:
    limits, api = profile.monitoring.thresholds, f'job="clipper-api", namespace="{profile.namespace}"'
    return RuleGroup(
        "api",
        ("prometheus", "clipper-api"),
        (
            Alert(
                "ClipperApiDown",
                f"absent(up{{{api}}} == 1)",
                "2m",
                "critical",
                "No API pod can be scraped",
                "Prometheus has not reached any API pod for 2 minutes: the API is down, or scraping broke (ServiceMonitor, metrics token).",
            ),
            Alert(
                "ClipperApiHighErrorRate",
                f"""(
  sum by (namespace) (rate(http_requests_total{{{api}, status=~"5.."}}[5m]))
/
  sum by (namespace) (rate(http_requests_total{{{api}}}[5m]))
) * 100 > {number(limits.error_rate_percent)}""",
                "5m",
                "critical",
                "API 5xx responses above the error budget",
                f'{{{{ $value | printf "%.2f" }}}} % of API responses were 5xx over the last 5 minutes '
                f"(SLO threshold {number(limits.error_rate_percent)} %).",
            ),
            Alert(
                "ClipperApiHighLatency",
                f"""histogram_quantile(0.95,
  sum by (namespace, le) (rate(http_request_duration_seconds_bucket{{{api}}}[5m]))
) > {number(limits.latency_p95_seconds)}""",
                "10m",
                "warning",
                "API p95 latency is high",
                f"95 % of API requests took up to {{{{ $value | humanizeDuration }}}} over the last 5 minutes "
                f"(threshold {number(limits.latency_p95_seconds)} s).",
            ),
        ),
    )


def workloads_group(profile: Profile) -> RuleGroup:
    limits, ns = profile.monitoring.thresholds, f'namespace="{profile.namespace}"'
    return RuleGroup(
        "workloads",
        ("kube-state-metrics",),
        (
            Alert(
                "ClipperPodCrashLooping",
                f'max_over_time(kube_pod_container_status_waiting_reason{{{ns}, reason="CrashLoopBackOff"}}[5m]) >= 1',
                "10m",
                "warning",
                "A container is crash-looping",
                "Container {{ $labels.container }} of pod {{ $labels.pod }} keeps restarting (CrashLoopBackOff).",
            ),
            Alert(
                "ClipperContainerOOMKilled",
                f"""increase(kube_pod_container_status_restarts_total{{{ns}}}[15m]) > 0
and on (namespace, pod, container)
kube_pod_container_status_last_terminated_reason{{{ns}, reason="OOMKilled"}} == 1""",
                "1m",
                "warning",
                "A container was OOM-killed",
                "Container {{ $labels.container }} of pod {{ $labels.pod }} restarted after running out of memory.",
            ),
            Alert(
                "ClipperHpaAtMaximum",
                f"""kube_horizontalpodautoscaler_status_current_replicas{{{ns}}}
>= on (namespace, horizontalpodautoscaler)
kube_horizontalpodautoscaler_spec_max_replicas{{{ns}}}""",
                limits.hpa_at_max_for,
                "warning",
                "An autoscaler is at its maximum",
                f"HorizontalPodAutoscaler {{{{ $labels.horizontalpodautoscaler }}}} has run at its maximum replicas "
                f"for {limits.hpa_at_max_for}: it cannot absorb more load.",
            ),
            Alert(
                "ClipperPdbBlocksEvictions",
                f"""kube_poddisruptionbudget_status_pod_disruptions_allowed{{{ns}}} == 0
and on (namespace, poddisruptionbudget)
kube_poddisruptionbudget_status_expected_pods{{{ns}}} > 0""",
                "30m",
                "warning",
                "A PodDisruptionBudget allows no disruption",
                "PodDisruptionBudget {{ $labels.poddisruptionbudget }} has allowed no voluntary disruption for "
                "30 minutes: node drains and upgrades are blocked.",
            ),
        ),
    )


def ingress_group(profile: Profile) -> RuleGroup:
    threshold = number(profile.monitoring.thresholds.error_rate_percent)
    extra: tuple[Alert, ...] = ()
    if profile.ingress.controller == "traefik":
        errors = 'traefik_entrypoint_requests_total{job="ingress-controller", code=~"5.."}'
        total = 'traefik_entrypoint_requests_total{job="ingress-controller"}'
        exporter = "traefik"
    else:
        # ingress-nginx labels requests with the Ingress's namespace (kept as exported_namespace).
        scope = f'job="ingress-controller", exported_namespace="{profile.namespace}"'
        errors, total = f'nginx_ingress_controller_requests{{{scope}, status=~"5.."}}', f"nginx_ingress_controller_requests{{{scope}}}"
        exporter = "ingress-nginx"
        extra = (
            Alert(
                "ClipperIngressConfigReloadFailed",
                'nginx_ingress_controller_config_last_reload_successful{job="ingress-controller"} == 0',
                "10m",
                "warning",
                "ingress-nginx failed to reload its configuration",
                "Pod {{ $labels.pod }} runs an old configuration: its last reload failed.",
            ),
        )
    error_rate = Alert(
        "ClipperIngressHighErrorRate",
        f"sum(rate({errors}[5m])) / sum(rate({total}[5m])) * 100 > {threshold}",
        "5m",
        "warning",
        "Many 5xx responses at the ingress controller",
        f'{{{{ $value | printf "%.2f" }}}} % of responses at the edge were 5xx over 5 minutes (threshold {threshold} %).',
    )
    return RuleGroup("ingress", (exporter,), (error_rate, *extra))


def public_group(profile: Profile) -> RuleGroup:
    days = profile.monitoring.thresholds.certificate_expiry_days
    return RuleGroup(
        "public",
        ("blackbox_exporter",),
        (
            Alert(
                "ClipperPublicEndpointDown",
                'probe_success{job="clipper-public"} == 0',
                "3m",
                "critical",
                "The public site does not answer",
                f"{{{{ $labels.instance }}}} has failed every probe for 3 minutes (HTTPS, status 200): users of "
                f"{profile.domain} see an outage.",
            ),
            Alert(
                "ClipperCertificateExpiringSoon",
                f'(probe_ssl_earliest_cert_expiry{{job="clipper-public"}} - time()) / 86400 < {days}',
                "1h",
                "warning",
                "The public TLS certificate expires soon",
                f'The certificate served for {{{{ $labels.instance }}}} expires in {{{{ $value | printf "%.0f" }}}} days '
                f"(threshold {days}): the load balancer's managed certificate did not renew.",
            ),
        ),
    )


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
    """The monthly restore test (dr.py): its CronJob's last run did not succeed, or no run has
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


def prometheus_rule_spec(profile: Profile, group: RuleGroup) -> dict[str, Any]:
    return {"groups": [{"name": group.name, "rules": [rule(profile, group, alert) for alert in group.alerts]}]}
