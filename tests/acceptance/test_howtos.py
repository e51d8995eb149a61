"""Every how-to in docs/how-to/ is followed as written, in a copy of the project.

A how-to marks the files it writes (`<!-- file: PATH -->` before a code block) and the edits it
makes (`<!-- edit: PATH -->` before a diff block of `-old` / `+new` lines); every
`clipper-manifests ...` line of its `sh` blocks is run, expecting exit 0 unless the line says
`# exit N`. So a step that stops working fails here, not in a newcomer's hands.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, TODAY, RunCli

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
    commands = 0
    for action, target, language, body in _BLOCK.findall(howto.read_text(encoding="utf-8")):
        if action == "file":
            (project / target).write_text(body, encoding="utf-8")
        elif action == "edit":
            _apply_edit(project / target, body)
        elif language == "sh":
            for line in body.splitlines():
                if not line.startswith("clipper-manifests "):
                    continue
                command, _, comment = line.partition("#")
                expected = int(comment.split()[1]) if comment.strip().startswith("exit") else 0
                result = run_cli(*shlex.split(command)[1:], "--root", project, cwd=project)
                assert result.exit_code == expected, f"{howto.name}: `{command.strip()}`\n{result.stdout}\n{result.stderr}"
                commands += 1
    assert commands >= 2, f"{howto.name} runs no clipper-manifests command"
