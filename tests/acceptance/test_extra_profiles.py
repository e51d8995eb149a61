"""Test profiles that are not shipped (tests/profiles/*.yaml), rendered inside a copy of the
project: the Azure Key Vault backend lives here, with a snapshot of everything it renders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from clipper_manifests.pipeline.builder import Builder
from clipper_manifests.pipeline.results import Build
from clipper_manifests.project import find_project

EXTRA = Path(__file__).resolve().parents[1] / "profiles"
NAMES = sorted(path.stem for path in EXTRA.glob("*.yaml"))


def build_extra(project: Path, name: str, crd_schemas: Path | None = None) -> Build:
    shutil.copy(EXTRA / f"{name}.yaml", project / "profiles" / f"{name}.yaml")
    return Builder(find_project(project, None, crd_schemas=crd_schemas)).build([name])


def own_files(build: Build, name: str) -> dict[str, str]:
    """The files only this profile produces (base and components belong to every profile)."""
    folders = (f"overlays/{name}/", f"infrastructure/{name}/", f"clusters/{name}/")
    return {path: text for path, text in build.files().items() if path.startswith(folders)}


def test_the_azure_key_vault_profile_is_there() -> None:
    assert "prod-azure-kv" in NAMES


@pytest.mark.parametrize("name", NAMES)
def test_extra_profile_renders_and_matches_its_snapshot(name: str, project: Path, snapshot: SnapshotAssertion) -> None:
    build = build_extra(project, name)
    assert build.ok, [(p.rule, p.message) for p in build.problems if p.is_error]
    files = own_files(build, name)
    assert f"overlays/{name}/kustomization.yaml" in files
    assert files == snapshot


@pytest.mark.parametrize("name", NAMES)
def test_extra_profile_passes_the_upstream_crd_schemas(name: str, project: Path) -> None:
    build = build_extra(project, name)
    assert [(p.rule, p.message) for p in build.problems if p.is_error] == []
