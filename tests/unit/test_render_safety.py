"""A profile string can never add or change a key: values reach YAML as quoted scalars."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clipper_manifests.errors import TemplateError
from clipper_manifests.render.engine import render_template, to_yaml
from clipper_manifests.yaml.read import load_documents

pytestmark = pytest.mark.heavy  # started first: see tests/conftest.py

TEMPLATE = """apiVersion: v1
kind: ConfigMap
metadata:
  name: probe
data:
  value: {{ value | yaml }}
"""


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    (tmp_path / "probe.yaml.j2").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "raw.yaml.j2").write_text(TEMPLATE.replace(" | yaml", ""), encoding="utf-8")
    return tmp_path


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_string_round_trips_as_one_scalar(value: str) -> None:
    assert load_documents(f"key: {to_yaml(value)}\n") == [{"key": value}]


@pytest.mark.parametrize("value", ["a: b", "#x", "yes", "*ref", "x\nkind: Secret", "}{", "'", '"', "- item", "null", "08"])
def test_hostile_values_render_as_the_same_string(templates: Path, value: str) -> None:
    [rendered] = render_template(templates, "probe.yaml.j2", {"value": value})
    assert rendered.document["data"] == {"value": value}
    assert rendered.document["kind"] == "ConfigMap"


def test_a_raw_string_in_a_template_is_refused(templates: Path) -> None:
    with pytest.raises(TemplateError, match=r"without the `\| yaml` filter") as caught:
        render_template(templates, "raw.yaml.j2", {"value": "x"})
    assert caught.value.location is not None
    assert caught.value.location.path.name == "raw.yaml.j2"
    assert caught.value.location.line == 6


def test_dict_keys_and_dict_methods_read_as_jinja_reads_them(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ d.name | yaml }}\ndata:\n  keys: {{ d.keys() | list | yaml }}\n"
    (tmp_path / "dict.yaml.j2").write_text(text, encoding="utf-8")
    (tmp_path / "missing.yaml.j2").write_text(text.replace("d.name", "d.nothing"), encoding="utf-8")
    [rendered] = render_template(tmp_path, "dict.yaml.j2", {"d": {"name": "probe", "keys": "a key named like a method"}})
    assert rendered.document["metadata"]["name"] == "probe"
    assert rendered.document["data"]["keys"] == ["name", "keys"]  # the method, as Jinja has it
    with pytest.raises(TemplateError, match="has no attribute 'nothing'"):
        render_template(tmp_path, "missing.yaml.j2", {"d": {"name": "probe"}})
