"""Policy rules for what security scanners ask of every pod: the user it runs as, whether it
mounts a service-account token, and CPU limits. Each decision is taken once here, its
deliberate exceptions are named here with the reason, and docs/security-posture.md lists both.

The pods include those an operator creates from a custom resource the tree holds (the
RedisCluster's leaders, followers and exporters; CloudNativePG's instances), since a scanner
sees them in the cluster even though no pod template in out/ shows them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clipper_manifests.rules.policy.objects import Document, Objects, containers, pod_spec
from clipper_manifests.rules.registry import (
    ERROR,
    WARNING,
    object_rule,
    tree_rule,
)

Path = tuple[Any, ...]
MIN_UID = 10000

# Images whose files belong to a fixed low UID, so the container runs as that UID (the reason
# is printed in the finding's place and in docs/security-posture.md).
LOW_UID_IMAGES = {
    # Its Dockerfile creates redis as 1000 and gives /etc/redis (where the entrypoint writes
    # redis.conf), /data and /node-conf to 1000:0: another UID could write them only as a member
    # of group 0, which is the worse finding.
    "quay.io/opstree/redis": "the image's writable paths belong to 1000:0 (OT-CONTAINER-KIT/redis Dockerfile)",
    # OpenSearch's image copies its home as opensearch (1000:1000); upstream's way to change the
    # UID is rebuilding the image (usermod), and the configure step copies config/ out of it.
    "opensearchproject/opensearch": "the image's files belong to opensearch, 1000:1000 (opensearch-build Dockerfile)",
}
# CloudNativePG's instances run as the operand image's postgres user (Cluster spec.postgresUID,
# default 26): the operator sets it, so no rule here judges it (docs/security-posture.md).

# Pods that call the Kubernetes API and therefore mount a token: Kind/name → why. Only the
# CronJob is a pod template; a Cluster's pods are the operator's (it creates their account).
API_CLIENTS = {
    "CronJob/postgres-restore-test": "kubectl creates, owns and waits for the scratch CloudNativePG Cluster",
    "Cluster/postgres": "CloudNativePG's instance manager in every PostgreSQL pod reconciles through the API",
}


def _repository(image: str) -> str:
    """An image reference without its digest and tag (a registry port is not a tag)."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return name[: len(name) - len(last)] + last.split(":", 1)[0]


def _label(document: Document) -> str:
    return f"{document.get('kind')}/{(document.get('metadata') or {}).get('name')}"


def _is_redis_cluster(document: Document) -> bool:
    return document.get("kind") == "RedisCluster" and str(document.get("apiVersion", "")).startswith("redis.redis.opstreelabs.in/")


def _is_cnpg_cluster(document: Document) -> bool:
    return document.get("kind") == "Cluster" and str(document.get("apiVersion", "")).startswith("postgresql.cnpg.io/")


def _redis_containers(spec: Document) -> Iterator[tuple[Path, str, Document]]:
    """(key path of its security context, image, security context) of every container a
    RedisCluster's pods run."""
    image = str((spec.get("kubernetesConfig") or {}).get("image", ""))
    for role in ("redisLeader", "redisFollower"):
        yield ("spec", role, "securityContext"), image, (spec.get(role) or {}).get("securityContext") or {}
    exporter = spec.get("redisExporter") or {}
    if exporter.get("enabled"):
        yield ("spec", "redisExporter", "securityContext"), str(exporter.get("image", "")), exporter.get("securityContext") or {}


@object_rule(
    "run-as-high-uid",
    ERROR,
    summary=f"Every container runs as a UID of {MIN_UID} or more, outside the range of users an image or the node "
    "defines; the exceptions are images whose files belong to a fixed low UID (docs/security-posture.md).",
    fix=f"set securityContext.runAsUser (and runAsGroup) to {MIN_UID} or more on the pod or the container",
)
def _high_uid(document: Document) -> Iterator[tuple[Path, str]]:
    found = pod_spec(document)
    if found is not None:
        base, pod = found
        pod_uid = (pod.get("securityContext") or {}).get("runAsUser")
        for where, container in containers(pod):
            uid = (container.get("securityContext") or {}).get("runAsUser", pod_uid)
            yield from _uid_finding(
                (*base, *where, "securityContext", "runAsUser"), container.get("name", "?"), str(container.get("image", "")), uid
            )
    elif _is_redis_cluster(document):
        spec = document.get("spec") or {}
        pod_uid = (spec.get("podSecurityContext") or {}).get("runAsUser")
        for path, image, context in _redis_containers(spec):
            yield from _uid_finding((*path, "runAsUser"), path[1], image, context.get("runAsUser", pod_uid))


def _uid_finding(path: Path, name: str, image: str, uid: Any) -> Iterator[tuple[Path, str]]:
    if _repository(image) in LOW_UID_IMAGES:
        return
    if uid is None:
        yield path, f"container {name} sets no runAsUser: the image's user decides, which may be a low UID"
    elif int(uid) < MIN_UID:
        yield path, f"container {name} runs as UID {uid}, below {MIN_UID}"


@tree_rule("service-account-token", ERROR)
def _tokens(objects: Objects) -> Iterator[tuple[Document, Path, str]]:
    """Pods that do not call the Kubernetes API mount no service-account token (automountServiceAccountToken: false on the pod, and on every
    ServiceAccount the tool emits); the pods that do are named in docs/security-posture.md with the reason.

    Fix: set automountServiceAccountToken: false, or name the pod as an API client in rules/policy/hardening.py with the reason"""
    accounts = {_label(d).split("/", 1)[1]: d for d in objects.of_kind("ServiceAccount")}
    for account in accounts.values():
        if account.get("automountServiceAccountToken") is not False:
            yield account, ("automountServiceAccountToken",), "mounts its token into every pod that uses it; set it to false"
    for document in objects.documents:
        if _label(document) in API_CLIENTS:
            continue
        found = pod_spec(document)
        if found is not None and found[1].get("automountServiceAccountToken") is not False:
            yield document, (*found[0], "automountServiceAccountToken"), "its pods mount a service-account token but do not call the API"
        elif _is_redis_cluster(document):
            name = (document.get("spec") or {}).get("serviceAccountName")
            if str(name) not in accounts:
                # The operator's pods then use the namespace's default account, which mounts a token.
                yield (
                    document,
                    ("spec", "serviceAccountName"),
                    "its pods use a service account the tree does not hold, which mounts a token",
                )


def _cpu_limited(resources: Any) -> bool:
    return isinstance(resources, dict) and "cpu" in (resources.get("limits") or {})


@object_rule("no-cpu-limits", WARNING)
def _cpu_limits(document: Document) -> Iterator[tuple[Path, str]]:
    """Containers request CPU and set no CPU limit: a CFS quota throttles a pod within each 100 ms period even on an idle node (latency
    spikes for the API, slow JVM starts), while the request already reserves its share; memory limits stay on every container
    (container-resources).

    Fix: remove resources.limits.cpu and size resources.requests.cpu instead"""
    found = pod_spec(document)
    if found is not None:
        base, pod = found
        for where, container in containers(pod):
            if _cpu_limited(container.get("resources")):
                yield (*base, *where, "resources", "limits", "cpu"), f"container {container.get('name', '?')} sets a CPU limit"
    elif _is_redis_cluster(document):
        spec = document.get("spec") or {}
        for block in ("kubernetesConfig", "redisExporter"):
            if _cpu_limited((spec.get(block) or {}).get("resources")):
                yield ("spec", block, "resources", "limits", "cpu"), f"{block} sets a CPU limit"
    elif _is_cnpg_cluster(document) and _cpu_limited((document.get("spec") or {}).get("resources")):
        yield ("spec", "resources", "limits", "cpu"), "PostgreSQL instances set a CPU limit"
