"""Policy rules on rendered objects (kube-score / kube-linter style), each with an id.

A rule looks at one object (`object_rule`) or at every object one profile renders, in all of
its folders (`tree_rule`), and yields findings: the object, a key path inside it, a message,
and optionally a severity other than the rule's default. `keys` names the profile keys whose
values a rule judges (for docs/profiles.md). Suppression is the profile's `policy.exceptions`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from clipper_manifests.problems import Problem, Severity, json_path

Document = dict[str, Any]
# (object, key path, message) or (object, key path, message, severity): the default is the rule's.
Finding = tuple[Document, tuple[Any, ...], str] | tuple[Document, tuple[Any, ...], str, Severity]
ObjectCheck = Callable[[Document], Iterator[tuple[tuple[Any, ...], str]]]


@dataclass
class Objects:
    """Every object one profile renders (all its folders) and the profile facts rules need."""

    documents: list[Document]
    kubernetes_version: str = ""
    production: bool = True
    profile_images: frozenset[str] = frozenset()  # set by the profile's images: the profile rule image-pinned judges them
    _by_kind: dict[str, list[Document]] = dataclasses.field(default_factory=dict, repr=False)

    def of_kind(self, *kinds: str) -> list[Document]:
        if not self._by_kind:
            for document in self.documents:
                self._by_kind.setdefault(str(document.get("kind")), []).append(document)
        return [document for kind in kinds for document in self._by_kind.get(kind, [])]


TreeCheck = Callable[[Objects], Iterator[Finding]]


@dataclass(frozen=True)
class PolicyRule:
    id: str
    severity: Severity
    summary: str
    fix: str
    check: TreeCheck
    keys: tuple[str, ...] = ()  # profile keys whose values this rule judges


POLICY_RULES: list[PolicyRule] = []


def tree_rule(
    rule_id: str, summary: str, fix: str, severity: Severity = Severity.ERROR, keys: tuple[str, ...] = ()
) -> Callable[[TreeCheck], TreeCheck]:
    def register(check: TreeCheck) -> TreeCheck:
        POLICY_RULES.append(PolicyRule(rule_id, severity, summary, fix, check, keys))
        return check

    return register


def object_rule(
    rule_id: str, summary: str, fix: str, severity: Severity = Severity.ERROR, keys: tuple[str, ...] = ()
) -> Callable[[ObjectCheck], ObjectCheck]:
    def register(check: ObjectCheck) -> ObjectCheck:
        def over_tree(objects: Objects) -> Iterator[Finding]:
            for document in objects.documents:
                for path, message in check(document):
                    yield document, path, message

        POLICY_RULES.append(PolicyRule(rule_id, severity, summary, fix, over_tree, keys))
        return check

    return register


POD_TEMPLATE_PATHS = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Pod": ("spec",),
}


def pod_spec(document: Document) -> tuple[tuple[Any, ...], Document] | None:
    """The pod spec of a workload and its key path, or None for other kinds."""
    path = POD_TEMPLATE_PATHS.get(str(document.get("kind")))
    if path is None:
        return None
    node: Any = document
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return (path, node) if isinstance(node, dict) else None


def containers(spec: Document) -> Iterator[tuple[tuple[Any, ...], Document]]:
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for index, container in enumerate(spec.get(field) or []):
            yield (field, index), container


def check_policy(
    objects: Objects | list[Document],
    locate: Callable[[Problem, Document], Problem],
    profile: str,
    suppressed: Callable[[str, Document], bool] = lambda rule, document: False,
) -> list[Problem]:
    """Every rule over the objects; `suppressed(rule id, object)` drops what the profile excepts."""
    if not isinstance(objects, Objects):
        objects = Objects(objects)
    problems = []
    for rule in POLICY_RULES:
        for finding in rule.check(objects):
            document, path, message = finding[0], finding[1], finding[2]
            severity = finding[3] if len(finding) == 4 else rule.severity
            if suppressed(rule.id, document):
                continue
            problem = Problem(
                message=f"{message}; {rule.fix}" if severity is Severity.ERROR else message,
                rule=rule.id,
                severity=severity,
                path=json_path(path),
                profile=profile,
            )
            problems.append(locate(problem, document))
    return problems


# Importing the rule modules registers their rules, in this order (the order problems come in;
# isort would sort it, so it is kept as written).
# isort: off
from clipper_manifests.rules.policy import api_versions  # noqa: E402, F401
from clipper_manifests.rules.policy import availability  # noqa: E402, F401
from clipper_manifests.rules.policy import config_refs  # noqa: E402, F401
from clipper_manifests.rules.policy import containers as _containers  # noqa: E402, F401
from clipper_manifests.rules.policy import hardening  # noqa: E402, F401
from clipper_manifests.rules.policy import helm_values  # noqa: E402, F401
from clipper_manifests.rules.policy import image_digests  # noqa: E402, F401
from clipper_manifests.rules.policy import image_freshness  # noqa: E402, F401
from clipper_manifests.rules.policy import network_coverage  # noqa: E402, F401
from clipper_manifests.rules.policy import operator_names  # noqa: E402, F401
from clipper_manifests.rules.policy import pod_security  # noqa: E402, F401
from clipper_manifests.rules.policy import references  # noqa: E402, F401
from clipper_manifests.rules.policy import secret_objects  # noqa: E402, F401
# isort: on
