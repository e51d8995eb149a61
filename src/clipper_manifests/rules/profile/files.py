"""profile-file: a profile that cannot be read (missing, not UTF-8, not a YAML mapping, a broken
extends chain) is reported, and the other profiles are still checked."""

from __future__ import annotations

from clipper_manifests.errors import ProfileError
from clipper_manifests.problems import Problem
from clipper_manifests.rules.registry import ERROR, declare

declare(
    (
        "profile-file",
        ERROR,
        "A profile file can be read, is a YAML mapping, and its extends chain resolves.",
        "fix the file or the extends line named",
        (),
    ),
    scope="check",
    stage="profile",
    emitted_by="rules.profile.files:profile_file_problem",
)


def profile_file_problem(error: ProfileError, name: str) -> Problem:
    return Problem(error.message, "profile-file", location=error.location, profile=name, hint=error.hint)
