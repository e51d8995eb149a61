"""Every ConfigMap and Secret a pod references is emitted (or produced) in the pod's namespace.

A pod that references a missing ConfigMap or Secret never starts (CreateContainerConfigError),
unless the reference is `optional`. Secrets never live in git here: a Secret counts as emitted
when an ExternalSecret produces it (`spec.target.name`, default its own name), a cert-manager
Certificate does (`spec.secretName`) or a CloudNativePG Cluster does (`<cluster>-app` and the
other names it manages).

Until a profile has any ExternalSecret, a missing Secret is a warning rather than an error:
the Secrets may still be created by hand or by a tool outside this tree. Once the tree syncs
Secrets itself, one it does not produce is a real gap.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clipper_manifests.problems import Severity
from clipper_manifests.rules.policy.objects import Document, Finding, Objects, containers, pod_spec
from clipper_manifests.rules.policy.workloads import name, namespace
from clipper_manifests.rules.registry import (
    ERROR,
    ERROR_OR_WARNING,
    tree_rule,
)

Path = tuple[Any, ...]
CNPG_SECRETS = ("app", "superuser", "ca", "server", "replication")


def references(spec: dict[str, Any]) -> Iterator[tuple[str, str, Path]]:
    """(ConfigMap or Secret, name, key path within the pod spec) of every required reference."""
    for where, container in containers(spec):
        yield from _container_references(container, where)
    yield from _volume_references(spec)
    for index, pull in enumerate(spec.get("imagePullSecrets") or []):
        yield "Secret", pull.get("name", ""), ("imagePullSecrets", index, "name")


def _required(ref: Any) -> bool:
    return isinstance(ref, dict) and not ref.get("optional")


def _container_references(container: dict[str, Any], where: Path) -> Iterator[tuple[str, str, Path]]:
    for index, source in enumerate(container.get("envFrom") or []):
        for field, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
            if _required(source.get(field)):
                yield kind, source[field].get("name", ""), (*where, "envFrom", index, field, "name")
    for index, item in enumerate(container.get("env") or []):
        for field, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
            ref = (item.get("valueFrom") or {}).get(field)
            if ref is not None and _required(ref):
                yield kind, ref.get("name", ""), (*where, "env", index, "valueFrom", field, "name")


def _volume_references(spec: dict[str, Any]) -> Iterator[tuple[str, str, Path]]:
    for index, volume in enumerate(spec.get("volumes") or []):
        if _required(volume.get("configMap")):
            yield "ConfigMap", volume["configMap"].get("name", ""), ("volumes", index, "configMap", "name")
        if _required(volume.get("secret")):
            yield "Secret", volume["secret"].get("secretName", ""), ("volumes", index, "secret", "secretName")
        for source_index, source in enumerate((volume.get("projected") or {}).get("sources") or []):
            for field, kind in (("configMap", "ConfigMap"), ("secret", "Secret")):
                if _required(source.get(field)):
                    yield kind, source[field].get("name", ""), ("volumes", index, "projected", "sources", source_index, field, "name")


def produced_secrets(objects: Objects) -> set[tuple[str, str]]:
    """(namespace, name) of every Secret the tree emits or has an operator produce."""
    found = {(namespace(d), name(d)) for d in objects.of_kind("Secret")}
    for external in objects.of_kind("ExternalSecret"):
        target = ((external.get("spec") or {}).get("target") or {}).get("name") or name(external)
        found.add((namespace(external), target))
    for certificate in objects.of_kind("Certificate"):
        if str(certificate.get("apiVersion", "")).startswith("cert-manager.io/"):
            found.add((namespace(certificate), str((certificate.get("spec") or {}).get("secretName"))))
    for cluster in objects.of_kind("Cluster"):
        if str(cluster.get("apiVersion", "")).startswith("postgresql.cnpg.io/"):
            found |= {(namespace(cluster), f"{name(cluster)}-{suffix}") for suffix in CNPG_SECRETS}
    return found


def _missing(objects: Objects, kind: str, emitted: set[tuple[str, str]]) -> Iterator[tuple[Document, Path, str]]:
    for document in objects.documents:
        found = pod_spec(document)
        if found is None:
            continue
        base, spec = found
        for ref_kind, ref_name, path in references(spec):
            if ref_kind == kind and (namespace(document), ref_name) not in emitted:
                yield (
                    document,
                    (*base, *path),
                    f"references {kind} {ref_name}, which the tree does not emit in namespace {namespace(document) or '(none)'}",
                )


@tree_rule("configmap-ref-exists", ERROR)
def _config_maps(objects: Objects) -> Iterator[Finding]:
    """Every ConfigMap a pod references (envFrom, env, volumes) is emitted in its namespace; otherwise the pod never starts.

    Fix: emit the ConfigMap, fix the name, or mark the reference optional: true"""
    emitted = {(namespace(d), name(d)) for d in objects.of_kind("ConfigMap")}
    yield from _missing(objects, "ConfigMap", emitted)


@tree_rule("secret-ref-exists", ERROR_OR_WARNING, "secrets")
def _secrets(objects: Objects) -> Iterator[Finding]:
    """Every Secret a pod references is produced in its namespace by an ExternalSecret, a Certificate or an operator; otherwise the pod
    never starts. A warning while the profile has no ExternalSecret.

    Fix: add an ExternalSecret whose target.name is the Secret, fix the name, or mark the reference optional: true"""
    severity = Severity.ERROR if objects.of_kind("ExternalSecret") else Severity.WARNING
    for document, path, message in _missing(objects, "Secret", produced_secrets(objects)):
        yield document, path, message, severity
