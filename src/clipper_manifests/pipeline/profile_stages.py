"""Stages 1-4, the profile alone: read and merge, JSON Schema, typed profile, profile and secret
rules; nothing rendered.

The one implementation both callers use: the full build runs it first for every profile, and
`validate --profiles-only` (and the pre-commit hook on profiles/) runs only it, so a profile typo
is caught in a fraction of a second, before the full render that `render --check` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clipper_manifests.errors import Location, ProfileError
from clipper_manifests.problems import Problem
from clipper_manifests.profile.convert import from_data
from clipper_manifests.profile.merge import MergedProfile, load_merged
from clipper_manifests.profile.model import Profile
from clipper_manifests.profile.redaction import redact_problems, secret_values
from clipper_manifests.project import Project
from clipper_manifests.rules.exceptions import Suppressions
from clipper_manifests.rules.identity import identities
from clipper_manifests.rules.profile.extends import environment_conflicts
from clipper_manifests.rules.profile.files import profile_file_problem
from clipper_manifests.rules.profile.run import check_rules
from clipper_manifests.rules.profile.schema_check import check_profile_schema
from clipper_manifests.rules.profile.secrets import check_secret_rules


@dataclass
class ProfileStages:
    """What stages 1-4 make of one profile: each later field only when the stage before passed."""

    name: str
    problems: list[Problem] = field(default_factory=list)
    merged: MergedProfile | None = None  # stage 1 (read) passed
    profile: Profile | None = None  # stages 2 (schema) and 3 (type) passed
    suppressions: Suppressions | None = None  # the profile's policy.exceptions, shared by every stage
    identities: dict[str, tuple[str, Location]] = field(default_factory=dict)  # unique across profiles


def run_profile_stages(project: Project, name: str, platform: dict[str, Any]) -> ProfileStages:
    stages = ProfileStages(name)
    try:
        stages.merged = load_merged(project, name)
    except ProfileError as error:
        # One unreadable profile must not hide the problems of the others.
        stages.problems = [profile_file_problem(error, name)]
        return stages
    stages.problems = check_profile_schema(stages.merged)
    if stages.problems:
        return stages  # the typed profile and everything after it need a valid profile
    stages.profile = from_data(Profile, {**stages.merged.data, "name": name})
    stages.suppressions = Suppressions(stages.profile.policy.exceptions)
    stages.identities = identities(stages.merged)
    stages.problems += profile_rule_problems(stages.profile, stages.merged, platform, stages.suppressions)
    return stages


def profile_rule_problems(profile: Profile, merged: MergedProfile, platform: dict[str, Any], suppressions: Suppressions) -> list[Problem]:
    """Profile rules and secret rules, less the findings the profile acknowledges."""
    found = environment_conflicts(merged) + check_rules(profile, merged) + check_secret_rules(profile, merged, platform)
    return [problem for problem in found if not suppressions.acknowledges_key(problem.rule, problem.path)]


def check_profiles(project: Project, names: list[str]) -> list[Problem]:
    """`validate --profiles-only`: stages 1-4 of each profile, redacted as the build redacts."""
    from clipper_manifests.values.platform import load_platform

    platform = load_platform(project.templates)
    problems: list[Problem] = []
    for name in names:
        stages = run_profile_stages(project, name, platform)
        problems += redact_problems(stages.problems, secret_values(stages.merged))
    return problems
