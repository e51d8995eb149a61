"""NetworkPolicies and the static reachability check that proves what they allow; the API's
secret wiring and its (absent) Kubernetes API access."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from clipper_manifests.problems import Problem
from clipper_manifests.profile.model import Profile
from clipper_manifests.project import find_project
from clipper_manifests.rules.security.reachability_check import _world_key, check_reachability, check_world
from clipper_manifests.rules.security.reachability_model import Flow, Party, evaluate
from clipper_manifests.rules.security.reachability_world import build_world
from clipper_manifests.rules.security.wiring import check_security
from clipper_manifests.values.platform import load_platform
from tests.conftest import REPO
from tests.helpers import shipped, shipped_profile

PROFILES = find_project(REPO, None).profile_names()
PLATFORM = load_platform(REPO / "templates")


def resolved(name: str) -> tuple[Profile, list[dict[str, Any]]]:
    """A shipped profile and a copy of its overlay's objects, which the tests change."""
    return shipped_profile(name), copy.deepcopy(shipped(name).objects().resolved)


def violations(name: str, documents: list[dict[str, Any]]) -> list[tuple[str, str]]:
    profile, _ = resolved(name)
    return [(v.rule, v.message) for v in check_reachability(profile, PLATFORM, documents)]


def without(documents: list[dict[str, Any]], kind: str, name: str) -> list[dict[str, Any]]:
    kept = [d for d in documents if not (d["kind"] == kind and d["metadata"]["name"] == name)]
    assert len(kept) == len(documents) - 1, f"{kind}/{name} not found"
    return kept


@pytest.mark.parametrize("name", PROFILES)
def test_reachability_holds_on_every_shipped_profile(name: str) -> None:
    _, documents = resolved(name)
    assert violations(name, documents) == []


@pytest.mark.parametrize("name", ["prod-aws", "staging-aws"])  # managed Redis, in-cluster Redis
def test_dropping_the_api_to_redis_policy_fails_the_check(name: str) -> None:
    _, documents = resolved(name)
    found = violations(name, without(documents, "NetworkPolicy", "api-to-redis"))
    assert found and {rule for rule, _ in found} == {"network-required-flow"}
    assert all(message.startswith("api → ") and ("redis:6379/TCP" in message or "redis:16379/TCP" in message) for _, message in found)


def test_memorystore_cluster_node_ports_are_open_to_the_api_and_required() -> None:
    # Memorystore for Redis Cluster redirects the client to its nodes on 11000-13047: with only
    # 6379 open the cluster-aware client loses every redirected command.
    profile, documents = resolved("prod-gcp")
    (policy,) = [d for d in documents if d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == "api-to-redis"]
    assert {"protocol": "TCP", "port": 11000, "endPort": 13047} in policy["spec"]["egress"][0]["ports"]
    world = build_world(profile, PLATFORM, documents)
    redis = world.party("managed redis")
    for port in (6379, 11000, 12345, 13047):
        assert evaluate([d for d in documents if d["kind"] == "NetworkPolicy"], Flow(world.party("api"), redis, port), "clipper").allowed
    # The check itself needs the range: a policy that opens only 6379 fails it.
    policy["spec"]["egress"][0]["ports"] = [{"protocol": "TCP", "port": 6379}]
    assert ("network-required-flow", "api → managed redis:13047/TCP is needed (the API uses redis) but the NetworkPolicies deny it") in (
        violations("prod-gcp", documents)
    )


def test_elasticache_cluster_mode_needs_no_extra_ports() -> None:
    _, documents = resolved("prod-aws")
    (policy,) = [d for d in documents if d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == "api-to-redis"]
    assert policy["spec"]["egress"][0]["ports"] == [{"protocol": "TCP", "port": 6379}]


def test_without_default_deny_unselected_pods_are_open() -> None:
    _, documents = resolved("prod-aws")
    open_in = without(documents, "NetworkPolicy", "default-deny")
    messages = [message for rule, message in violations("prod-aws", open_in) if rule == "network-unexpected-flow"]
    # The migration Job has no ingress policy of its own: default deny was all that closed it.
    assert "another namespace → migrations:8080/TCP is allowed, but nothing needs it" in messages
    # allow-dns still selects every pod for egress, so egress stays closed ...
    assert not any(message.startswith("frontend → internet") for message in messages)
    # ... until it goes too.
    messages = [message for _, message in violations("prod-aws", without(open_in, "NetworkPolicy", "allow-dns"))]
    assert "frontend → internet:443/TCP is allowed, but nothing needs it" in messages


def test_an_allow_all_ingress_rule_is_reported() -> None:
    _, documents = resolved("staging-do")
    (postgres,) = [d for d in documents if d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == "postgres"]
    postgres["spec"]["ingress"].append({})
    found = violations("staging-do", documents)
    assert ("network-unexpected-flow", "ingress controller → postgres:5432/TCP is allowed, but nothing needs it") in found
    assert ("network-unexpected-flow", "another namespace → postgres:22/TCP is allowed, but nothing needs it") in found


def test_dns_must_stay_open_for_every_workload() -> None:
    _, documents = resolved("prod-gcp")
    found = violations("prod-gcp", without(documents, "NetworkPolicy", "allow-dns"))
    assert ("network-required-flow", "api → dns:53/UDP is needed (every pod resolves names) but the NetworkPolicies deny it") in found


@pytest.mark.parametrize(
    ("resolver", "party"), [("169.254.20.10/32", "GKE resolver 169.254.20.10/32"), ("169.254.169.254/32", "cloud metadata")]
)
def test_gke_pods_reach_the_node_local_resolvers(resolver: str, party: str) -> None:
    """NodeLocal DNSCache (169.254.20.10) and Cloud DNS for GKE (the metadata server) answer DNS
    on node-local addresses: a policy that only admits kube-dns pods breaks resolution there."""
    _, documents = resolved("prod-gcp")
    for document in documents:
        if document["kind"] == "NetworkPolicy" and document["metadata"]["name"] == "allow-dns":
            rule = document["spec"]["egress"][0]
            rule["to"] = [peer for peer in rule["to"] if peer.get("ipBlock", {}).get("cidr") != resolver]
    found = violations("prod-gcp", documents)
    assert ("network-required-flow", f"api → {party}:53/UDP is needed (every pod resolves names) but the NetworkPolicies deny it") in found


def test_policy_semantics_namespace_and_pod_selectors_together() -> None:
    policy = {
        "kind": "NetworkPolicy",
        "metadata": {"name": "p", "namespace": "app"},
        "spec": {
            "podSelector": {"matchLabels": {"app": "api"}},
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [
                        {
                            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "mon"}},
                            "podSelector": {"matchLabels": {"app": "prom"}},
                        }
                    ],
                    "ports": [{"port": "http"}],
                }
            ],
        },
    }
    api = Party("api", "app", (("app", "api"),), named_ports=(("http", 8080),))
    prometheus = Party("prometheus", "mon", (("app", "prom"),))
    grafana = Party("grafana", "mon", (("app", "grafana"),))
    assert evaluate([policy], Flow(prometheus, api, 8080), "app").allowed
    assert not evaluate([policy], Flow(grafana, api, 8080), "app").allowed
    assert not evaluate([policy], Flow(prometheus, api, 9090), "app").allowed
    assert not evaluate([policy], Flow(prometheus, api, 8080, "UDP"), "app").allowed


def test_ip_blocks_honour_except() -> None:
    policy = {
        "kind": "NetworkPolicy",
        "metadata": {"name": "p", "namespace": "app"},
        "spec": {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}}], "ports": [{"protocol": "TCP", "port": 443}]}],
        },
    }
    api = Party("api", "app", (("app", "api"),))
    assert evaluate([policy], Flow(api, Party("public", ip="203.0.113.10"), 443), "app").allowed
    assert not evaluate([policy], Flow(api, Party("private", ip="10.1.2.3"), 443), "app").allowed


def security(name: str, documents: list[dict[str, Any]]) -> list[Problem]:
    profile, _ = resolved(name)
    return check_security(profile, PLATFORM, documents, lambda problem, document: problem)


@pytest.mark.parametrize("name", PROFILES)
def test_secret_wiring_and_api_access_hold_on_every_shipped_profile(name: str) -> None:
    _, documents = resolved(name)
    assert [(p.rule, p.message) for p in security(name, documents)] == []


def test_a_variable_the_api_needs_to_start_must_be_provided() -> None:
    _, documents = resolved("prod-aws")
    (api_secrets,) = [d for d in documents if d["kind"] == "ExternalSecret" and d["metadata"]["name"] == "api-secrets"]
    api_secrets["spec"]["data"] = [item for item in api_secrets["spec"]["data"] if item["secretKey"] != "MFA_ENCRYPTION_KEY"]
    found = {(p.rule, p.message) for p in security("prod-aws", documents)}
    assert (
        "api-required-env",
        "the API does not start without MFA_ENCRYPTION_KEY, but neither its ConfigMap nor an ExternalSecret provides it",
    ) in found
    assert (
        "api-secret-provided",
        "MFA_ENCRYPTION_KEY (a secret variable of the API) is provided by no ExternalSecret the API reads",
    ) in found


def test_a_configmap_key_satisfies_a_required_plain_variable_and_its_absence_does_not() -> None:
    _, documents = resolved("prod-aws")
    (config,) = [d for d in documents if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "api-config"]
    del config["data"]["DB_HOST"]
    assert [p.rule for p in security("prod-aws", documents)] == ["api-required-env"]


def test_a_secret_key_reference_needs_a_producer() -> None:
    _, documents = resolved("prod-aws")
    (job,) = [d for d in documents if d["kind"] == "Job"]
    job["spec"]["template"]["spec"]["containers"][0]["env"].append(
        {"name": "X", "valueFrom": {"secretKeyRef": {"name": "api-secrets", "key": "NOPE"}}}
    )
    assert [p.rule for p in security("prod-aws", documents)] == ["secret-key-provided"]


def test_the_api_gets_no_kubernetes_api_access() -> None:
    _, documents = resolved("prod-aws")
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "api-reader", "namespace": "clipper"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"},
        "subjects": [{"kind": "ServiceAccount", "name": "api", "namespace": "clipper"}],
    }
    (account,) = [d for d in documents if d["kind"] == "ServiceAccount" and d["metadata"]["name"] == "api"]
    account["automountServiceAccountToken"] = True
    found = [(p.rule, p.path) for p in security("prod-aws", [*documents, binding])]
    assert ("api-no-kubernetes-access", "subjects[0]") in found
    assert ("api-no-kubernetes-access", "automountServiceAccountToken") in found


def _renamed_namespace(node: Any, old: str, new: str) -> Any:
    if isinstance(node, dict):
        return {key: _renamed_namespace(value, old, new) for key, value in node.items()}
    if isinstance(node, list):
        return [_renamed_namespace(item, old, new) for item in node]
    return new if node == old else node


def test_the_same_policies_under_another_namespace_get_the_same_verdicts() -> None:
    # Verdicts are remembered per world with the namespace written as a token (generated
    # clusters differ mostly in their namespace): a renamed world is the same world.
    profile, documents = resolved("prod-aws")
    other = dataclasses.replace(profile, namespace="clipper-two")
    moved = _renamed_namespace(documents, profile.namespace, "clipper-two")
    policies = [d for d in documents if d["kind"] == "NetworkPolicy"]
    moved_policies = [d for d in moved if d["kind"] == "NetworkPolicy"]
    world, moved_world = build_world(profile, PLATFORM, documents), build_world(other, PLATFORM, moved)
    assert _world_key(world, policies) == _world_key(moved_world, moved_policies)
    assert check_world(moved_world, moved_policies) == []  # computed, not remembered
    # ... while a broken copy under the new name is a different world, checked afresh.
    broken = without(moved, "NetworkPolicy", "api-to-redis")
    assert check_reachability(other, PLATFORM, broken)


@pytest.mark.parametrize("name", ["staging-aws", "prod-do"])  # in-cluster Redis
def test_the_redis_cluster_bus_is_open_between_redis_nodes_only(name: str) -> None:
    # Clients use 6379 (MOVED/ASK redirects name client ports); 16379 is the nodes' gossip bus.
    profile, documents = resolved(name)
    world = build_world(profile, PLATFORM, documents)
    policies = [d for d in documents if d["kind"] == "NetworkPolicy"]
    redis = world.party("redis")
    bus, client = Flow(world.party("api"), redis, 16379), Flow(world.party("api"), redis, 6379)
    assert not evaluate(policies, bus, profile.namespace).allowed
    assert evaluate(policies, client, profile.namespace).allowed
    assert evaluate(policies, Flow(redis, redis, 16379), profile.namespace).allowed


@pytest.mark.parametrize("name", ["prod-aws", "staging-gcp"])
def test_dns_egress_reaches_the_dns_pods_and_nothing_else_in_kube_system(name: str) -> None:
    profile, documents = resolved(name)
    world = build_world(profile, PLATFORM, documents)
    policies = [d for d in documents if d["kind"] == "NetworkPolicy"]
    api, dns = world.party("api"), world.party("dns")
    other = Party("metrics-server", "kube-system", (("k8s-app", "metrics-server"),), ports=(53,))
    assert evaluate(policies, Flow(api, dns, 53, "UDP"), profile.namespace).allowed
    assert not evaluate(policies, Flow(api, other, 53, "UDP"), profile.namespace).allowed
