"""The speed-ups change nothing: compiled validators give python-jsonschema's verdicts and
messages, the YAML fast paths read and write exactly what PyYAML does, and the render's fast
path (value slots) writes what the plain render writes."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from clipper_manifests.compiled_schema import compile_schema
from clipper_manifests.pipeline.builder import Builder
from clipper_manifests.project import find_project
from clipper_manifests.rules.object_schemas.kubernetes import check_builtin, current_api_versions, served_in
from clipper_manifests.yaml import read, write
from clipper_manifests.yaml.read import YamlSyntaxError, load_documents
from clipper_manifests.yaml.write import dump_document
from tests.conftest import REPO, output_yaml_files
from tests.helpers import SHIPPED, load, shipped_build

pytestmark = pytest.mark.heavy  # started first: see tests/conftest.py

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z]+$"},
        "size": {"type": "integer", "minimum": 1},
        "when": {"format": "date"},
    },
}


def messages(errors: list[Any]) -> list[tuple[list[Any], str]]:
    return [(list(error.absolute_path), error.message) for error in errors]


@pytest.mark.parametrize(
    "document",
    [{"name": "ok"}, {"name": "ok", "size": 3, "when": "not a date"}, {}, {"name": "UPPER", "size": 0, "extra": 1}, {"name": 5}, []],
)
def test_compiled_schema_agrees_with_python_jsonschema(document: Any) -> None:
    built: list[int] = []

    def explain() -> Any:
        built.append(1)
        return Draft202012Validator(SCHEMA)

    compiled = compile_schema(SCHEMA, explain)
    expected = sorted(Draft202012Validator(SCHEMA).iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    assert messages(compiled.errors(document)) == messages(expected)
    assert built == ([1] if expected else [])  # the slow validator is built only to explain a failure


def test_a_schema_the_fast_side_cannot_compile_is_still_checked() -> None:
    schema = {"type": "string", "pattern": "(?P<a>x)(?P=a)"}  # a back-reference: Python's re, not Rust's regex crate
    compiled = compile_schema(schema, lambda: Draft202012Validator(schema))
    assert compiled.errors("xx") == []
    assert [e.validator for e in compiled.errors("xy")] == ["pattern"]


def test_a_removed_api_version_names_the_release_and_the_replacement() -> None:
    hpa = {"apiVersion": "autoscaling/v2beta2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "x"}}
    problems = check_builtin(hpa, "1.33")
    assert [(p.rule, p.path) for p in problems] == [("api-version-removed", "apiVersion")]
    assert "removed in Kubernetes 1.26 (last served in 1.25); use autoscaling/v1 or autoscaling/v2" in problems[0].message
    assert served_in("Deployment", "apps/v1")[0] == "1.25" and current_api_versions("Deployment") == ("apps/v1",)
    typo = {"apiVersion": "apps/v2", "kind": "Deployment", "metadata": {"name": "x"}}
    assert [p.rule for p in check_builtin(typo, "1.33")] == ["kubernetes-schema"]


TRICKY: list[Any] = [
    {"a": {}, "b": [], "c": None, "d": True, "e": 1.5, "f": 0},
    {"text": "line one\nline two\n", "lead": " indented\nblock", "quote": "yes", "num": "1", "colon": "a: b", "hash": "#x"},
    {"unicode": "é ü \u2028 \x85", "empty": "", "dash": "-", "star": "*ref", "nested": [[1, {"k": [None]}], {}]},
    [{"k": "v"}, "plain", 3],
]


def old_dump(document: Any) -> str:
    text: str = yaml.dump(
        document, Dumper=write._KubeDumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1_000_000
    )
    return text


@pytest.mark.parametrize("document", TRICKY)
def test_dump_document_writes_what_yaml_dump_writes(document: Any) -> None:
    assert dump_document(document) == old_dump(document)


def test_dump_document_matches_yaml_dump_on_the_whole_output_tree() -> None:
    files = output_yaml_files()
    assert files
    for path in files:
        document = load(path.read_text(encoding="utf-8"))
        assert dump_document(document) == old_dump(document), path


def old_load(text: str) -> list[Any]:
    return [document for document in yaml.load_all(text, Loader=read._StrictLoader) if document is not None]


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: '1'\nc: yes\nd: 2001-12-14\ne: [0x1F, 1.5, .inf, ~]\n",
        "1: a\n'1': b\n",
        "x: &anchor {k: v}\ny: *anchor\n",
        "<<: {a: 1}\nb: 2\n",
        "---\n---\na: !!str 1\n",
        "s: !!set {a, b}\n",
    ],
)
def test_load_documents_reads_what_the_strict_loader_reads(text: str) -> None:
    assert load_documents(text) == old_load(text)


@pytest.mark.parametrize("text", ["a: 1\na: 2\n", "k:\n  - {x: 1, x: 2}\n"])
def test_duplicate_keys_are_still_refused(text: str) -> None:
    with pytest.raises(YamlSyntaxError, match="duplicate key"):
        load_documents(text)


def test_a_list_as_a_key_is_a_yaml_error_not_a_crash() -> None:
    with pytest.raises(YamlSyntaxError, match="unhashable"):
        load_documents("? [a]\n: 1\n")


def test_load_documents_matches_on_the_whole_output_tree() -> None:
    for path in output_yaml_files():
        text = path.read_text(encoding="utf-8")
        assert load_documents(text) == old_load(text), path


def test_the_plain_render_writes_every_file_the_fast_render_writes() -> None:
    plain, fast = Builder(find_project(REPO, None), fast_render=False).build(SHIPPED), shipped_build()
    assert plain.ok, plain.problems
    # The fast path writes each object's YAML from its template's shape; the plain one never does.
    assert all(rendered.written is None for rendered in plain.base.resources)
    assert any(rendered.written is not None for rendered in fast.base.resources)
    assert plain.files() == fast.files()


@pytest.mark.parametrize(("setting", "fast"), [(None, True), ("1", True), ("0", False)])
def test_clipper_fast_render_0_turns_the_fast_path_off(setting: str | None, fast: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if setting is None:
        monkeypatch.delenv("CLIPPER_FAST_RENDER", raising=False)
    else:
        monkeypatch.setenv("CLIPPER_FAST_RENDER", setting)
    assert Builder(find_project(REPO, None)).layers.fast_render is fast
    assert Builder(find_project(REPO, None), fast_render=not fast).layers.fast_render is not fast  # the argument wins
