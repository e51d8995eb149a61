"""What policy rules ask about rendered objects: namespaces, label selectors, pod templates,
how many replicas a workload runs, and which objects create pods the tool cannot see."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clipper_manifests.rules.policy.objects import Document, Objects, pod_spec

LONG_RUNNING = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")
SCALABLE = ("Deployment", "StatefulSet")
POD_KINDS = (*LONG_RUNNING, "Job", "CronJob", "Pod")

# Custom resources whose controllers create pods (or Services) the rendered tree does not show:
# an unmatched selector in their namespace may be theirs, so it is not reported.
HIDDEN_POD_OWNERS = frozenset(
    {
        "HelmRelease.helm.toolkit.fluxcd.io",
        "Cluster.postgresql.cnpg.io",
        "Pooler.postgresql.cnpg.io",
        "RedisCluster.redis.redis.opstreelabs.in",
        "Redis.redis.redis.opstreelabs.in",
        "RedisReplication.redis.redis.opstreelabs.in",
        "RedisSentinel.redis.redis.opstreelabs.in",
        "OpenSearchCluster.opensearch.opster.io",
        "OpenSearchCluster.opensearch.org",
    }
)


def namespace(document: Document) -> str:
    return str((document.get("metadata") or {}).get("namespace") or "")


def name(document: Document) -> str:
    return str((document.get("metadata") or {}).get("name") or "")


def label(document: Document) -> str:
    return f"{document.get('kind')}/{name(document)}"


def selects(selector: dict[str, Any] | None, labels: dict[str, Any]) -> bool:
    """A LabelSelector (matchLabels and matchExpressions) against labels; empty selects all."""
    if not selector:
        return True
    if any(labels.get(key) != value for key, value in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression.get("key"), expression.get("operator"), expression.get("values") or []
        present = key in labels
        if (
            (operator == "In" and (not present or labels[key] not in values))
            or (operator == "NotIn" and present and labels[key] in values)
            or (operator == "Exists" and not present)
            or (operator == "DoesNotExist" and present)
        ):
            return False
    return True


def selects_map(selector: dict[str, Any] | None, labels: dict[str, Any]) -> bool:
    """A Service-style selector (a plain map); an empty one selects nothing here."""
    return bool(selector) and all(labels.get(key) == value for key, value in (selector or {}).items())


def pod_labels(document: Document) -> dict[str, Any] | None:
    """The labels a workload's pods carry, or None for objects that are not workloads."""
    if document.get("kind") == "Pod":
        return dict((document.get("metadata") or {}).get("labels") or {})
    found = pod_spec(document)
    if found is None:
        return None
    path = found[0][:-1]  # …template.spec → …template
    node: Any = document
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return dict(((node or {}).get("metadata") or {}).get("labels") or {})


def pod_templates(objects: Objects, kinds: tuple[str, ...] = POD_KINDS) -> Iterator[tuple[Document, dict[str, Any], Document]]:
    """(workload, its pods' labels, its pod spec) for every workload of `kinds`."""
    for document in objects.of_kind(*kinds):
        labels, found = pod_labels(document), pod_spec(document)
        if labels is not None and found is not None:
            yield document, labels, found[1]


def autoscaler(objects: Objects, workload: Document) -> Document | None:
    """The HorizontalPodAutoscaler that scales `workload`, if any."""
    for hpa in objects.of_kind("HorizontalPodAutoscaler"):
        target = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        if target.get("kind") == workload.get("kind") and target.get("name") == name(workload) and namespace(hpa) == namespace(workload):
            return hpa
    return None


def replica_range(objects: Objects, workload: Document) -> tuple[int, int]:
    """(fewest, most) pods a Deployment or StatefulSet runs: its HPA's bounds, else spec.replicas
    (1 when unset, as the API server defaults it)."""
    hpa = autoscaler(objects, workload)
    if hpa is not None:
        spec = hpa.get("spec") or {}
        return int(spec.get("minReplicas", 1)), int(spec.get("maxReplicas", 1))
    replicas = int((workload.get("spec") or {}).get("replicas", 1))
    return replicas, replicas


def hidden_pod_owners(objects: Objects, where: str) -> list[str]:
    """Objects in namespace `where` whose controllers create pods the tree does not show."""
    found = []
    for document in objects.documents:
        group = str(document.get("apiVersion", "")).rpartition("/")[0]
        if f"{document.get('kind')}.{group}" in HIDDEN_POD_OWNERS and _installs_into(document) == where:
            found.append(label(document))
    return found


def _installs_into(document: Document) -> str:
    if document.get("kind") == "HelmRelease":
        return str((document.get("spec") or {}).get("targetNamespace") or namespace(document))
    return namespace(document)
