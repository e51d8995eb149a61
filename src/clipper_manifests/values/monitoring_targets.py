"""Observability for Clipper: what Prometheus scrapes (where alerts go is alert_routing.py, the
stack's Helm values monitoring_stack.py).

kube-prometheus-stack's Prometheus and Alertmanager only pick up monitoring objects labelled
`release: <release name>` (k8s-reference.md §9, "the release: label gotcha"). The HelmRelease
here sets its selectors from the same profile value that labels every monitoring object, so the
two cannot drift apart. Every scrape target also gets a fixed `job` label (`clipper-api`,
`clipper-postgres`, ...), so alert expressions do not depend on Service or PodMonitor names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

import yaml

from clipper_manifests import memo
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
    # What the template writes into the object (monitoring-scrape.yaml.j2 owns its shape):
    labels: dict[str, str] = field(default_factory=dict)  # the pods or Services selected
    endpoints: list[dict[str, Any]] = field(default_factory=list)  # endpoints / podMetricsEndpoints
    namespaces: list[str] | None = None  # namespaceSelector.matchNames, when not the object's own
    # A Probe: the prober and what it probes.
    interval: str = ""
    module: str = ""
    prober_url: str = ""
    urls: list[str] = field(default_factory=list)


@memo.function("monitoring.known-metrics", 1)
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
    labels = {"app.kubernetes.io/name": api["name"]}
    return ScrapeTarget("ServiceMonitor", "clipper-api", "clipper-api", ("clipper-api",), labels, [endpoint])


def ingress_target(profile: Profile, platform: dict[str, Any]) -> ScrapeTarget:
    """The controller's metrics Service (traefik-metrics / ingress-nginx-controller-metrics)."""
    if profile.ingress.controller == "traefik":
        labels, exporter = {"app.kubernetes.io/name": "traefik", "app.kubernetes.io/component": "metrics"}, "traefik"
    else:
        labels, exporter = {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"}, "ingress-nginx"
    endpoints = [_endpoint(profile, "ingress-controller", "metrics")]
    namespaces = [platform["ingress"]["namespace"]]
    return ScrapeTarget("ServiceMonitor", "ingress-controller", "ingress-controller", (exporter,), labels, endpoints, namespaces)


def external_secrets_target(profile: Profile, platform: dict[str, Any]) -> ScrapeTarget:
    labels = {"app.kubernetes.io/name": "external-secrets"}
    endpoints = [_endpoint(profile, "external-secrets", "metrics", honor_labels=True)]
    namespaces = [platform["secrets"]["storeServiceAccount"]["namespace"]]
    return ScrapeTarget("ServiceMonitor", "external-secrets", "external-secrets", ("external-secrets",), labels, endpoints, namespaces)


def cert_manager_target(profile: Profile) -> ScrapeTarget:
    labels = {"app.kubernetes.io/name": "cert-manager", "app.kubernetes.io/component": "controller"}
    # The chart names the controller Service's port http-metrics since v1.21 (before:
    # tcp-prometheus-servicemonitor, which matches no port of the pinned release).
    endpoints = [_endpoint(profile, "cert-manager", "http-metrics", honor_labels=True)]
    return ScrapeTarget(
        "ServiceMonitor", "cert-manager", "cert-manager", ("cert-manager",), labels, endpoints, [data_tier.CERT_MANAGER.namespace]
    )


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
    return ScrapeTarget("PodMonitor", job, job, DATA_EXPORTERS[service], labels, [endpoint])


def public_probe(profile: Profile) -> ScrapeTarget:
    """Users' view through the blackbox exporter: the public host answers, and its certificate."""
    return ScrapeTarget(
        "Probe",
        "clipper-public",
        "clipper-public",
        ("blackbox_exporter",),
        interval="60s",
        module=BLACKBOX_MODULE,
        prober_url=f"prometheus-blackbox-exporter.{profile.monitoring.namespace}.svc:{BLACKBOX_PORT}",
        urls=[f"https://{profile.domain}/health", f"https://{profile.domain}/"],
    )


def scrape_targets(profile: Profile, platform: dict[str, Any]) -> list[ScrapeTarget]:
    targets = [api_target(profile, platform), ingress_target(profile, platform), external_secrets_target(profile, platform)]
    targets += [data_service_target(profile, platform, service) for service in DATA_EXPORTERS if in_cluster(profile, service)]
    if uses_cert_manager(profile):
        targets.append(cert_manager_target(profile))
    targets.append(public_probe(profile))
    return targets


def scraped_exporters(profile: Profile, platform: dict[str, Any]) -> set[str]:
    return {*STACK_EXPORTERS, *(exporter for target in scrape_targets(profile, platform) for exporter in target.exporters)}
