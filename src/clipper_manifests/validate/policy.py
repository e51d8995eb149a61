"""Policy rules on rendered objects (kube-score / kube-linter style), each with an id.

A rule looks at one object (`object_rule`) or at all objects a Kustomize folder builds
(`tree_rule`) and yields findings: the object, a key path inside it, and a message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from clipper_manifests.problems import Problem, Severity, json_path

Document = dict[str, Any]
Finding = tuple[Document, tuple[Any, ...], str]
ObjectCheck = Callable[[Document], Iterator[tuple[tuple[Any, ...], str]]]
TreeCheck = Callable[[list[Document]], Iterator[Finding]]


@dataclass(frozen=True)
class PolicyRule:
    id: str
    severity: Severity
    summary: str
    fix: str
    check: TreeCheck


POLICY_RULES: list[PolicyRule] = []


def tree_rule(rule_id: str, summary: str, fix: str, severity: Severity = Severity.ERROR) -> Callable[[TreeCheck], TreeCheck]:
    def register(check: TreeCheck) -> TreeCheck:
        POLICY_RULES.append(PolicyRule(rule_id, severity, summary, fix, check))
        return check

    return register


def object_rule(rule_id: str, summary: str, fix: str, severity: Severity = Severity.ERROR) -> Callable[[ObjectCheck], ObjectCheck]:
    def register(check: ObjectCheck) -> ObjectCheck:
        def over_tree(documents: list[Document]) -> Iterator[Finding]:
            for document in documents:
                for path, message in check(document):
                    yield document, path, message

        POLICY_RULES.append(PolicyRule(rule_id, severity, summary, fix, over_tree))
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


def check_policy(documents: list[Document], locate: Callable[[Problem, Document], Problem], profile: str) -> list[Problem]:
    problems = []
    for rule in POLICY_RULES:
        for document, path, message in rule.check(documents):
            problem = Problem(
                message=f"{message}; {rule.fix}" if rule.severity is Severity.ERROR else message,
                rule=rule.id,
                severity=rule.severity,
                path=json_path(path),
                profile=profile,
            )
            problems.append(locate(problem, document))
    return problems


# Importing the rule modules registers their rules.
from clipper_manifests.validate import helm_values, pod_security  # noqa: E402, F401
