"""The README shows exactly two set-up commands, and CI runs the test one verbatim."""

from __future__ import annotations

import re

from tests.conftest import REPO


def _setup_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section, flags=re.DOTALL)


def test_two_setup_commands_install_render_and_test() -> None:
    install_and_render, run_tests = _setup_commands()
    assert install_and_render.endswith("clipper-manifests render prod-aws")
    assert "pytest" in run_tests and "mypy" in run_tests and "ruff check" in run_tests


def test_ci_runs_the_readme_test_command() -> None:
    ci_lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert _setup_commands()[1] in ci_lines
