"""`compare`: what differs between two environments, and the parity declaration's verdict."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, RunCli


@pytest.fixture
def parity_project(project: Path) -> Path:
    shutil.copy(REPO / "parity.yaml", project / "parity.yaml")
    return project


@pytest.mark.parametrize(("left", "right"), [("prod-aws", "prod-gcp"), ("staging-aws", "prod-aws")])
def test_the_shipped_pairs_differ_only_as_parity_yaml_says(run_cli: RunCli, left: str, right: str) -> None:
    result = run_cli("compare", left, right, "--check", "--root", REPO, cwd=REPO)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"{left} vs {right} (")
    assert "0 not explained by parity.yaml" in result.stdout.splitlines()[0]


def test_a_planted_difference_between_providers_is_reported_and_fails_the_check(parity_project: Path, run_cli: RunCli) -> None:
    profile = parity_project / "profiles" / "prod-gcp.yaml"
    profile.write_text(profile.read_text(encoding="utf-8") + "api:\n  replicas:\n    max: 13\n", encoding="utf-8")
    result = run_cli("compare", "prod-aws", "prod-gcp", "--check", "--root", parity_project, cwd=parity_project)
    assert result.exit_code == 1
    assert "overlays: HorizontalPodAutoscaler/api\n! spec.maxReplicas: 12 → 13" in result.stdout
    assert "1 not explained by parity.yaml" in result.stdout.splitlines()[0]
    assert "error: 1 difference(s) marked ! are not explained by parity.yaml" in result.stdout
    # The same key between staging and production is declared sizing.
    assert run_cli("compare", "staging-aws", "prod-aws", "--check", "--root", parity_project, cwd=parity_project).exit_code == 0


def test_without_a_declaration_every_difference_is_unexplained_but_only_check_fails(project: Path, run_cli: RunCli) -> None:
    result = run_cli("compare", "prod-aws", "prod-gcp", "--format", "json", "--root", project, cwd=project)
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["relation"] == "providers" and report["unexplained"] == len(report["differences"]) > 0
    only_gcp = [d for d in report["differences"] if d["kind"] == "ManagedCertificate"]
    assert only_gcp == [
        {
            "folder": "infrastructure/configs",
            "kind": "ManagedCertificate",
            "name": "clipper",
            "key": None,
            "prod-aws": None,
            "prod-gcp": only_gcp[0]["prod-gcp"],
            "explained": None,
        }
    ]
    assert only_gcp[0]["prod-gcp"]["spec"]["domains"] == ["clpr.tv"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("  - {objects: [Deployment/api]}\n", "every parity entry needs a reason"),
        ("  - {between: regions, reason: x}\n", "between: 'regions' is not providers, environments or any"),
        ("  - {objects: [Deployment/api], reson: typo}\n", "a parity entry has unknown or missing settings"),
    ],
)
def test_a_broken_declaration_is_a_usage_error_at_its_line(project: Path, run_cli: RunCli, entry: str, message: str) -> None:
    (project / "parity.yaml").write_text("allow:\n  - {objects: [Job/*], reason: fine}\n" + entry, encoding="utf-8")
    result = run_cli("compare", "prod-aws", "prod-gcp", "--root", project, cwd=project)
    assert result.exit_code == 2
    assert f"parity.yaml:3:5: error: {message}" in result.stderr


def test_comparing_an_invalid_profile_shows_its_problems(project: Path, run_cli: RunCli) -> None:
    (project / "profiles" / "prod-bad.yaml").write_text("extends: prod-aws\ncluster: {name: clipper-bad}\napi: {replicas: {min: 1}}\n")
    result = run_cli("compare", "prod-bad", "prod-aws", "--root", project, cwd=project)
    assert result.exit_code == 1
    assert "(prod-api-replicas)" in result.stdout
