"""clipper-manifests.yaml: the CRD catalog and allowed-unknown kinds a project shares.
Precedence for the catalog: --crd-schemas > CLIPPER_CRD_SCHEMAS > the config file > the upstream schemas the package ships."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clipper_manifests.config import CONFIG_FILE, kind_allowed, load_config
from clipper_manifests.errors import UsageError
from clipper_manifests.project import find_project
from clipper_manifests.rules.object_schemas.crds import check_custom_resource
from tests.conftest import PACKAGE_CRD_SCHEMAS, RunCli

WIDGET = {"apiVersion": "example.com/v1alpha1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {}}


def write_config(root: Path, text: str) -> None:
    (root / CONFIG_FILE).write_text(text, encoding="utf-8")


def test_no_config_file_means_the_built_in_schemas(project: Path) -> None:
    assert find_project(project, None).crd_schemas is None


def test_the_catalog_path_is_relative_to_the_config_file(project: Path, tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    write_config(project, "crdSchemas: ../catalog\nallowUnknownKinds: [Widget.example.com]\n")
    found = find_project(project, None, validating=True)
    assert found.crd_schemas == catalog.resolve()
    assert found.allow_unknown_kinds == frozenset({"Widget.example.com"})


def test_the_option_wins_over_the_config_file(project: Path, tmp_path: Path) -> None:
    write_config(project, "crdSchemas: ../nowhere\n")
    option = tmp_path / "option"
    option.mkdir()
    assert find_project(project, None, crd_schemas=option, validating=True).crd_schemas == option.resolve()


def test_a_configured_catalog_that_is_missing_falls_back_with_a_warning(project: Path) -> None:
    # A fresh clone without shared/ must still render; an explicit --crd-schemas must exist.
    write_config(project, "# shared settings\ncrdSchemas: ../nowhere\n")
    found = find_project(project, None, validating=True)
    assert found.crd_schemas is None
    assert "clipper-manifests.yaml:2:" in found.notice and "schemas the package ships" in found.notice
    assert find_project(project, None).notice == ""  # list, show, schema say nothing
    with pytest.raises(UsageError, match="is not a folder"):
        find_project(project, None, crd_schemas=project / "nowhere", validating=True)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("crdSchema: x\n", "unknown setting 'crdSchema'"),
        ("- a\n", "must be a mapping"),
        ("allowUnknownKinds: Widget.example.com\n", "must be a list"),
        ("allowUnknownKinds: [widget]\n", "is not Kind.group"),
        ("crdSchemas: [a]\n", "must be a folder path"),
        ("crdSchemas: 'a\n", "invalid YAML"),
        ("outputs: [kustomize, chart]\n", "outputs must be a non-empty list of kustomize, helm"),
        ("outputs: []\n", "outputs must be a non-empty list"),
    ],
)
def test_a_broken_config_file_is_a_usage_error_at_its_line(project: Path, text: str, message: str) -> None:
    write_config(project, text)
    with pytest.raises(UsageError) as raised:
        load_config(project)
    assert message in raised.value.message
    assert raised.value.location is not None and raised.value.location.path.name == CONFIG_FILE


def test_allowed_unknown_kinds_match_any_version_or_one() -> None:
    assert kind_allowed(WIDGET, frozenset({"Widget.example.com"}))
    assert kind_allowed(WIDGET, frozenset({"Widget.example.com/v1alpha1"}))
    assert not kind_allowed(WIDGET, frozenset({"Widget.example.com/v1"}))
    assert not kind_allowed(WIDGET, frozenset({"Gadget.example.com"}))


def test_a_custom_resource_without_schema_is_an_error_unless_allowed() -> None:
    problems = check_custom_resource(WIDGET, None)
    assert [p.rule for p in problems] == ["crd-schema-missing"]
    assert "allowUnknownKinds" in problems[0].message
    assert check_custom_resource(WIDGET, None, frozenset({"Widget.example.com"})) == []


def test_the_cli_takes_the_catalog_from_the_config_file(project: Path, run_cli: RunCli, tmp_path: Path) -> None:
    # An empty catalog holds no schema for the HelmReleases the tree emits: proof it is used.
    empty = tmp_path / "empty-catalog"
    empty.mkdir()
    write_config(project, f"crdSchemas: {empty}\n")
    result = run_cli("validate", "prod-aws", "--root", project, cwd=project)
    assert result.exit_code == 1 and "crd-schema-missing" in result.stdout
    write_config(project, f"crdSchemas: {PACKAGE_CRD_SCHEMAS}\n")
    assert run_cli("validate", "prod-aws", "--root", project, cwd=project).exit_code == 0


def test_the_environment_variable_wins_over_the_config_file(
    project: Path, run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty-catalog"
    empty.mkdir()
    write_config(project, f"crdSchemas: {empty}\n")
    monkeypatch.setenv("CLIPPER_CRD_SCHEMAS", str(PACKAGE_CRD_SCHEMAS))
    assert run_cli("validate", "prod-aws", "--root", project, cwd=project).exit_code == 0


def test_the_repository_config_names_no_folder_outside_the_repository() -> None:
    # A user's clone has nothing beside it: the shipped settings use the package's schemas.
    repo = Path(__file__).resolve().parents[2]
    config = load_config(repo)
    assert config.crd_schemas is None
    settings = (repo / "clipper-manifests.yaml").read_text(encoding="utf-8").splitlines()
    assert [line for line in settings if "../" in line and not line.startswith("#")] == []


def test_outputs_choose_what_render_writes_and_format_overrides_them(project: Path, run_cli: RunCli) -> None:
    out = project / "out"
    assert run_cli("render", "prod-aws", "--root", project).exit_code == 0
    assert (out / "overlays" / "prod-aws").is_dir() and not (out / "charts").exists()  # default: kustomize only
    write_config(project, "outputs: [helm]\n")
    # Helm only: the cluster must take the app through the chart (the overlay is not written).
    profile = project / "profiles" / "prod-aws.yaml"
    profile.write_text(profile.read_text(encoding="utf-8") + "flux:\n  delivery: helm\n", encoding="utf-8")
    shutil.rmtree(out)  # start from an empty out/: a one-profile render prunes only that profile's folders
    assert run_cli("render", "prod-aws", "--root", project).exit_code == 0
    assert (out / "charts" / "prod-aws" / "Chart.yaml").is_file() and not (out / "overlays").exists()
    assert run_cli("render", "prod-aws", "--format", "kustomize", "--root", project).exit_code == 0
    # --format writes one output and leaves the other's files alone.
    assert (out / "overlays" / "prod-aws").is_dir() and (out / "charts" / "prod-aws" / "Chart.yaml").is_file()
    assert run_cli("render", "prod-aws", "--check", "--format", "all", "--root", project).exit_code == 0
    values = out / "charts" / "prod-aws" / "values.yaml"
    values.write_text(values.read_text(encoding="utf-8") + "extra: 1\n", encoding="utf-8")
    assert run_cli("render", "prod-aws", "--format", "helm", "--root", project).exit_code == 1  # a hand edit is kept
    assert "extra: 1" in values.read_text(encoding="utf-8")
    result = run_cli("render", "prod-aws", "--format", "chart", "--root", project)
    assert result.exit_code == 2 and "unknown output format 'chart'" in result.stderr


def test_helm_only_output_with_an_overlay_delivery_is_refused(project: Path, run_cli: RunCli) -> None:
    # The apps stage would apply an overlay that out/ no longer holds.
    write_config(project, "outputs: [helm]\n")
    result = run_cli("validate", "staging-aws", "--root", project, cwd=project)
    assert result.exit_code == 1
    assert "Kustomization/apps: path ./out/overlays/staging-aws is not a folder this tool generates for this cluster" in result.stdout
    assert "(flux-path)" in result.stdout
    write_config(project, "outputs: [kustomize, helm]\n")
    assert run_cli("validate", "staging-aws", "--root", project, cwd=project).exit_code == 0
    assert run_cli("render", "staging-aws", "--format", "helm", "--root", project, cwd=project).exit_code == 0, "a partial run is fine"
