"""The migration scripts as the cluster runs them: the API's wait-for-migrations init container
and the migration Job, taken from a built overlay and run by sh against a stand-in `migrate`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import shipped

# Answers `migrate ... version` from a list, one per call (the last one repeats), on stderr as
# golang-migrate's CLI prints them; records every call, so a test sees whether `up` ran.
MIGRATE = """#!{python}
import json, os, sys
state = os.environ["STATE"]
with open(os.path.join(state, "calls"), "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
if sys.argv[-1] == "up":
    sys.exit(0)
answers = json.loads(os.environ["VERSIONS"])
count = os.path.join(state, "version-calls")
n = int(open(count).read()) if os.path.exists(count) else 0
open(count, "w").write(str(n + 1))
text, code = answers[min(n, len(answers) - 1)]
sys.stderr.write(text + "\\n")
sys.exit(code)
"""
# The init container waits with `sleep 5`: counted instead, and after three the shell is
# stopped, which is how a test tells "waits for ever" from "goes on".
SLEEP = """#!/bin/sh
echo x >> "$STATE/sleeps"
[ "$(wc -l < "$STATE/sleeps")" -lt 3 ] || kill -TERM "$PPID"
"""


def built(name: str = "staging-aws") -> list[dict[str, Any]]:
    return shipped(name).objects().resolved


def find(kind: str, prefix: str) -> dict[str, Any]:
    return next(o for o in built() if o["kind"] == kind and o["metadata"]["name"].startswith(prefix))


def init_script() -> str:
    pod = find("Deployment", "api")["spec"]["template"]["spec"]
    container = next(c for c in pod["initContainers"] if c["name"] == "wait-for-migrations")
    assert container["command"][:2] == ["/bin/sh", "-c"]
    return str(container["command"][2])


def job_script() -> str:
    container = find("Job", "migrate-")["spec"]["template"]["spec"]["containers"][0]
    assert container["command"][:2] == ["/bin/sh", "-c"], "the Job must decide before running `migrate up`"
    return str(container["command"][2])


class Run:
    def __init__(self, tmp_path: Path, files: list[str]) -> None:
        self.state = tmp_path / "state"
        self.state.mkdir()
        self.migrations = tmp_path / "migrations"
        self.migrations.mkdir()
        for name in files:
            (self.migrations / name).write_text("SELECT 1;\n", encoding="utf-8")
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        for name, text in (("migrate", MIGRATE.format(python=sys.executable)), ("sleep", SLEEP)):
            (self.bin / name).write_text(text, encoding="utf-8")
            (self.bin / name).chmod(0o755)

    def __call__(self, script: str, versions: list[tuple[str, int]]) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": f"{self.bin}:/usr/bin:/bin",
            "STATE": str(self.state),
            "VERSIONS": json.dumps(versions),
            "MIGRATIONS_PATH": str(self.migrations),
            "PGDATABASE": "clipper_db",
        }
        return subprocess.run(["sh", "-c", script], capture_output=True, text=True, env=env, check=False, timeout=30)

    def lines(self, name: str) -> list[str]:
        path = self.state / name
        return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


RELEASE_42 = ["000040_a.up.sql", "000040_a.down.sql", "000041_b.up.sql", "000042_c.up.sql", "000042_c.down.sql", "README.md"]


@pytest.mark.parametrize(
    ("versions", "sleeps"),
    [
        pytest.param([("42", 0)], 0, id="at-the-release"),
        pytest.param([("45", 0)], 0, id="rolled-back-release-meets-a-newer-schema"),
        pytest.param([("error: no migration", 1), ("41", 0), ("42", 0)], 2, id="waits-for-the-job"),
        pytest.param([("41", 0), ("43", 0)], 1, id="the-job-of-a-newer-release-got-there-first"),
    ],
)
def test_wait_for_migrations_lets_the_api_start_once_the_schema_is_at_or_past_the_release(
    tmp_path: Path, versions: list[tuple[str, int]], sleeps: int
) -> None:
    run = Run(tmp_path, RELEASE_42)
    result = run(init_script(), versions)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(run.lines("sleeps")) == sleeps
    assert f"schema is at version {versions[-1][0]}" in result.stdout


@pytest.mark.parametrize(
    "versions",
    [
        pytest.param([("42 (dirty)", 0)], id="dirty-at-the-release"),
        pytest.param([("45 (dirty)", 0)], id="dirty-past-the-release"),
        pytest.param([("41", 0)], id="behind"),
        pytest.param([("error: no migration", 1)], id="never-migrated"),
        pytest.param([("error: connection refused", 1)], id="database-down"),
    ],
)
def test_wait_for_migrations_keeps_the_api_waiting_on_a_dirty_or_older_schema(tmp_path: Path, versions: list[tuple[str, int]]) -> None:
    run = Run(tmp_path, RELEASE_42)
    result = run(init_script(), versions)
    assert result.returncode != 0  # stopped by the third sleep: it was still waiting
    assert len(run.lines("sleeps")) == 3
    assert f"waiting for schema version 42 or later, not dirty; the database reports: {versions[-1][0]}" in result.stdout


def test_timestamp_versions_compare_as_numbers(tmp_path: Path) -> None:
    """golang-migrate's -format timestamps: 14 digits, compared without the shell's integers."""
    run = Run(tmp_path, ["20240131120000_a.up.sql", "20240301090000_b.up.sql"])
    assert run(init_script(), [("20240401000000", 0)]).returncode == 0
    assert run(init_script(), [("20240131120000", 0)]).returncode != 0


def test_no_migration_files_means_nothing_to_wait_for(tmp_path: Path) -> None:
    run = Run(tmp_path, ["README.md"])
    result = run(init_script(), [("error: no migration", 1)])
    assert result.returncode == 0
    assert run.lines("calls") == []


@pytest.mark.parametrize(
    ("versions", "runs_up"),
    [
        pytest.param([("45", 0)], False, id="rolled-back-release-has-nothing-to-run"),
        pytest.param([("42", 0)], False, id="at-the-release"),
        pytest.param([("41", 0)], True, id="behind"),
        pytest.param([("error: no migration", 1)], True, id="new-database"),
        # `up` refuses a dirty schema and the Job fails visibly, instead of reporting success.
        pytest.param([("45 (dirty)", 0)], True, id="dirty"),
    ],
)
def test_migration_job_runs_up_only_when_the_schema_is_behind_the_release(
    tmp_path: Path, versions: list[tuple[str, int]], runs_up: bool
) -> None:
    run = Run(tmp_path, RELEASE_42)
    result = run(job_script(), versions)
    assert result.returncode == 0, result.stdout + result.stderr
    up = [call for call in run.lines("calls") if call.endswith(" up")]
    assert up == ([f"-path {run.migrations} -database postgres:///clipper_db up"] if runs_up else [])
