"""A problem in a rendered object names the template line and the profile key behind the value,
and claims nothing it cannot map."""

from __future__ import annotations

from pathlib import Path

import pytest

from clipper_manifests.pipeline.provenance import find_source
from clipper_manifests.profile.merge import MergedProfile, load_merged
from clipper_manifests.project import find_project
from tests.conftest import REPO, RunCli

TEMPLATE = """\
{%- set scaling = profile.api.autoscaling -%}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ platform.api.name | yaml }}
spec:
  replicas: {{ profile.api.replicas.min }}
  template:
    spec:
      containers:
        - name: api
          ports:
            - name: http
              containerPort: 8080
          readinessProbe:
            httpGet:
              port: http
          resources: {{ resources_spec(profile.api.resources) | yaml }}
        - name: sidecar
          env:
{% for name in names %}
            - name: {{ name | yaml }}
{% endfor %}
      cpu: {{ scaling.cpu_utilization }}
"""


@pytest.fixture(scope="module")
def merged() -> MergedProfile:
    return load_merged(find_project(REPO, None), "prod-aws")


def source(tmp_path: Path, key: tuple[object, ...], merged: MergedProfile | None, text: str = TEMPLATE) -> tuple[int, str, str]:
    (tmp_path / "t.yaml.j2").write_text(text, encoding="utf-8")
    found = find_source(tmp_path, "t.yaml.j2", {"kind": "Deployment"}, key, merged)
    where = found.profile_location.render(REPO) if found.profile_location else ""
    return found.template.line, found.profile_key, where.rsplit(":", 2)[0] if where else ""


def test_a_key_is_found_by_walking_the_indentation(tmp_path: Path, merged: MergedProfile) -> None:
    key = ("spec", "template", "spec", "containers", 0, "readinessProbe", "httpGet", "port")
    assert source(tmp_path, key, merged) == (17, "", "")


def test_a_value_from_the_profile_names_its_key_and_where_the_profile_sets_it(tmp_path: Path, merged: MergedProfile) -> None:
    assert source(tmp_path, ("spec", "replicas"), merged) == (7, "api.replicas.min", "profiles/_production.yaml")


def test_a_set_alias_is_followed_and_snake_case_becomes_camel_case(tmp_path: Path, merged: MergedProfile) -> None:
    assert source(tmp_path, ("spec", "template", "spec", "cpu"), merged)[:2] == (24, "api.autoscaling.cpuUtilization")


def test_keys_inside_an_expression_stop_at_the_expression(tmp_path: Path, merged: MergedProfile) -> None:
    key = ("spec", "template", "spec", "containers", 0, "resources", "requests", "cpu")
    assert source(tmp_path, key, merged)[:2] == (18, "api.resources")


def test_list_items_a_loop_writes_are_not_claimed(tmp_path: Path, merged: MergedProfile) -> None:
    key = ("spec", "template", "spec", "containers", 1, "env", 2, "name")
    assert source(tmp_path, key, merged)[:2] == (20, "")  # the `env:` line, no deeper


def test_an_ambiguous_document_claims_only_the_file(tmp_path: Path, merged: MergedProfile) -> None:
    twice = TEMPLATE + "---\n" + TEMPLATE.split("\n", 1)[1]
    assert source(tmp_path, ("spec", "replicas"), merged, twice) == (0, "", "")


def test_without_a_merged_profile_no_key_is_claimed(tmp_path: Path) -> None:
    assert source(tmp_path, ("spec", "replicas"), None) == (7, "", "")


def test_the_report_shows_the_template_line_of_a_broken_probe(project: Path, run_cli: RunCli) -> None:
    template = project / "templates" / "base" / "frontend-deployment.yaml.j2"
    text = template.read_text(encoding="utf-8")
    lines = text.splitlines()
    line = next(i for i, item in enumerate(lines) if "readinessProbe:" in item) + 4  # 1-based; httpGet, path, port
    assert lines[line - 1].strip() == "port: http"
    lines[line - 1] = lines[line - 1].replace("port: http", "port: htpp")
    template.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("validate", "prod-aws", "--root", project, cwd=project)
    assert result.exit_code == 1
    assert "(probe-port-declared)" in result.stdout
    assert f"  from: templates/base/frontend-deployment.yaml.j2:{line}" in result.stdout
