"""Helpers shared by the tests."""

from __future__ import annotations

from typing import Any

from clipper_manifests.problems import Severity
from clipper_manifests.profile.model import Profile
from clipper_manifests.rules.registry import find_rule


def rule_findings(rule_id: str, profile: Profile) -> list[tuple[tuple[Any, ...], str, Severity]]:
    """What a profile rule finds in a profile; every finding's severity is one the registry
    declares for the profile's environment (so `clipper-manifests rules` tells the truth)."""
    rule = find_rule(rule_id)
    assert rule is not None and rule.check is not None, rule_id
    found = list(rule.check(profile))
    for _, message, severity in found:
        assert severity in rule.severities.of(profile.environment), (rule_id, profile.environment, severity, message)
    return found
