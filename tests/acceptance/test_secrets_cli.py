"""Secrets as a user meets them: the `secrets` table, rotation ages in `validate`, the
scanner's findings and allowances, and values of secret-marked fields kept out of output."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import Result

from clipper_manifests.rules.secrets.scanner import fingerprint
from tests.conftest import TODAY

Cli = Callable[..., Result]
EXTRA = Path(__file__).resolve().parents[1] / "profiles"
PASTED = "PtYgjmUhBel31iEl2hpChYgCfrL1spNxnyVmihA/2O7="  # a made-up key, as tests/cases/invalid/secret-in-profile
CLIENT_ID = "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"  # tests/profiles/prod-azure-kv.yaml


def days_ago(days: int) -> str:
    return (date.fromisoformat(TODAY) - timedelta(days=days)).isoformat()


def write(project: Path, name: str, text: str) -> None:
    """A profile file; with its own cluster name, so it takes over no identity of the one it extends."""
    own = "" if text.startswith("cluster:") or "\ncluster:" in text else f"cluster:\n  name: clipper-{name}\n"
    (project / "profiles" / f"{name}.yaml").write_text(text + own, encoding="utf-8")


def jwt_rotated(project: Path, days: int) -> None:
    write(project, "prod-jwt", f'extends: prod-aws\nsecrets:\n  rotation:\n    jwt: {{lastRotated: "{days_ago(days)}"}}\n')


def test_secrets_prints_one_row_per_remote_secret(cli: Cli) -> None:
    result = cli("secrets", "prod-aws")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "SECRET",
        "REMOTE",
        "KEY",
        "PROPERTIES",
        "KUBERNETES",
        "SECRETS",
        "STORE",
        "LAST",
        "ROTATED",
        "AGE",
        "STATUS",
    ]
    (jwt,) = [line for line in lines if line.startswith("jwt ")]
    assert "clipper/production/jwt" in jwt and "private_key, public_key" in jwt and "clipper (AWS Secrets Manager)" in jwt
    assert jwt.split()[-3:] == ["23", "d", "ok"]  # rotated 2026-11-02, counted to the tests' date
    (database,) = [line for line in lines if line.startswith("database ")]
    assert database.split()[-1] == "tracked" and "api-secrets" in database


def test_secrets_counts_ages_to_clipper_today(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIPPER_TODAY", "2027-02-01")
    (jwt,) = [line for line in cli("secrets", "prod-aws").stdout.splitlines() if line.startswith("jwt ")]
    assert jwt.split()[-3:] == ["91", "d", "overdue"]


def test_a_date_that_is_not_a_date_is_a_usage_error(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIPPER_TODAY", "tomorrow")
    result = cli("validate", "prod-aws")
    assert result.exit_code == 2
    assert "CLIPPER_TODAY='tomorrow' is not a date" in result.stderr


@pytest.mark.parametrize(
    ("days", "exit_code", "severity"), [(75, 0, None), (76, 0, "warning"), (90, 0, "warning"), (91, 1, "error"), (120, 1, "error")]
)
def test_rotation_warns_from_day_76_and_fails_past_day_90(cli: Cli, project: Path, days: int, exit_code: int, severity: str | None) -> None:
    jwt_rotated(project, days)
    result = cli("validate", "prod-jwt")
    assert result.exit_code == exit_code, result.stderr
    found = [line for line in result.stdout.splitlines() if "secrets.rotation.jwt.lastRotated" in line]
    if severity is None:
        assert found == []
        return
    (line,) = found
    where = f"profiles/prod-jwt.yaml:4:11: {severity}: secrets.rotation.jwt.lastRotated"
    assert line.startswith(f"{where}: jwt was last rotated on {days_ago(days)}, {days} days ago")
    assert line.endswith("(secret-rotation-overdue)" if severity == "error" else "(secret-rotation-due)")


def test_a_rotating_secret_without_a_date_is_an_error(cli: Cli, project: Path) -> None:
    text = (project / "profiles" / "prod-aws.yaml").read_text(encoding="utf-8")
    write(project, "prod-aws", "\n".join(line for line in text.splitlines() if "openai:" not in line) + "\n")
    result = cli("validate", "prod-aws")
    assert result.exit_code == 1
    assert "openai rotates every 90 days but has no secrets.rotation.openai.lastRotated" in result.stdout


def test_a_pasted_key_fails_until_it_is_allowed_with_a_reason(cli: Cli, project: Path) -> None:
    write(project, "prod-pasted", f'extends: prod-aws\ndescription: "key {PASTED}"\n')
    result = cli("validate", "prod-pasted")
    assert result.exit_code == 1
    assert (
        "profiles/prod-pasted.yaml:2:19: error: description: possible high-entropy string "
        f"(PtYg… 44 characters; fingerprint {fingerprint(PASTED)})" in result.stdout
    )
    assert PASTED not in result.stderr + result.stdout

    allowance = (
        f"secrets:\n  scanner:\n    allow:\n      - fingerprint: {fingerprint(PASTED)}\n        reason: a documented example key, revoked\n"
    )
    write(project, "prod-pasted", f'extends: prod-aws\ndescription: "key {PASTED}"\n{allowance}')
    assert cli("validate", "prod-pasted").exit_code == 0

    write(project, "prod-pasted", f"extends: prod-aws\n{allowance}")
    result = cli("validate", "prod-pasted")
    assert result.exit_code == 0
    assert "no finding has fingerprint" in result.stdout and "(secret-allowance-unused)" in result.stdout


def test_an_allowance_covers_the_value_in_the_profile_s_helm_chart_too(cli: Cli, project: Path) -> None:
    (project / "clipper-manifests.yaml").write_text("outputs: [kustomize, helm]\n", encoding="utf-8")
    write(project, "prod-model", f'extends: prod-aws\napp:\n  embedding:\n    model: "{PASTED}"\n')
    refused = cli("validate", "prod-model")
    assert refused.exit_code == 1
    assert "out/charts/prod-model/templates/configmap-api-config.yaml" in refused.stdout
    assert "out/overlays/prod-model/configmap-api-config.yaml" in refused.stdout
    allowance = f"secrets:\n  scanner:\n    allow:\n      - fingerprint: {fingerprint(PASTED)}\n        reason: a public model name\n"
    write(project, "prod-model", f'extends: prod-aws\napp:\n  embedding:\n    model: "{PASTED}"\n{allowance}')
    allowed = cli("validate", "prod-model")
    assert allowed.exit_code == 0, allowed.stdout
    assert "secret-in-output" not in allowed.stdout


def test_an_allowance_needs_a_reason(cli: Cli, project: Path) -> None:
    write(project, "prod-pasted", "extends: prod-aws\nsecrets:\n  scanner:\n    allow:\n      - fingerprint: 0123456789ab\n")
    result = cli("validate", "prod-pasted")
    assert result.exit_code == 1 and "missing required key 'reason'" in result.stdout


@pytest.fixture
def azure(project: Path) -> Path:
    shutil.copy(EXTRA / "prod-azure-kv.yaml", project / "profiles" / "prod-azure-kv.yaml")
    return project


def test_show_and_explain_never_print_a_secret_marked_value(cli: Cli, azure: Path) -> None:
    shown = cli("show", "prod-azure-kv")
    assert shown.exit_code == 0 and "clientId: <redacted>" in shown.stdout and CLIENT_ID not in shown.stdout
    explained = cli("show", "prod-azure-kv", "--explain", "secrets.azure.clientId")
    assert explained.exit_code == 0 and explained.stdout.startswith("secrets.azure.clientId: <redacted>")
    assert CLIENT_ID not in explained.stdout


def test_errors_never_print_a_secret_marked_value(cli: Cli, azure: Path) -> None:
    text = (azure / "profiles" / "prod-azure-kv.yaml").read_text(encoding="utf-8")
    write(azure, "prod-azure-kv", text.replace(CLIENT_ID, f"pasted-{PASTED}"))
    result = cli("validate", "prod-azure-kv")
    assert result.exit_code == 1
    assert "secrets.azure.clientId: '<redacted>' does not have the expected form" in result.stdout
    assert PASTED not in result.stdout + result.stderr


def test_diff_never_prints_a_secret_marked_value(cli: Cli, azure: Path) -> None:
    result = cli("diff", "prod-azure-kv")
    assert result.exit_code == 1, result.stderr  # a first render: everything is a change
    assert "azure.workload.identity/client-id: <redacted>" in result.stdout
    assert CLIENT_ID not in result.stdout
