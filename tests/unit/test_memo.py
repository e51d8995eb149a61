"""The memo facility: bounded, named tables and functions, keyed so that nothing is served stale."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from clipper_manifests import memo
from clipper_manifests.pipeline.builder import Builder
from clipper_manifests.project import find_project
from tests.conftest import REPO


def test_a_table_never_holds_more_than_its_limit() -> None:
    table: memo.Table[int] = memo.Table.private(3)
    for number in range(10):
        assert table.get(number, lambda number=number: number * 2) == number * 2  # type: ignore[misc]
        assert len(table) <= 3


def test_an_identity_table_hits_only_for_the_very_same_objects() -> None:
    table: memo.Table[str] = memo.Table.private(8)
    table.by = "identity"
    shape, equal = {"a": [1]}, {"a": [1]}
    calls: list[str] = []

    def compute(label: str) -> str:
        calls.append(label)
        return label

    assert table.get((shape,), lambda: compute("first")) == "first"
    assert table.get((shape,), lambda: compute("again")) == "first"
    assert table.get((equal,), lambda: compute("equal")) == "equal"
    assert calls == ["first", "equal"]


def test_names_are_unique_and_clear_all_empties_every_memo() -> None:
    table: memo.Table[int] = memo.Table("test.unique-name", 4)
    table.get("key", lambda: 1)
    with pytest.raises(ValueError, match="twice"):
        memo.Table("test.unique-name", 4)
    assert memo.sizes()["test.unique-name"] == 1
    memo.clear_all()
    assert all(size == 0 for size in memo.sizes().values())


def test_every_process_cache_is_a_named_memo() -> None:
    names = set(memo.sizes())
    for name in ("values.platform", "profile.files", "profile.merged-parents", "yaml.documents", "render.shape-plans", "scanner.lines"):
        assert name in names
    # No cache outside memo.py: functools' caches are process-wide and nobody could empty them.
    # (An object's own cached_property dies with it; the block writer's unnamed cache is a test writer's.)
    for path in (REPO / "src" / "clipper_manifests").rglob("*.py"):
        if path.name not in ("memo.py", "block_writer.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            used = {
                f"functools.{node.attr}"
                for node in ast.walk(tree)
                if isinstance(node, ast.Attribute) and ast.unparse(node.value) == "functools"
            }
            used |= {
                f"functools.{alias.name}"
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module == "functools"
                for alias in node.names
            }
            assert not used & {"functools.cache", "functools.lru_cache"}, path


def test_a_new_builder_sees_an_edited_platform_file(project: Path) -> None:
    loaded = find_project(project, None)
    first = Builder(loaded).build(["prod-aws"]).files()
    assert any("app.kubernetes.io/part-of: clipper\n" in text for text in first.values())
    platform = project / "templates" / "platform.yaml"
    platform.write_text(platform.read_text(encoding="utf-8").replace("partOf: clipper", "partOf: clipper-edited", 1), encoding="utf-8")
    again = Builder(loaded).build(["prod-aws"]).files()
    assert any("app.kubernetes.io/part-of: clipper-edited\n" in text for text in again.values())
