"""The monitoring namespace's NetworkPolicies: no pod there takes a connection no policy admits.

Ingress is denied to every pod of the namespace; then each component admits its clients only
(labels and container ports: templates/platform.yaml `network.monitoringPods`):

- Prometheus: Grafana (queries) and itself (the chart's self-scrape of Prometheus and its
  config-reloader);
- Alertmanager: Prometheus (alerts and scrape), Grafana (the chart's Alertmanager data source)
  and its own replicas (cluster mesh, TCP and UDP);
- Grafana, kube-state-metrics and the blackbox exporter: Prometheus (scrape). People reach
  Grafana through `kubectl port-forward`, which the kubelet opens inside the pod's network
  namespace, so no policy stands between them (and none is needed);
- Loki: Grafana and Alloy on its HTTP port, its own pods on gRPC and memberlist. Loki serves
  push and query on that one port, so a policy cannot let Alloy write without letting it read;
  Alloy's ClusterRole already reads every pod's log (`pods/log`, for loki.source.kubernetes),
  so that gives it nothing it lacks. Everything else (Prometheus too: nothing scrapes Loki) is
  denied, which is what keeps the logs to Grafana: Loki has no authentication of its own
  (`auth_enabled` only requires a tenant header);
- the Prometheus Operator: its HTTPS port from any source. The API server calls the admission
  webhooks there (PrometheusRule and AlertmanagerConfig validation, failurePolicy Ignore), and it
  is not a pod: it comes from control-plane addresses the profile does not hold (on GKE and DOKS
  through Konnectivity agents), so no selector can name it; dropping it would make every
  PrometheusRule apply wait for the webhook's timeout. The port serves only TLS: the webhooks and
  the operator's metrics.

Egress stays open except Loki's. Prometheus scrapes node addresses (kubelets, node-exporter on
the host network), the control plane and pods in every namespace (the targets' own policies say
who may scrape them); Grafana's sidecars, the operator, kube-state-metrics and Alloy talk to the
API server; Alertmanager and the blackbox exporter reach the internet. Those are addresses no
selector names, so their allow-lists would be "anywhere" in all but name. Loki, which holds every
pod's logs, needs only DNS and its own pods: closing the rest means nothing it holds leaves.
"""

from __future__ import annotations

from typing import Any

from clipper_manifests.profile.model import Profile
from clipper_manifests.values.network import dns_peers, pod_selector


def _pods(platform: dict[str, Any], component: str) -> dict[str, Any]:
    facts: dict[str, Any] = platform["network"]["monitoringPods"][component]
    return facts


def _from(platform: dict[str, Any], *components: str) -> list[dict[str, Any]]:
    return [{"podSelector": pod_selector(_pods(platform, component)["labels"])} for component in components]


def _ports(platform: dict[str, Any], component: str, *names: str, protocol: str = "TCP") -> list[dict[str, Any]]:
    ports = _pods(platform, component)["ports"]
    return [{"protocol": protocol, "port": ports[name]} for name in names]


def _policy(platform: dict[str, Any], component: str, ingress: list[dict[str, Any]]) -> dict[str, Any]:
    selector = pod_selector(_pods(platform, component)["labels"])
    return {"name": component, "podSelector": selector, "ingress": ingress, "egress": None}


def _scraped_only(platform: dict[str, Any], component: str) -> dict[str, Any]:
    ports = list(_pods(platform, component)["ports"])
    return _policy(platform, component, [{"from": _from(platform, "prometheus"), "ports": _ports(platform, component, *ports)}])


def policies(profile: Profile, platform: dict[str, Any]) -> list[dict[str, Any]]:
    """Each component's policy: name, podSelector, ingress rules, and (Loki) egress rules."""
    loki_peers = {"ports": _ports(platform, "loki", "grpc", "memberlist")}
    loki = _policy(
        platform,
        "loki",
        [
            {"from": _from(platform, "grafana", "alloy"), "ports": _ports(platform, "loki", "http")},
            {"from": _from(platform, "loki"), **loki_peers},
        ],
    )
    loki["egress"] = [
        {"to": _from(platform, "loki"), **loki_peers},
        {"to": dns_peers(profile, platform), "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]},
    ]
    return [
        _policy(
            platform,
            "prometheus",
            [
                {"from": _from(platform, "grafana"), "ports": _ports(platform, "prometheus", "web")},
                {"from": _from(platform, "prometheus"), "ports": _ports(platform, "prometheus", "web", "reloader")},
            ],
        ),
        _policy(
            platform,
            "alertmanager",
            [
                {"from": _from(platform, "prometheus"), "ports": _ports(platform, "alertmanager", "web", "reloader")},
                {"from": _from(platform, "grafana"), "ports": _ports(platform, "alertmanager", "web")},
                {
                    "from": _from(platform, "alertmanager"),
                    "ports": _ports(platform, "alertmanager", "mesh") + _ports(platform, "alertmanager", "mesh", protocol="UDP"),
                },
            ],
        ),
        _scraped_only(platform, "grafana"),
        _scraped_only(platform, "kube-state-metrics"),
        _scraped_only(platform, "blackbox-exporter"),
        # No `from`: any source, the API server included (see the module's docstring).
        _policy(platform, "prometheus-operator", [{"ports": _ports(platform, "prometheus-operator", "https")}]),
        loki,
    ]
