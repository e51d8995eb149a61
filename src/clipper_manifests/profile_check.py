"""Profiles alone: read, merge, JSON Schema, profile and secret rules; nothing rendered.

What `validate --profiles-only` (and the pre-commit hook on profiles/) runs: a profile typo is
caught in a fraction of a second, before the full render that `render --check` does. The full
build runs the same `profile_rule_problems` as its first stage.
"""

from __future__ import annotations

from typing import Any

from clipper_manifests.errors import Location, ProfileError
from clipper_manifests.problems import Problem, Severity
from clipper_manifests.profile.convert import from_data
from clipper_manifests.profile.merge import MergedProfile, load_merged
from clipper_manifests.profile.model import Profile
from clipper_manifests.profile.redaction import redact_problems, secret_values
from clipper_manifests.profile.schema import check_profile_schema
from clipper_manifests.project import Project
from clipper_manifests.rules.exceptions import Suppressions
from clipper_manifests.rules.profile.core import check_rules
from clipper_manifests.rules.profile.secrets import check_secret_rules
from clipper_manifests.yaml.read import location_of


def environment_conflicts(merged: MergedProfile) -> list[Problem]:
    """`environment` set differently by two files of the extends graph: the later one wins
    silently, so a staging profile extending prod-aws would become production."""
    origins = merged.history.get(("environment",), [])
    conflicting = [origin for origin in origins[:-1] if origin.value != origins[-1].value]
    if not conflicting:
        return []
    winner, loser = origins[-1], conflicting[0]
    own = merged.files[-1]
    return [
        Problem(
            f"environment is {winner.value!r} from {_short(winner.location)}, but {_short(loser.location)} sets {loser.value!r}: "
            "this profile extends files of two environments",
            "extends-environment",
            Severity.ERROR,
            path="environment",
            location=location_of(own.path, own.marks, ("extends",)),
            profile=merged.name,
            hint="extend the environment's partials (e.g. _staging, _aws) instead of a profile of the other environment",
        )
    ]


def _short(location: Location) -> str:
    return f"{location.path.name}:{location.line}"


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
            problems.append(Problem(error.message, "profile-file", location=error.location, profile=name, hint=error.hint))
            continue
        found = check_profile_schema(merged)
        if not found:  # the typed profile, and so the rules, need a schema-valid one
            profile = from_data(Profile, {**merged.data, "name": name})
            found = profile_rule_problems(profile, merged, platform, Suppressions(profile.policy.exceptions))
        problems += redact_problems(found, secret_values(merged))
    return problems
