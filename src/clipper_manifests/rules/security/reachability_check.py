"""Probes of every pair of parties against the NetworkPolicies: the flows a profile needs are open
(network-required-flow), and no other flow is (network-unexpected-flow).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from clipper_manifests import memo
from clipper_manifests.profile.model import Profile
from clipper_manifests.rules.policy.objects import Document, pod_spec
from clipper_manifests.rules.registry import ERROR, declare
from clipper_manifests.rules.security.reachability_model import PROBE_PORTS, Evaluator, Flow, Party
from clipper_manifests.rules.security.reachability_world import World, build_world


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
    violations: list[Violation] = []

    def clean() -> bool:
        violations.extend(check_world(world, policies))
        return not violations

    if _CLEAN_WORLDS.get(_world_key(world, policies), clean):
        return []
    # Only whether a world is clean is remembered: violations name the profile's own objects.
    return violations or check_world(world, policies)


# Worlds (as _world_key) → every probe came out as required: many profiles differ only in their
# namespace, and their clusters' policies then answer every probe the same way.
_CLEAN_WORLDS: memo.Table[bool] = memo.Table("reachability.clean-worlds", 1 << 12)


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


declare(
    (
        "network-required-flow",
        ERROR,
        "The NetworkPolicies allow every flow the platform needs: DNS, ingress controller → API and frontend, Prometheus → API, "
        "API → data services and internet 443.",
        "add or fix the NetworkPolicy for the flow named",
        ("network",),
    ),
    (
        "network-unexpected-flow",
        ERROR,
        "The NetworkPolicies allow nothing else: default deny, in and out.",
        "narrow the rule named (its peers or ports)",
        ("network",),
    ),
    scope="security",
    stage="objects",
    emitted_by="rules.security.reachability_check:check_reachability",
)
