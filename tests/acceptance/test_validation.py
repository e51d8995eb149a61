"""Validation as engineers meet it: suppressions in the profile, the rule list, the generated
profile reference, profiles-only checks, fast start-up, and a parallel build that changes nothing.
(That the shipped profiles have no errors is test_real_kustomize's
test_shipped_profiles_pass_the_upstream_crd_schemas.)"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from clipper_manifests.pipeline.builder import Builder
from clipper_manifests.problems import Severity
from clipper_manifests.profile.schema import profile_schema
from clipper_manifests.project import find_project
from clipper_manifests.report.profile_docs import DOCS_FILE, render_docs
from clipper_manifests.rules.registry import all_rules
from tests.conftest import REPO, RunCli

pytestmark = pytest.mark.heavy  # started first: see tests/conftest.py

PROFILES = find_project(REPO, None).profile_names()
FLUX_IDS = ("flux-path", "flux-depends-on", "flux-overlay", "flux-source", "flux-substitute")
HEAVY = ("jsonschema", "jsonschema_rs", "kubernetes_validate", "jinja2", "referencing")


POLICY = "policy:\n  exceptions:\n"
# What every shipped profile acknowledges (docs/security-posture.md): images without a digest.
DIGEST_GAPS = ("image-digest", "container-image-digest")


def append(project: Path, text: str, profile: str = "prod-aws") -> None:
    """Append to a profile; a test's exceptions go first in the profile's own list (index 0)."""
    path = project / "profiles" / f"{profile}.yaml"
    current, added = path.read_text(encoding="utf-8"), textwrap.dedent(text).lstrip("\n")
    if added.startswith(POLICY) and "\n" + POLICY in current:
        path.write_text(current.replace("\n" + POLICY, "\n" + added, 1), encoding="utf-8")
    else:
        path.write_text(current + added, encoding="utf-8")


def drop_policy(project: Path, profile: str = "prod-do") -> None:
    """Remove the profile's own (trailing) policy block but its digest acknowledgements, so a
    test's exceptions are the only others."""
    path = project / "profiles" / f"{profile}.yaml"
    text = path.read_text(encoding="utf-8")
    entries = digest_gaps(project, profile)
    path.write_text(text[: text.index("\npolicy:\n") + 1] + (POLICY + entries if entries else ""), encoding="utf-8")


def digest_gaps(project: Path, profile: str) -> str:
    """The profile's digest acknowledgements, as list entries (a child's own list replaces them)."""
    text = (project / "profiles" / f"{profile}.yaml").read_text(encoding="utf-8")
    kept = [e for e in yaml.safe_load(text)["policy"]["exceptions"] if e["rule"] in DIGEST_GAPS]
    return "".join(f"    - {json.dumps(entry)}\n" for entry in kept)


def break_frontend_spread(project: Path) -> None:
    """Remove the frontend's topology spread and anti-affinity: a pod-spread warning."""
    template = project / "templates" / "base" / "frontend-deployment.yaml.j2"
    text = template.read_text(encoding="utf-8")
    start, end = text.index("      topologySpreadConstraints:"), text.index("      containers:")
    template.write_text(text[:start] + text[end:], encoding="utf-8")


def test_an_exception_in_the_profile_silences_one_rule_for_one_object(project: Path, run_cli: RunCli) -> None:
    break_frontend_spread(project)
    before = run_cli("validate", "prod-do", "--format", "json", "--root", project, cwd=project)
    assert "pod-spread" in before.stdout and "Deployment/frontend" in before.stdout
    drop_policy(project)
    append(
        project,
        profile="prod-do",
        text="""
        policy:
          exceptions:
            - rule: pod-spread
              object: Deployment/frontend
              reason: the frontend is a static site behind a CDN
        """,
    )
    after = run_cli("validate", "prod-do", "--format", "json", "--root", project, cwd=project)
    assert after.exit_code == 0
    assert "pod-spread" not in after.stdout and "policy-exception-unused" not in after.stdout


def test_an_exception_that_matches_nothing_is_a_warning_at_its_line(project: Path, run_cli: RunCli) -> None:
    drop_policy(project)
    append(
        project,
        profile="prod-do",
        text="""
        policy:
          exceptions:
            - rule: pod-spread
              object: Deployment/frontend
              reason: no longer needed
            - rule: pod-sprad
              object: Deployment/api
              reason: typo in the rule id
        """,
    )
    result = run_cli("validate", "prod-do", "--root", project, cwd=project)
    assert result.exit_code == 0
    lines = (project / "profiles" / "prod-do.yaml").read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines, start=1) if "- rule: pod-spread" in line)
    assert f"profiles/prod-do.yaml:{first}:" in result.stdout
    assert "warning: policy.exceptions[0]: pod-spread reports nothing for Deployment/frontend" in result.stdout
    assert "'pod-sprad' is no rule (did you mean 'pod-spread'?" in result.stdout


@pytest.mark.parametrize("reason", ['""', '"   "'])
def test_an_exception_needs_a_reason(project: Path, run_cli: RunCli, reason: str) -> None:
    drop_policy(project)
    append(project, f"policy:\n  exceptions:\n    - {{rule: pod-spread, object: Deployment/frontend, reason: {reason}}}\n", "prod-do")
    result = run_cli("validate", "prod-do", "--root", project, cwd=project)
    assert result.exit_code == 1
    assert "policy.exceptions[0].reason" in result.stdout


def test_a_profile_rule_finding_is_acknowledged_by_its_key(project: Path, run_cli: RunCli) -> None:
    profile = project / "profiles" / "staging-aws.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("ingress:\n", "ingress:\n  controller: nginx\n", 1), encoding="utf-8")
    before = run_cli("validate", "staging-aws", "--root", project, cwd=project)
    assert "warning: ingress.controller:" in before.stdout and "(ingress-nginx-retired)" in before.stdout
    exception = (
        "policy:\n  exceptions:\n    - {rule: ingress-nginx-retired, key: ingress.controller, reason: being replaced this quarter}\n"
    )
    append(project, exception, "staging-aws")
    after = run_cli("validate", "staging-aws", "--root", project, cwd=project)
    assert after.exit_code == 0
    assert "warning" not in after.stdout, after.stdout
    assert run_cli("validate", "staging-aws", "--profiles-only", "--root", project, cwd=project).stdout.count("warning") == 0


def test_a_key_exception_that_matches_nothing_or_names_both_targets_is_reported(project: Path, run_cli: RunCli) -> None:
    append(project, "policy:\n  exceptions:\n    - {rule: ingress-nginx-retired, key: ingress.controller, reason: stale}\n", "staging-aws")
    result = run_cli("validate", "staging-aws", "--root", project, cwd=project)
    assert result.exit_code == 0
    assert "warning: policy.exceptions[0]: ingress-nginx-retired reports nothing for ingress.controller: remove this exception" in (
        result.stdout
    )
    both = "policy:\n  exceptions:\n    - {rule: pod-spread, key: api, object: Deployment/api, reason: both}\n"
    (project / "profiles" / "staging-do.yaml").write_text(
        (project / "profiles" / "staging-do.yaml").read_text(encoding="utf-8").split("policy:")[0] + both, encoding="utf-8"
    )
    invalid = run_cli("validate", "staging-do", "--root", project, cwd=project)
    assert invalid.exit_code == 1 and "policy.exceptions[0]" in invalid.stdout


def test_the_shipped_profiles_render_and_validate_without_a_warning_or_a_note(project: Path, run_cli: RunCli, tmp_path: Path) -> None:
    for command in (("validate", "--all"), ("render", "--all", "--out", tmp_path / "out")):
        result = run_cli(*command, "--root", project, cwd=project)
        assert result.exit_code == 0, result.stderr
        output = result.stdout + result.stderr
        assert "warning" not in output and "note:" not in output, output


def test_profiles_only_runs_the_secret_rules_too(project: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIPPER_TODAY", "2027-06-01")  # every rotation of prod-aws is overdue by then
    full = run_cli("validate", "prod-aws", "--root", project, cwd=project)
    quick = run_cli("validate", "prod-aws", "--profiles-only", "--root", project, cwd=project)
    assert full.exit_code == quick.exit_code == 1
    assert quick.stdout.count("(secret-rotation-overdue)") == full.stdout.count("(secret-rotation-overdue)") == 5


def test_rules_lists_every_rule_with_its_real_severity_and_fix(run_cli: RunCli) -> None:
    result = run_cli("rules")
    assert result.exit_code == 0
    for rule in all_rules():
        assert f"\n{rule.id}  [{rule.severities.text()}, {rule.scope}]" in f"\n{result.stdout}", rule.id
        assert f"fix: {rule.fix}" in result.stdout
    assert "pod-spread  [warning, policy]" in result.stdout
    assert "image-pinned  [error in production, error/warning in staging, profile]" in result.stdout
    assert all(f"\n{flux}  [error, delivery]" in result.stdout for flux in FLUX_IDS)
    markdown = run_cli("rules", "--format", "markdown").stdout
    assert "| `container-resources` | error | policy |" in markdown


def test_docs_profiles_md_is_what_the_docs_command_generates() -> None:
    """CI's `docs --check` in test form: edit the schema, a default or a rule, then run `clipper-manifests docs`."""
    project = find_project(REPO, None)
    assert (REPO / DOCS_FILE).read_text(encoding="utf-8") == render_docs(project, profile_schema(), all_rules())


def test_docs_names_type_default_allowed_values_rules_and_an_example(project: Path, run_cli: RunCli) -> None:
    assert run_cli("docs", "--check", "--root", project, cwd=project).exit_code == 1  # nothing written yet
    assert run_cli("docs", "--root", project, cwd=project).exit_code == 0
    assert run_cli("docs", "--check", "--root", project, cwd=project).exit_code == 0
    text = (project / DOCS_FILE).read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `api.replicas.min` |"))
    assert "| integer | yes |" in row and "≥ 1" in row and "`prod-api-replicas`" in row and "(prod-aws)" in row
    controller = next(line for line in text.splitlines() if line.startswith("| `ingress.controller` |"))
    assert '`"traefik"`' in controller and "`traefik`, `nginx`" in controller and "`ingress-nginx-retired`" in controller
    assert "| `policy.exceptions[].reason` | string | yes |" in text


def test_profiles_only_checks_schema_and_rules_without_rendering(project: Path, run_cli: RunCli) -> None:
    (project / "templates" / "base" / "broken.yaml.j2").write_text("{{ oops(", encoding="utf-8")
    assert run_cli("validate", "--all", "--profiles-only", "--root", project, cwd=project).exit_code == 0
    append(project, "api:\n  replicas: {min: 1, max: 12}\n")
    result = run_cli("validate", "--all", "--profiles-only", "--root", project, cwd=project)
    assert result.exit_code == 1 and "(prod-api-replicas)" in result.stdout


@pytest.mark.parametrize("args", [["--help"], ["list"], ["validate", "--help"]])
def test_help_and_list_do_not_import_the_validators_or_jinja(args: list[str]) -> None:
    script = (
        "import sys\n"
        "from clipper_manifests.cli import main\n"
        f"sys.argv = ['clipper-manifests', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[-1] == "[]", result.stdout


def test_a_parallel_build_writes_what_a_serial_build_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    project = find_project(REPO, None)
    monkeypatch.setenv("CLIPPER_JOBS", "1")
    serial = Builder(project).build(PROFILES)
    monkeypatch.setenv("CLIPPER_JOBS", "2")
    parallel = Builder(project).build(PROFILES)
    assert parallel.files() == serial.files()
    assert [(p.rule, p.message, p.location) for p in parallel.problems] == [(p.rule, p.message, p.location) for p in serial.problems]
    assert not any(p.severity is Severity.ERROR for p in parallel.problems)


def test_a_secret_store_in_another_region_is_a_warning_that_can_be_acknowledged(project: Path, run_cli: RunCli) -> None:
    profile = project / "profiles" / "staging-west.yaml"
    own = "cluster:\n  name: clipper-staging-west\npostgres:\n  inCluster:\n    objectStore:\n      serverName: west\n"
    profile.write_text(f"extends: staging-aws\n{own}secrets:\n  aws:\n    region: us-west-2\n", encoding="utf-8")
    result = run_cli("validate", "staging-west", "--root", project, cwd=project)
    assert result.exit_code == 0
    assert "warning: secrets.aws.region: secrets are read from us-west-2, but the cluster runs in us-east-1" in result.stdout
    exception = "    - {rule: region-agrees, key: secrets.aws.region, reason: replicated store}\n"
    append(project, POLICY + exception + digest_gaps(project, "staging-aws"), "staging-west")
    assert "warning" not in run_cli("validate", "staging-west", "--root", project, cwd=project).stdout
