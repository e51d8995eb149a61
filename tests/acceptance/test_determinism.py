"""`render --all` is byte-identical across runs and hash seeds, and equals the committed out/."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, tree_text

pytestmark = pytest.mark.heavy  # started first: see tests/conftest.py


def _start(root: Path, out: Path, seed: str, jobs: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONHASHSEED": seed, "CLIPPER_JOBS": jobs}
    command = [sys.executable, "-m", "clipper_manifests", "render", "--all", "--root", str(root), "--out", str(out)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _finish(render: subprocess.Popen[str], out: Path) -> dict[str, str]:
    _, stderr = render.communicate()
    assert render.returncode == 0, stderr
    return tree_text(out)


def test_two_seeds_a_serial_and_a_parallel_build_give_the_committed_tree(tmp_path: Path) -> None:
    # Both renders at once (both cores work): each writes its own folder.
    one, two = _start(REPO, tmp_path / "one", "1", jobs="1"), _start(REPO, tmp_path / "two", "4242", jobs="2")
    first, second = _finish(one, tmp_path / "one"), _finish(two, tmp_path / "two")
    assert first == second
    assert first == tree_text(REPO / "out")
