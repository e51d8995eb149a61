"""`clipper-manifests dr-plan` as an operator meets it: the runbook of every shipped profile
(snapshots), point-in-time variants, and the usage errors that stop a wrong restore."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from syrupy.assertion import SnapshotAssertion

from clipper_manifests.rules.object_schemas.crds import check_custom_resource
from tests.conftest import REPO
from tests.helpers import load, load_all, run_tool, run_tools_ahead

pytestmark = pytest.mark.heavy  # started first: see tests/conftest.py

Cli = Callable[..., Result]
NOW = "2026-11-25T12:00:00Z"
SHIPPED = ["prod-aws", "prod-do", "prod-gcp", "staging-aws", "staging-do", "staging-gcp"]


@pytest.fixture
def cli(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """conftest's cli (dr-plan writes nothing: the module's read-only project unless a test asks
    for its own `project`), with a fixed clock."""
    monkeypatch.setenv("CLIPPER_NOW", NOW)
    return cli


def plan(cli: Cli, *args: str) -> str:
    result = cli("dr-plan", *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("profile", SHIPPED)
def test_runbook_of_every_shipped_profile(profile: str, cli: Cli, snapshot: SnapshotAssertion) -> None:
    assert plan(cli, profile) == snapshot


@pytest.mark.parametrize("profile", ["staging-aws", "prod-aws", "prod-gcp", "prod-do"])
def test_point_in_time_runbook(profile: str, cli: Cli, snapshot: SnapshotAssertion) -> None:
    assert (
        plan(cli, profile, "--point-in-time", "2026-11-25T09:30:00+01:00", "--expect", "clips=120000", "--expect", "users=5400") == snapshot
    )


@pytest.mark.parametrize("profile", SHIPPED)
def test_steps_add_up_within_the_rto_and_name_the_real_objects(profile: str, cli: Cli) -> None:
    text = plan(cli, profile)
    budgets = [int(minutes) for minutes in re.findall(r"^## \d+\. .* — (\d+) min \(done by", text, re.MULTILINE)]
    total = int(re.search(r"\*\*traffic resumes\*\* \(RTO (\d+) min\) \| \*\*(\d+) min\*\*", text).group(2))  # type: ignore[union-attr]
    assert sum(budgets) == total <= 60
    assert "warning" not in text
    for command in ("flux suspend kustomization apps -n flux-system", "kubectl -n clipper scale deployment/api --replicas=0"):
        assert command in text
    assert "flux resume kustomization apps -n flux-system" in text
    # Search is rebuilt after traffic resumes.
    assert text.index("flux resume kustomization") < text.index(f"kubectl apply -k out/dr/{profile}/7-reindex")


@pytest.mark.parametrize("profile", SHIPPED)
def test_step_numbers_are_folder_numbers(profile: str, cli: Cli) -> None:
    """Item 11: each `kubectl apply -k out/dr/<profile>/<n>-<step>` stands under step n's heading."""
    text = plan(cli, profile)
    applied = 0
    for section in re.split(r"^## ", text, flags=re.MULTILINE)[1:]:
        heading = re.match(r"(\d+)\. ", section)
        for number in re.findall(rf"kubectl apply -k out/dr/{profile}/(\d+)-", section):
            assert heading is not None and number == heading.group(1), section.splitlines()[0]
            applied += 1
    assert applied == len(list((REPO / "out" / "dr" / profile).iterdir()))


@pytest.mark.parametrize("profile", SHIPPED)
def test_the_silence_is_a_command_and_is_lifted(profile: str, cli: Cli) -> None:
    """Item 11: silencing has a command (amtool in the Alertmanager pod), and resuming lifts it."""
    text = plan(cli, profile)
    pod = "kubectl -n monitoring exec statefulset/alertmanager-kube-prometheus-stack-alertmanager -c alertmanager"
    add = f"SILENCE=$({pod} -- amtool silence add namespace=clipper"
    assert add in text
    assert 'amtool silence expire "$SILENCE"' in text
    assert text.index(add) < text.index("flux suspend") < text.index("flux resume") < text.index("amtool silence expire")


@pytest.mark.parametrize("profile", ["staging-aws", "staging-do", "staging-gcp"])
def test_in_cluster_traffic_waits_for_a_completed_base_backup(profile: str, cli: Cli) -> None:
    """Item 9: taking the restored cluster's base backup is a step before traffic resumes."""
    text = plan(cli, profile)
    wait = "wait --for=jsonpath='{.status.phase}'=completed backups.postgresql.cnpg.io/postgres-r1-base"
    assert wait in text
    assert text.index(f"kubectl apply -k out/dr/{profile}/5-backup") < text.index(wait) < text.index("flux resume kustomization")
    assert "kubectl cnpg backup" not in text


def test_the_point_in_time_variant_is_a_valid_cluster_with_its_target(cli: Cli) -> None:
    text = plan(cli, "staging-aws", "--point-in-time", "2026-11-25T10:00:00Z")
    body = re.search(r"kubectl apply -f - <<'EOF'\n(.*?)\nEOF", text, re.DOTALL)
    assert body is not None
    cluster = load(body.group(1))
    assert cluster["spec"]["bootstrap"]["recovery"]["recoveryTarget"] == {"targetTime": "2026-11-25T10:00:00Z"}
    assert check_custom_resource(cluster, None) == []
    assert "kubectl apply -k out/dr/staging-aws/3-restore" not in text


def test_the_committed_restore_folder_stays_the_latest_point_variant() -> None:
    text = (REPO / "out/dr/staging-aws/3-restore/cluster-postgres.yaml").read_text(encoding="utf-8")
    assert "recoveryTarget" not in text and "recovery:" in text


def test_a_second_attempt_writes_to_another_archive_folder(cli: Cli) -> None:
    text = plan(cli, "staging-do", "--attempt", "2")
    assert "serverName: postgres-r2" in text
    assert "postgres.inCluster.objectStore.serverName: postgres-r2" in text
    assert "name: postgres-r2-base" in text, "the base backup of this attempt, not the committed folder's"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--point-in-time", "2026-11-25T13:00:00Z"], "is in the future (now: 2026-11-25T12:00:00Z)"),
        (["--point-in-time", "2026-11-25T10:00:00"], "has no time zone"),
        (["--point-in-time", "2026-11-01T10:00:00Z"], "outside the 7-day retention window of staging-aws"),
        (["--point-in-time", "last tuesday"], "is not an ISO 8601 date and time"),
        (["--expect", "clips"], "is not TABLE=ROWS"),
        (["--expect", "votes=12"], "the verify step counts users, clips, tags only"),
        (["--attempt", "0"], "attempts count from 1"),
    ],
)
def test_usage_errors_exit_2_with_a_clear_message(cli: Cli, args: list[str], message: str) -> None:
    result = cli("dr-plan", "staging-aws", *args)
    assert result.exit_code == 2, result.stdout
    assert message in result.stderr
    assert result.stdout == ""


def test_a_database_too_big_for_the_rto_is_flagged_in_the_plan(project: Path, cli: Cli) -> None:
    (project / "profiles" / "prod-huge.yaml").write_text(
        "extends: prod-aws\ncluster: {name: clipper-huge}\ndr:\n  databaseSize: 900Gi\n", encoding="utf-8"
    )
    result = cli("dr-plan", "prod-huge")
    assert result.exit_code == 0, result.stderr
    assert "> **warning:** restoring 900 GiB takes about 110 min" in result.stdout
    assert "(dr-rto-plausible)" in result.stdout, "validate shows it too"


def test_an_invalid_profile_gets_no_runbook(project: Path, cli: Cli) -> None:
    (project / "profiles" / "prod-broken.yaml").write_text(
        "extends: prod-aws\ncluster: {name: clipper-broken}\napi:\n  replicas: {min: 1, max: 2}\n", encoding="utf-8"
    )
    result = cli("dr-plan", "prod-broken")
    assert result.exit_code == 1
    assert "(prod-api-replicas)" in result.stdout
    assert "# Disaster recovery runbook" not in result.stdout


@pytest.fixture(scope="module")
def kubectl(k8s_tools: dict[str, Path]) -> Path:
    """The real kubectl, after every committed DR folder's kustomize build has run, two at a time."""
    kubectl = k8s_tools["kubectl"]
    run_tools_ahead([kubectl, "kustomize", folder] for profile in SHIPPED for folder in sorted((REPO / "out" / "dr" / profile).iterdir()))
    return kubectl


@pytest.mark.parametrize("profile", SHIPPED)
def test_committed_dr_folders_build_with_kustomize_and_pass_strict_schemas(profile: str, kubectl: Path) -> None:
    from clipper_manifests.render.kustomize import is_builtin
    from clipper_manifests.rules.object_schemas.kubernetes import check_builtin

    folders = sorted((REPO / "out" / "dr" / profile).iterdir())
    managed = ["5-verify", "7-reindex", "8-reembed", "9-verify-search"]
    expected = managed if profile.startswith("prod") else ["3-restore", "4-verify", "5-backup", "7-reindex", "8-reembed", "9-verify-search"]
    assert [folder.name for folder in folders] == expected
    for folder in folders:
        result = run_tool(kubectl, "kustomize", folder)
        assert result.returncode == 0, result.stderr
        documents = [d for d in load_all(result.stdout) if d]
        assert documents, folder
        for document in documents:
            assert document["metadata"]["namespace"] == "clipper", "plain folders: every object names its namespace"
            problems = check_builtin(document, "1.33") if is_builtin(document) else check_custom_resource(document, None)
            assert problems == [], (folder.name, document["kind"], problems)


@pytest.mark.parametrize("profile", ["prod-aws", "prod-do", "prod-gcp"])
def test_a_managed_database_gets_a_restore_drill_into_a_scratch_copy_it_verifies_and_deletes(
    profile: str, cli: Cli, k8s_tools: dict[str, Path]
) -> None:
    import shlex
    import subprocess

    text = plan(cli, profile)
    drill = text[text.index("## Restore test") :]
    instance = {"prod-aws": "clipper-prod", "prod-do": "clipper-prod-pg", "prod-gcp": "clipper-prod-pg"}[profile]
    copy = f"{instance}-drill"
    blocks = re.findall(r"```sh\n(.*?)\n```", drill, re.DOTALL)
    restore, verify, delete = blocks
    assert copy in restore and "NEW_ENDPOINT=" in restore, "the copy is restored and its endpoint kept"
    assert f"{instance}-r1" not in drill, "the drill never takes the name a real recovery would use"
    assert copy in delete and ("delete" in delete)
    assert "postgres-backup-check" in drill
    # The verify line of the runbook, run with the real kubectl on the committed folder: every
    # container of the Job (pg_isready, migrate, psql) connects to the copy, not to production.
    line = next(line for line in verify.splitlines() if "set env" in line)
    build, set_env, _apply = (part.strip() for part in line.split("|"))
    kubectl = str(k8s_tools["kubectl"])
    built = subprocess.run([kubectl, *shlex.split(build)[1:]], capture_output=True, text=True, check=True, cwd=REPO)
    env_args = [arg.replace("$NEW_ENDPOINT", "copy.example.internal") for arg in shlex.split(set_env)[1:]]
    result = subprocess.run([kubectl, *env_args], input=built.stdout, capture_output=True, text=True, check=False, cwd=REPO)
    assert result.returncode == 0, result.stderr
    job = load(result.stdout)
    spec = job["spec"]["template"]["spec"]
    containers = [*spec.get("initContainers", []), *spec["containers"]]
    pghost = {
        c["name"]: next(e for e in c["env"] if e["name"] == "PGHOST") for c in containers if any(e["name"] == "PGHOST" for e in c["env"])
    }
    assert {"wait-for-postgres", "schema", "database"} <= set(pghost)
    assert all(entry == {"name": "PGHOST", "value": "copy.example.internal"} for entry in pghost.values())
