"""`render --all` is byte-identical across runs and hash seeds, and equals the committed out/."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, tree_text


def _render(root: Path, out: Path, seed: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    command = [sys.executable, "-m", "clipper_manifests", "render", "--all", "--root", str(root), "--out", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
    return tree_text(out)


def test_two_seeds_give_the_committed_tree(tmp_path: Path) -> None:
    first = _render(REPO, tmp_path / "one", "1")
    second = _render(REPO, tmp_path / "two", "4242")
    assert first == second
    assert first == tree_text(REPO / "out")
