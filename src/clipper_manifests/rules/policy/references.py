"""Cross-references between rendered objects: what one object names must exist in the tree.

Pods and Services that controllers create (a HelmRelease's chart, a CloudNativePG Cluster…)
are not in the tree; where such an owner installs into a namespace, an unmatched reference
there is not reported (workloads.hidden_pod_owners).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clipper_manifests.rules.policy.objects import Document, Finding, Objects
from clipper_manifests.rules.policy.workloads import hidden_pod_owners, label, name, namespace, pod_templates, selects, selects_map
from clipper_manifests.rules.registry import (
    ERROR,
    tree_rule,
)


def _service_ports(service: Document) -> list[dict[str, Any]]:
    return list((service.get("spec") or {}).get("ports") or [])


@tree_rule("service-selects-pods", ERROR)
def _service_selects(objects: Objects) -> Iterator[Finding]:
    """A Service's selector matches the pod labels of a workload in its namespace; otherwise it has no endpoints and every request to it
    fails.

    Fix: make spec.selector a subset of the pod template labels of the workload it fronts"""
    for service in objects.of_kind("Service"):
        selector = (service.get("spec") or {}).get("selector")
        if not selector:
            continue  # ExternalName or hand-managed endpoints
        matched = [w for w, labels, _ in pod_templates(objects) if namespace(w) == namespace(service) and selects_map(selector, labels)]
        if not matched and not hidden_pod_owners(objects, namespace(service)):
            yield (
                service,
                ("spec", "selector"),
                f"selects {selector}, but no pod template in namespace {namespace(service) or '(none)'} carries these labels",
            )


@tree_rule("service-target-port", ERROR)
def _target_ports(objects: Objects) -> Iterator[Finding]:
    """A Service's named targetPort is a port name the selected pods declare; an unknown name leaves the Service without endpoints.

    Fix: use a name from the containers' ports (or the number)"""
    for service in objects.of_kind("Service"):
        selector = (service.get("spec") or {}).get("selector")
        specs = [spec for w, labels, spec in pod_templates(objects) if namespace(w) == namespace(service) and selects_map(selector, labels)]
        if not specs:
            continue  # service-selects-pods reports it
        declared = {port.get("name") for spec in specs for c in spec.get("containers") or [] for port in c.get("ports") or []}
        for index, port in enumerate(_service_ports(service)):
            target = port.get("targetPort")
            if isinstance(target, str) and target not in declared:
                yield service, ("spec", "ports", index, "targetPort"), f"targetPort {target!r} is no port name of the selected pods"


def _backends(ingress: Document) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    spec = ingress.get("spec") or {}
    default = (spec.get("defaultBackend") or {}).get("service")
    if default:
        yield ("spec", "defaultBackend", "service"), default
    for r, rule in enumerate(spec.get("rules") or []):
        for p, path in enumerate((rule.get("http") or {}).get("paths") or []):
            service = (path.get("backend") or {}).get("service")
            if service:
                yield ("spec", "rules", r, "http", "paths", p, "backend", "service"), service


@tree_rule("ingress-backend-exists", ERROR)
def _ingress_backends(objects: Objects) -> Iterator[Finding]:
    """Every Ingress backend names a Service in the Ingress's namespace and a port that Service exposes (by name or number); otherwise the
    route answers 503.

    Fix: point backend.service at an emitted Service and one of its spec.ports (name or port)"""
    for ingress in objects.of_kind("Ingress"):
        for path, backend in _backends(ingress):
            service = next(
                (s for s in objects.of_kind("Service") if name(s) == backend.get("name") and namespace(s) == namespace(ingress)), None
            )
            if service is None:
                if not hidden_pod_owners(objects, namespace(ingress)):
                    yield (
                        ingress,
                        (*path, "name"),
                        f"Service {backend.get('name')} does not exist in namespace {namespace(ingress) or '(none)'}",
                    )
                continue
            port = backend.get("port") or {}
            ports = _service_ports(service)
            if ("name" in port and port["name"] not in {p.get("name") for p in ports}) or (
                "number" in port and port["number"] not in {p.get("port") for p in ports}
            ):
                wanted = port.get("name", port.get("number"))
                yield ingress, (*path, "port"), f"Service {backend.get('name')} has no port {wanted!r}"


@tree_rule("servicemonitor-selects-service", ERROR)
def _service_monitors(objects: Objects) -> Iterator[Finding]:
    """A ServiceMonitor selects at least one Service, and its endpoints use port names that Service exposes; otherwise Prometheus silently
    scrapes nothing.

    Fix: match spec.selector to the Service's labels and spec.endpoints[].port to its port names"""
    for monitor in objects.of_kind("ServiceMonitor"):
        spec = monitor.get("spec") or {}
        scope = spec.get("namespaceSelector") or {}
        namespaces = None if scope.get("any") else set(scope.get("matchNames") or [namespace(monitor)])
        services = [
            s
            for s in objects.of_kind("Service")
            if (namespaces is None or namespace(s) in namespaces)
            and selects(spec.get("selector") or {}, (s.get("metadata") or {}).get("labels") or {})
        ]
        if not services:
            if not any(hidden_pod_owners(objects, where) for where in namespaces or {namespace(monitor)}):
                yield monitor, ("spec", "selector"), "selects no Service the tree emits"
            continue
        ports = {p.get("name") for s in services for p in _service_ports(s)}
        for index, endpoint in enumerate(spec.get("endpoints") or []):
            if "port" in endpoint and endpoint["port"] not in ports:
                yield monitor, ("spec", "endpoints", index, "port"), f"no selected Service has a port named {endpoint['port']!r}"


@tree_rule("externalsecret-store-exists", ERROR, "secrets")
def _secret_stores(objects: Objects) -> Iterator[Finding]:
    """An ExternalSecret's store (SecretStore in its namespace, or ClusterSecretStore) is emitted too; otherwise the operator never syncs
    the Secret and pods that need it cannot start.

    Fix: emit the SecretStore / ClusterSecretStore, or fix spec.secretStoreRef"""
    for external in objects.of_kind("ExternalSecret"):
        ref = (external.get("spec") or {}).get("secretStoreRef") or {}
        kind = ref.get("kind") or "SecretStore"
        stores = objects.of_kind(kind)
        if not any(name(s) == ref.get("name") and (kind == "ClusterSecretStore" or namespace(s) == namespace(external)) for s in stores):
            where = "" if kind == "ClusterSecretStore" else f" in namespace {namespace(external) or '(none)'}"
            yield external, ("spec", "secretStoreRef", "name"), f"{kind} {ref.get('name')}{where} is not emitted ({label(external)})"
