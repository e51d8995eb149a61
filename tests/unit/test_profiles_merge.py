"""The merge rules docs/writing-profiles.md documents: mappings merge deeply, lists and scalars replace,
each file is merged once, parents first, and the file's own keys win."""

from __future__ import annotations

from pathlib import Path

from clipper_manifests.profile.merge import load_merged
from clipper_manifests.project import Project


def _project(tmp_path: Path, files: dict[str, str]) -> Project:
    (tmp_path / "profiles").mkdir()
    for name, text in files.items():
        (tmp_path / "profiles" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return Project(root=tmp_path, out=tmp_path / "out")


def test_mappings_merge_and_lists_replace(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        {
            "_base": "a: {x: 1, y: 2}\nitems: [1, 2, 3]\n",
            "leaf": "extends: _base\na: {y: 20, z: 30}\nitems: [9]\n",
        },
    )
    assert load_merged(project, "leaf").data == {"a": {"x": 1, "y": 20, "z": 30}, "items": [9]}


def test_shared_grandparent_is_merged_once_so_siblings_keep_their_overrides(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        {
            "_defaults": "size: small\nregion: none\n",
            "_production": "extends: _defaults\nsize: large\n",
            "_aws": "extends: _defaults\nregion: us-east-1\n",
            "leaf": "extends: [_production, _aws]\n",
        },
    )
    merged = load_merged(project, "leaf")
    assert merged.data == {"size": "large", "region": "us-east-1"}
    assert [f.name for f in merged.files] == ["_defaults", "_production", "_aws", "leaf"]


def test_history_records_winner_and_overridden_values_with_lines(tmp_path: Path) -> None:
    project = _project(tmp_path, {"_base": "a:\n  b: 1\n", "leaf": "extends: _base\n\na:\n  b: 2\n"})
    merged = load_merged(project, "leaf")
    [first, winner] = merged.history[("a", "b")]
    assert (first.value, first.location.path.name, first.location.line) == (1, "_base.yaml", 2)
    assert (winner.value, winner.location.path.name, winner.location.line) == (2, "leaf.yaml", 4)


def test_replacing_a_mapping_with_a_scalar_forgets_the_old_children(tmp_path: Path) -> None:
    project = _project(tmp_path, {"_base": "a:\n  b: 1\n", "leaf": "extends: _base\na: flat\n"})
    merged = load_merged(project, "leaf")
    assert merged.data == {"a": "flat"}
    assert ("a", "b") not in merged.history
