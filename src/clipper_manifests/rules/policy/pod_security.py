"""Pod Security Standard "restricted" (plus a read-only root filesystem) for every pod template.

The application namespace enforces "restricted", so a pod that breaks it would be refused at
admission, long after review; this catches it at render time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clipper_manifests.rules.policy.objects import Document, containers, pod_spec
from clipper_manifests.rules.registry import (
    ERROR,
    object_rule,
)

ALLOWED_VOLUME_TYPES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"}
SAFE_CAPABILITIES = {"NET_BIND_SERVICE"}


def _effective(pod: Document, container: Document, key: str) -> Any:
    """A container's security setting, falling back to the pod's."""
    own = (container.get("securityContext") or {}).get(key)
    return own if own is not None else (pod.get("securityContext") or {}).get(key)


@object_rule("pod-security-restricted", ERROR)
def _restricted(document: Document) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every pod meets the Pod Security Standard `restricted` that the namespace enforces.

    Fix: set runAsNonRoot, seccompProfile RuntimeDefault, allowPrivilegeEscalation false and capabilities.drop [ALL]"""
    found = pod_spec(document)
    if found is None:
        return
    base, pod = found
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(flag):
            yield (*base, flag), f"{flag} is not allowed"
    for index, volume in enumerate(pod.get("volumes") or []):
        kinds = set(volume) - {"name"}
        if not kinds <= ALLOWED_VOLUME_TYPES:
            yield (*base, "volumes", index), f"volume type {', '.join(sorted(kinds - ALLOWED_VOLUME_TYPES))} is not allowed"
    for where, container in containers(pod):
        yield from _container_findings(pod, container, (*base, *where))


def _container_findings(pod: Document, container: Document, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    name = container.get("name", "?")
    context = container.get("securityContext") or {}
    if _effective(pod, container, "runAsNonRoot") is not True:
        yield (*path, "securityContext", "runAsNonRoot"), f"container {name}: runAsNonRoot is not true"
    if _effective(pod, container, "runAsUser") == 0:
        yield (*path, "securityContext", "runAsUser"), f"container {name}: runs as root (uid 0)"
    seccomp = (_effective(pod, container, "seccompProfile") or {}).get("type")
    if seccomp not in ("RuntimeDefault", "Localhost"):
        yield (*path, "securityContext", "seccompProfile"), f"container {name}: seccompProfile is {seccomp or 'unset'}"
    if context.get("privileged"):
        yield (*path, "securityContext", "privileged"), f"container {name}: privileged"
    if context.get("allowPrivilegeEscalation") is not False:
        yield (*path, "securityContext", "allowPrivilegeEscalation"), f"container {name}: allowPrivilegeEscalation is not false"
    capabilities = context.get("capabilities") or {}
    if "ALL" not in (capabilities.get("drop") or []):
        yield (*path, "securityContext", "capabilities", "drop"), f"container {name}: capabilities are not dropped (drop: [ALL])"
    extra = set(capabilities.get("add") or []) - SAFE_CAPABILITIES
    if extra:
        yield (*path, "securityContext", "capabilities", "add"), f"container {name}: adds {', '.join(sorted(extra))}"
    if container.get("ports") and any(port.get("hostPort") for port in container["ports"]):
        yield (*path, "ports"), f"container {name}: hostPort is not allowed"


@object_rule("read-only-root-filesystem", ERROR)
def _read_only_root(document: Document) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Containers run with a read-only root filesystem (writable paths are emptyDir volumes).

    Fix: set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the program writes"""
    found = pod_spec(document)
    if found is None:
        return
    base, pod = found
    for where, container in containers(pod):
        if (container.get("securityContext") or {}).get("readOnlyRootFilesystem") is not True:
            yield (
                (*base, *where, "securityContext", "readOnlyRootFilesystem"),
                f"container {container.get('name', '?')}: root filesystem is writable",
            )
