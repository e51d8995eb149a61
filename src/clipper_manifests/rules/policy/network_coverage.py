"""NetworkPolicy coverage: in a namespace that has NetworkPolicies, every pod is selected by one.

Why an error only where policies exist: a namespace with none is open by Kubernetes' rules,
and that is a decision (or a gap) for the whole namespace, reported once as a warning. In a
namespace that does use policies, a pod no policy selects is open in both directions while
its neighbours are locked down: almost always a workload added without its policy.
"""

from __future__ import annotations

from collections.abc import Iterator

from clipper_manifests.problems import Severity
from clipper_manifests.rules.policy.objects import Finding, Objects
from clipper_manifests.rules.policy.workloads import namespace, pod_templates, selects
from clipper_manifests.rules.registry import (
    ERROR_OR_WARNING,
    tree_rule,
)


@tree_rule("networkpolicy-coverage", ERROR_OR_WARNING)
def _coverage(objects: Objects) -> Iterator[Finding]:
    """Every pod is selected by a NetworkPolicy of its namespace (default deny plus allow-lists). A namespace with pods but no NetworkPolicy
    at all is a warning, once.

    Fix: add a NetworkPolicy whose podSelector matches the pod labels (or a default-deny with podSelector: {})"""
    policies = objects.of_kind("NetworkPolicy")
    warned: set[str] = set()
    for workload, labels, _ in pod_templates(objects):
        where = namespace(workload)
        own = [p for p in policies if namespace(p) == where]
        if not own:
            if where not in warned:
                warned.add(where)
                message = f"namespace {where or '(none)'} has pods but no NetworkPolicy: all traffic to and from them is allowed"
                yield workload, ("metadata", "namespace"), message, Severity.WARNING
            continue
        if not any(selects((p.get("spec") or {}).get("podSelector") or {}, labels) for p in own):
            yield (
                workload,
                ("spec", "template", "metadata", "labels"),
                f"no NetworkPolicy in namespace {where or '(none)'} selects its pods",
            )
