"""Deprecated apiVersions: served by the profile's Kubernetes version, gone in a later one.

An apiVersion the profile's version no longer serves is already an error of the schema check
(`api-version-removed`, kubernetes.py). This rule looks ahead: kubernetes-validate ships the
schemas of every minor version it knows (1.25 onwards), so "served now, absent later" is a
fact, not a guess. For custom resources, whose operators decide, a short table of the
apiVersions their projects have deprecated stands in.
"""

from __future__ import annotations

from collections.abc import Iterator

from clipper_manifests import memo
from clipper_manifests.rules.object_schemas.kubernetes import current_api_versions, served_in, supported_versions
from clipper_manifests.rules.policy.objects import Finding, Objects
from clipper_manifests.rules.registry import (
    WARNING,
    tree_rule,
)

# apiVersion → the one to use (External Secrets Operator stopped serving v1beta1 in v0.17;
# Flux serves only its GA APIs in current releases).
DEPRECATED_CUSTOM = {
    "external-secrets.io/v1alpha1": "external-secrets.io/v1",
    "external-secrets.io/v1beta1": "external-secrets.io/v1",
    "helm.toolkit.fluxcd.io/v2beta1": "helm.toolkit.fluxcd.io/v2",
    "helm.toolkit.fluxcd.io/v2beta2": "helm.toolkit.fluxcd.io/v2",
    "source.toolkit.fluxcd.io/v1beta1": "source.toolkit.fluxcd.io/v1",
    "source.toolkit.fluxcd.io/v1beta2": "source.toolkit.fluxcd.io/v1",
    "kustomize.toolkit.fluxcd.io/v1beta1": "kustomize.toolkit.fluxcd.io/v1",
    "kustomize.toolkit.fluxcd.io/v1beta2": "kustomize.toolkit.fluxcd.io/v1",
}


def _minor(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@memo.function("kubernetes.removal", 4096)
def removal(kind: str, api_version: str, version: str) -> str | None:
    """The first installed Kubernetes version after `version` that no longer serves the API."""
    served = served_in(kind, api_version)
    if version not in served:
        return None  # not served now: the schema check reports it
    later = [v for v in supported_versions() if _minor(v) > _minor(version)]
    return next((v for v in later if v not in served), None)


@tree_rule("api-version-deprecated", WARNING, "kubernetesVersion")
def _deprecated(objects: Objects) -> Iterator[Finding]:
    """No object uses an apiVersion that a later Kubernetes version (or the operator's project) removes: upgrading the cluster would then
    break the apply. A warning until then.

    Fix: move the object to the apiVersion the message names"""
    if objects.kubernetes_version not in supported_versions():
        return  # the schema check already says the version is unknown
    for document in objects.documents:
        kind, api_version = str(document.get("kind")), str(document.get("apiVersion"))
        if api_version in DEPRECATED_CUSTOM:
            yield document, ("apiVersion",), f"{kind} {api_version} is deprecated upstream; use {DEPRECATED_CUSTOM[api_version]}"
            continue
        gone = removal(kind, api_version, objects.kubernetes_version)
        if gone is not None:
            use = " or ".join(v for v in current_api_versions(kind) if v != api_version) or "a served apiVersion"
            yield (
                document,
                ("apiVersion",),
                f"{kind} {api_version} is served by {objects.kubernetes_version} but removed in Kubernetes {gone}; use {use}",
            )
