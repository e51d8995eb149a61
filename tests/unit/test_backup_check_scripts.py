"""The managed database's backup check (CronJob postgres-backup-check), run as its two containers
run it: the fetch script by sh against stand-ins for aws, gcloud and doctl that answer with JSON
shaped like the providers' documented output, then the check script by Python on those files."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

TEMPLATES = REPO / "templates" / "overlay" / "resources"
# Answers keyed by the CLI's arguments after the program name, joined by spaces.
STUB = """#!{python}
import json, os, sys
answers = json.loads(os.environ["STUB_ANSWERS"])
key = " ".join([os.path.basename(sys.argv[0])] + sys.argv[1:])
if key not in answers:
    sys.stderr.write("stub: no answer for " + key + "\\n")
    sys.exit(254)
sys.stdout.write(answers[key])
"""


def stamp(hours_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours_ago)).isoformat()


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    for name in ("aws", "gcloud", "doctl"):
        path = folder / name
        path.write_text(STUB.format(python=sys.executable), encoding="utf-8")
        path.chmod(0o755)
    return folder


def run_check(tmp_path: Path, bin_dir: Path, kind: str, answers: dict[str, Any], **profile: str) -> subprocess.CompletedProcess[str]:
    """Both containers in order, as the Job runs them: a failed fetch ends the run."""
    work = tmp_path / "work"
    work.mkdir()
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "DATABASE_KIND": kind,
        "INSTANCE": "clipper-prod",
        "WORK_DIR": str(work),
        "STUB_ANSWERS": json.dumps({key: json.dumps(value) if not isinstance(value, str) else value for key, value in answers.items()}),
        "RETENTION_DAYS": "7",
        "PITR": "true",
        "ENCRYPTION": "true",
        "RPO_MINUTES": "60",
        "MAX_BACKUP_AGE_HOURS": "26",
        **profile,
    }
    fetch = (TEMPLATES / "backup-check-fetch.sh.j2").read_text(encoding="utf-8")
    fetched = subprocess.run(["sh", "-c", fetch], capture_output=True, text=True, env=env, check=False, timeout=30)
    if fetched.returncode != 0:
        return fetched
    check = (TEMPLATES / "backup-check.py.j2").read_text(encoding="utf-8")
    return subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, env=env, check=False, timeout=30)


def aurora(retention: int = 7, restorable_hours: float = 0.05, snapshot_hours: float = 5, encrypted: bool = True) -> dict[str, Any]:
    cluster = {
        "DBClusterIdentifier": "clipper-prod",
        "Status": "available",
        "BackupRetentionPeriod": retention,
        "PreferredBackupWindow": "03:00-04:00",
        "LatestRestorableTime": stamp(restorable_hours),
        "EarliestRestorableTime": stamp(24 * retention),
        "StorageEncrypted": encrypted,
    }
    snapshots = [
        {
            "DBClusterSnapshotIdentifier": f"rds:clipper-prod-{n}",
            "SnapshotCreateTime": stamp(snapshot_hours + 24 * n),
            "Status": "available",
        }
        for n in range(3)
    ]
    return {
        "aws rds describe-db-clusters --db-cluster-identifier clipper-prod --output json": {"DBClusters": [cluster]},
        "aws rds describe-db-cluster-snapshots --db-cluster-identifier clipper-prod --snapshot-type automated --output json": {
            "DBClusterSnapshots": snapshots
        },
    }


def test_aurora_with_fresh_backups_passes(tmp_path: Path, bin_dir: Path) -> None:
    result = run_check(tmp_path, bin_dir, "aurora", aurora())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok   backup retention 7 days (profile: 7)" in result.stdout
    assert "verified: the backups of clipper-prod match the profile" in result.stdout


@pytest.mark.parametrize(
    ("settings", "finding"),
    [
        ({"snapshot_hours": 30}, "FAIL newest backup"),
        ({"retention": 1}, "FAIL backup retention 1 days (profile: 7)"),
        ({"restorable_hours": 3}, "FAIL latest restorable time"),
        ({"encrypted": False}, "FAIL storage (and with it the backups) encrypted"),
    ],
)
def test_aurora_fails_loudly_on_a_stale_backup_or_weaker_settings(
    tmp_path: Path, bin_dir: Path, settings: dict[str, Any], finding: str
) -> None:
    result = run_check(tmp_path, bin_dir, "aurora", aurora(**settings))
    assert result.returncode == 1
    assert finding in result.stdout
    assert "FAIL the backups of clipper-prod do not match the profile" in result.stdout


def test_rds_instance_reads_instances_and_their_snapshots(tmp_path: Path, bin_dir: Path) -> None:
    instance = {
        "DBInstanceIdentifier": "clipper-prod",
        "BackupRetentionPeriod": 7,
        "LatestRestorableTime": stamp(0.1),
        "StorageEncrypted": True,
    }
    answers = {
        "aws rds describe-db-instances --db-instance-identifier clipper-prod --output json": {"DBInstances": [instance]},
        "aws rds describe-db-snapshots --db-instance-identifier clipper-prod --snapshot-type automated --output json": {
            "DBSnapshots": [
                {"SnapshotCreateTime": stamp(50), "Status": "available"},
                {"SnapshotCreateTime": stamp(2), "Status": "creating"},
            ]
        },
    }
    result = run_check(tmp_path, bin_dir, "rds", answers)
    # The only available snapshot is two days old; one still being created does not count.
    assert result.returncode == 1
    assert "FAIL newest backup" in result.stdout


def cloud_sql(retained: int = 7, pitr: bool = True, backup_hours: float = 4, status: str = "SUCCESSFUL") -> dict[str, Any]:
    instance = {
        "name": "clipper-prod",
        "settings": {
            "backupConfiguration": {
                "enabled": True,
                "startTime": "03:00",
                "pointInTimeRecoveryEnabled": pitr,
                "transactionLogRetentionDays": 7,
                "backupRetentionSettings": {"retentionUnit": "COUNT", "retainedBackups": retained},
            }
        },
    }
    runs = [
        {"id": "1", "status": status, "type": "AUTOMATED", "endTime": stamp(backup_hours), "windowStartTime": stamp(backup_hours + 1)},
        {"id": "0", "status": "SUCCESSFUL", "type": "AUTOMATED", "endTime": stamp(backup_hours + 24)},
    ]
    return {
        "gcloud sql instances describe clipper-prod --format=json": instance,
        "gcloud sql backups list --instance=clipper-prod --format=json": runs,
    }


def test_cloud_sql_with_a_fresh_backup_passes(tmp_path: Path, bin_dir: Path) -> None:
    result = run_check(tmp_path, bin_dir, "cloudsql", cloud_sql())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok   point-in-time recovery enabled" in result.stdout


@pytest.mark.parametrize(
    ("settings", "finding"),
    [
        ({"status": "FAILED"}, "FAIL newest backup"),  # last night's run failed: the newest good one is a day older
        ({"pitr": False}, "FAIL point-in-time recovery enabled"),
        ({"retained": 3}, "FAIL 3 daily backups retained (profile: 7 days)"),
    ],
)
def test_cloud_sql_fails_on_a_failed_run_or_weaker_settings(tmp_path: Path, bin_dir: Path, settings: dict[str, Any], finding: str) -> None:
    result = run_check(tmp_path, bin_dir, "cloudsql", cloud_sql(**settings))
    assert result.returncode == 1
    assert finding in result.stdout


def digitalocean(newest_hours: float) -> dict[str, Any]:
    backups = [{"created_at": stamp(newest_hours + 24 * n), "size_gigabytes": 1.2} for n in range(7)]
    return {
        "doctl databases list --format ID,Name --no-header": "f81d4fae-7dec-11d0-a765-00a0c91e6bf6 clipper-prod\n0c7e clipper-other\n",
        "doctl databases get f81d4fae-7dec-11d0-a765-00a0c91e6bf6 --output json": [{"name": "clipper-prod", "status": "online"}],
        "doctl databases backups f81d4fae-7dec-11d0-a765-00a0c91e6bf6 --output json": backups,
    }


def test_digitalocean_backups_fresh_and_spanning_the_retention_pass(tmp_path: Path, bin_dir: Path) -> None:
    result = run_check(tmp_path, bin_dir, "digitalocean", digitalocean(3))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok   backups span" in result.stdout


def test_digitalocean_stale_backups_fail(tmp_path: Path, bin_dir: Path) -> None:
    result = run_check(tmp_path, bin_dir, "digitalocean", digitalocean(40))
    assert result.returncode == 1
    assert "FAIL newest backup" in result.stdout


def test_a_provider_error_fails_the_fetch_with_the_cli_message(tmp_path: Path, bin_dir: Path) -> None:
    # No answer: the stand-in exits non-zero as the CLI does on AccessDenied or an unknown database.
    result = run_check(tmp_path, bin_dir, "aurora", {})
    assert result.returncode != 0
    assert "stub: no answer for aws rds describe-db-clusters" in result.stderr


def test_an_unknown_digitalocean_cluster_is_named(tmp_path: Path, bin_dir: Path) -> None:
    answers = {"doctl databases list --format ID,Name --no-header": "0c7e clipper-other\n"}
    result = run_check(tmp_path, bin_dir, "digitalocean", answers)
    assert result.returncode == 1
    assert "FAIL no DigitalOcean database cluster is named clipper-prod" in result.stderr


def test_the_fetch_script_is_posix_sh_without_flux_syntax() -> None:
    script = TEMPLATES / "backup-check-fetch.sh.j2"
    assert subprocess.run(["sh", "-n", str(script)], check=False).returncode == 0
    assert "${" not in script.read_text(encoding="utf-8")
