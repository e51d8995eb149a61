"""Runs every profile rule of the registry on a typed profile, in registry order."""

from __future__ import annotations

from typing import Any

from clipper_manifests.problems import Problem, Severity, json_path
from clipper_manifests.profile.merge import MergedProfile
from clipper_manifests.profile.model import Profile
from clipper_manifests.rules.registry import registered

Finding = tuple[tuple[Any, ...], str, Severity]


def production_error(profile: Profile) -> Severity:
    """Strict in production, advice elsewhere."""
    return Severity.ERROR if profile.is_production else Severity.WARNING


def check_rules(profile: Profile, merged: MergedProfile) -> list[Problem]:
    problems = []
    for item in registered("profile"):
        assert item.check is not None  # registered() gives only rules with a check
        for key_path, message, severity in item.check(profile):
            problems.append(
                Problem(
                    message=f"{message}; {item.fix}" if severity is Severity.ERROR else message,
                    rule=item.id,
                    severity=severity,
                    path=json_path(key_path),
                    location=merged.location(key_path),
                    profile=profile.name,
                )
            )
    return problems
