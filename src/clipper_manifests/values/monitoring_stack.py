"""Helm values of the monitoring stack: kube-prometheus-stack, the blackbox exporter, Loki."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clipper_manifests.profile.model import Profile
from clipper_manifests.values.monitoring_targets import BLACKBOX_MODULE, DASHBOARD_FOLDER_ANNOTATION, LOKI_PORT, release_selector


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
