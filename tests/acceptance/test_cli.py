"""The CLI as a user sees it: files in out/, messages, exit codes (0 ok, 1 invalid, 2 usage, 3 cannot run).

Every test that renders or changes files works on a throw-away copy of profiles/ and templates/
(the `project` fixture); the others share the module's read-only copy (conftest's `cli`). Commands
run from inside the copy (so messages name `profiles/...` like they do for a user) and pass --root.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml
from click.testing import Result

from clipper_manifests import __version__
from tests.conftest import REPO, RunCli, tree_text
from tests.helpers import load

pytestmark = pytest.mark.heavy  # started first: see tests/conftest.py

Cli = Callable[..., Result]

SHIPPED = {
    "prod-aws": ("aws", "production"),
    "prod-do": ("digitalocean", "production"),
    "prod-gcp": ("gcp", "production"),
    "staging-aws": ("aws", "staging"),
    "staging-do": ("digitalocean", "staging"),
    "staging-gcp": ("gcp", "staging"),
}
MANIFEST = ".clipper-manifests.json"
API_HPA = "overlays/prod-aws/patches/horizontalpodautoscaler-api.yaml"
API_CONFIG = "overlays/prod-aws/configmap-api-config.yaml"


def ok(result: Result) -> Result:
    assert result.exit_code == 0, f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert_clean(result)
    return result


def fails(result: Result, exit_code: int) -> Result:
    assert result.exit_code == exit_code, f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert_clean(result)
    return result


def assert_clean(result: Result) -> None:
    assert "Traceback" not in result.stdout + result.stderr


def append_to(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def folders(path: Path) -> list[str]:
    return sorted(child.name for child in path.iterdir() if child.is_dir())


def without(tree: dict[str, str], prefix: str) -> dict[str, str]:
    return {name: text for name, text in tree.items() if not name.startswith(prefix)}


def raise_prod_aws_api_minimum(project: Path, minimum: int) -> None:
    append_to(project / "profiles" / "prod-aws.yaml", f"api:\n  replicas: {{min: {minimum}, max: 12}}\n")


# --- render -------------------------------------------------------------------------------------------------------------


def test_render_one_profile_writes_base_and_its_own_folders_only(project: Path, cli: Cli) -> None:
    result = ok(cli("render", "prod-aws"))

    out = project / "out"
    assert "(prod-aws)" in result.stdout
    # No components/: the shipped templates give no provider a component of its own (the
    # StorageClass is in infrastructure/<profile>/controllers, where the first stage needs it).
    assert sorted(child.name for child in out.iterdir()) == [MANIFEST, "base", "clusters", "dr", "infrastructure", "overlays"]
    assert folders(out / "infrastructure") == ["prod-aws"]
    assert folders(out / "dr") == ["prod-aws"]
    assert folders(out / "clusters") == ["prod-aws"]
    assert folders(out / "overlays") == ["prod-aws"]
    for kustomization in ("base", "overlays/prod-aws"):
        assert (out / kustomization / "kustomization.yaml").is_file()
    overlay = load((out / "overlays/prod-aws/kustomization.yaml").read_text(encoding="utf-8"))
    assert "../../base" in overlay["resources"]
    assert "components" not in overlay


def test_a_provider_component_is_written_once_and_used_by_that_providers_overlays(project: Path, cli: Cli) -> None:
    folder = project / "templates" / "components" / "aws" / "resources"
    folder.mkdir(parents=True)
    (folder / "configmap.yaml.j2").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-only\ndata:\n  provider: aws\n", encoding="utf-8"
    )
    ok(cli("render", "prod-aws", "prod-do"))

    out = project / "out"
    assert folders(out / "components") == ["aws"]
    assert (out / "components/aws/configmap-aws-only.yaml").is_file()
    aws = load((out / "overlays/prod-aws/kustomization.yaml").read_text(encoding="utf-8"))
    do = load((out / "overlays/prod-do/kustomization.yaml").read_text(encoding="utf-8"))
    assert aws["components"] == ["../../components/aws"]
    assert "components" not in do


def test_the_ownership_manifest_lists_every_generated_file_with_its_hash(project: Path, cli: Cli) -> None:
    ok(cli("render", "prod-aws"))

    tree = tree_text(project / "out")
    manifest = json.loads(tree.pop(MANIFEST))
    assert manifest["generator"] == "clipper-manifests"
    assert sorted(manifest["files"]) == sorted(tree)
    assert all(re.fullmatch(r"[0-9a-f]{64}", digest) for digest in manifest["files"].values())


def test_render_all_twice_is_byte_identical(project: Path, cli: Cli) -> None:
    ok(cli("render", "--all"))
    first = {path: path.read_bytes() for path in sorted((project / "out").rglob("*")) if path.is_file()}
    assert folders(project / "out" / "overlays") == sorted(SHIPPED)

    again = ok(cli("render", "--all"))

    second = {path: path.read_bytes() for path in sorted((project / "out").rglob("*")) if path.is_file()}
    assert second == first
    assert "0 written, 0 removed" in again.stdout


def test_check_passes_on_a_fresh_render_and_shows_a_diff_after_a_profile_change(project: Path, cli: Cli) -> None:
    ok(cli("render", "--all"))
    assert "is up to date" in ok(cli("render", "--all", "--check")).stdout

    raise_prod_aws_api_minimum(project, 4)
    before = tree_text(project / "out")
    result = fails(cli("render", "--all", "--check"), 1)

    assert f"--- a/{API_HPA}" in result.stdout.splitlines()
    assert f"+++ b/{API_HPA}" in result.stdout.splitlines()
    assert "-  minReplicas: 3" in result.stdout.splitlines()
    assert "+  minReplicas: 4" in result.stdout.splitlines()
    assert "is stale" in result.stdout
    assert "render --all" in result.stdout
    assert tree_text(project / "out") == before, "--check must write nothing"


def test_a_hand_edited_file_is_kept_until_force(project: Path, cli: Cli) -> None:
    ok(cli("render", "prod-aws"))
    config = project / "out" / API_CONFIG
    generated = config.read_text(encoding="utf-8")
    config.write_text(generated + "  HAND_EDIT: 'yes'\n", encoding="utf-8")

    refused = fails(cli("render", "prod-aws"), 1)

    assert API_CONFIG in refused.stdout
    assert "edited by hand" in refused.stdout
    assert "--force" in refused.stdout
    assert "HAND_EDIT" in config.read_text(encoding="utf-8")

    ok(cli("render", "prod-aws", "--force"))
    assert config.read_text(encoding="utf-8") == generated
    ok(cli("render", "prod-aws"))  # and it is the tool's own file again


def test_render_check_with_a_hand_edit_says_what_clears_the_way_not_just_stale(project: Path, cli: Cli) -> None:
    ok(cli("render", "prod-aws"))
    config = project / "out" / API_CONFIG
    config.write_text(config.read_text(encoding="utf-8") + "  HAND_EDIT: 'yes'\n", encoding="utf-8")

    result = fails(cli("render", "prod-aws", "--check"), 1)

    assert f"conflict: {API_CONFIG}: edited by hand since it was generated" in result.stdout
    assert "move your edits into profiles/ or templates/" in result.stdout
    assert "`clipper-manifests render prod-aws --force` discards them" in result.stdout
    assert "is stale: run `clipper-manifests render prod-aws` and commit" not in result.stdout, "a plain render would refuse"


def test_a_lost_ownership_manifest_is_named_as_such(project: Path, cli: Cli) -> None:
    ok(cli("render", "prod-aws"))
    (project / "out" / ".clipper-manifests.json").unlink()
    before = tree_text(project / "out")

    result = fails(cli("render", "prod-aws"), 1)

    lines = [line for line in result.stdout.splitlines() if line]
    assert len(lines) == 2, "one message, not a conflict per file"
    assert re.search(r"out/\.clipper-manifests\.json is missing, but the \d+ file\(s\) in the way carry the tool's header$", lines[0])
    assert "restore it (git checkout -- out/.clipper-manifests.json)" in lines[1]
    assert "adopt the files with `clipper-manifests render prod-aws --force`" in lines[1]
    assert tree_text(project / "out") == before


def test_a_file_the_tool_would_write_but_did_not_generate_is_not_overwritten(project: Path, cli: Cli) -> None:
    mine = project / "out" / "overlays" / "prod-aws" / "kustomization.yaml"
    mine.parent.mkdir(parents=True)
    mine.write_text("# my own kustomization\n", encoding="utf-8")

    refused = fails(cli("render", "prod-aws"), 1)

    assert "overlays/prod-aws/kustomization.yaml" in refused.stdout
    assert "not generated by clipper-manifests" in refused.stdout
    assert mine.read_text(encoding="utf-8") == "# my own kustomization\n"


def test_files_the_tool_did_not_generate_survive_render_render_all_and_pruning(project: Path, cli: Cli) -> None:
    ok(cli("render", "prod-aws"))
    out = project / "out"
    mine = {
        out / "README.md": "# Rendered by clipper-manifests; see profiles/\n",
        out / "overlays" / "prod-aws" / "NOTES.md": "prod-aws notes\n",
    }
    for path, text in mine.items():
        path.write_text(text, encoding="utf-8")

    def assert_untouched() -> None:
        for path, text in mine.items():
            assert path.read_text(encoding="utf-8") == text, path

    raise_prod_aws_api_minimum(project, 4)  # so render really rewrites the overlay folder
    ok(cli("render", "prod-aws"))
    assert_untouched()
    ok(cli("render", "--all"))
    assert_untouched()

    notes = out / "overlays" / "staging-do" / "NOTES.md"
    mine[notes] = "staging-do notes\n"
    notes.write_text(mine[notes], encoding="utf-8")
    (project / "profiles" / "staging-do.yaml").unlink()
    ok(cli("render", "--all"))

    assert_untouched()
    assert sorted(child.name for child in notes.parent.rglob("*")) == ["NOTES.md"], "generated files should be pruned"
    assert not any(name.startswith("overlays/staging-do/") for name in json.loads((out / MANIFEST).read_text())["files"])


def test_removing_a_profile_prunes_its_overlay_and_nothing_else(project: Path, cli: Cli) -> None:
    ok(cli("render", "--all"))
    (project / "out" / "README.md").write_text("kept\n", encoding="utf-8")
    before = tree_text(project / "out")

    (project / "profiles" / "staging-do.yaml").unlink()
    result = ok(cli("render", "--all"))

    after = tree_text(project / "out")
    assert not (project / "out" / "overlays" / "staging-do").exists()
    assert folders(project / "out" / "overlays") == sorted(set(SHIPPED) - {"staging-do"})
    assert "removed" in result.stdout
    assert not (project / "out" / "infrastructure" / "staging-do").exists()
    assert not (project / "out" / "dr" / "staging-do").exists()

    def kept(tree: dict[str, str]) -> dict[str, str]:
        for prefix in (MANIFEST, "overlays/staging-do/", "infrastructure/staging-do/", "clusters/staging-do/", "dr/staging-do/"):
            tree = without(tree, prefix)
        return tree

    assert kept(after) == kept(before)
    assert after["README.md"] == "kept\n"


def test_rendering_one_profile_never_changes_another_profiles_overlay(project: Path, cli: Cli) -> None:
    ok(cli("render", "--all"))
    before = tree_text(project / "out")

    # A shared partial changes: only the profile named on the command line is re-rendered.
    production = project / "profiles" / "_production.yaml"
    text = production.read_text(encoding="utf-8")
    assert "replicas: {min: 3, max: 12}" in text
    production.write_text(text.replace("replicas: {min: 3, max: 12}", "replicas: {min: 4, max: 12}"), encoding="utf-8")
    ok(cli("render", "prod-aws"))

    after = tree_text(project / "out")
    assert "minReplicas: 4" in after[API_HPA]
    assert without(without(after, MANIFEST), "overlays/prod-aws/") == without(without(before, MANIFEST), "overlays/prod-aws/")
    assert "minReplicas: 3" in after["overlays/prod-do/patches/horizontalpodautoscaler-api.yaml"]
    ownership = json.loads(after[MANIFEST])["files"]
    assert {name.split("/")[1] for name in ownership if name.startswith("overlays/")} == set(SHIPPED)


@pytest.mark.parametrize("out", ["blocker/out", "blocker"], ids=["below-a-regular-file", "a-regular-file"])
def test_an_output_folder_that_cannot_be_written_is_exit_3(project: Path, cli: Cli, out: str) -> None:
    (project / "blocker").write_text("a regular file, not a folder\n", encoding="utf-8")

    result = fails(cli("render", "prod-aws", "--out", project / out), 3)

    assert result.stderr.startswith("blocker")
    assert "error:" in result.stderr
    assert (project / "blocker").read_text(encoding="utf-8") == "a regular file, not a folder\n"
    assert sorted(child.name for child in project.iterdir()) == ["blocker", "profiles", "templates"]


# --- profile values reach the output as data, never as YAML syntax ------------------------------------------------------

TRICKY_MODELS = [
    "text-embedding-3-small\nkind: Secret",
    "model: x # not a comment",
    "x\n---\napiVersion: v1\nkind: Secret\n",
    "{{ 7 * 7 }} {% raw %}",
    "'single' \"double\" `back`",
    "yes",
    "~",
    " leading space\nand a newline",
    "trailing blank lines\n\n",
    "tab\there, carriage\rreturn, é ü 中",
]


@pytest.mark.parametrize("model", TRICKY_MODELS, ids=[f"model-{i}" for i in range(len(TRICKY_MODELS))])
def test_a_free_text_value_is_written_as_one_scalar(project: Path, cli: Cli, model: str) -> None:
    ok(cli("render", "prod-aws", "--out", project / "plain"))
    plain = load_config_map(project / "plain" / API_CONFIG)

    # JSON strings are YAML double-quoted scalars: the profile states the value exactly.
    append_to(project / "profiles" / "prod-aws.yaml", f"app:\n  embedding:\n    model: {json.dumps(model)}\n")
    ok(cli("render", "prod-aws"))

    config = load_config_map(project / "out" / API_CONFIG)
    assert config["data"]["EMBEDDING_MODEL"] == model
    assert sorted(config) == sorted(plain)
    assert sorted(config["data"]) == sorted(plain["data"])
    assert {key: value for key, value in config["data"].items() if key != "EMBEDDING_MODEL"} == {
        key: value for key, value in plain["data"].items() if key != "EMBEDDING_MODEL"
    }


def load_config_map(path: Path) -> dict[str, Any]:
    documents = list(yaml.safe_load_all(path.read_bytes().decode("utf-8")))  # bytes: keep \r as written
    assert len(documents) == 1, f"{path} holds {len(documents)} documents"
    document: dict[str, Any] = documents[0]
    assert document["kind"] == "ConfigMap"
    return document


# --- list, show, schema, --version -------------------------------------------------------------------------------------


def test_list_shows_every_profile_with_provider_and_environment(cli: Cli) -> None:
    lines = ok(cli("list")).stdout.splitlines()

    assert lines[0].split()[:3] == ["PROFILE", "PROVIDER", "ENVIRONMENT"]
    rows = {cells[0]: (cells[1], cells[2]) for cells in (line.split() for line in lines[1:])}
    assert rows == SHIPPED
    assert lines[0].split()[-1] == "DESCRIPTION", "docs/profiles.md promises `list` shows the description"
    prod_aws = next(line for line in lines if line.startswith("prod-aws "))
    assert prod_aws.endswith("Production on EKS with RDS, ElastiCache and Amazon OpenSearch Service")


def test_explain_names_the_partial_and_line_that_set_a_value(project: Path, cli: Cli) -> None:
    result = ok(cli("show", "prod-aws", "--explain", "api.replicas.min"))

    assert result.stdout.splitlines()[0] == "api.replicas.min: 3"
    match = re.search(r"set at profiles/_production\.yaml:(\d+)", result.stdout)
    assert match, result.stdout
    line = (project / "profiles" / "_production.yaml").read_text(encoding="utf-8").splitlines()[int(match.group(1)) - 1]
    assert "min: 3" in line
    assert "overrides" not in result.stdout


def test_explain_lists_the_value_a_child_overrode(project: Path, cli: Cli) -> None:
    child = project / "profiles" / "prod-aws.yaml"
    raise_prod_aws_api_minimum(project, 5)

    result = ok(cli("show", "prod-aws", "--explain", "api.replicas.min"))

    lines = result.stdout.splitlines()
    assert lines[0] == "api.replicas.min: 5"
    assert lines[1].startswith(f"  set at profiles/prod-aws.yaml:{line_count(child)}:")
    assert re.fullmatch(r"  overrides 3 from profiles/_production\.yaml:\d+:\d+", lines[2])


def test_explain_of_a_mapping_lists_each_value_below_it_with_its_own_winner(project: Path, cli: Cli) -> None:
    append_to(project / "profiles" / "prod-aws.yaml", "api:\n  replicas: {min: 5}\n")  # max still from _production

    result = ok(cli("show", "prod-aws", "--explain", "api.replicas"))

    lines = result.stdout.splitlines()
    assert lines[0] == "api.replicas.max: 12" and lines[1].startswith("  set at profiles/_production.yaml:")
    assert lines[2] == "api.replicas.min: 5" and lines[3].startswith("  set at profiles/prod-aws.yaml:")
    assert re.fullmatch(r"  overrides 3 from profiles/_production\.yaml:\d+:\d+", lines[4])
    assert "overrides min: 3" not in result.stdout, "no whole-mapping override when max survived"


def test_explain_completes_the_keys_of_the_profile_on_the_command_line(project: Path) -> None:
    from clipper_manifests.commands.completion import profile_keys_starting as _complete_keys

    class Context:
        params: ClassVar[dict[str, str]] = {"profile": "prod-aws"}

    previous = Path.cwd()
    os.chdir(project)
    try:
        keys = _complete_keys(Context(), "api.repl")  # type: ignore[arg-type]
    finally:
        os.chdir(previous)
    assert keys == ["api.replicas", "api.replicas.max", "api.replicas.min"]


def test_debug_is_taken_after_the_command_too(project: Path) -> None:
    command = [sys.executable, "-c", "from clipper_manifests.cli import run; run()", "validate", "no-such-profile", "--debug"]
    result = subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)
    assert result.returncode == 1 and "Traceback" in result.stderr and "UsageError: unknown profile" in result.stderr


def test_rules_shows_one_rule_by_id(run_cli: RunCli) -> None:
    result = ok(run_cli("rules", "identity-unique"))
    assert result.stdout.startswith("identity-unique  [error, check]\n") and "1 rule(s);" in result.stdout
    typo = fails(run_cli("rules", "identity-uniqe"), 2)
    assert "no rule 'identity-uniqe'" in typo.stderr and "did you mean 'identity-unique'?" in typo.stderr


def test_explain_of_an_unknown_key_is_a_usage_error(cli: Cli) -> None:
    result = fails(cli("show", "prod-aws", "--explain", "api.replicsa.min"), 2)

    assert "prod-aws has no key 'api.replicsa.min'" in result.stderr


def test_show_prints_the_merged_profile_and_its_sources(cli: Cli) -> None:
    result = ok(cli("show", "prod-aws"))

    first = result.stdout.splitlines()[0]
    chain = "profiles/_defaults.yaml, profiles/_production.yaml, profiles/_aws.yaml, profiles/prod-aws.yaml"
    assert first == f"# prod-aws: merged from {chain}"
    merged = load(result.stdout)
    assert merged["provider"] == "aws"
    assert merged["environment"] == "production"
    assert merged["cluster"] == {
        "name": "clipper-prod-aws",
        "region": "us-east-1",
        "metricsServer": "eks-addon",
        "networkPolicy": "vpc-cni",
    }
    assert "extends" not in merged


def test_schema_prints_a_draft_2020_12_json_schema(cli: Cli) -> None:
    schema = json.loads(ok(cli("schema")).stdout)
    partial = json.loads(ok(cli("schema", "--partial")).stdout)

    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"provider", "environment", "api", "images"} <= set(schema["required"])
    assert "replicas" in schema["properties"]["api"]["properties"]
    assert partial["$schema"] == schema["$schema"]
    assert "required" not in partial


def test_version(run_cli: RunCli) -> None:
    result = run_cli("--version")

    assert result.exit_code == 0
    assert result.stdout == f"clipper-manifests {__version__}\n"
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", __version__)


# --- validate ----------------------------------------------------------------------------------------------------------


def write_prod_aws_with_one_api_replica(project: Path) -> Path:
    """prod-aws, but with `api.replicas.min: 1` (rule prod-api-replicas) on the last line."""
    bad = project / "profiles" / "prod-one-replica.yaml"
    text = (project / "profiles" / "prod-aws.yaml").read_text(encoding="utf-8").replace("clipper-prod-aws", "clipper-prod-one-replica")
    bad.write_text(text + "api:\n  replicas:\n    min: 1\n")
    return bad


def test_validate_all_as_json_is_parseable_and_exit_0(cli: Cli) -> None:
    result = ok(cli("validate", "--all", "--format", "json"))

    problems = json.loads(result.stdout)["problems"]
    assert problems == [], "the shipped profiles fix or acknowledge (policy.exceptions) every finding"


def test_validate_as_json_lists_each_problem(project: Path, cli: Cli) -> None:
    bad = write_prod_aws_with_one_api_replica(project)

    result = fails(cli("validate", "prod-one-replica", "prod-aws", "--format", "json"), 1)

    problems = [p for p in json.loads(result.stdout)["problems"] if p["severity"] != "note"]
    assert [(p["profile"], p["rule"], p["severity"]) for p in problems] == [("prod-one-replica", "prod-api-replicas", "error")]
    assert problems[0]["path"] == "api.replicas.min"
    assert problems[0]["file"] == "profiles/prod-one-replica.yaml"
    assert problems[0]["line"] == line_count(bad)


def test_validate_a_bad_profile_for_github_prints_an_error_command(project: Path, cli: Cli) -> None:
    bad = write_prod_aws_with_one_api_replica(project)

    result = fails(cli("validate", "prod-one-replica", "--format", "github"), 1)

    assert f"::error file=profiles/prod-one-replica.yaml,line={line_count(bad)},col=5,title=prod-api-replicas::" in result.stdout
    assert "api.replicas.min: 1 is less than the minimum of 3 for production" in result.stdout


def test_validate_all_for_github_reports_an_unreadable_profile_and_the_others(project: Path, cli: Cli) -> None:
    (project / "profiles" / "a-broken.yaml").write_text("extends: [_production, _aws\n", encoding="utf-8")
    write_prod_aws_with_one_api_replica(project)

    result = fails(cli("validate", "--all", "--format", "github"), 1)

    assert "::error file=profiles/a-broken.yaml," in result.stdout
    assert "::error file=profiles/prod-one-replica.yaml," in result.stdout


NON_STRING_KEYS = {
    "top-level": "1: one\n",
    "feature-flag": "app:\n  features:\n    1: true\n    NEW_SEARCH: false\n",
    "lone-feature-flag": "app:\n  features:\n    1: true\n",
}


@pytest.mark.parametrize("tail", NON_STRING_KEYS.values(), ids=NON_STRING_KEYS.keys())
def test_a_key_that_is_not_a_string_is_an_invalid_profile(project: Path, cli: Cli, tail: str) -> None:
    profile = project / "profiles" / "prod-int-key.yaml"
    profile.write_text((project / "profiles" / "prod-aws.yaml").read_text(encoding="utf-8") + tail, encoding="utf-8")

    result = fails(cli("render", "prod-int-key"), 1)

    assert "internal error" not in result.stdout + result.stderr
    assert re.search(r"profiles/prod-int-key\.yaml:\d+:\d+: error: ", result.stdout), result.stdout
    assert not (project / "out").exists()


def test_validate_all_as_text_names_every_profile(cli: Cli) -> None:
    result = ok(cli("validate", "--all", "--format", "text"))

    assert f"6 profile(s) valid: {', '.join(sorted(SHIPPED))}" in result.stdout


# --- diff --------------------------------------------------------------------------------------------------------------


def test_diff_shows_what_a_render_would_change_and_writes_nothing(project: Path, cli: Cli) -> None:
    ok(cli("render", "prod-aws"))
    raise_prod_aws_api_minimum(project, 4)
    before = tree_text(project / "out")

    result = fails(cli("diff", "prod-aws"), 1)  # changes: exit 1, as `git diff --exit-code`

    lines = result.stdout.splitlines()
    assert lines[:3] == ["out: 1 changed", "  overlays/prod-aws: 1 changed", f"M {API_HPA}"], "the summary comes first"
    assert f"+++ b/{API_HPA}" in lines
    assert "-  minReplicas: 3" in lines
    assert "+  minReplicas: 4" in lines
    assert not any(line.startswith("+++") and API_HPA not in line for line in lines), "only the HPA patch changes"
    assert "\x1b[" not in result.stdout, "no colours when stdout is not a terminal"
    assert tree_text(project / "out") == before


def test_diff_of_every_profile_sums_up_added_changed_and_removed_files_per_tree(project: Path, cli: Cli) -> None:
    ok(cli("render", "--all"))
    raise_prod_aws_api_minimum(project, 4)
    (project / "profiles" / "staging-do.yaml").unlink()
    gcp = project / "profiles" / "staging-gcp.yaml"
    gcp.write_text(gcp.read_text(encoding="utf-8").replace("mode: external", "mode: in-cluster"), encoding="utf-8")

    result = fails(cli("diff", "--all"), 1)

    # The staging-gcp change brings warnings; they come first, then the summary and the diff.
    lines = result.stdout.split("\n---", 1)[0].splitlines()
    summary = lines[next(i for i, line in enumerate(lines) if line.startswith("out: ")) :]
    assert "added" in summary[0] and "changed" in summary[0] and "removed" in summary[0]
    assert "  overlays/prod-aws: 1 changed" in summary
    assert any(line.startswith("  overlays/staging-do: ") and line.endswith(" removed") for line in summary)
    assert any(line.startswith("  overlays/staging-gcp: ") and "added" in line for line in summary)
    assert f"M {API_HPA}" in summary and "D overlays/staging-do/kustomization.yaml" in summary
    assert "A overlays/staging-gcp/statefulset-opensearch.yaml" in summary


def test_render_check_prints_the_same_summary_before_its_diff(project: Path, cli: Cli) -> None:
    ok(cli("render", "prod-aws"))
    raise_prod_aws_api_minimum(project, 4)

    result = fails(cli("render", "prod-aws", "--check"), 1)

    assert result.stdout.splitlines()[:3] == ["out: 1 changed", "  overlays/prod-aws: 1 changed", f"M {API_HPA}"]


def test_diff_says_no_changes_when_out_is_up_to_date(project: Path, cli: Cli) -> None:  # `project`: it renders
    ok(cli("render", "prod-aws"))

    result = ok(cli("diff", "prod-aws"))

    assert result.stdout == "no changes\n"


# --- usage errors ------------------------------------------------------------------------------------------------------


def test_names_and_all_together_are_a_usage_error(project: Path, cli: Cli) -> None:
    result = fails(cli("render", "prod-aws", "--all"), 2)

    assert "give profile names or --all, not both" in result.stderr
    assert not (project / "out").exists()


def test_render_without_profiles_is_a_usage_error_listing_them(project: Path, cli: Cli) -> None:
    result = fails(cli("render"), 2)

    assert "name at least one profile, or pass --all" in result.stderr
    assert f"known profiles: {', '.join(sorted(SHIPPED))}" in result.stderr
    assert not (project / "out").exists()


def test_an_unknown_profile_is_a_usage_error_with_a_suggestion(project: Path, cli: Cli) -> None:
    result = fails(cli("render", "staging-gpc"), 2)

    assert "error: unknown profile 'staging-gpc'" in result.stderr
    assert "did you mean 'staging-gcp'?" in result.stderr
    assert not (project / "out").exists()


@pytest.mark.parametrize(
    ("args", "code", "stream", "text"),
    [
        (["list"], 0, "stdout", "prod-aws"),
        (["render", "nope"], 2, "stderr", "error: unknown profile 'nope'"),
        (["--no-such-option"], 2, "stderr", "No such option"),
    ],
)
def test_the_installed_command_exits_with_the_code_and_output_of_the_cli(args: list[str], code: int, stream: str, text: str) -> None:
    # `python -m clipper_manifests` is what the `clipper-manifests` script runs (cli.run): it
    # leaves without tearing the interpreter down, so it must flush what it printed first.
    result = subprocess.run([sys.executable, "-m", "clipper_manifests", *args], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == code
    assert text in getattr(result, stream)


@pytest.mark.parametrize(("no_color", "coloured"), [(None, True), ("1", False)])
def test_a_diff_on_a_terminal_is_coloured_unless_no_color_is_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], no_color: str | None, coloured: bool
) -> None:
    import sys

    from clipper_manifests.commands.terminal import echo_diff

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    echo_diff("--- a/x\n+++ b/x\n-old\n+new\n")
    assert ("\x1b[" in capsys.readouterr().out) is coloured


# --- streams -----------------------------------------------------------------------------------------------------------


def test_problems_go_to_stdout_where_a_pipe_finds_them_and_tool_failures_to_stderr(project: Path) -> None:
    (project / "profiles" / "prod-broken.yaml").write_text(
        "extends: prod-aws\ncluster: {name: clipper-broken}\napi:\n  replicas: {min: 1, max: 2}\n", encoding="utf-8"
    )
    tool = f"{sys.executable} -c 'from clipper_manifests.cli import run; run()'"

    def shell(line: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "-o", "pipefail", "-c", line], cwd=project, capture_output=True, text=True, check=False)

    piped = shell(f"{tool} validate prod-broken | grep prod-api-replicas")
    assert piped.returncode == 1, "grep found the problem; pipefail keeps the tool's exit 1"
    assert "profiles/prod-broken.yaml:" in piped.stdout and "(prod-api-replicas)" in piped.stdout
    assert piped.stderr == ""

    usage = shell(f"{tool} validate no-such-profile | grep -c . ; true")
    assert usage.stdout.strip() == "0", "nothing on stdout for a usage error"
    assert "error: unknown profile 'no-such-profile'" in usage.stderr
