"""The application namespace's NetworkPolicies: deny everything, then allow what platform.md needs.

Peers come from two places: in-cluster data services are selected by their pod labels
(templates/platform.yaml `dataServices`), managed ones by the CIDRs the profile declares
(`network.endpoints`) on the port of their endpoint. rules/security/ proves the
result from the emitted objects, not from this module, so a template that drops a rule fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network
from typing import Any
from urllib.parse import urlsplit

from clipper_manifests.profile.model import Profile
from clipper_manifests.values.external_secrets import in_cluster
from clipper_manifests.values.redis_opensearch import managed_redis_port_ranges

SERVICES = ("postgres", "redis", "opensearch")
NAME_LABEL = "kubernetes.io/metadata.name"


def namespace_peer(namespace: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {NAME_LABEL: namespace}}}


def tcp(ports: list[int] | tuple[int, ...]) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": port} for port in ports]


def tcp_ranges(ranges: list[tuple[int, int]]) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": first, "endPort": last} for first, last in ranges]


def managed_port(profile: Profile, service: str) -> int | None:
    """The port of a managed (or external) service's endpoint, from its profile section."""
    section = getattr(profile, service)
    for block_name in ("managed", "external"):
        block = getattr(section, block_name, None)
        if block is None:
            continue
        port = getattr(block, "port", None)
        if isinstance(port, int):
            return port
        url = getattr(block, "url", None)
        if isinstance(url, str):
            parsed = urlsplit(url)
            return parsed.port or (443 if parsed.scheme == "https" else 80)
    return None


def metrics_ports(platform: dict[str, Any], service: str) -> list[int]:
    """The exporter port Prometheus scrapes on an in-cluster data service's pods."""
    metrics = platform["dataServices"][service].get("metrics")
    return [int(metrics["number"])] if metrics else []


@dataclass(frozen=True)
class ServicePeers:
    """How the API reaches one data service, and (in-cluster) how that service's pods talk."""

    name: str
    in_cluster: bool
    to: list[dict[str, Any]]
    ports: list[dict[str, Any]]
    selector: dict[str, Any] | None = None
    peer_ports: list[dict[str, Any]] | None = None
    metrics_ports: list[dict[str, Any]] | None = None
    operator: dict[str, Any] | None = None
    operator_ports: list[dict[str, Any]] | None = None


def service_peers(profile: Profile, platform: dict[str, Any], service: str) -> ServicePeers | None:
    """None when a managed service has no declared CIDRs (a profile rule reports that)."""
    facts, network = platform["dataServices"][service], platform["network"]
    if in_cluster(getattr(profile, service).mode):
        selector = {"matchLabels": dict(facts["labels"])}
        operator = network["operators"].get(service)
        return ServicePeers(
            name=service,
            in_cluster=True,
            to=[{"podSelector": selector}],
            ports=tcp(network["clientPorts"][service]),
            selector=selector,
            peer_ports=tcp(facts["ports"]),
            metrics_ports=tcp(metrics_ports(platform, service)),
            operator=namespace_peer(operator["namespace"]) if operator else None,
            operator_ports=tcp(operator["ports"]) if operator else None,
        )
    endpoint = profile.network.endpoints.get(service)
    if endpoint is None:
        return None
    ports = list(endpoint.ports) or [port for port in (managed_port(profile, service),) if port is not None]
    # A managed Redis Cluster's node ports come with its kind, whatever `ports` says about the endpoint.
    ranges = managed_redis_port_ranges(profile, platform) if service == "redis" else []
    return ServicePeers(
        name=service,
        in_cluster=False,
        to=[{"ipBlock": {"cidr": cidr}} for cidr in endpoint.cidrs],
        ports=tcp(ports) + tcp_ranges(ranges),
    )


def internet_peers(profile: Profile) -> dict[str, Any]:
    internet = profile.network.internet
    peers = []
    for cidr in internet.cidrs:
        block: dict[str, Any] = {"cidr": cidr}
        excluded = [other for other in internet.except_cidrs if _within(other, cidr)]
        if excluded:
            block["except"] = excluded
        peers.append({"ipBlock": block})
    return {"to": peers, "ports": tcp(internet.ports)}


def _within(inner: str, outer: str) -> bool:
    """`except` entries must lie inside their ipBlock's cidr (the API server refuses others)."""
    return IPv4Network(inner).subnet_of(IPv4Network(outer))


def pod_selector(labels: dict[str, str]) -> dict[str, Any]:
    return {"matchLabels": dict(labels)}


def dns_peers(profile: Profile, platform: dict[str, Any]) -> list[dict[str, Any]]:
    """The cluster DNS pods, and on GKE the node-local resolvers of NodeLocal DNSCache and Cloud DNS."""
    network = platform["network"]
    peers = [{**namespace_peer(network["dnsNamespace"]), "podSelector": pod_selector(network["dnsLabels"])}]
    if profile.provider == "gcp":
        peers += [{"ipBlock": {"cidr": cidr}} for cidr in network["gkeDnsResolvers"]]
    return peers


def template_context(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    """What the NetworkPolicy templates see as `network`."""
    network = platform["network"]
    prometheus = pod_selector(network["monitoringPods"]["prometheus"]["labels"])
    services = [peers for peers in (service_peers(profile, platform, name) for name in SERVICES) if peers is not None]
    return {
        "dns": dns_peers(profile, platform),
        "ingress_controller": [namespace_peer(platform["ingress"]["namespace"])],
        "monitoring": [{**namespace_peer(profile.monitoring.namespace), "podSelector": prometheus}],
        "api": pod_selector({"app.kubernetes.io/name": platform["api"]["name"]}),
        "frontend": pod_selector({"app.kubernetes.io/name": platform["frontend"]["name"]}),
        "migrations": pod_selector({"app.kubernetes.io/name": "migrations"}),
        "services": services,
        "postgres": next((peers for peers in services if peers.name == "postgres"), None),
        "in_cluster": [peers for peers in services if peers.in_cluster],
        "internet": internet_peers(profile),
        # GKE Workload Identity: tokens come from the metadata server (169.254.169.254:80).
        "metadata": {"to": [{"ipBlock": {"cidr": "169.254.169.254/32"}}], "ports": tcp([80])} if profile.provider == "gcp" else None,
        "api_needs_metadata": profile.provider == "gcp" and bool(profile.api.cloud_identity.gcp_service_account),
    }
