"""The rule registry is the truth about rules: every id the tool can emit is in it, with keys
that exist in the profile schema and severities that cover what its checks report."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

from clipper_manifests.problems import Problem, Severity
from clipper_manifests.profile.schema import profile_schema
from clipper_manifests.report.formats import sarif_report
from clipper_manifests.rules.registry import SCOPES, Severities, all_rules, find_rule, ids
from tests.conftest import REPO, RunCli

SOURCE = REPO / "src" / "clipper_manifests"
# Modules that emit problems with literal ids: the rules, and the stages that run them.
EMITTERS = [*sorted((SOURCE / "rules").rglob("*.py")), *sorted((SOURCE / "pipeline").rglob("*.py"))]
KEBAB = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
# Kebab-case strings in those modules that are not rule ids: backends, names, file keys, encodings.
NOT_RULE_IDS = {
    "aws-secrets-manager",
    "azure-key-vault",
    "gcp-secret-manager",
    "in-cluster",
    "flux-system",
    "clipper-api",
    "clipper-frontend",
    "clipper-migrations",
    "redis-exporter",
    "kubernetes-json-schema",
    "x-kubernetes-group-version-kind",
    "x-expected",
    "utf-8",
    # the secret scanner's keys whose values are identifiers, not secrets
    "certificate-arn",
    "certificate-id",
    "client-id",
    "tenant-id",
    "role-arn",
    "ssl-cert",
    "do-loadbalancer-certificate-id",
}
FLUX = ("flux-path", "flux-depends-on", "flux-overlay", "flux-source", "flux-substitute")


def test_every_id_written_in_an_emitting_module_is_registered() -> None:
    known = ids()
    for path in EMITTERS:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and KEBAB.match(node.value):
                assert node.value in known or node.value in NOT_RULE_IDS, f"{path.relative_to(REPO)}: {node.value!r} is no rule"
            if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                head = str(node.values[0].value)
                assert not KEBAB.match(head.rstrip("-:")) or head.startswith("schema:"), f"{path.relative_to(REPO)}: f-string id {head!r}"


def test_the_flux_ids_are_declared_as_delivery_rules() -> None:
    for rule_id in FLUX:
        rule = find_rule(rule_id)
        assert rule is not None and rule.scope == "delivery" and rule.severities == Severities.always(Severity.ERROR), rule_id


def test_ids_are_unique_and_every_rule_is_described() -> None:
    rules = all_rules()
    assert len({rule.id for rule in rules}) == len(rules) == len(ids())
    for rule in rules:
        assert rule.scope in SCOPES and rule.summary.strip() and rule.fix.strip(), rule.id
        assert rule.severities.production or rule.severities.staging, rule.id
        assert rule.check is not None or rule.emitted_by, rule.id


def _resolves(schema: dict[str, Any], key: str) -> bool:
    node: dict[str, Any] = schema
    for part in key.split("."):
        node = (node.get("properties") or {}).get(part)  # type: ignore[assignment]
        if node is None:
            return False
        if "$ref" in node:
            node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
        if node.get("type") == "array" and isinstance(node.get("items"), dict):
            items = node["items"]
            node = schema["$defs"][items["$ref"].rsplit("/", 1)[-1]] if "$ref" in items else items
    return True


def test_every_declared_key_is_a_profile_key() -> None:
    schema = profile_schema()
    for rule in all_rules():
        for key in rule.keys:
            assert key == "*" or _resolves(schema, key), f"{rule.id}: {key} is not in the profile schema"


def test_severities_say_what_a_user_reads() -> None:
    error, warning = Severity.ERROR, Severity.WARNING
    assert Severities.always(error).text() == "error"
    assert Severities.always(error, warning).text() == "error/warning"
    assert Severities.production_only().text() == "error in production only"
    assert Severities.split((error,), (error, warning)).text() == "error in production, error/warning in staging"
    assert Severities.split((error,), (warning,)).worst is error
    assert Severities.always(warning).worst is warning


def test_rules_names_a_flux_rule(run_cli: RunCli) -> None:
    result = run_cli("rules", "flux-path")
    assert result.exit_code == 0
    assert result.stdout.startswith("flux-path  [error, delivery]\n")


def test_sarif_describes_every_rule_it_reports(tmp_path: Path) -> None:
    problems = [Problem("a Kustomization path is not generated", "flux-path", profile="prod-aws")]
    report = json.loads(sarif_report(problems, tmp_path))
    [descriptor] = report["runs"][0]["tool"]["driver"]["rules"]
    assert descriptor["id"] == "flux-path"
    assert descriptor["shortDescription"]["text"].startswith("Every Flux Kustomization path")
    assert descriptor["defaultConfiguration"] == {"level": "error"}
    assert descriptor["properties"] == {"scope": "delivery", "profileKeys": ["flux.outPath", "flux.delivery"]}
