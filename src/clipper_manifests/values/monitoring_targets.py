"""Observability for Clipper: what Prometheus scrapes, where alerts go, and the stack's Helm values.

kube-prometheus-stack's Prometheus and Alertmanager only pick up monitoring objects labelled
`release: <release name>` (k8s-reference.md §9, "the release: label gotcha"). The HelmRelease
here sets its selectors from the same profile value that labels every monitoring object, so the
two cannot drift apart. Every scrape target also gets a fixed `job` label (`clipper-api`,
`clipper-postgres`, ...), so alert expressions do not depend on Service or PodMonitor names.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml

from clipper_manifests.profile.model import Profile
from clipper_manifests.values import data_tier

RELEASE_LABEL = "release"
# Every alert this tool defines names the part of the platform it is about (api, postgres, ...).
COMPONENT_LABEL = "component"
# Exporters kube-prometheus-stack scrapes itself, whatever the profile.
STACK_EXPORTERS = ("prometheus", "kube-state-metrics", "cadvisor")
BLACKBOX_MODULE = "http_2xx"
BLACKBOX_PORT = 9115
LOKI_PORT = 3100
DASHBOARD_FOLDER_ANNOTATION = "grafana_folder"
ScrapeKind = Literal["ServiceMonitor", "PodMonitor", "Probe"]


@dataclass(frozen=True)
class ScrapeTarget:
    """One ServiceMonitor, PodMonitor or Probe, and the exporters whose metrics it brings in."""

    kind: ScrapeKind
    name: str
    job: str
    exporters: tuple[str, ...]
    spec: dict[str, Any]


@cache
def known_metrics() -> dict[str, frozenset[str]]:
    """schemas/metrics.yaml: exporter → the metric names Clipper's rules and dashboards may use."""
    text = resources.files("clipper_manifests").joinpath("schemas", "metrics.yaml").read_text(encoding="utf-8")
    return {exporter: frozenset(names) for exporter, names in yaml.safe_load(text).items()}


def in_cluster(profile: Profile, service: str) -> bool:
    """Whether a data service runs in the cluster (and so has an exporter to scrape)."""
    return str(getattr(profile, service).mode) == "in-cluster"


def uses_cert_manager(profile: Profile) -> bool:
    return any(release.chart == "cert-manager" for release in data_tier.operator_releases(profile))


def object_labels(profile: Profile, platform: dict[str, Any]) -> dict[str, str]:
    """Labels of every monitoring object: the one kube-prometheus-stack selects on, and ours."""
    return {"app.kubernetes.io/part-of": platform["partOf"], RELEASE_LABEL: profile.monitoring.release_label}


def release_selector(profile: Profile) -> dict[str, Any]:
    return {"matchLabels": {RELEASE_LABEL: profile.monitoring.release_label}}


def _job(job: str) -> list[dict[str, Any]]:
    # Runs after the operator's own relabelling, which would name the job after the Service.
    return [{"targetLabel": "job", "replacement": job}]


def _endpoint(profile: Profile, job: str, port: str, path: str = "/metrics", honor_labels: bool = False) -> dict[str, Any]:
    endpoint: dict[str, Any] = {"port": port, "path": path, "interval": profile.monitoring.prometheus.scrape_interval}
    if honor_labels:
        # The exporter's `namespace` label names the object it reports on; keep it.
        endpoint["honorLabels"] = True
    endpoint["relabelings"] = _job(job)
    return endpoint


def api_target(profile: Profile, platform: dict[str, Any]) -> ScrapeTarget:
    api = platform["api"]
    endpoint = _endpoint(profile, "clipper-api", "http", "/debug/metrics")
    # /debug/metrics needs an admin bearer token (platform.md); the Secret is synced by ESO.
    endpoint["authorization"] = {"type": "Bearer", "credentials": {"name": platform["secrets"]["metricsToken"], "key": "token"}}
    spec = {"selector": {"matchLabels": {"app.kubernetes.io/name": api["name"]}}, "endpoints": [endpoint]}
    return ScrapeTarget("ServiceMonitor", "clipper-api", "clipper-api", ("clipper-api",), spec)


def ingress_target(profile: Profile, platform: dict[str, Any]) -> ScrapeTarget:
    """The controller's metrics Service (traefik-metrics / ingress-nginx-controller-metrics)."""
    if profile.ingress.controller == "traefik":
        labels, exporter = {"app.kubernetes.io/name": "traefik", "app.kubernetes.io/component": "metrics"}, "traefik"
    else:
        labels, exporter = {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"}, "ingress-nginx"
    spec = {
        "namespaceSelector": {"matchNames": [platform["ingress"]["namespace"]]},
        "selector": {"matchLabels": labels},
        "endpoints": [_endpoint(profile, "ingress-controller", "metrics")],
    }
    return ScrapeTarget("ServiceMonitor", "ingress-controller", "ingress-controller", (exporter,), spec)


def external_secrets_target(profile: Profile, platform: dict[str, Any]) -> ScrapeTarget:
    spec = {
        "namespaceSelector": {"matchNames": [platform["secrets"]["storeServiceAccount"]["namespace"]]},
        "selector": {"matchLabels": {"app.kubernetes.io/name": "external-secrets"}},
        "endpoints": [_endpoint(profile, "external-secrets", "metrics", honor_labels=True)],
    }
    return ScrapeTarget("ServiceMonitor", "external-secrets", "external-secrets", ("external-secrets",), spec)


def cert_manager_target(profile: Profile) -> ScrapeTarget:
    spec = {
        "namespaceSelector": {"matchNames": [data_tier.CERT_MANAGER.namespace]},
        "selector": {"matchLabels": {"app.kubernetes.io/name": "cert-manager", "app.kubernetes.io/component": "controller"}},
        # The chart names the controller Service's port http-metrics since v1.21 (before:
        # tcp-prometheus-servicemonitor, which matches no port of the pinned release).
        "endpoints": [_endpoint(profile, "cert-manager", "http-metrics", honor_labels=True)],
    }
    return ScrapeTarget("ServiceMonitor", "cert-manager", "cert-manager", ("cert-manager",), spec)


DATA_EXPORTERS = {
    "postgres": ("cloudnative-pg", "barman-cloud"),
    "redis": ("redis_exporter",),
    "opensearch": ("elasticsearch_exporter",),
}


def data_service_target(profile: Profile, platform: dict[str, Any], service: str) -> ScrapeTarget:
    """A PodMonitor on the in-cluster data service's pods (labels and port from platform.yaml)."""
    facts = platform["dataServices"][service]
    labels = dict(facts["labels"])
    if service == "postgres":
        labels["cnpg.io/podRole"] = "instance"  # not the poolers
    job = f"clipper-{service}"
    endpoint = _endpoint(profile, job, facts["metrics"]["port"])
    spec = {"selector": {"matchLabels": labels}, "podMetricsEndpoints": [endpoint]}
    return ScrapeTarget("PodMonitor", job, job, DATA_EXPORTERS[service], spec)


def public_probe(profile: Profile) -> ScrapeTarget:
    """Users' view through the blackbox exporter: the public host answers, and its certificate."""
    spec = {
        "jobName": "clipper-public",
        "interval": "60s",
        "module": BLACKBOX_MODULE,
        "prober": {"url": f"prometheus-blackbox-exporter.{profile.monitoring.namespace}.svc:{BLACKBOX_PORT}"},
        "targets": {"staticConfig": {"static": [f"https://{profile.domain}/health", f"https://{profile.domain}/"]}},
    }
    return ScrapeTarget("Probe", "clipper-public", "clipper-public", ("blackbox_exporter",), spec)


def scrape_targets(profile: Profile, platform: dict[str, Any]) -> list[ScrapeTarget]:
    targets = [api_target(profile, platform), ingress_target(profile, platform), external_secrets_target(profile, platform)]
    targets += [data_service_target(profile, platform, service) for service in DATA_EXPORTERS if in_cluster(profile, service)]
    if uses_cert_manager(profile):
        targets.append(cert_manager_target(profile))
    targets.append(public_probe(profile))
    return targets


def scraped_exporters(profile: Profile, platform: dict[str, Any]) -> set[str]:
    return {*STACK_EXPORTERS, *(exporter for target in scrape_targets(profile, platform) for exporter in target.exporters)}


def _equals(name: str, value: str) -> dict[str, str]:
    # No `matchType: "="`: equality is the default, and a bare `=` is YAML 1.1's value tag, which
    # PyYAML cannot load from `kubectl kustomize` output (Go writes it unquoted).
    return {"name": name, "value": value}


def _receiver(profile: Profile, platform: dict[str, Any], severity: str) -> dict[str, Any]:
    alerting, secret = profile.monitoring.alerting, platform["secrets"]["alerting"]
    if alerting.receiver == "pagerduty":
        config: dict[str, Any] = {
            "routingKey": {"name": secret, "key": "pagerduty"},
            # PagerDuty maps the event severity to urgency: warnings do not page at night.
            "severity": severity,
            "class": "{{ .CommonLabels.alertname }}",
            "component": "{{ .CommonLabels.component }}",
            "group": profile.cluster.name,
            "details": [
                {"key": "environment", "value": profile.environment},
                {"key": "runbook", "value": "{{ .CommonAnnotations.runbook_url }}"},
            ],
            "sendResolved": True,
        }
        if alerting.pagerduty is not None and alerting.pagerduty.url:
            config["url"] = alerting.pagerduty.url
        return {"name": severity, "pagerdutyConfigs": [config]}
    assert alerting.opsgenie is not None, "the profile schema requires alerting.opsgenie with receiver opsgenie"
    opsgenie = alerting.opsgenie
    config = {
        "apiKey": {"name": secret, "key": "opsgenie"},
        "apiURL": opsgenie.api_url,
        "priority": opsgenie.critical_priority if severity == "critical" else opsgenie.warning_priority,
        "message": "[{{ .CommonLabels.severity }}] {{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}",
        "tags": f"clipper,{profile.environment},{profile.cluster.name}",
        "details": [{"key": "runbook", "value": "{{ .CommonAnnotations.runbook_url }}"}],
        "sendResolved": True,
    }
    if opsgenie.responders:
        config["responders"] = [{"type": item.type, "name": item.name} for item in opsgenie.responders]
    return {"name": severity, "opsgenieConfigs": [config]}


# Always firing (kube-prometheus-stack's `general` rules): while notifications about it arrive,
# the whole path Prometheus → Alertmanager → internet works. A dead-man's-switch service
# (Healthchecks.io, Dead Man's Snitch, Cronitor, ...) pages through the on-call service when the
# pings stop; its ping URL is the `heartbeat` key of alertmanager-keys (it carries a token).
WATCHDOG = "Watchdog"
# The chart's rule that exists only to inhibit `severity=info` alerts; never a notification.
INFO_INHIBITOR = "InfoInhibitor"
HEARTBEAT_KEY = "heartbeat"
HEARTBEAT_INTERVAL = "1m"
SILENT_RECEIVER = "none"


def _heartbeat_route() -> dict[str, Any]:
    # Re-sent every minute while it fires: the service's period can be a few minutes.
    return {
        "receiver": "heartbeat",
        "matchers": [_equals("alertname", WATCHDOG)],
        "groupBy": ["alertname"],
        "groupWait": "0s",
        "groupInterval": HEARTBEAT_INTERVAL,
        "repeatInterval": HEARTBEAT_INTERVAL,
    }


def alertmanager_config(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    """The whole routing tree, for the platform's alerts as much as Clipper's: nodes, volumes
    filling, Prometheus and Alertmanager health reach the on-call too (the chart's own root route
    sends them to a `null` receiver). That works because the Alertmanager adds no
    `namespace=<this namespace>` matcher (`alertmanagerConfigMatcherStrategy: None` in
    stack_values) and reads AlertmanagerConfigs from the application namespace only. The operator
    puts this route first, with `continue: true`, before the chart's routes, which only lead to
    `null`: so every alert is notified once, here."""
    alerting = profile.monitoring.alerting
    secret = platform["secrets"]["alerting"]
    heartbeat = {"name": "heartbeat", "webhookConfigs": [{"urlSecret": {"name": secret, "key": HEARTBEAT_KEY}, "sendResolved": False}]}
    return {
        "route": {
            "receiver": "warning",
            "groupBy": list(alerting.group_by),
            "groupWait": alerting.group_wait,
            "groupInterval": alerting.group_interval,
            "repeatInterval": alerting.repeat_interval.warning,
            "routes": [
                _heartbeat_route(),
                # Info alerts (and the rule that inhibits them) are for dashboards, not people.
                {"receiver": SILENT_RECEIVER, "matchers": [_equals("alertname", INFO_INHIBITOR)]},
                {"receiver": SILENT_RECEIVER, "matchers": [_equals("severity", "info")]},
                {
                    "receiver": "critical",
                    "matchers": [_equals("severity", "critical")],
                    "repeatInterval": alerting.repeat_interval.critical,
                },
            ],
        },
        "receivers": [
            _receiver(profile, platform, "critical"),
            _receiver(profile, platform, "warning"),
            heartbeat,
            {"name": SILENT_RECEIVER},
        ],
        # While a Clipper component pages, its warnings (slow, one target down, ...) add nothing.
        # Only alerts with a component inhibit: for the platform's alerts, which have none, an
        # empty `component` would be "equal" and one critical would mute every warning.
        "inhibitRules": [
            {
                "sourceMatch": [_equals("severity", "critical"), {"name": COMPONENT_LABEL, "value": ".+", "matchType": "=~"}],
                "targetMatch": [_equals("severity", "warning")],
                "equal": [COMPONENT_LABEL],
            }
        ],
    }


def _volume(size: str, storage_class: str) -> dict[str, Any]:
    # The tool's own class, not the cluster's default (newer EKS clusters have none): the
    # controllers stage applies it beside these releases (infrastructure/controllers/storageclass).
    spec = {"storageClassName": storage_class, "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}
    return {"volumeClaimTemplate": {"spec": spec}}


def loki_url(profile: Profile) -> str:
    return f"http://loki.{profile.monitoring.namespace}.svc.cluster.local:{LOKI_PORT}"


def stack_values(profile: Profile, storage_class: str) -> dict[str, Any]:
    """kube-prometheus-stack: Prometheus, Alertmanager, Grafana, kube-state-metrics, node-exporter."""
    settings, selector = profile.monitoring, release_selector(profile)
    return {
        "crds": {"enabled": True},
        "prometheus": {
            "prometheusSpec": {
                "replicas": settings.prometheus.replicas,
                "retention": settings.prometheus.retention,
                "scrapeInterval": settings.prometheus.scrape_interval,
                "externalLabels": {"cluster": profile.cluster.name, "environment": profile.environment},
                # Stated, not left to the chart's default: what the `release` label is for.
                "serviceMonitorSelector": selector,
                "podMonitorSelector": selector,
                "probeSelector": selector,
                "ruleSelector": selector,
                "storageSpec": _volume(settings.prometheus.storage_size, storage_class),
                "resources": {"requests": {"cpu": "250m", "memory": "1Gi"}},
            }
        },
        "alertmanager": {
            "alertmanagerSpec": {
                "replicas": settings.prometheus.replicas,
                "alertmanagerConfigSelector": selector,
                # Our AlertmanagerConfig routes every alert (alertmanager_config), so it must see
                # the platform's too, and it alone: only the application namespace is read.
                "alertmanagerConfigNamespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": profile.namespace}},
                "alertmanagerConfigMatcherStrategy": {"type": "None"},
                "storage": _volume("2Gi", storage_class),
            }
        },
        "grafana": {
            "defaultDashboardsTimezone": "utc",
            "sidecar": {
                "dashboards": {
                    "enabled": True,
                    "label": settings.grafana.dashboard_label,
                    "labelValue": settings.grafana.dashboard_label_value,
                    "searchNamespace": "ALL",
                    "folderAnnotation": DASHBOARD_FOLDER_ANNOTATION,
                    "provider": {"foldersFromFilesStructure": True},
                }
            },
            "additionalDataSources": [{"name": "Loki", "type": "loki", "uid": "loki", "access": "proxy", "url": loki_url(profile)}],
        },
    }


def blackbox_values() -> dict[str, Any]:
    return {
        "config": {
            "modules": {
                BLACKBOX_MODULE: {
                    "prober": "http",
                    "timeout": "10s",
                    "http": {"valid_status_codes": [200], "preferred_ip_protocol": "ip4", "fail_if_not_ssl": True},
                }
            }
        }
    }


def loki_values(profile: Profile, storage_class: str) -> dict[str, Any]:
    """Single-binary Loki on a persistent volume; the compactor deletes logs past the retention."""
    settings = profile.monitoring.loki
    return {
        "deploymentMode": "SingleBinary",
        "loki": {
            "auth_enabled": False,
            "commonConfig": {"replication_factor": 1},
            "storage": {"type": "filesystem"},
            "schemaConfig": {
                "configs": [
                    {
                        "from": "2025-01-01",
                        "store": "tsdb",
                        "object_store": "filesystem",
                        "schema": "v13",
                        "index": {"prefix": "loki_index_", "period": "24h"},
                    }
                ]
            },
            "limits_config": {"retention_period": settings.retention},
            "compactor": {"retention_enabled": True, "delete_request_store": "filesystem"},
            # Loki's egress is closed but for DNS and its own pods (monitoring_network.py): the
            # usage report to stats.grafana.org would only fail and log that it did.
            "analytics": {"reporting_enabled": False},
        },
        "singleBinary": {"replicas": 1, "persistence": {"enabled": True, "size": settings.storage_size, "storageClass": storage_class}},
        # The other deployment modes' components, off (the chart refuses a mix).
        "backend": {"replicas": 0},
        "read": {"replicas": 0},
        "write": {"replicas": 0},
        "gateway": {"enabled": False},
        "chunksCache": {"enabled": False},
        "resultsCache": {"enabled": False},
        "lokiCanary": {"enabled": False},
        "test": {"enabled": False},
    }


@dataclass(frozen=True)
class StackRelease:
    """A HelmRelease of the monitoring stack (chart = key of platform.charts and the object's name)."""

    chart: str
    values: dict[str, Any]
    release_name: str


def stack_releases(profile: Profile, platform: dict[str, Any]) -> list[StackRelease]:
    storage_class = platform["storageClass"]
    return [
        # Its release name is what its own monitors are labelled with and what it selects on.
        StackRelease("kube-prometheus-stack", stack_values(profile, storage_class), profile.monitoring.release_label),
        StackRelease("prometheus-blackbox-exporter", blackbox_values(), "prometheus-blackbox-exporter"),
        StackRelease("loki", loki_values(profile, storage_class), "loki"),
    ]
