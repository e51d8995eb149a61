"""Policy rules on rendered objects (kube-score / kube-linter style), each with an id.

A rule (declared with rules.registry's `object_rule` or `tree_rule`) looks at one object or at
every object one profile renders, in all of its folders, and yields findings: the object, a key
path inside it, a message, and optionally a severity other than the rule's worst. `keys` names
the profile keys whose values a rule judges (for docs/profiles.md). Suppression is the
profile's `policy.exceptions`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from clipper_manifests.problems import Problem, Severity, json_path
from clipper_manifests.rules.registry import registered

Document = dict[str, Any]
# (object, key path, message) or (object, key path, message, severity): the default is the rule's.
Finding = tuple[Document, tuple[Any, ...], str] | tuple[Document, tuple[Any, ...], str, Severity]


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
    for rule in registered("policy"):
        assert rule.check is not None  # registered() gives only rules with a check
        for finding in rule.check(objects):
            document, path, message = finding[0], finding[1], finding[2]
            severity = finding[3] if len(finding) == 4 else rule.severities.worst
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
