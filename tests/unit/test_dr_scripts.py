"""The verify step's shell scripts, run by sh against stand-ins for psql, migrate and curl."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

SCRIPTS = REPO / "templates" / "dr"
STUB = """#!{python}
import json, os, sys
answers = json.loads(os.environ["STUB_{name}"])
key = {key}
answer = answers.get(key)
if answer is None:
    sys.stderr.write("no answer for " + key + "\\n")
    sys.exit(2)
stream = sys.stderr if answer.get("stderr") else sys.stdout
stream.write(answer["out"])
sys.exit(answer.get("exit", 0))
"""
KEYS = {
    "psql": "sys.argv[sys.argv.index('-c') + 1]",
    "migrate": "sys.argv[-1]",  # `version`
    "curl": "sys.argv[-1].rsplit('/', 2)[-2]",  # the alias of .../<alias>/_count
}
TABLES = {"users": "120", "clips": "1000", "tags": "40"}
EXTENSIONS = "ltree\npg_trgm\npgcrypto\nplpgsql\nvector\n"


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    for name, key in KEYS.items():
        path = folder / name
        path.write_text(STUB.format(python=sys.executable, name=name.upper(), key=key), encoding="utf-8")
        path.chmod(0o755)
    return folder


def run(script: str, bin_dir: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    text = (SCRIPTS / script).read_text(encoding="utf-8")
    full = {"PATH": f"{bin_dir}:/usr/bin:/bin", **env}
    return subprocess.run(["sh", "-c", text], capture_output=True, text=True, env=full, check=False, timeout=30)


def psql_answers(tables: dict[str, str], extensions: str = EXTENSIONS) -> str:
    answers = {"SELECT extname FROM pg_extension ORDER BY 1": {"out": extensions}}
    answers |= {f"SELECT count(*) FROM {table}": {"out": rows + "\n"} for table, rows in tables.items()}
    answers["SELECT count(*) FROM clips WHERE is_removed = false"] = {"out": "990\n"}
    return json.dumps(answers)


def database_env(tmp_path: Path, tables: dict[str, str] = TABLES, **extra: str) -> dict[str, str]:
    return {
        "STUB_PSQL": psql_answers(tables),
        "REQUIRED_EXTENSIONS": "pgcrypto pg_trgm vector ltree",
        "KEY_TABLES": "users clips tags",
        "ROW_TOLERANCE_PERCENT": "5",
        "SEARCH_INDICES": "clips",
        "COUNT_SQL_clips": "SELECT count(*) FROM clips WHERE is_removed = false",
        "WORK_DIR": str(tmp_path),
        "CHECK": "database",
        **extra,
    }


def test_database_check_passes_and_leaves_the_rows_each_alias_should_hold(tmp_path: Path, bin_dir: Path) -> None:
    result = run("verify-database.sh.j2", bin_dir, database_env(tmp_path, EXPECTED_clips="1020"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok   extension vector" in result.stdout
    assert "ok   table clips: 1000 rows, expected 1020 (within 5 %)" in result.stdout
    assert "ok   table users: 120 rows (no expected figure given)" in result.stdout
    assert (tmp_path / "clips.rows").read_text(encoding="utf-8").strip() == "990"


@pytest.mark.parametrize(
    ("tables", "extra", "finding"),
    [
        ({**TABLES, "tags": "0"}, {}, "FAIL table tags is empty"),
        (TABLES, {"EXPECTED_clips": "2000"}, "FAIL table clips: 1000 rows, expected 2000 (more than 5 % apart)"),
    ],
)
def test_database_check_fails_on_empty_or_shrunken_tables(
    tmp_path: Path, bin_dir: Path, tables: dict[str, str], extra: dict[str, str], finding: str
) -> None:
    result = run("verify-database.sh.j2", bin_dir, database_env(tmp_path, tables, **extra))
    assert result.returncode == 1
    assert finding in result.stdout


def test_database_check_fails_on_a_missing_extension(tmp_path: Path, bin_dir: Path) -> None:
    env = database_env(tmp_path) | {"STUB_PSQL": psql_answers(TABLES, "pgcrypto\npg_trgm\nltree\n")}
    result = run("verify-database.sh.j2", bin_dir, env)
    assert result.returncode == 1
    assert "FAIL extension vector is not installed" in result.stdout


def test_a_deferred_failure_is_recorded_for_the_last_container(tmp_path: Path, bin_dir: Path) -> None:
    env = database_env(tmp_path, {**TABLES, "users": "0"}, DEFER_FAILURE="1")
    result = run("verify-database.sh.j2", bin_dir, env)
    assert result.returncode == 0
    assert (tmp_path / "failed").read_text(encoding="utf-8") == "database\n"


def schema_env(tmp_path: Path, version: str, exit_code: int = 0) -> dict[str, str]:
    migrations = tmp_path / "migrations"
    migrations.mkdir(exist_ok=True)
    for name in ("000001_init.up.sql", "000001_init.down.sql", "000012_clips.up.sql", "000012_clips.down.sql"):
        (migrations / name).write_text("", encoding="utf-8")
    answer = {"version": {"out": version + "\n", "stderr": True, "exit": exit_code}}
    return {"STUB_MIGRATE": json.dumps(answer), "MIGRATIONS_PATH": str(migrations), "PGDATABASE": "clipper_db", "CHECK": "schema"}


@pytest.mark.parametrize(
    ("version", "code", "finding"),
    [
        ("12", 0, "ok   schema: version 12, not dirty"),
        ("12 (dirty)", 1, "FAIL schema: version 12 (dirty): a migration stopped half-way"),
        ("9", 1, "FAIL schema: version 9 is behind 12"),
        ("13", 1, "FAIL schema: version 13 is ahead of 12"),
    ],
)
def test_schema_check(tmp_path: Path, bin_dir: Path, version: str, code: int, finding: str) -> None:
    result = run("verify-schema.sh.j2", bin_dir, schema_env(tmp_path, version))
    assert result.returncode == code, result.stdout + result.stderr
    assert finding in result.stdout


def test_schema_check_reports_an_unreadable_schema_migrations(tmp_path: Path, bin_dir: Path) -> None:
    result = run("verify-schema.sh.j2", bin_dir, schema_env(tmp_path, "error: no migration", exit_code=1))
    assert result.returncode == 1
    assert "FAIL schema: golang-migrate cannot read schema_migrations: error: no migration" in result.stdout


def search_env(tmp_path: Path, documents: str) -> dict[str, str]:
    (tmp_path / "clips.rows").write_text("1000\n", encoding="utf-8")
    answer = {"clips": {"out": json.dumps({"count": int(documents), "_shards": {"total": 1}})}}
    return {
        "STUB_CURL": json.dumps(answer),
        "SEARCH_INDICES": "clips",
        "SEARCH_TOLERANCE_PERCENT": "2",
        "OPENSEARCH_URL": "http://opensearch:9200",
        "OPENSEARCH_USERNAME": "clipper",
        "OPENSEARCH_PASSWORD": "not a secret",
        "WORK_DIR": str(tmp_path),
    }


def test_search_check_compares_documents_with_rows(tmp_path: Path, bin_dir: Path) -> None:
    close = run("verify-search.sh.j2", bin_dir, search_env(tmp_path, "985"))
    assert close.returncode == 0, close.stdout + close.stderr
    assert "ok   search alias clips: 985 documents for 1000 rows" in close.stdout
    assert "verified: the restored data may take traffic" in close.stdout
    far = run("verify-search.sh.j2", bin_dir, search_env(tmp_path, "700"))
    assert far.returncode == 1
    assert "FAIL search alias clips: 700 documents for 1000 rows (more than 2 % apart)" in far.stdout


def test_search_check_fails_the_job_for_earlier_deferred_failures(tmp_path: Path, bin_dir: Path) -> None:
    env = search_env(tmp_path, "1000")
    (tmp_path / "failed").write_text("schema\n", encoding="utf-8")
    result = run("verify-search.sh.j2", bin_dir, env)
    assert result.returncode == 1
    assert "FAIL checks before this one failed: schema" in result.stdout
    assert "verified" not in result.stdout


def test_scripts_are_posix_sh() -> None:
    for script in sorted(SCRIPTS.glob("*.sh.j2")):
        assert subprocess.run(["sh", "-n", str(script)], check=False).returncode == 0, script
        assert "${" not in script.read_text(encoding="utf-8"), f"{script.name}: Flux's postBuild syntax"
    assert os.access("/bin/sh", os.X_OK)
