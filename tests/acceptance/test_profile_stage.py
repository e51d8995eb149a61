"""`validate --profiles-only` reports exactly the profile-stage problems a full `validate` reports:
the same profiles, the same problems, in the same order (one implementation runs both)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clipper_manifests.pipeline.builder import Builder
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


def test_the_shipped_profiles_have_the_same_profile_stage_either_way() -> None:
    assert profile_stage(shipped_build().problems) == check_profiles(find_project(REPO, None), SHIPPED)


@pytest.mark.parametrize("case", PROFILE_CASES, ids=[case.name for case in PROFILE_CASES])
def test_an_invalid_profile_has_the_same_profile_stage_either_way(case: Path, project: Path) -> None:
    copy_case_over(case, project)
    names = [arg for arg in load_expected(case)["args"][1:] if not arg.startswith("-")] or names_of(project)
    loaded = find_project(project, None)
    quick = check_profiles(loaded, names)
    assert profile_stage(Builder(loaded).build(names).problems) == quick
