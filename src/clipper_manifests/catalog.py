"""Every rule the tool applies, in one list: profile rules, policy rules and built-in checks.

Feeds `clipper-manifests rules`, SARIF's rule metadata and docs/profiles.md. A profile rule
declares no severity or keys: both are read from its source (the `Severity.X` it yields and
the `profile.a.b` attributes it reads), so the list cannot drift from what the rule does.
"""

from __future__ import annotations

import functools
import inspect
import re
from dataclasses import dataclass
from typing import Any

from clipper_manifests.problems import Severity


@dataclass(frozen=True)
class RuleInfo:
    id: str
    severity: str  # "error", "warning", "note", or e.g. "error/warning" when it depends
    scope: str  # profile (the merged profile), policy (rendered objects), check (built in)
    summary: str
    fix: str
    keys: tuple[str, ...] = ()  # profile keys (dotted camelCase) whose values the rule judges


CHECKS = (
    RuleInfo(
        "profile-file",
        "error",
        "check",
        "A profile file can be read, is a YAML mapping, and its extends chain resolves.",
        "fix the file or the extends line named",
    ),
    RuleInfo(
        "extends-environment",
        "error",
        "check",
        "Every file a profile extends that sets `environment` sets the same one: a staging profile never "
        "silently becomes production by extending a production profile.",
        "extend the environment's partials (e.g. _staging, _aws) instead of a profile of the other environment",
        ("environment", "extends"),
    ),
    RuleInfo(
        "identity-unique",
        "error",
        "check",
        "No two profiles share a cluster name, a GKE static IP or a PostgreSQL backup archive (bucket folder and "
        "server name): a profile made by extending or copying another must not take over its cluster's resources.",
        "give the profile its own value of the key named",
        ("cluster.name", "ingress.gcp.staticIpName", "postgres.inCluster.objectStore"),
    ),
    RuleInfo(
        "schema:<keyword>",
        "error",
        "check",
        "The merged profile matches the profile JSON Schema (the failing keyword is in the id).",
        "fix the key named; docs/profiles.md lists every key",
        ("*",),
    ),
    RuleInfo(
        "kubernetes-schema",
        "error",
        "check",
        "Every built-in object matches the strict OpenAPI schema of the profile's Kubernetes version.",
        "fix or remove the field named",
        ("kubernetesVersion",),
    ),
    RuleInfo(
        "kubernetes-version",
        "error",
        "check",
        "The profile's Kubernetes version has installed schemas (kubernetes-validate).",
        "use a version kubernetes-validate ships",
        ("kubernetesVersion",),
    ),
    RuleInfo(
        "api-version-removed",
        "error",
        "check",
        "No object uses an apiVersion that the profile's Kubernetes version no longer serves.",
        "use the apiVersion the message names",
        ("kubernetesVersion",),
    ),
    RuleInfo(
        "crd-schema",
        "error",
        "check",
        "Every custom resource matches its upstream CRD schema (the package's copy, or --crd-schemas), strictly.",
        "fix or remove the field named",
    ),
    RuleInfo(
        "crd-schema-missing",
        "error",
        "check",
        "Every custom resource has a schema in the catalog, unless its kind is allowed unknown.",
        "add the schema, or list Kind.group under allowUnknownKinds in clipper-manifests.yaml",
    ),
    RuleInfo(
        "policy-exception-unused",
        "warning",
        "check",
        "Every policy exception in the profile suppresses something.",
        "remove the exception, or fix its rule or object",
        ("policy.exceptions",),
    ),
)

_SEVERITY = re.compile(r"Severity\.(ERROR|WARNING|NOTE)")
_PROFILE_ATTRIBUTE = re.compile(r"\bprofile((?:\.[a-z_][a-z0-9_]*)+)")
_PROPERTIES = {"is_production": "environment"}  # Profile properties → the key they read


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _schema_key(dotted: str, schema: dict[str, Any]) -> str | None:
    """The longest prefix of a `profile.a.b_c` attribute chain that is a key of the schema."""
    parts = [_PROPERTIES.get(part, _camel(part)) for part in dotted.strip(".").split(".")]
    node, found = schema, []
    for part in parts:
        properties = node.get("properties") or {}
        if part not in properties:
            break
        found.append(part)
        node = properties[part]
        if "$ref" in node:
            node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return ".".join(found) or None


def _profile_rule(item: Any, schema: dict[str, Any]) -> RuleInfo:
    source = inspect.getsource(item.check)
    severities = sorted({match.lower() for match in _SEVERITY.findall(source)}, key=["error", "warning", "note"].index)
    keys = sorted({key for dotted in _PROFILE_ATTRIBUTE.findall(source) if (key := _schema_key(dotted, schema))})
    return RuleInfo(item.id, "/".join(severities) or "error", "profile", item.summary, item.fix, tuple(keys))


def all_rules() -> list[RuleInfo]:
    """Profile rules, then policy rules, then the built-in checks, each group in id order."""
    from clipper_manifests.profile.schema import profile_schema
    from clipper_manifests.rules.policy.objects import POLICY_RULES
    from clipper_manifests.rules.profile.core import RULES
    from clipper_manifests.rules.security_rules import SECURITY_RULES

    schema = profile_schema()
    profile = [_profile_rule(item, schema) for item in RULES] + [r for r in SECURITY_RULES if r.scope == "profile"]
    policy = [RuleInfo(r.id, r.severity.value, "policy", r.summary, r.fix, r.keys) for r in POLICY_RULES]
    policy += [r for r in SECURITY_RULES if r.scope == "policy"]
    checks = [*CHECKS, *(r for r in SECURITY_RULES if r.scope == "check")]
    return [*sorted(profile, key=lambda r: r.id), *sorted(policy, key=lambda r: r.id), *checks]


@functools.cache  # asked once per profile
def rule_ids() -> frozenset[str]:
    """The id of every rule `all_rules` lists, without reading their sources (cheap)."""
    from clipper_manifests.rules.policy.objects import POLICY_RULES
    from clipper_manifests.rules.profile.core import RULES
    from clipper_manifests.rules.security_rules import SECURITY_RULES

    return frozenset(rule.id for group in (RULES, POLICY_RULES, SECURITY_RULES, CHECKS) for rule in group)


def find_rule(rule_id: str, rules: list[RuleInfo]) -> RuleInfo | None:
    """The entry for a problem's rule id (`schema:required` belongs to `schema:<keyword>`)."""
    lookup = "schema:<keyword>" if rule_id.startswith("schema:") else rule_id
    return next((rule for rule in rules if rule.id == lookup), None)


def default_severity(info: RuleInfo) -> Severity:
    return Severity(info.severity.split("/")[0])
