"""Each policy rule on a few hand-made objects: the broken variant is reported with the rule's
id, severity and key path; the fixed variant is not."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from clipper_manifests.problems import Problem, Severity
from clipper_manifests.rules.policy.objects import Objects, check_policy
from clipper_manifests.rules.registry import registered

Doc = dict[str, Any]
NS = "clipper"
# The rules this file covers (other rule modules have their own tests).
UNDER_TEST = {
    "api-version-deprecated",
    "configmap-ref-exists",
    "container-image-pinned",
    "container-probes",
    "container-resources",
    "externalsecret-store-exists",
    "hpa-target-exists",
    "hpa-target-requests",
    "ingress-backend-exists",
    "networkpolicy-coverage",
    "pdb-allows-eviction",
    "pdb-present",
    "pod-security-restricted",
    "pod-spread",
    "probe-port-declared",
    "read-only-root-filesystem",
    "secret-ref-exists",
    "service-selects-pods",
    "service-target-port",
    "servicemonitor-selects-service",
}
LABELS = {"app.kubernetes.io/name": "api"}


def deployment(**spec: Any) -> Doc:
    container = {
        "name": "api",
        "image": "ghcr.io/example/api:v1.0.0",
        "ports": [{"name": "http", "containerPort": 8080}],
        "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}},
        "livenessProbe": {"httpGet": {"path": "/live", "port": 8080}},
        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}},
    }
    pod = {
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [container],
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": LABELS},
            }
        ],
    }
    document: Doc = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "api", "namespace": NS},
        "spec": {"replicas": 3, "selector": {"matchLabels": LABELS}, "template": {"metadata": {"labels": dict(LABELS)}, "spec": pod}},
    }
    document["spec"].update(spec)
    return document


def obj(kind: str, name: str, spec: Doc | None = None, api_version: str = "v1", **top: Any) -> Doc:
    document: Doc = {"apiVersion": api_version, "kind": kind, "metadata": {"name": name, "namespace": NS}, **top}
    if spec is not None:
        document["spec"] = spec
    return document


def pdb(**spec: Any) -> Doc:
    return obj("PodDisruptionBudget", "api", {"selector": {"matchLabels": LABELS}, **spec}, "policy/v1")


def service(**spec: Any) -> Doc:
    return obj("Service", "api", {"selector": dict(LABELS), "ports": [{"name": "http", "port": 80, "targetPort": "http"}], **spec})


def netpol() -> Doc:
    return obj("NetworkPolicy", "default-deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}, "networking.k8s.io/v1")


def healthy() -> list[Doc]:
    return [deployment(), pdb(maxUnavailable=1), service(), netpol()]


def container(documents: list[Doc]) -> Doc:
    spec: Doc = documents[0]["spec"]["template"]["spec"]["containers"][0]
    return spec


def findings(documents: list[Doc], version: str = "1.33", production: bool = True) -> list[tuple[str, str, Severity]]:
    def locate(problem: Problem, document: Doc) -> Problem:
        return problem

    problems = check_policy(Objects(documents, version, production), locate, "test")
    return sorted((p.rule, p.path, p.severity) for p in problems if p.rule in UNDER_TEST)


def rules_of(documents: list[Doc], **kwargs: Any) -> set[str]:
    return {rule for rule, _, _ in findings(documents, **kwargs)}


def test_the_healthy_objects_break_no_rule() -> None:
    assert findings(healthy()) == []


def test_every_rule_has_an_id_a_summary_and_a_fix_and_ids_are_unique() -> None:
    ids = [rule.id for rule in registered("policy")]
    assert len(ids) == len(set(ids))
    assert set(ids) >= UNDER_TEST
    for rule in registered("policy"):
        assert rule.summary.strip() and rule.fix.strip(), rule.id


BASE = "spec.template.spec.containers[0]"


def test_container_resources() -> None:
    documents = healthy()
    del container(documents)["resources"]["requests"]["cpu"]
    assert findings(documents) == [("container-resources", f"{BASE}.resources", Severity.ERROR)]


@pytest.mark.parametrize(
    ("image", "production", "expected"),
    [
        ("ghcr.io/example/api", True, Severity.ERROR),
        ("registry:5000/api", True, Severity.ERROR),
        ("ghcr.io/example/api:latest", True, Severity.ERROR),
        ("ghcr.io/example/api:latest", False, Severity.WARNING),
        ("ghcr.io/example/api:latest@sha256:" + "a" * 64, True, None),
        ("registry:5000/api:v2", True, None),
    ],
)
def test_container_image_pinned(image: str, production: bool, expected: Severity | None) -> None:
    documents = healthy()
    container(documents)["image"] = image
    wanted = [("container-image-pinned", f"{BASE}.image", expected)] if expected else []
    assert findings(documents, production=production) == wanted


def test_an_image_the_profile_sets_is_left_to_the_profile_rule() -> None:
    documents = healthy()
    container(documents)["image"] = "ghcr.io/example/api:latest"
    objects = Objects(documents, "1.33", True, frozenset({"ghcr.io/example/api:latest"}))
    assert [p.rule for p in check_policy(objects, lambda problem, document: problem, "test") if p.rule in UNDER_TEST] == []


def test_container_probes_only_on_long_running_workloads() -> None:
    documents = healthy()
    del container(documents)["livenessProbe"]
    assert findings(documents) == [("container-probes", BASE, Severity.ERROR)]
    job = obj(
        "Job",
        "once",
        {"template": {"spec": {"containers": [{"name": "x", "image": "x:1", "resources": container(healthy())["resources"]}]}}},
        "batch/v1",
    )
    assert "container-probes" not in rules_of([*healthy(), job])


@pytest.mark.parametrize(("port", "broken"), [("htpp", True), (8081, True), ("http", False), (8080, False)])
def test_probe_port_declared(port: str | int, broken: bool) -> None:
    documents = healthy()
    container(documents)["readinessProbe"]["httpGet"]["port"] = port
    wanted = [("probe-port-declared", f"{BASE}.readinessProbe.httpGet.port", Severity.ERROR)] if broken else []
    assert findings(documents) == wanted


def test_pdb_present_for_a_multi_replica_workload() -> None:
    documents = healthy()
    documents[1]["spec"]["selector"]["matchLabels"] = {"app.kubernetes.io/name": "other"}
    assert findings(documents) == [("pdb-present", "spec.template.metadata.labels", Severity.ERROR)]
    single = [deployment(replicas=1), service(), netpol()]
    assert findings(single) == []


def test_an_hpa_makes_a_workload_multi_replica() -> None:
    hpa = obj(
        "HorizontalPodAutoscaler",
        "api",
        {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"}, "minReplicas": 1, "maxReplicas": 4},
        "autoscaling/v2",
    )
    without_replicas = deployment()
    del without_replicas["spec"]["replicas"]
    assert "pdb-present" in rules_of([without_replicas, hpa, service(), netpol()])
    assert "pdb-present" not in rules_of([without_replicas, service(), netpol()])


@pytest.mark.parametrize(
    ("budget", "replicas", "broken"),
    [
        ({"maxUnavailable": 0}, 3, "spec.maxUnavailable"),
        ({"maxUnavailable": "0%"}, 3, "spec.maxUnavailable"),
        ({"minAvailable": 3}, 3, "spec.minAvailable"),
        ({"minAvailable": "100%"}, 3, "spec.minAvailable"),
        ({"minAvailable": "90%"}, 3, "spec.minAvailable"),  # rounds up to 3 of 3
        ({"minAvailable": 2}, 3, None),
        ({"minAvailable": "50%"}, 3, None),
        ({"maxUnavailable": "10%"}, 3, None),  # rounds up to 1
    ],
)
def test_pdb_allows_eviction(budget: Doc, replicas: int, broken: str | None) -> None:
    documents = [deployment(replicas=replicas), pdb(**budget), service(), netpol()]
    assert findings(documents) == ([("pdb-allows-eviction", broken, Severity.ERROR)] if broken else [])


def hpa(target: str = "api", metric: str = "cpu") -> Doc:
    return obj(
        "HorizontalPodAutoscaler",
        "api",
        {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
            "minReplicas": 3,
            "maxReplicas": 6,
            "metrics": [{"type": "Resource", "resource": {"name": metric, "target": {"type": "Utilization", "averageUtilization": 70}}}],
        },
        "autoscaling/v2",
    )


def test_hpa_target_exists() -> None:
    assert findings([*healthy(), hpa()]) == []
    assert findings([*healthy(), hpa(target="apii")]) == [("hpa-target-exists", "spec.scaleTargetRef.name", Severity.ERROR)]


def test_hpa_target_requests() -> None:
    documents = [*healthy(), hpa(metric="memory")]
    del container(documents)["resources"]["requests"]["memory"]
    assert ("hpa-target-requests", "spec.metrics[0].resource.name", Severity.ERROR) in findings(documents)


def test_pod_spread_is_a_warning() -> None:
    documents = healthy()
    del documents[0]["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert findings(documents) == [("pod-spread", "spec.template.spec", Severity.WARNING)]
    documents[0]["spec"]["template"]["spec"]["affinity"] = {
        "podAntiAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": LABELS}}}
            ]
        }
    }
    assert findings(documents) == []


def test_networkpolicy_coverage() -> None:
    no_policies = healthy()[:3]
    assert findings(no_policies) == [("networkpolicy-coverage", "metadata.namespace", Severity.WARNING)]
    narrow = obj(
        "NetworkPolicy", "frontend", {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "frontend"}}}, "networking.k8s.io/v1"
    )
    assert findings([*healthy()[:3], narrow]) == [("networkpolicy-coverage", "spec.template.metadata.labels", Severity.ERROR)]


def test_api_version_deprecated_looks_ahead_from_the_profile_version() -> None:
    schema = obj("FlowSchema", "x", {}, "flowcontrol.apiserver.k8s.io/v1beta3")
    schema["metadata"].pop("namespace")
    assert ("api-version-deprecated", "apiVersion", Severity.WARNING) in findings([*healthy(), schema], version="1.29")
    assert "api-version-deprecated" not in rules_of(healthy(), version="1.33")
    external = obj("ExternalSecret", "x", {}, "external-secrets.io/v1beta1")
    assert "api-version-deprecated" in rules_of([*healthy(), external])


def test_service_selects_pods_and_its_named_target_port() -> None:
    documents = healthy()
    documents[2]["spec"]["selector"] = {"app.kubernetes.io/name": "apii"}
    assert findings(documents) == [("service-selects-pods", "spec.selector", Severity.ERROR)]
    documents = healthy()
    documents[2]["spec"]["ports"][0]["targetPort"] = "web"
    assert findings(documents) == [("service-target-port", "spec.ports[0].targetPort", Severity.ERROR)]


def test_a_selector_in_a_namespace_a_helm_release_installs_into_is_not_judged() -> None:
    documents = healthy()
    documents[2]["spec"]["selector"] = {"app.kubernetes.io/name": "traefik"}
    release = obj("HelmRelease", "traefik", {"chart": {}}, "helm.toolkit.fluxcd.io/v2")
    assert findings([*documents, release]) == []


def ingress(name: str = "api", port: Doc | None = None) -> Doc:
    backend = {"service": {"name": name, "port": port or {"name": "http"}}}
    rules = [{"host": "example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}}]
    return obj("Ingress", "web", {"rules": rules}, "networking.k8s.io/v1")


@pytest.mark.parametrize(
    ("name", "port", "broken"),
    [
        ("api", {"name": "http"}, None),
        ("api", {"number": 80}, None),
        ("apii", {"name": "http"}, "spec.rules[0].http.paths[0].backend.service.name"),
        ("api", {"name": "grpc"}, "spec.rules[0].http.paths[0].backend.service.port"),
        ("api", {"number": 8080}, "spec.rules[0].http.paths[0].backend.service.port"),
    ],
)
def test_ingress_backend_exists(name: str, port: Doc, broken: str | None) -> None:
    assert findings([*healthy(), ingress(name, port)]) == ([("ingress-backend-exists", broken, Severity.ERROR)] if broken else [])


def monitor(labels: Doc, port: str = "http") -> Doc:
    return obj("ServiceMonitor", "api", {"selector": {"matchLabels": labels}, "endpoints": [{"port": port}]}, "monitoring.coreos.com/v1")


def test_servicemonitor_selects_service() -> None:
    documents = healthy()
    documents[2]["metadata"]["labels"] = dict(LABELS)
    assert findings([*documents, monitor(LABELS)]) == []
    assert findings([*documents, monitor({"app": "nope"})]) == [("servicemonitor-selects-service", "spec.selector", Severity.ERROR)]
    assert findings([*documents, monitor(LABELS, "metrics")]) == [
        ("servicemonitor-selects-service", "spec.endpoints[0].port", Severity.ERROR)
    ]


def external_secret(store: str = "vault", kind: str = "ClusterSecretStore", target: str = "api-secrets") -> Doc:
    spec = {"secretStoreRef": {"name": store, "kind": kind}, "target": {"name": target}}
    return obj("ExternalSecret", "api", spec, "external-secrets.io/v1")


def cluster_store(name: str = "vault") -> Doc:
    store = obj("ClusterSecretStore", name, {"provider": {}}, "external-secrets.io/v1")
    store["metadata"].pop("namespace")
    return store


def test_externalsecret_store_exists() -> None:
    assert findings([*healthy(), external_secret(), cluster_store()]) == []
    assert findings([*healthy(), external_secret(store="vaultt"), cluster_store()]) == [
        ("externalsecret-store-exists", "spec.secretStoreRef.name", Severity.ERROR)
    ]
    namespaced = obj("SecretStore", "vault", {"provider": {}}, "external-secrets.io/v1")
    assert findings([*healthy(), external_secret(kind="SecretStore"), namespaced]) == []


ENV_FROM = f"{BASE}.envFrom[0]"


def with_refs(*sources: Doc) -> list[Doc]:
    documents = healthy()
    container(documents)["envFrom"] = list(sources)
    return documents


def test_configmap_ref_exists() -> None:
    documents = with_refs({"configMapRef": {"name": "api-config"}})
    assert findings(documents) == [("configmap-ref-exists", f"{ENV_FROM}.configMapRef.name", Severity.ERROR)]
    assert findings([*documents, obj("ConfigMap", "api-config", data={})]) == []
    assert findings(with_refs({"configMapRef": {"name": "api-config", "optional": True}})) == []


def test_secret_ref_is_a_warning_until_the_profile_has_external_secrets() -> None:
    documents = with_refs({"secretRef": {"name": "api-secrets"}})
    assert findings(documents) == [("secret-ref-exists", f"{ENV_FROM}.secretRef.name", Severity.WARNING)]
    other = external_secret(target="something-else")
    assert findings([*documents, other, cluster_store()]) == [("secret-ref-exists", f"{ENV_FROM}.secretRef.name", Severity.ERROR)]
    assert findings([*documents, external_secret(), cluster_store()]) == []


def test_secrets_operators_produce_count_as_emitted() -> None:
    documents = healthy()
    pod = documents[0]["spec"]["template"]["spec"]
    pod["volumes"] = [{"name": "tls", "secret": {"secretName": "web-tls"}}, {"name": "db", "secret": {"secretName": "postgres-app"}}]
    certificate = obj("Certificate", "web", {"secretName": "web-tls"}, "cert-manager.io/v1")
    cluster = obj("Cluster", "postgres", {"instances": 3}, "postgresql.cnpg.io/v1")
    assert findings([*documents, certificate, cluster]) == []
    assert {path for rule, path, _ in findings(copy.deepcopy(documents)) if rule == "secret-ref-exists"} == {
        "spec.template.spec.volumes[0].secret.secretName",
        "spec.template.spec.volumes[1].secret.secretName",
    }
