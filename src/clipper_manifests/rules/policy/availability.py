"""Availability rules: disruption budgets, autoscaler targets, and spreading replicas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clipper_manifests.rules.policy.objects import Document, Finding, Objects, pod_spec
from clipper_manifests.rules.policy.workloads import SCALABLE, label, name, namespace, pod_labels, replica_range, selects
from clipper_manifests.rules.registry import (
    ERROR,
    WARNING,
    tree_rule,
)


def _multi_replica(objects: Objects) -> Iterator[tuple[Document, dict[str, Any], int]]:
    """(workload, its pod labels, fewest replicas) for Deployments and StatefulSets that can run
    more than one pod (spec.replicas > 1, or an HPA with maxReplicas > 1)."""
    for workload in objects.of_kind(*SCALABLE):
        fewest, most = replica_range(objects, workload)
        labels = pod_labels(workload)
        if most > 1 and labels is not None:
            yield workload, labels, fewest


def _budgets_for(objects: Objects, workload: Document, labels: dict[str, Any]) -> list[Document]:
    return [
        pdb
        for pdb in objects.of_kind("PodDisruptionBudget")
        if namespace(pdb) == namespace(workload) and (pdb.get("spec") or {}).get("selector") and selects(pdb["spec"]["selector"], labels)
    ]


@tree_rule("pdb-present", ERROR, "api.replicas", "frontend.replicas")
def _pdb_present(objects: Objects) -> Iterator[Finding]:
    """A workload that runs several replicas has a PodDisruptionBudget, so node drains and upgrades take its pods down a few at a time
    rather than all at once.

    Fix: add a PodDisruptionBudget (maxUnavailable: 1) whose selector matches the pod labels"""
    for workload, labels, _ in _multi_replica(objects):
        if not _budgets_for(objects, workload, labels):
            yield workload, ("spec", "template", "metadata", "labels"), "runs several replicas but no PodDisruptionBudget selects its pods"


def _blocks(spec: dict[str, Any], fewest: int) -> tuple[str, str] | None:
    """(field, why) when the budget allows no voluntary eviction at the workload's lowest scale.
    Percentages round up, as the disruption controller rounds them."""
    if "maxUnavailable" in spec:
        value = spec["maxUnavailable"]
        return ("maxUnavailable", f"maxUnavailable is {value}") if value in (0, "0%") else None
    value = spec.get("minAvailable")
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        value_needed = -(-int(value[:-1]) * fewest // 100)
    elif isinstance(value, int):
        value_needed = value
    else:
        return None
    if value_needed >= fewest:
        return "minAvailable", f"minAvailable {value} with as few as {fewest} pod(s) leaves none to evict"
    return None


@tree_rule("pdb-allows-eviction", ERROR, "api.replicas.min", "frontend.replicas.min")
def _pdb_allows_eviction(objects: Objects) -> Iterator[Finding]:
    """A PodDisruptionBudget that allows no eviction blocks every node drain and cluster upgrade until someone deletes it.

    Fix: use maxUnavailable: 1 (or a minAvailable below the lowest replica count)"""
    for workload, labels, fewest in _multi_replica(objects):
        for pdb in _budgets_for(objects, workload, labels):
            blocked = _blocks(pdb["spec"], fewest)
            if blocked is not None:
                yield pdb, ("spec", blocked[0]), f"{blocked[1]} ({label(workload)}): no pod can ever be evicted"


@tree_rule("hpa-target-exists", ERROR)
def _hpa_target(objects: Objects) -> Iterator[Finding]:
    """A HorizontalPodAutoscaler scales an object the tree emits; a wrong name scales nothing.

    Fix: set spec.scaleTargetRef to the kind and name of a Deployment or StatefulSet in the same namespace"""
    for hpa in objects.of_kind("HorizontalPodAutoscaler"):
        target = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        if not any(
            name(document) == target.get("name") and namespace(document) == namespace(hpa)
            for document in objects.of_kind(str(target.get("kind")))
        ):
            yield hpa, ("spec", "scaleTargetRef", "name"), f"scales {target.get('kind')}/{target.get('name')}, which the tree does not emit"


@tree_rule("hpa-target-requests", ERROR, "api.autoscaling", "frontend.autoscaling")
def _hpa_requests(objects: Objects) -> Iterator[Finding]:
    """Utilization targets are percentages of the containers' requests: without a request for that resource the HPA cannot compute the
    metric and never scales.

    Fix: set resources.requests for that resource on every container of the target"""
    for hpa in objects.of_kind("HorizontalPodAutoscaler"):
        target = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        workload = next(
            (d for d in objects.of_kind(str(target.get("kind"))) if name(d) == target.get("name") and namespace(d) == namespace(hpa)), None
        )
        found = pod_spec(workload) if workload else None
        if workload is None or found is None:
            continue
        for index, metric in enumerate((hpa.get("spec") or {}).get("metrics") or []):
            resource = metric.get("resource") or {}
            if metric.get("type") != "Resource" or (resource.get("target") or {}).get("type") != "Utilization":
                continue
            for container in found[1].get("containers") or []:
                if resource.get("name") not in ((container.get("resources") or {}).get("requests") or {}):
                    message = f"{label(workload)} container {container.get('name', '?')} requests no {resource.get('name')}"
                    yield hpa, ("spec", "metrics", index, "resource", "name"), message


@tree_rule("pod-spread", WARNING, "api.replicas", "frontend.replicas")
def _spread(objects: Objects) -> Iterator[Finding]:
    """A Deployment that runs several replicas spreads them over zones or nodes (topology spread or pod anti-affinity), so one node or zone
    failure does not take them all. A warning: the scheduler still places the pods.

    Fix: add topologySpreadConstraints (zone, ScheduleAnyway) or a preferred podAntiAffinity on kubernetes.io/hostname"""
    for workload, labels, _ in _multi_replica(objects):
        if workload.get("kind") != "Deployment":
            continue
        spec = pod_spec(workload)
        pod = spec[1] if spec else {}
        spread = any(
            selects(item.get("labelSelector"), labels) for item in pod.get("topologySpreadConstraints") or [] if item.get("labelSelector")
        )
        anti = (pod.get("affinity") or {}).get("podAntiAffinity") or {}
        terms = [*(anti.get("requiredDuringSchedulingIgnoredDuringExecution") or [])]
        terms += [item.get("podAffinityTerm") or {} for item in anti.get("preferredDuringSchedulingIgnoredDuringExecution") or []]
        if not spread and not any(term.get("labelSelector") and selects(term["labelSelector"], labels) for term in terms):
            yield workload, ("spec", "template", "spec"), "runs several replicas with no topology spread or anti-affinity on its own pods"
