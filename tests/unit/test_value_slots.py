"""Rendering through value slots reads exactly what rendering with the values in the text reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clipper_manifests.errors import TemplateError
from clipper_manifests.render import engine
from clipper_manifests.render._slot_tokens import PREFIX
from clipper_manifests.render.engine import render_template
from clipper_manifests.yaml.read import YamlSyntaxError, load_documents
from clipper_manifests.yaml.write import dump_document, kubernetes_order

pytestmark = pytest.mark.heavy  # started first: see tests/conftest.py

HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\n"
TEMPLATES = {
    "node.yaml.j2": HEAD + "data:\n  value: {{ value | yaml }}\n  list: [{{ value | yaml }}, 1]\n",
    "key.yaml.j2": HEAD + "data:\n  {{ value | yaml }}: x\n",
    "two-keys.yaml.j2": HEAD + "data:\n  {{ a | yaml }}: 1\n  {{ b | yaml }}: 2\n",
    "inside.yaml.j2": HEAD + "data:\n  url: https://{{ value | yaml }}/path\n  script: |\n    echo {{ value | yaml }}\n",
    "whole.yaml.j2": "{{ value | yaml }}\n",
    "captured.yaml.j2": "{%- set block -%}name = {{ value | yaml }}\n{%- endset -%}\n" + HEAD + "data:\n  conf: {{ block | yaml }}\n",
    # A value in every place the writer can put one: after a key, as a list item, inside a
    # list in a list, as the first key of a mapping in a list, deep down.
    "places.yaml.j2": (
        "kind: ConfigMap\napiVersion: v1\nmetadata:\n  labels: {{ value | yaml }}\n  name: probe\n"
        "spec:\n  top: {{ value | yaml }}\n  list:\n  - {{ value | yaml }}\n  - - {{ value | yaml }}\n"
        "  - name: {{ value | yaml }}\n    other: {{ value | yaml }}\n  deep:\n    deeper:\n    - x: {{ value | yaml }}\n"
    ),
    "metadata.yaml.j2": "apiVersion: v1\nkind: ConfigMap\nmetadata: {{ value | yaml }}\ndata: {{ value | yaml }}\n",
}


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("templates")
    for name, text in TEMPLATES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def with_values_in_text(templates: Path, name: str, context: dict[str, Any]) -> list[Any]:
    """What the documents were before slots: the real text, parsed."""
    return load_documents(engine._render(templates, name, context, None))


def outcome(read: Any) -> Any:
    """The documents, or that the text is not YAML (a value can break a template's YAML,
    e.g. a JSON object inside a plain scalar; both ways must then refuse it)."""
    try:
        return read()
    except (TemplateError, YamlSyntaxError):
        return "not valid YAML"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_a_value_in_a_slot_reads_as_its_json_text_reads(templates: Path, value: Any) -> None:
    context = {"value": value}
    for name in ("node.yaml.j2", "inside.yaml.j2", "captured.yaml.j2"):
        slotted = outcome(lambda name=name: [item.document for item in render_template(templates, name, context)])
        assert slotted == outcome(lambda name=name: with_values_in_text(templates, name, context))


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_the_yaml_written_from_the_shape_is_the_yaml_of_the_object(templates: Path, value: Any) -> None:
    for name in ("places.yaml.j2", "node.yaml.j2", "captured.yaml.j2", "key.yaml.j2"):
        rendered = outcome(lambda name=name: render_template(templates, name, {"value": value}))
        for item in [] if rendered == "not valid YAML" else rendered:  # a list as a key, say
            assert item.yaml() == dump_document(kubernetes_order(item.document))


def test_the_shape_writes_values_in_every_place_but_keys_and_whole_metadata(templates: Path) -> None:
    value = {"a": ["multi\nline\n", {"b": 1}], "c": "plain"}
    [places] = render_template(templates, "places.yaml.j2", {"value": value})
    assert places.written is not None
    assert places.written == dump_document(kubernetes_order(places.document))
    [key] = render_template(templates, "key.yaml.j2", {"value": "k"})
    metadata = {"name": "probe", "labels": {"a": "b"}, "namespace": "n"}
    [whole_metadata] = render_template(templates, "metadata.yaml.j2", {"value": metadata})
    assert key.written is None and whole_metadata.written is None  # written from the object instead
    assert whole_metadata.yaml().startswith("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\n  namespace: n\n")


@pytest.mark.parametrize("value", [1e20, float("inf"), 1.5, -0.0, 10, True, None, "yes", {"1": [2.5e-7]}])
def test_numbers_read_as_yaml_reads_json(templates: Path, value: Any) -> None:
    [rendered] = render_template(templates, "node.yaml.j2", {"value": value})
    assert [rendered.document] == with_values_in_text(templates, "node.yaml.j2", {"value": value})
    assert repr(rendered.document["data"]["value"]) == repr(
        with_values_in_text(templates, "node.yaml.j2", {"value": value})[0]["data"]["value"]
    )


def test_values_that_make_two_keys_equal_are_still_a_duplicate_key(templates: Path) -> None:
    with pytest.raises(TemplateError, match="duplicate key"):
        render_template(templates, "two-keys.yaml.j2", {"a": "same", "b": "same"})


def test_a_whole_document_from_one_value(templates: Path) -> None:
    document = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "whole"}, "data": {"a": "1"}}
    [rendered] = render_template(templates, "whole.yaml.j2", {"value": document})
    assert rendered.document == document


def test_a_value_as_a_key(templates: Path) -> None:
    [rendered] = render_template(templates, "key.yaml.j2", {"value": "app.kubernetes.io/name"})
    assert rendered.document["data"] == {"app.kubernetes.io/name": "x"}


def test_no_slot_token_reaches_a_document(templates: Path) -> None:
    for name in TEMPLATES:
        if name in ("two-keys.yaml.j2", "whole.yaml.j2", "metadata.yaml.j2"):
            continue
        for item in render_template(templates, name, {"value": "v"}):
            assert PREFIX not in repr(item.document)
