"""Profiles alone: read, merge, JSON Schema, profile rules; nothing rendered.

What `validate --profiles-only` (and the pre-commit hook on profiles/) runs: a profile typo is
caught in a fraction of a second, before the full render that `render --check` does.
"""

from __future__ import annotations

from clipper_manifests.errors import ProfileError
from clipper_manifests.model import Profile, from_data
from clipper_manifests.problems import Problem
from clipper_manifests.profile_schema import check_profile_schema
from clipper_manifests.profiles import load_merged
from clipper_manifests.project import Project
from clipper_manifests.redaction import redact_problems, secret_values
from clipper_manifests.validate.rules import check_rules


def check_profiles(project: Project, names: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    for name in names:
        try:
            merged = load_merged(project, name)
        except ProfileError as error:
            problems.append(Problem(error.message, "profile-file", location=error.location, profile=name, hint=error.hint))
            continue
        found = check_profile_schema(merged)
        if not found:  # the typed profile, and so the rules, need a schema-valid one
            found = check_rules(from_data(Profile, {**merged.data, "name": name}), merged)
        problems += redact_problems(found, secret_values(merged))
    return problems
