"""Checks on a profile's application objects that need the platform facts: which Secret keys
the API reads and who provides them, the API's (absent) Kubernetes API access, and what the
NetworkPolicies allow (rules/security/reachability_model.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from clipper_manifests.problems import Problem, Severity, json_path
from clipper_manifests.profile.model import Profile
from clipper_manifests.rules.policy.objects import Document, containers, pod_spec
from clipper_manifests.rules.registry import ERROR, declare
from clipper_manifests.rules.security.reachability_check import check_reachability

Finding = tuple[Document, tuple[Any, ...], str, str]  # object, key path, rule id, message
Locate = Callable[[Problem, Document], Problem]


def _by_kind(documents: list[Document], kind: str) -> list[Document]:
    return [document for document in documents if document["kind"] == kind]


def secret_keys(documents: list[Document]) -> dict[str, set[str] | None]:
    """Secret name → the keys its ExternalSecret produces (None: every property of a remote
    secret, not knowable here)."""
    produced: dict[str, set[str] | None] = {}
    for document in _by_kind(documents, "ExternalSecret"):
        spec = document.get("spec") or {}
        target = (spec.get("target") or {}).get("name") or document["metadata"]["name"]
        template = ((spec.get("target") or {}).get("template") or {}).get("data")
        keys: set[str] | None = set(template) if template else {item["secretKey"] for item in spec.get("data") or []}
        if spec.get("dataFrom") and not template:
            keys = None
        current = produced.get(target, set())
        produced[target] = None if keys is None or current is None else current | keys
    return produced


def _api(documents: list[Document], platform: dict[str, Any]) -> Document | None:
    name = platform["api"]["name"]
    return next((d for d in _by_kind(documents, "Deployment") if d["metadata"]["name"] == name), None)


def _api_container(deployment: Document, platform: dict[str, Any]) -> tuple[tuple[Any, ...], Document] | None:
    found = pod_spec(deployment)
    if found is None:
        return None
    base, spec = found
    for where, container in containers(spec):
        if container.get("name") == platform["api"]["name"]:
            return (*base, *where), container
    return None


def _api_env(deployment: Document, platform: dict[str, Any], documents: list[Document]) -> tuple[set[str], set[str], bool]:
    """What the API container receives: (from ConfigMaps and env, from ExternalSecrets, whether
    some secret's keys are unknowable)."""
    found = _api_container(deployment, platform)
    if found is None:
        return set(), set(), False
    _, container = found
    config_maps = {d["metadata"]["name"]: set(d.get("data") or {}) for d in _by_kind(documents, "ConfigMap")}
    produced = secret_keys(documents)
    plain = {item["name"] for item in container.get("env") or [] if "value" in item or "configMapKeyRef" in item.get("valueFrom", {})}
    secret: set[str] = set()
    open_ended = False
    for source in container.get("envFrom") or []:
        prefix = source.get("prefix", "")
        if "configMapRef" in source:
            plain |= {prefix + key for key in config_maps.get(source["configMapRef"]["name"], set())}
        if "secretRef" in source:
            keys = produced.get(source["secretRef"]["name"], set())
            if keys is None:
                open_ended = True
            else:
                secret |= {prefix + key for key in keys}
    for item in container.get("env") or []:
        ref = item.get("valueFrom", {}).get("secretKeyRef")
        if ref and ref["key"] in (produced.get(ref["name"]) or set()):
            secret.add(item["name"])
    return plain, secret, open_ended


def _secret_wiring(documents: list[Document], platform: dict[str, Any]) -> Iterator[Finding]:
    deployment = _api(documents, platform)
    if deployment is None:
        return
    plain, secret, _ = _api_env(deployment, platform, documents)
    found = _api_container(deployment, platform)
    where = (*found[0], "envFrom") if found else ("spec",)
    optional = set(platform["secrets"].get("optionalApiVariables", []))
    for variable in platform["secrets"]["apiVariables"]:
        if variable not in secret and variable not in optional:
            message = f"{variable} (a secret variable of the API) is provided by no ExternalSecret the API reads"
            yield deployment, where, "api-secret-provided", message
    for variable in platform["api"]["requiredEnv"]:
        if variable not in plain and variable not in secret:
            message = f"the API does not start without {variable}, but neither its ConfigMap nor an ExternalSecret provides it"
            yield deployment, where, "api-required-env", message
    produced = secret_keys(documents)
    for document in documents:
        pod = pod_spec(document)
        if pod is None:
            continue
        base, spec = pod
        for position, container in containers(spec):
            for index, item in enumerate(container.get("env") or []):
                ref = item.get("valueFrom", {}).get("secretKeyRef")
                if not ref or ref.get("optional"):
                    continue
                keys = produced.get(ref["name"], set())
                if keys is not None and ref["key"] not in keys:
                    message = f"{item['name']} reads key {ref['key']} of Secret {ref['name']}, which no ExternalSecret produces"
                    yield document, (*base, *position, "env", index, "valueFrom", "secretKeyRef"), "secret-key-provided", message


def _api_access(documents: list[Document], platform: dict[str, Any]) -> Iterator[Finding]:
    name = platform["api"]["name"]
    for document in documents:
        if document["kind"] in ("RoleBinding", "ClusterRoleBinding"):
            for index, subject in enumerate(document.get("subjects") or []):
                if subject.get("kind") == "ServiceAccount" and subject.get("name") == name:
                    yield document, ("subjects", index), "api-no-kubernetes-access", f"binds a role to the API's service account {name}"
        if (
            document["kind"] == "ServiceAccount"
            and document["metadata"]["name"] == name
            and document.get("automountServiceAccountToken") is not False
        ):
            yield (
                document,
                ("automountServiceAccountToken",),
                "api-no-kubernetes-access",
                "the API's service account mounts a token; set it to false",
            )
    deployment = _api(documents, platform)
    found = pod_spec(deployment) if deployment else None
    if deployment is not None and found is not None and found[1].get("automountServiceAccountToken") is not False:
        path = (*found[0], "automountServiceAccountToken")
        yield (
            deployment,
            path,
            "api-no-kubernetes-access",
            "the API's pods mount a service-account token; set automountServiceAccountToken: false",
        )


def check_security(profile: Profile, platform: dict[str, Any], documents: list[Document], locate: Locate) -> list[Problem]:
    findings = [*_secret_wiring(documents, platform), *_api_access(documents, platform)]
    anchor = next((d for d in documents if d["kind"] == "NetworkPolicy"), documents[0] if documents else None)
    for violation in check_reachability(profile, platform, documents):
        document = violation.document or anchor
        if document is not None:
            findings.append((document, violation.path, violation.rule, violation.message))
    problems = []
    for document, path, rule, message in findings:
        problem = Problem(message=message, rule=rule, severity=Severity.ERROR, path=json_path(path), profile=profile.name)
        problems.append(locate(problem, document))
    return problems


declare(
    (
        "api-secret-provided",
        ERROR,
        "Every secret variable of the API (platform.md) is a key of an ExternalSecret the API reads.",
        "add it to the api-secrets ExternalSecret",
        (),
    ),
    (
        "api-required-env",
        ERROR,
        "Every variable the API cannot start without (MFA_ENCRYPTION_KEY, the DB_* parts) comes from its ConfigMap or an ExternalSecret.",
        "provide the variable",
        (),
    ),
    (
        "secret-key-provided",
        ERROR,
        "Every secretKeyRef names a key an ExternalSecret produces.",
        "fix the reference or add the key to the ExternalSecret",
        (),
    ),
    (
        "api-no-kubernetes-access",
        ERROR,
        "The API has no Role or RoleBinding and mounts no service-account token.",
        "remove the binding; set automountServiceAccountToken: false",
        (),
    ),
    scope="security",
    stage="objects",
    emitted_by="rules.security.wiring:check_security",
)
