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
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from clipper_manifests import memo
from clipper_manifests.rules.policy.objects import Document
from clipper_manifests.values.network import NAME_LABEL

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


@memo.function("reachability.networks", 1024)
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
