"""The fast block writer must write exactly what PyYAML's dumper writes, or step aside."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clipper_manifests.yaml_writer import BlockWriter, Unsupported
from clipper_manifests.yamlio import _pyyaml_dump, dump_document, load_documents

REPO = Path(__file__).resolve().parents[2]
WRITER = BlockWriter(_pyyaml_dump)


def written(document: Any) -> str | None:
    try:
        return WRITER.write(document)
    except Unsupported:
        return None


def test_every_shipped_object_is_written_as_pyyaml_writes_it() -> None:
    files = sorted((REPO / "out").rglob("*.yaml"))
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
