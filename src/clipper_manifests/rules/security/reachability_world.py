"""The world of one profile for the reachability check: its parties (workloads, services, the
internet, the metadata endpoint) and the flows it needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Network
from typing import Any

from clipper_manifests.profile.model import Profile
from clipper_manifests.rules.policy.objects import Document, pod_spec
from clipper_manifests.rules.security.reachability_model import INTERNET_IP, METADATA_IP, Flow, Party
from clipper_manifests.values.external_secrets import in_cluster
from clipper_manifests.values.network import SERVICES, managed_port, metrics_ports
from clipper_manifests.values.redis_opensearch import managed_redis_port_ranges


def _representative(cidr: str) -> str:
    network = IPv4Network(cidr)
    if network.prefixlen == 0:
        return INTERNET_IP
    return str(network.network_address + 1) if network.num_addresses > 2 else str(network.network_address)


@dataclass
class World:
    """The parties of one profile and the flows it must and may have."""

    namespace: str
    parties: list[Party] = field(default_factory=list)
    required: dict[Flow, str] = field(default_factory=dict)  # flow → why it is needed
    tolerated: set[Flow] = field(default_factory=set)

    def party(self, name: str) -> Party:
        return next(party for party in self.parties if party.name == name)

    def need(self, source: str, target: str, ports: list[int], why: str, protocol: str = "TCP") -> None:
        names = {party.name for party in self.parties}
        if source not in names or target not in names:
            return  # a workload that is not emitted at all is another check's business
        for port in ports:
            self.required[Flow(self.party(source), self.party(target), port, protocol)] = why


def _workloads(documents: list[Document], namespace: str) -> list[Party]:
    parties = []
    for document in documents:
        found = pod_spec(document)
        if found is None:
            continue
        _, spec = found
        template = document.get("spec", {}).get("template", {}) if document["kind"] != "CronJob" else {}
        labels = (template.get("metadata") or {}).get("labels") or {}
        named = [
            (port["name"], port["containerPort"]) for c in spec.get("containers") or [] for port in c.get("ports") or [] if "name" in port
        ]
        name = str(labels.get("app.kubernetes.io/name", document["metadata"]["name"]))
        parties.append(Party(name, namespace, tuple(sorted(labels.items())), None, tuple(p for _, p in named), tuple(named), document))
    return parties


def build_world(profile: Profile, platform: dict[str, Any], documents: list[Document]) -> World:
    network = platform["network"]
    # In-cluster data services are modelled from the platform facts (their pods come from
    # operators), whatever objects describe them.
    world = World(profile.namespace, [party for party in _workloads(documents, profile.namespace) if party.name not in SERVICES])
    world.parties += [
        Party("ingress controller", platform["ingress"]["namespace"], (("app.kubernetes.io/name", "controller"),)),
        Party("prometheus", profile.monitoring.namespace, tuple(sorted(network["monitoringPods"]["prometheus"]["labels"].items()))),
        Party("dns", network["dnsNamespace"], tuple(sorted(network["dnsLabels"].items())), ports=(53,)),
        Party("another namespace", "default", (("app", "other"),), ports=(8080,)),
        Party("internet", ip=INTERNET_IP, ports=(443,)),
        Party("cloud metadata", ip=METADATA_IP, ports=(80,)),
    ]
    if profile.provider == "gcp":
        world.parties += [
            Party(f"GKE resolver {cidr}", ip=cidr.split("/")[0], ports=(53,))
            for cidr in network["gkeDnsResolvers"]
            if cidr.split("/")[0] != METADATA_IP
        ]
    for service in SERVICES:
        if in_cluster(getattr(profile, service).mode):
            _in_cluster_service(world, profile, platform, service)
        else:
            _managed_service(world, profile, platform, service)
    _application_flows(world, profile, platform)
    return world


def _in_cluster_service(world: World, profile: Profile, platform: dict[str, Any], service: str) -> None:
    facts, network = platform["dataServices"][service], platform["network"]
    world.parties.append(Party(service, world.namespace, tuple(sorted(facts["labels"].items())), ports=tuple(facts["ports"])))
    world.need(platform["api"]["name"], service, network["clientPorts"][service], f"the API uses {service}")
    world.need(service, service, facts["ports"], f"{service} pods talk to each other")
    operator = network["operators"].get(service)
    if operator:
        world.parties.append(Party(f"{service} operator", operator["namespace"], (("app", "operator"),)))
        world.need(f"{service} operator", service, operator["ports"], f"the operator manages {service}")
    world.need("prometheus", service, metrics_ports(platform, service), f"Prometheus scrapes {service}")
    if service == "postgres":
        # WAL archive and base backups (object storage) and the Kubernetes API.
        world.tolerated.add(Flow(world.party(service), world.party("internet"), 443))
        if profile.provider == "gcp":
            world.need(service, "cloud metadata", [80], "Workload Identity tokens for backups come from the metadata server")


def _managed_service(world: World, profile: Profile, platform: dict[str, Any], service: str) -> None:
    endpoint = profile.network.endpoints.get(service)
    if endpoint is None:
        return  # network-endpoint-missing reports it
    port = managed_port(profile, service)
    ports = list(endpoint.ports) or ([port] if port else [])
    if service == "redis":
        # A Redis Cluster's node ports: both ends of each range, so a range cut short fails too.
        ports += [bound for first, last in managed_redis_port_ranges(profile, platform) for bound in (first, last)]
    api = platform["api"]["name"]
    world.parties.append(Party(f"managed {service}", ip=_representative(endpoint.cidrs[0]), ports=tuple(ports)))
    world.need(api, f"managed {service}", ports, f"the API uses {service}")


def _application_flows(world: World, profile: Profile, platform: dict[str, Any]) -> None:
    api, frontend = platform["api"]["name"], platform["frontend"]["name"]
    names = {party.name for party in world.parties}
    world.need("ingress controller", api, [platform["api"]["port"]], "the ingress controller routes /api to the API")
    world.need("ingress controller", frontend, [platform["frontend"]["port"]], "the ingress controller routes / to the frontend")
    world.need("prometheus", api, [platform["api"]["port"]], "Prometheus scrapes the API's /debug/metrics")
    world.need(api, "internet", list(profile.network.internet.ports), "the API calls Twitch, Stripe, OpenAI, SendGrid and Sentry")
    postgres = "postgres" if in_cluster(profile.postgres.mode) else "managed postgres"
    if "migrations" in names and postgres in names:
        world.need("migrations", postgres, list(world.party(postgres).ports[:1]), "the migration Job applies the schema")
    if profile.provider == "gcp" and profile.api.cloud_identity.gcp_service_account:
        world.need(api, "cloud metadata", [80], "the API's Workload Identity tokens come from the metadata server")
    resolvers = ["dns"]
    if profile.provider == "gcp":
        # NodeLocal DNSCache and Cloud DNS for GKE answer on node-local addresses.
        resolvers += [name for name in names if name.startswith("GKE resolver ")] + ["cloud metadata"]
    for party in world.parties:
        if party.namespace == world.namespace:
            for resolver in resolvers:
                world.need(party.name, resolver, [53], "every pod resolves names", "UDP")
                world.need(party.name, resolver, [53], "every pod resolves names (TCP for large answers)")
