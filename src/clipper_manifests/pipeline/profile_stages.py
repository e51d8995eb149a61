"""Profiles alone: read, merge, JSON Schema, profile and secret rules; nothing rendered.

What `validate --profiles-only` (and the pre-commit hook on profiles/) runs: a profile typo is
caught in a fraction of a second, before the full render that `render --check` does. The full
build runs the same `profile_rule_problems` as its first stage.
"""

from __future__ import annotations

from typing import Any

from clipper_manifests.errors import ProfileError
from clipper_manifests.problems import Problem
from clipper_manifests.profile.convert import from_data
from clipper_manifests.profile.merge import MergedProfile, load_merged
from clipper_manifests.profile.model import Profile
from clipper_manifests.profile.redaction import redact_problems, secret_values
from clipper_manifests.project import Project
from clipper_manifests.rules.exceptions import Suppressions
from clipper_manifests.rules.profile.extends import environment_conflicts
from clipper_manifests.rules.profile.files import profile_file_problem
from clipper_manifests.rules.profile.run import check_rules
from clipper_manifests.rules.profile.schema_check import check_profile_schema
from clipper_manifests.rules.profile.secrets import check_secret_rules


def profile_rule_problems(profile: Profile, merged: MergedProfile, platform: dict[str, Any], suppressions: Suppressions) -> list[Problem]:
    """Profile rules and secret rules, less the findings the profile acknowledges."""
    found = environment_conflicts(merged) + check_rules(profile, merged) + check_secret_rules(profile, merged, platform)
    return [problem for problem in found if not suppressions.acknowledges_key(problem.rule, problem.path)]


def check_profiles(project: Project, names: list[str]) -> list[Problem]:
    from clipper_manifests.values.platform import load_platform

    platform = load_platform(project.templates)
    problems: list[Problem] = []
    for name in names:
        try:
            merged = load_merged(project, name)
        except ProfileError as error:
            problems.append(profile_file_problem(error, name))
            continue
        found = check_profile_schema(merged)
        if not found:  # the typed profile, and so the rules, need a schema-valid one
            profile = from_data(Profile, {**merged.data, "name": name})
            found = profile_rule_problems(profile, merged, platform, Suppressions(profile.policy.exceptions))
        problems += redact_problems(found, secret_values(merged))
    return problems
