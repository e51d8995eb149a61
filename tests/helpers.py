"""Helpers shared by the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from clipper_manifests.problems import Severity
from clipper_manifests.profile.model import Profile
from clipper_manifests.render.engine import render_template
from clipper_manifests.rules.registry import find_rule
from clipper_manifests.values.overlay import overlay_context


def rule_findings(rule_id: str, profile: Profile) -> list[tuple[tuple[Any, ...], str, Severity]]:
    """What a profile rule finds in a profile; every finding's severity is one the registry
    declares for the profile's environment (so `clipper-manifests rules` tells the truth)."""
    rule = find_rule(rule_id)
    assert rule is not None and rule.check is not None, rule_id
    found = list(rule.check(profile))
    for _, message, severity in found:
        assert severity in rule.severities.of(profile.environment), (rule_id, profile.environment, severity, message)
    return found


def render_one(templates: Path, template: str, profile: Profile, platform: dict[str, Any]) -> list[dict[str, Any]]:
    """The objects one template renders for a profile, with the values a build gives it."""
    return [rendered.document for rendered in render_template(templates, template, overlay_context(profile, platform))]


# LibYAML's loader: the same objects as yaml.safe_load, several times faster on large output.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str) -> Any:
    """yaml.safe_load, through LibYAML when PyYAML has it."""
    return yaml.load(text, Loader=_LOADER)


def load_all(text: str) -> list[Any]:
    """yaml.safe_load_all, through LibYAML when PyYAML has it."""
    return list(yaml.load_all(text, Loader=_LOADER))
