"""The fast block writer must write exactly what PyYAML's dumper writes, or step aside."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clipper_manifests.yaml.block_writer import BlockWriter, Unsupported, _text_shortcut
from clipper_manifests.yaml.read import load_documents
from clipper_manifests.yaml.write import _pyyaml_dump, dump_document
from tests.conftest import output_yaml_files

pytestmark = pytest.mark.heavy  # started first: see tests/conftest.py

REPO = Path(__file__).resolve().parents[2]
WRITER = BlockWriter(_pyyaml_dump)


def written(document: Any) -> str | None:
    try:
        return WRITER.write(document)
    except Unsupported:
        return None


def test_every_shipped_object_is_written_as_pyyaml_writes_it() -> None:
    files = output_yaml_files()
    assert len(files) > 500
    for path in files:
        for document in load_documents(path.read_text(encoding="utf-8")):
            assert written(document) == _pyyaml_dump(document), path


# Text that exercises quoting: indicators, spaces at the ends, line breaks, keywords, numbers.
tricky_text = st.one_of(
    st.text(alphabet=st.sampled_from(list("ab:#-?&*!|>'\"%@` \n\t{}[],.0123456789eE+~")), max_size=12),
    st.sampled_from(["yes", "No", "null", "~", "0x1F", "1e3", ".inf", "2026-01-31", "=", "<<", "-", "- a", "a\n", "a\n\n", "\na"]),
    st.text(max_size=8),
)
scalars = st.one_of(tricky_text, st.integers(), st.floats(allow_nan=False), st.booleans(), st.none())
keys = st.one_of(tricky_text, st.sampled_from(["apiVersion", "app.kubernetes.io/name", "x" * 130]))
documents: st.SearchStrategy[Any] = st.recursive(
    scalars | st.just({}) | st.just([]),
    lambda inner: st.lists(inner, min_size=1, max_size=4) | st.dictionaries(keys, inner, min_size=1, max_size=4),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(keys, documents, min_size=1, max_size=5) | st.lists(documents, min_size=1, max_size=4))
def test_any_document_is_written_as_pyyaml_writes_it_or_left_to_pyyaml(document: Any) -> None:
    expected = _pyyaml_dump(document)
    assert written(document) in (expected, None)
    assert dump_document(document) == expected


@pytest.mark.parametrize(
    "document",
    [
        {"a": "kept\n\n", "b": 1},  # `|+`: libyaml then ends the document with `...`
        {1: "numeric key"},
        {"k" * 130: "a key too long to be simple"},
        {"a": " leading space\nand a line break"},  # a multi-line single-quoted scalar
    ],
)
def test_what_it_cannot_place_is_left_to_pyyaml(document: Any) -> None:
    assert written(document) is None
    assert dump_document(document) == _pyyaml_dump(document)


def test_names_and_numbers_take_the_shortcut_and_keywords_are_quoted() -> None:
    assert WRITER.write({"name": "api-server", "port": 8080, "enabled": "yes", "note": "a b"}) == (
        "name: api-server\nport: 8080\nenabled: 'yes'\nnote: a b\n"
    )


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(list("aZ-#'\"|>!%@ ")), st.text(alphabet=st.sampled_from(list("ab:#-?&*!|>'\"%@` \n\n{}[],.09=AZ\t")), max_size=20))
def test_text_written_without_asking_pyyaml_is_what_pyyaml_writes(first: str, rest: str) -> None:
    text = first + rest
    document = {"k": text, "l": [text, {"m": text}], "n": {"o": [text], "p": [[text]]}}
    assert written(document) in (_pyyaml_dump(document), None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('absent(up{job="api", namespace="clipper"} == 1)', ('absent(up{job="api", namespace="clipper"} == 1)', ())),
        ("sum by (namespace) (\n  rate(x[5m])\n)\n", ("|", ("sum by (namespace) (", "  rate(x[5m])", ")"))),
        ("first line\n\nthird", ("|-", ("first line", "", "third"))),
        ("key: value", None),  # a value would start at `: `
        ("trailing space \nline", None),
        ("kept\n\n", None),
    ],
)
def test_names_queries_and_scripts_take_the_text_shortcut(text: str, expected: tuple[str, tuple[str, ...]] | None) -> None:
    assert _text_shortcut(text) == expected
    document = {"spec": {"expr": text}}
    assert dump_document(document) == _pyyaml_dump(document)
