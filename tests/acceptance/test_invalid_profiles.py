"""Every folder in tests/cases/invalid/ is one broken project the CLI must refuse cleanly.

A case folder holds `profiles/` (and maybe `templates/`) files, copied over a copy of the
real project, and `expected.yaml`:

    args: [render, prod-typo]     # the test appends --root <project>
    exit: 1                       # 1 invalid, 2 usage, 3 could not run
    stdout:                       # substrings that must all appear on stdout: problems with
      - "profiles/prod-typo.yaml:6:3: error: ..."   # the input are the answer (`| grep`);
                                  # `stderr:` instead for exit 2 and 3, the tool's own failures

Whatever the case, the command prints no traceback and leaves an existing out/ exactly as it was.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from clipper_manifests.cli import app
from clipper_manifests.problems import Severity
from clipper_manifests.rules.registry import find_rule
from tests.conftest import REPO, RunCli
from tests.helpers import load

pytestmark = pytest.mark.heavy  # started first: see tests/conftest.py

CASES_DIR = Path(__file__).resolve().parents[1] / "cases" / "invalid"
CASES = sorted(path for path in CASES_DIR.iterdir() if path.is_dir())
# Problems with the input (exit 1) are printed on stdout; usage errors and a tool that
# could not run (exit 2, 3) on stderr. Each case names the stream its exit code implies.
STREAM_OF_EXIT = {1: "stdout", 2: "stderr", 3: "stderr"}


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file below root (relative path → bytes): byte-for-byte, unlike text with newline translation."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def load_expected(case: Path) -> dict[str, Any]:
    expected = load((case / "expected.yaml").read_text(encoding="utf-8"))
    assert isinstance(expected, dict), f"{case.name}/expected.yaml must be a mapping"
    stream = STREAM_OF_EXIT.get(int(expected.get("exit", 1)), "stdout")
    assert set(expected) == {"args", "exit", stream}, f"{case.name}/expected.yaml keys: {sorted(expected)}, want args, exit, {stream}"
    return expected


def copy_case_over(case: Path, project: Path) -> None:
    for folder in ("profiles", "templates"):
        if (case / folder).is_dir():
            shutil.copytree(case / folder, project / folder, dirs_exist_ok=True)


def test_the_case_folders_are_well_formed() -> None:
    assert len(CASES) >= 15, f"expected the invalid cases in {CASES_DIR}, found {[c.name for c in CASES]}"
    for case in CASES:
        expected = load_expected(case)
        assert expected["args"] and expected["args"][0] == "render", f"{case.name}: cases run `render` so out/ can be checked"
        assert all(isinstance(arg, str) for arg in expected["args"]), case.name
        assert expected["exit"] in (1, 2, 3), case.name
        texts = expected[STREAM_OF_EXIT[expected["exit"]]]
        assert texts and all(isinstance(text, str) and text for text in texts), case.name
        assert (case / "profiles").is_dir() or (case / "templates").is_dir() or expected["exit"] == 2, (
            f"{case.name}: a case needs profiles/ or templates/ files"
        )


def test_the_non_utf8_case_really_holds_a_byte_that_is_not_utf8() -> None:
    raw = (CASES_DIR / "non-utf8" / "profiles" / "latin1.yaml").read_bytes()
    assert b"\xff" in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


@pytest.fixture(scope="session")
def rendered_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """A project whose out/ holds a render of prod-aws (the tree a failing render must leave
    alone), made once; each case works on its own copy, at a path no render has used yet."""
    root = tmp_path_factory.mktemp("pristine") / "project"
    for folder in ("profiles", "templates"):
        shutil.copytree(REPO / folder, root / folder)
    result = CliRunner().invoke(app, ["render", "prod-aws", "--root", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    before = tree_bytes(root / "out")
    assert "overlays/prod-aws/kustomization.yaml" in before
    return root, before


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_invalid_project_is_refused_cleanly(
    case: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, rendered_project: tuple[Path, dict[str, bytes]], run_cli: RunCli
) -> None:
    expected = load_expected(case)
    pristine, before = rendered_project
    # A case that changes only profiles reuses one path (reset from the pristine copy): the
    # Jinja environment and the memos of that templates path stay warm. A case with templates
    # gets a fresh path: Jinja's up-to-date check is by mtime, and a case's template may share
    # the shipped one's.
    project = (tmp_path_factory.getbasetemp() / "profiles-only" if not (case / "templates").is_dir() else tmp_path) / "project"
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(pristine, project)

    copy_case_over(case, project)
    result = run_cli(*expected["args"], "--root", project, cwd=project)

    assert "Traceback" not in result.stdout + result.stderr
    assert result.exit_code == expected["exit"], f"exit {result.exit_code}, stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    stream = STREAM_OF_EXIT[expected["exit"]]
    shown, other = (result.stdout, result.stderr) if stream == "stdout" else (result.stderr, result.stdout)
    for text in expected[stream]:
        assert text in shown, f"{text!r} not in {stream}:\n{shown}"
    assert "error:" in shown
    assert "error:" not in other, f"an error on the other stream:\n{other}"
    for severity, rule_id in re.findall(r": (error|warning|note): .* \(([a-z][^()\s]*)\)$", shown, re.MULTILINE):
        rule = find_rule(rule_id)  # every id a user reads is one `clipper-manifests rules` explains
        assert rule is not None, rule_id
        assert Severity(severity) in {*rule.severities.production, *rule.severities.staging}, (rule_id, severity)
    assert tree_bytes(project / "out") == before, "a failing render changed out/"
    assert sorted(path.name for path in project.iterdir()) == ["out", "profiles", "templates"], "a failing render left files behind"
