"""Every how-to in docs/how-to/ is followed as written, in a copy of the project.

A how-to marks the files it writes (`<!-- file: PATH -->` before a code block) and the edits it
makes (`<!-- edit: PATH -->` before a diff block of `-old` / `+new` lines); every
`clipper-manifests ...` line of its `sh` blocks is run, expecting exit 0 unless the line says
`# exit N`. So a step that stops working fails here, not in a newcomer's hands.

A how-to that changes the tool's own code (a path under `src/`) runs against a copy of the code
too: its commands then run in a fresh interpreter that imports the copy, and its `pytest ...`
lines run the copied tests.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, TODAY, RunCli

CODE = ("src", "tests", "docs", "pyproject.toml")  # what a how-to that edits the tool needs beside the project

HOWTOS = sorted((REPO / "docs" / "how-to").glob("*.md"))
_BLOCK = re.compile(r"(?:<!-- (file|edit): (\S+) -->\n)?```(\w*)\n(.*?)```", re.DOTALL)


def _apply_edit(path: Path, diff: str) -> None:
    text = path.read_text(encoding="utf-8")
    removed = [line[1:] for line in diff.splitlines() if line.startswith("-")]
    added = [line[1:] for line in diff.splitlines() if line.startswith("+")]
    old, new = "\n".join(removed) + "\n", "\n".join(added) + "\n"
    assert old in text, f"the how-to edits a line {path.name} no longer has: {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("howto", HOWTOS, ids=[path.stem for path in HOWTOS])
def test_the_how_to_works_as_written(howto: Path, run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIPPER_TODAY", TODAY if "rotate" not in howto.stem else "2026-12-03")
    monkeypatch.setenv("CLIPPER_NOW", f"{TODAY}T12:00:00Z")  # dr-plan's --point-in-time must be in the past
    project = tmp_path / "project"
    for item in ("profiles", "templates", "out"):
        shutil.copytree(REPO / item, project / item)
    for item in ("parity.yaml", "clipper-manifests.yaml"):
        shutil.copy(REPO / item, project / item)
    edits_code = any(target.startswith("src/") for action, target, _, _ in _BLOCK.findall(howto.read_text(encoding="utf-8")) if action)
    if edits_code:
        for item in CODE:
            copy = shutil.copytree if (REPO / item).is_dir() else shutil.copy
            copy(REPO / item, project / item)
    commands = 0
    for action, target, language, body in _BLOCK.findall(howto.read_text(encoding="utf-8")):
        if action == "file":
            (project / target).write_text(body, encoding="utf-8")
        elif action == "edit":
            _apply_edit(project / target, body)
        elif language == "sh":
            for line in body.splitlines():
                if not line.startswith(("clipper-manifests ", "pytest ")):
                    continue
                command, _, comment = line.partition("#")
                expected = int(comment.split()[1]) if comment.strip().startswith("exit") else 0
                if edits_code:
                    exit_code, output = _run_on_copied_code(project, shlex.split(command))
                else:
                    assert command.startswith("clipper-manifests "), f"{howto.name}: `{command}` needs the tool's code (edit src/ first)"
                    result = run_cli(*shlex.split(command)[1:], "--root", project, cwd=project)
                    exit_code, output = result.exit_code, result.stdout + result.stderr
                assert exit_code == expected, f"{howto.name}: `{command.strip()}`\n{output}"
                commands += 1
    assert commands >= 2, f"{howto.name} runs no clipper-manifests command"


def _run_on_copied_code(project: Path, words: list[str]) -> tuple[int, str]:
    """A command as a user types it, in a fresh interpreter that imports the project's copy of the code."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(project / "src"), str(project)])}
    if words[0] == "pytest":
        argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *words[1:]]
    else:
        program = f"import clipper_manifests.cli as c; assert c.__file__.startswith({str(project)!r}), c.__file__; c.run()"
        argv = [sys.executable, "-c", program, *words[1:], "--root", str(project)]
    done = subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True, check=False)
    return done.returncode, done.stdout + done.stderr
