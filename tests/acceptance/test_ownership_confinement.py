"""A damaged ownership manifest never makes the tool write or delete outside out/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clipper_manifests.output.ownership import MANIFEST_NAME
from tests.acceptance.test_invalid_profiles import tree_bytes
from tests.conftest import RunCli

ENTRIES = [
    ("../victim.txt", "steps out of"),
    ("overlays/../../victim.txt", "steps out of"),
    ("/tmp/victim.txt", "not a relative path"),
    ("overlays//victim.txt", "steps out of"),
    ("linked/victim.txt", "whose folder linked is a symbolic link"),
]


@pytest.mark.parametrize(("entry", "message"), ENTRIES, ids=[entry for entry, _ in ENTRIES])
def test_an_entry_outside_out_is_refused_and_nothing_is_deleted(
    project: Path, run_cli: RunCli, tmp_path: Path, entry: str, message: str
) -> None:
    out = project / "out"
    assert run_cli("render", "staging-do", "--root", project, cwd=project).exit_code == 0
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = project / "victim.txt"
    for precious in (victim, outside / "victim.txt"):
        precious.write_text("not the tool's\n", encoding="utf-8")
    (out / "linked").symlink_to(outside, target_is_directory=True)
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    manifest["files"][entry] = "0" * 64  # a file the tool "generated earlier" and would now prune
    (out / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    before, outside_before = tree_bytes(project), tree_bytes(outside)

    result = run_cli("render", "--all", "--root", project, cwd=project)

    assert result.exit_code == 3
    assert f"the ownership manifest lists {entry!r}, " in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_bytes(project) == before and tree_bytes(outside) == outside_before
