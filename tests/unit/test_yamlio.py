from __future__ import annotations

from pathlib import Path

import pytest

from clipper_manifests.yaml.read import YamlSyntaxError, decode_utf8, load_documents, load_marked
from clipper_manifests.yaml.write import dump_document, kubernetes_order


def test_marks_point_at_keys_and_list_items() -> None:
    data, marks = load_marked("a:\n  b: 1\n  c:\n    - x\n    - y\n")
    assert data == {"a": {"b": 1, "c": ["x", "y"]}}
    assert marks[("a", "b")] == (2, 3)
    assert marks[("a", "c", 1)] == (5, 7)


@pytest.mark.parametrize("loader", [lambda text: load_marked(text)[0], load_documents])
def test_duplicate_keys_are_refused_with_their_line(loader: object) -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        loader("a: 1\nb: 2\na: 3\n")  # type: ignore[operator]
    assert caught.value.line == 3
    assert "duplicate key 'a'" in caught.value.message


def test_dates_stay_strings() -> None:
    assert load_marked("rotated: 2026-01-31\n")[0] == {"rotated": "2026-01-31"}


def test_merge_keys_are_refused() -> None:
    with pytest.raises(YamlSyntaxError, match="extends"):
        load_marked("base: &b {x: 1}\nother:\n  <<: *b\n")


def test_non_utf8_names_line_and_column() -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        decode_utf8(b"a: 1\nb: caf\xe9\n", Path("x.yaml"))
    assert (caught.value.line, caught.value.column) == (2, 7)


def test_dump_is_block_style_with_literal_multiline_strings() -> None:
    text = dump_document({"data": {"conf": "line one\nline two\n", "port": "8080"}})
    assert text == "data:\n  conf: |\n    line one\n    line two\n  port: '8080'\n"


def test_kubernetes_order_puts_identity_first_and_sorts_the_rest() -> None:
    document = {"spec": {}, "data": {}, "metadata": {"labels": {}, "name": "x"}, "kind": "K", "apiVersion": "v1", "binaryData": {}}
    ordered = kubernetes_order(document)
    assert list(ordered) == ["apiVersion", "kind", "metadata", "spec", "binaryData", "data"]
    assert list(ordered["metadata"]) == ["name", "labels"]
