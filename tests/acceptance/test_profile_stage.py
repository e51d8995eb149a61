"""`validate --profiles-only` reports exactly the profile-stage problems a full `validate` reports:
the same profiles, the same problems, in the same order (one implementation runs both)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clipper_manifests.pipeline.builder import Builder
from clipper_manifests.pipeline.keep import Keep
from clipper_manifests.pipeline.profile_stages import check_profiles
from clipper_manifests.problems import Problem
from clipper_manifests.project import find_project
from clipper_manifests.rules.registry import find_rule
from tests.acceptance.test_invalid_profiles import CASES, copy_case_over, load_expected
from tests.conftest import REPO
from tests.helpers import SHIPPED, shipped_build

pytestmark = pytest.mark.heavy  # started first: see tests/conftest.py

# Cases the profile stages decide: invalid profiles (exit 1), no changed templates.
PROFILE_CASES = [case for case in CASES if not (case / "templates").is_dir() and load_expected(case)["exit"] == 1]


def profile_stage(problems: list[Problem]) -> list[Problem]:
    found = []
    for problem in problems:
        rule = find_rule(problem.rule)
        assert rule is not None, problem.rule
        if rule.stage == "profile":
            found.append(problem)
    return found


def names_of(root: Path) -> list[str]:
    return sorted(path.stem for path in (root / "profiles").glob("*.yaml") if not path.name.startswith("_"))


def test_the_shipped_profiles_have_the_same_profile_stage_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    # Today they have no profile-stage problem at all: half a year on, their secrets are overdue.
    assert profile_stage(shipped_build().problems) == check_profiles(find_project(REPO, None), SHIPPED) == []
    monkeypatch.setenv("CLIPPER_TODAY", "2027-06-01")
    quick = check_profiles(find_project(REPO, None), SHIPPED)
    assert {problem.rule for problem in quick} >= {"secret-rotation-overdue"}
    assert profile_stage(Builder(find_project(REPO, None)).build(SHIPPED, Keep.PROBLEMS).problems) == quick


@pytest.mark.parametrize("case", PROFILE_CASES, ids=[case.name for case in PROFILE_CASES])
def test_an_invalid_profile_has_the_same_profile_stage_either_way(case: Path, project: Path) -> None:
    copy_case_over(case, project)
    expected = load_expected(case)
    names = [arg for arg in expected["args"][1:] if not arg.startswith("-")] or names_of(project)
    loaded = find_project(project, None)
    quick = check_profiles(loaded, names)
    full = Builder(loaded).build(names, Keep.PROBLEMS).problems
    assert any(problem.is_error for problem in full), "an invalid case"
    # The rules the case expects that the profile stages decide are among what --profiles-only reports.
    named = set(re.findall(r"\(([a-z][^()\s]*)\)", "\n".join(expected["stdout"])))
    decided = {rule for rule in named if (found := find_rule(rule)) is not None and found.stage == "profile"}
    assert decided <= {problem.rule for problem in quick}
    assert profile_stage(full) == quick
