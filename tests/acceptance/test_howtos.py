"""Every how-to in docs/how-to/ is followed as written, in a copy of the project.

A how-to marks the files it writes (`<!-- file: PATH -->` before a code block) and the edits it
makes (`<!-- edit: PATH -->` before a diff block of `-old` / `+new` lines); every
`clipper-manifests ...` line of its `sh` blocks is run, expecting exit 0 unless the line says
`# exit N`. So a step that stops working fails here, not in a newcomer's hands.

A how-to that changes the tool's own code (a path under `src/`) runs against a copy of the code
too: its commands then run in a fresh interpreter that imports the copy (one interpreter for the
commands of a block, one after the other, as a shell would run them), and its `pytest ...` lines
run the copied tests.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, TODAY, RunCli

pytestmark = pytest.mark.heavy  # started first: see tests/conftest.py

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
    blocks = _BLOCK.findall(howto.read_text(encoding="utf-8"))
    edits_code = any(action and target.startswith("src/") for action, target, _, _ in blocks)
    if edits_code:
        for item in CODE:
            copy = shutil.copytree if (REPO / item).is_dir() else shutil.copy
            copy(REPO / item, project / item)
    commands = 0
    for action, target, language, body in blocks:
        if action == "file":
            (project / target).write_text(body, encoding="utf-8")
        elif action == "edit":
            _apply_edit(project / target, body)
        elif language == "sh":
            lines = [line for line in body.splitlines() if line.startswith(("clipper-manifests ", "pytest "))]
            for line, (exit_code, output) in zip(lines, _run_block(howto.name, project, lines, run_cli, edits_code), strict=True):
                command, _, comment = line.partition("#")
                expected = int(comment.split()[1]) if comment.strip().startswith("exit") else 0
                assert exit_code == expected, f"{howto.name}: `{command.strip()}`\n{output}"
                commands += 1
    assert commands >= 2, f"{howto.name} runs no clipper-manifests command"


def _run_block(name: str, project: Path, lines: list[str], run_cli: RunCli, edits_code: bool) -> list[tuple[int, str]]:
    """Exit code and output of each command line of an sh block, run in order."""
    if not edits_code:
        in_process = []
        for line in lines:
            command = line.partition("#")[0]
            assert command.startswith("clipper-manifests "), f"{name}: `{command}` needs the tool's code (edit src/ first)"
            result = run_cli(*shlex.split(command)[1:], "--root", project, cwd=project)
            in_process.append((result.exit_code, result.stdout + result.stderr))
        return in_process
    results: list[tuple[int, str]] = []
    pending: list[list[str]] = []  # tool commands not run yet: they run together, before the next pytest line
    for line in lines:
        words = shlex.split(line.partition("#")[0])
        if words[0] == "clipper-manifests":
            pending.append(words[1:])
            continue
        results += _run_on_copied_code(project, pending) if pending else []
        pending = []
        results.append(_run_copied_tests(project, words[1:]))
    return results + (_run_on_copied_code(project, pending) if pending else [])


def _copied_code_env(project: Path) -> dict[str, str]:
    """The environment of an interpreter that imports the project's copy of the code. Bytecode
    may be written (inside the copy only): the interpreters after the first then skip compiling it."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(project / "src"), str(project)])}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _run_copied_tests(project: Path, arguments: list[str]) -> tuple[int, str]:
    """A `pytest ...` line: the copied tests, in a fresh interpreter."""
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *arguments]
    done = subprocess.run(argv, cwd=project, env=_copied_code_env(project), capture_output=True, text=True, check=False)
    return done.returncode, done.stdout + done.stderr


# Runs each command (argv[2], JSON) as `clipper-manifests` would (cli.run without its os._exit),
# one after the other in one interpreter, and ends each one's output with a line "\0exit <code>".
_DRIVER = """
import json, os, sys
import clipper_manifests.cli as cli
assert cli.__file__.startswith(sys.argv[1]), cli.__file__
for words in json.loads(sys.argv[2]):
    sys.argv, folder = ["clipper-manifests", *words], os.getcwd()
    try:
        cli.main()
        code = 0
    except SystemExit as done:
        code = done.code
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    os.chdir(folder)
    sys.stderr.flush()
    print(f"\\0exit {code or 0}", flush=True)
"""


def _run_on_copied_code(project: Path, commands: list[list[str]]) -> list[tuple[int, str]]:
    """Commands as a user types them, in order, in one fresh interpreter that imports the project's copy of the code."""
    argv = [sys.executable, "-c", _DRIVER, str(project), json.dumps([[*words, "--root", str(project)] for words in commands])]
    done = subprocess.run(
        argv, cwd=project, env=_copied_code_env(project), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
    )
    first, *rest = done.stdout.split("\0exit ")
    results, output = [], first
    for part in rest:  # "<code>\n<the next command's output>"
        code, _, following = part.partition("\n")
        results.append((int(code), output))
        output = following
    assert len(results) == len(commands), f"exit {done.returncode}\n{done.stdout}"
    return results
