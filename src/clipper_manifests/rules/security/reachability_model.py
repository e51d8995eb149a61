"""Static reachability: what the emitted NetworkPolicies actually allow.

The check evaluates Kubernetes NetworkPolicy semantics over the overlay's objects (a flow is
allowed when the source's egress and the destination's ingress both allow it; a pod no
policy selects for a direction is open in that direction) for a small world of parties: the
application's workloads, the in-cluster data services, the ingress controller, Prometheus,
DNS, the managed endpoints, the internet, and a pod in some unrelated namespace. Then:

- every flow the platform needs must be allowed (`network-required-flow`);
- every other probe (each party to each other party on its own ports and a few common ones)
  must be denied (`network-unexpected-flow`): that is what "default deny" has to mean.

ipBlock peers are treated as outside the cluster (Kubernetes leaves their effect on pod IPs
to the network plugin).
"""

from __future__ import annotations

import functools
import pickle
from collections.abc import Iterator
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from clipper_manifests.profile.model import Profile
from clipper_manifests.rules.policy.objects import Document, pod_spec
from clipper_manifests.values.external_secrets import in_cluster
from clipper_manifests.values.network import NAME_LABEL, SERVICES, managed_port, metrics_ports
from clipper_manifests.values.redis_opensearch import managed_redis_port_ranges

PROBE_PORTS = (22, 80, 443, 5432, 6379, 8080, 9200, 9999)
INTERNET_IP = "203.0.113.10"  # TEST-NET-3: stands for any public address
METADATA_IP = "169.254.169.254"


@dataclass(frozen=True)
class Party:
    name: str
    namespace: str | None = None  # None: outside the cluster
    labels: tuple[tuple[str, str], ...] = ()
    ip: str | None = None
    ports: tuple[int, ...] = ()  # what it listens on (probed besides PROBE_PORTS)
    named_ports: tuple[tuple[str, int], ...] = ()
    document: Document | None = field(default=None, compare=False, hash=False)

    @functools.cached_property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)

    @functools.cached_property
    def identity(self) -> tuple[Any, ...]:
        """What policies can tell apart: an address, or a namespace and pod labels."""
        return ("ip", self.ip) if self.namespace is None else (self.namespace, self.labels)


@dataclass(frozen=True)
class Flow:
    source: Party
    target: Party
    port: int
    protocol: str = "TCP"

    def __str__(self) -> str:
        return f"{self.source.name} → {self.target.name}:{self.port}/{self.protocol}"

    @property
    def identity(self) -> tuple[Any, ...]:
        return (self.source.identity, self.target.identity, self.port, self.protocol)


@dataclass
class Verdict:
    allowed: bool
    by: tuple[Document, tuple[Any, ...]] | None = None  # the policy rule that let it through


def _expression_holds(expression: dict[str, Any], labels: dict[str, str]) -> bool:
    key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
    holds = {
        "In": key in labels and labels[key] in values,
        "NotIn": not (key in labels and labels[key] in values),
        "Exists": key in labels,
        "DoesNotExist": key not in labels,
    }
    return holds.get(operator, False)


def _matches_selector(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    if selector is None:
        return True
    if any(labels.get(key) != value for key, value in (selector.get("matchLabels") or {}).items()):
        return False
    return all(_expression_holds(expression, labels) for expression in selector.get("matchExpressions") or [])


@functools.cache
def _network(cidr: str) -> IPv4Network:
    return IPv4Network(cidr)


def _in_block(block: dict[str, Any], ip: str | None) -> bool:
    if ip is None:
        return False
    address = IPv4Address(ip)
    if address not in _network(block["cidr"]):
        return False
    return not any(address in _network(excluded) for excluded in block.get("except") or [])


def _peer_matches(peer: dict[str, Any], party: Party, policy_namespace: str) -> bool:
    if "ipBlock" in peer:
        return _in_block(peer["ipBlock"], party.ip)
    if party.namespace is None:
        return False
    if "namespaceSelector" in peer:
        in_namespace = _matches_selector(peer["namespaceSelector"], {NAME_LABEL: party.namespace})
    else:
        in_namespace = party.namespace == policy_namespace
    return in_namespace and _matches_selector(peer.get("podSelector"), party.label_map)


def _port_matches(entry: dict[str, Any], flow: Flow) -> bool:
    if entry.get("protocol", "TCP") != flow.protocol:
        return False
    port = entry.get("port")
    if port is None:
        return True
    if isinstance(port, str):
        port = dict(flow.target.named_ports).get(port)
        return port == flow.port
    return bool(port <= flow.port <= entry.get("endPort", port))


def _selecting(policies: list[Document], subject: Party, kind: str) -> list[Document]:
    """The policies that select `subject` for `kind` (Ingress/Egress)."""
    found = []
    for policy in policies:
        spec = policy.get("spec") or {}
        if policy["metadata"].get("namespace", "") != subject.namespace:
            continue
        types = spec.get("policyTypes") or (["Ingress", "Egress"] if spec.get("egress") else ["Ingress"])
        if kind in types and _matches_selector(spec.get("podSelector") or {}, subject.label_map):
            found.append(policy)
    return found


class Evaluator:
    """NetworkPolicy semantics over one namespace's policies: a flow is allowed when the
    source's egress and the target's ingress both allow it; a pod that no policy selects
    for a direction is open in that direction; parties outside the namespace are not
    governed by these policies."""

    def __init__(self, policies: list[Document], namespace: str) -> None:
        self.policies = policies
        self.namespace = namespace
        self._selecting: dict[tuple[tuple[Any, ...], str], list[Document]] = {}
        self._rules: dict[tuple[Any, ...], list[tuple[Document, tuple[Any, ...], list[Any] | None]]] = {}

    def selecting(self, subject: Party, kind: str) -> list[Document]:
        key = (subject.identity, kind)
        if key not in self._selecting:
            self._selecting[key] = _selecting(self.policies, subject, kind)
        return self._selecting[key]

    def direction(self, subject: Party, flow: Flow, kind: str) -> Verdict:
        """Whether `subject`'s policies of `kind` let `flow` through."""
        if subject.namespace != self.namespace:
            return Verdict(True)
        other = flow.source if kind == "Ingress" else flow.target
        for policy, path, ports in self.rules_for(subject, other, kind):
            if ports and not any(_port_matches(entry, flow) for entry in ports):
                continue
            return Verdict(True, (policy, path))
        return Verdict(not self.selecting(subject, kind))

    def rules_for(self, subject: Party, other: Party, kind: str) -> list[tuple[Document, tuple[Any, ...], list[Any] | None]]:
        """The rules of `subject`'s policies whose peers admit `other` (with where each is and
        its ports), in policy order. The check probes every pair on many ports; the peers
        are matched once per pair."""
        pair = (subject.identity, other.namespace, other.labels, other.ip, kind)
        if pair not in self._rules:
            key, peers_key = ("ingress", "from") if kind == "Ingress" else ("egress", "to")
            found = []
            for policy in self.selecting(subject, kind):
                namespace = policy["metadata"].get("namespace", "")
                for index, rule in enumerate(policy["spec"].get(key) or []):
                    peers = rule.get(peers_key)
                    if not peers or any(_peer_matches(peer, other, namespace) for peer in peers):
                        found.append((policy, ("spec", key, index), rule.get("ports")))
            self._rules[pair] = found
        return self._rules[pair]

    def closed(self, source: Party, target: Party) -> bool:
        """Whether the policies deny every flow from `source` to `target`, whatever the port."""
        for subject, other, kind in ((source, target, "Egress"), (target, source, "Ingress")):
            if subject.namespace == self.namespace and self.selecting(subject, kind) and not self.rules_for(subject, other, kind):
                return True
        return False

    def evaluate(self, flow: Flow) -> Verdict:
        egress = self.direction(flow.source, flow, "Egress")
        if not egress.allowed:
            return egress
        ingress = self.direction(flow.target, flow, "Ingress")
        if not ingress.allowed:
            return ingress
        return Verdict(True, egress.by or ingress.by)


def evaluate(policies: list[Document], flow: Flow, namespace: str) -> Verdict:
    return Evaluator(policies, namespace).evaluate(flow)


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


def probes(world: World) -> Iterator[tuple[Party, Party, list[tuple[int, str]]]]:
    """Every (source, target, [(port, protocol)]) the check tries: TCP, and DNS also over UDP."""
    for source in world.parties:
        for target in world.parties:
            if source is target and source.namespace != world.namespace:
                continue
            if world.namespace not in (source.namespace, target.namespace):
                continue  # neither side is governed by the application's policies
            yield source, target, [(port, "TCP") for port in sorted({*PROBE_PORTS, *target.ports})]
    for source in world.parties:
        if source.namespace == world.namespace:
            yield source, world.party("dns"), [(53, "UDP")]


@dataclass(frozen=True)
class Violation:
    rule: str
    flow: Flow
    message: str
    document: Document | None
    path: tuple[Any, ...]


def _labels_path(document: Document | None) -> tuple[Any, ...]:
    """Where a workload's pod labels are: what the policies select it by."""
    found = pod_spec(document) if document else None
    return (*found[0][:-1], "metadata", "labels") if found else ("metadata", "labels")


def check_world(world: World, policies: list[Document]) -> list[Violation]:
    evaluator = Evaluator(policies, world.namespace)
    violations = []
    for flow, why in world.required.items():
        if not evaluator.evaluate(flow).allowed:
            anchor = flow.source.document or flow.target.document
            message = f"{flow} is needed ({why}) but the NetworkPolicies deny it"
            violations.append(Violation("network-required-flow", flow, message, anchor, _labels_path(anchor)))
    expected = {flow.identity for flow in (*world.required, *world.tolerated)}
    for source, target, ports in probes(world):
        if evaluator.closed(source, target):
            continue  # most pairs: no rule lets anything through, whatever the port
        for port, protocol in ports:
            flow = Flow(source, target, port, protocol)
            if flow.identity in expected:
                continue
            verdict = evaluator.evaluate(flow)
            if verdict.allowed:
                document, path = verdict.by if verdict.by else (flow.source.document or flow.target.document, ())
                violations.append(Violation("network-unexpected-flow", flow, f"{flow} is allowed, but nothing needs it", document, path))
    return violations


def check_reachability(profile: Profile, platform: dict[str, Any], documents: list[Document]) -> list[Violation]:
    policies = [document for document in documents if document["kind"] == "NetworkPolicy"]
    world = build_world(profile, platform, documents)
    key = _world_key(world, policies)
    if key in _clean_worlds:
        return []
    violations = check_world(world, policies)
    if not violations:
        if len(_clean_worlds) >= 1 << 12:
            _clean_worlds.clear()  # a bound on memory
        _clean_worlds.add(key)
    return violations


# Worlds (as _world_key) in which every probe came out as required: many profiles differ only
# in their namespace, and their clusters' policies then answer every probe the same way.
_clean_worlds: set[bytes] = set()
_NAMESPACE = "\x00the profile's namespace\x00"  # no Kubernetes name can be this


def _world_key(world: World, policies: list[Document]) -> bytes:
    """Everything the verdicts depend on, with the profile's namespace (compared only for
    equality, like every other name here) written as one token: two worlds with the same key
    are the same world under another namespace name, so they get the same verdicts."""
    parties = [(p.name, p.namespace, p.labels, p.ip, p.ports, p.named_ports) for p in world.parties]
    required = [(f.source.name, f.target.name, f.port, f.protocol) for f in world.required]
    tolerated = sorted((f.source.name, f.target.name, f.port, f.protocol) for f in world.tolerated)
    facts = _renamed((policies, parties, required, tolerated), world.namespace)
    return pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL)


def _renamed(node: Any, namespace: str) -> Any:
    if isinstance(node, str):
        return _NAMESPACE if node == namespace else node
    if isinstance(node, dict):
        return {_renamed(key, namespace): _renamed(value, namespace) for key, value in node.items()}
    if isinstance(node, (list, tuple)):
        return [_renamed(item, namespace) for item in node]
    return node
