"""The upstream CRD schemas the package ships: one for every custom resource the tool emits,
each compiled on the fast (Rust) path, and each byte for byte the catalog's file."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from clipper_manifests.rules.object_schemas.crds import schema_path, validator
from tests.conftest import CRD_SCHEMAS, PACKAGE_CRD_SCHEMAS, REPO
from tests.helpers import run_tool

sys.path.insert(0, str(REPO / "scripts"))
from refresh_crd_schemas import emitted_schema_paths

pytestmark = pytest.mark.heavy  # started first: see tests/conftest.py

SHIPPED = sorted(str(p.relative_to(PACKAGE_CRD_SCHEMAS)) for p in PACKAGE_CRD_SCHEMAS.rglob("*.json"))


REFRESH_CHECK: list[str | Path] = [sys.executable, REPO / "scripts" / "refresh_crd_schemas.py", "--catalog", CRD_SCHEMAS, "--check"]


@pytest.fixture(scope="module")
def emitted() -> list[str]:
    """The schema paths the kinds in out/ need. Reading out/ takes a while in this process; the
    script's --check (a subprocess that only reads, for
    test_the_package_copy_is_the_catalog_s_files_unchanged) runs meanwhile on the other core."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        if CRD_SCHEMAS.is_dir():
            pool.submit(run_tool, *REFRESH_CHECK)
        return sorted(emitted_schema_paths(REPO / "out"))


def test_every_custom_resource_kind_in_out_has_a_schema_the_package_ships(emitted: list[str]) -> None:
    assert len(emitted) >= 19, "out/ should hold the Flux, ESO, monitoring, CNPG, redis and GKE kinds"
    assert [name for name in emitted if name not in SHIPPED] == []
    assert [name for name in SHIPPED if name not in emitted] == [], "a shipped schema no kind in out/ uses: refresh the package copy"


@pytest.mark.parametrize("relative", SHIPPED)
def test_each_shipped_schema_compiles_on_the_fast_path(relative: str) -> None:
    compiled = validator(None, relative)
    assert compiled is not None
    assert compiled.compiled, f"{relative} fell back to python-jsonschema"


def test_the_schema_path_follows_the_catalog_layout() -> None:
    rule = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule"}
    assert schema_path(rule) == "monitoring.coreos.com/prometheusrule_v1.json"


def test_the_sources_file_names_every_schema_with_its_digest() -> None:
    sources = (PACKAGE_CRD_SCHEMAS / "SOURCES.md").read_text(encoding="utf-8")
    assert "datreeio" in sources and "MIT" in sources
    assert all(f"`{name}`" in sources for name in SHIPPED)
    assert (PACKAGE_CRD_SCHEMAS / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


@pytest.mark.shared("crd-schemas")
def test_the_package_copy_is_the_catalog_s_files_unchanged() -> None:
    result = run_tool(*REFRESH_CHECK)
    assert result.returncode == 0, result.stderr
    for name in SHIPPED:
        assert (PACKAGE_CRD_SCHEMAS / name).read_bytes() == (CRD_SCHEMAS / name).read_bytes(), name


@pytest.mark.shared("crd-schemas")
def test_the_shipped_profiles_pass_the_fuller_catalog_too(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "clipper_manifests", "validate", "--all", "--crd-schemas", str(CRD_SCHEMAS)]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
