"""The monitoring namespace's NetworkPolicies, judged by what a cluster would let through.

Every profile's emitted policies are evaluated with the reachability check's NetworkPolicy
semantics: each connection into the monitoring namespace (and each out of Loki) is tried on
every port the parties listen on and a few common ones, and exactly the flows the stack needs
may pass. The pods are the ones templates/platform.yaml `network.monitoringPods` names (the
acceptance test of the real charts holds those labels to what `helm template` renders).
"""

from __future__ import annotations

from typing import Any

import pytest

from clipper_manifests.profile.model import Profile
from clipper_manifests.project import find_project
from clipper_manifests.rules.security.reachability_model import PROBE_PORTS, Evaluator, Flow, Party
from clipper_manifests.values.platform import load_platform
from tests.conftest import REPO
from tests.helpers import shipped, shipped_profile

PROFILES = find_project(REPO, None).profile_names()
PLATFORM = load_platform(REPO / "templates")
PODS = PLATFORM["network"]["monitoringPods"]


def _built(name: str) -> tuple[Profile, dict[str, list[dict[str, Any]]]]:
    return shipped_profile(name), shipped(name).objects().built()


def _policies(name: str) -> list[dict[str, Any]]:
    _, folders = _built(name)
    return [d for documents in folders.values() for d in documents if d["kind"] == "NetworkPolicy"]


def _parties(profile: Profile) -> dict[str, Party]:
    monitoring = profile.monitoring.namespace
    parties = {
        component: Party(component, monitoring, tuple(sorted(facts["labels"].items())), ports=tuple(facts["ports"].values()))
        for component, facts in PODS.items()
    }
    dns = PLATFORM["network"]
    parties["dns"] = Party("dns", dns["dnsNamespace"], tuple(sorted(dns["dnsLabels"].items())), ports=(53,))
    parties["api"] = Party("api", profile.namespace, (("app.kubernetes.io/name", PLATFORM["api"]["name"]),), ports=(8080,))
    parties["another namespace"] = Party("another namespace", "default", (("app", "other"),))
    parties["a new pod in monitoring"] = Party("a new pod in monitoring", monitoring, (("app", "debug"),), ports=(8080,))
    parties["internet"] = Party("internet", ip="203.0.113.10", ports=(443,))
    return parties


# (source, target, port name of the target, protocol): what the stack needs.
NEEDED = {
    ("grafana", "prometheus", "web", "TCP"),
    ("prometheus", "prometheus", "web", "TCP"),
    ("prometheus", "prometheus", "reloader", "TCP"),
    ("prometheus", "alertmanager", "web", "TCP"),
    ("prometheus", "alertmanager", "reloader", "TCP"),
    ("grafana", "alertmanager", "web", "TCP"),
    ("alertmanager", "alertmanager", "mesh", "TCP"),
    ("alertmanager", "alertmanager", "mesh", "UDP"),
    ("prometheus", "grafana", "web", "TCP"),
    ("prometheus", "kube-state-metrics", "http", "TCP"),
    ("prometheus", "blackbox-exporter", "http", "TCP"),
    ("grafana", "loki", "http", "TCP"),
    ("alloy", "loki", "http", "TCP"),
    ("loki", "loki", "grpc", "TCP"),
    ("loki", "loki", "memberlist", "TCP"),
}


def _needed(parties: dict[str, Party]) -> set[tuple[str, str, int, str]]:
    needed = {(source, target, PODS[target]["ports"][port], protocol) for source, target, port, protocol in NEEDED}
    # The API server calls the operator's admission webhooks from no pod a selector could name,
    # so its HTTPS port is open to every source (but Loki, which may not send there).
    https = PODS["prometheus-operator"]["ports"]["https"]
    needed |= {(source, "prometheus-operator", https, "TCP") for source in parties if source != "loki"}
    needed |= {("loki", "dns", 53, protocol) for protocol in ("UDP", "TCP")}
    return needed


def _allowed(name: str) -> tuple[set[tuple[str, str, int, str]], set[tuple[str, str, int, str]]]:
    """Every probe into the monitoring namespace and out of Loki that the policies let through,
    and the flows the stack needs."""
    profile, _ = _built(name)
    parties = _parties(profile)
    evaluator = Evaluator(_policies(name), profile.monitoring.namespace)
    allowed = set()
    for source in parties.values():
        for target in parties.values():
            if target.namespace != profile.monitoring.namespace and source.name != "loki":
                continue  # the other pods' egress is open on purpose (monitoring_network.py)
            for port in sorted({*PROBE_PORTS, *target.ports, 53}):
                for protocol in ("TCP", "UDP"):
                    if evaluator.evaluate(Flow(source, target, port, protocol)).allowed:
                        allowed.add((source.name, target.name, port, protocol))
    return allowed, _needed(parties)


@pytest.mark.parametrize("name", PROFILES)
def test_the_monitoring_namespace_admits_exactly_what_the_stack_needs(name: str) -> None:
    allowed, needed = _allowed(name)
    assert sorted(needed - allowed) == [], "needed but denied"
    assert sorted(allowed - needed) == [], "allowed but nothing needs it"


@pytest.mark.parametrize("name", PROFILES)
def test_only_grafana_and_the_log_agent_reach_loki(name: str) -> None:
    """Loki has no authentication of its own: who can connect is who can read every pod's logs."""
    allowed, _ = _allowed(name)
    http = PODS["loki"]["ports"]["http"]
    assert {source for source, target, port, _ in allowed if target == "loki" and port == http} == {"grafana", "alloy"}
    assert {source for source, target, _, _ in allowed if target == "loki"} == {"grafana", "alloy", "loki"}


@pytest.mark.parametrize("name", PROFILES)
def test_loki_sends_nothing_out_but_dns_and_to_its_own_pods(name: str) -> None:
    allowed, _ = _allowed(name)
    assert {target for source, target, _, _ in allowed if source == "loki"} == {"loki", "dns"}


@pytest.mark.parametrize("name", PROFILES)
def test_prometheus_still_scrapes_the_application(name: str) -> None:
    """The application namespace admits Prometheus by the labels monitoringPods gives it."""
    profile, _ = _built(name)
    parties = _parties(profile)
    evaluator = Evaluator(_policies(name), profile.namespace)
    assert evaluator.evaluate(Flow(parties["prometheus"], parties["api"], PLATFORM["api"]["port"])).allowed
    assert not evaluator.evaluate(Flow(parties["grafana"], parties["api"], PLATFORM["api"]["port"])).allowed


# Namespaces Flux applies whose pods are not yet behind a default deny (issue 16 covered the
# application's and the monitoring namespace); each needs its webhooks and controllers' callers
# worked out first. A namespace added later must come with its default deny.
NOT_YET_DENIED = {"ingress", "external-secrets", "reloader", "cert-manager", "cnpg-system", "redis-operator"}


@pytest.mark.parametrize("name", PROFILES)
def test_every_namespace_flux_applies_denies_ingress_by_default(name: str) -> None:
    profile, folders = _built(name)
    namespaces = {d["metadata"]["name"] for documents in folders.values() for d in documents if d["kind"] == "Namespace"}
    assert {profile.namespace, profile.monitoring.namespace} <= namespaces
    denied = {
        p["metadata"].get("namespace", profile.namespace)
        for p in _policies(name)
        if p["spec"].get("podSelector") == {} and "Ingress" in p["spec"].get("policyTypes", []) and not p["spec"].get("ingress")
    }
    assert sorted(namespaces - denied - NOT_YET_DENIED) == []
    assert sorted(denied & NOT_YET_DENIED) == [], "covered now: take it off NOT_YET_DENIED"
