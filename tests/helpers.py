"""Helpers shared by the tests."""

from __future__ import annotations

import functools
import subprocess
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

from clipper_manifests.pipeline.builder import Builder
from clipper_manifests.pipeline.results import Build, ProfileBuild
from clipper_manifests.problems import Severity
from clipper_manifests.profile.model import Profile
from clipper_manifests.project import find_project
from clipper_manifests.render.engine import render_template
from clipper_manifests.rules.registry import find_rule
from clipper_manifests.values.overlay import overlay_context
from tests.conftest import REPO

SHIPPED = find_project(REPO, None).profile_names()  # the profiles the repository ships


@functools.cache
def shipped_build() -> Build:
    """The shipped profiles built once per test process, objects kept. Shared by every test that
    only reads them: a test that changes an object changes a deep copy."""
    return Builder(find_project(REPO, None)).build(SHIPPED)


def shipped(name: str) -> ProfileBuild:
    """One shipped profile of shipped_build(), which built it without an error."""
    item = shipped_build().profiles[name]
    assert item.profile is not None and not any(problem.is_error for problem in item.problems), item.problems
    return item


def shipped_profile(name: str) -> Profile:
    """The typed profile of a shipped profile."""
    profile = shipped(name).profile
    assert profile is not None
    return profile


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


# Real tools (kubectl kustomize, helm template) on inputs that do not change during the session
# (the committed out/, a module's freshly rendered tree): each distinct command runs once, and
# the test modules start their commands up front, two at a time, so that both cores work while
# the tools run. Each caller parses the output itself, so no test can change another's objects.
_TOOL_RUNS: dict[tuple[str, ...], subprocess.CompletedProcess[str]] = {}
_TOOL_LOCK = threading.Lock()


def run_tool(*argv: str | Path) -> subprocess.CompletedProcess[str]:
    """The run of a read-only tool command, made once per session."""
    key = tuple(str(arg) for arg in argv)
    with _TOOL_LOCK:
        done = _TOOL_RUNS.get(key)
    if done is None:
        done = subprocess.run(list(key), capture_output=True, text=True, check=False)
        with _TOOL_LOCK:
            done = _TOOL_RUNS.setdefault(key, done)
    return done


def run_tools_ahead(commands: Iterable[Sequence[str | Path]]) -> None:
    """Run the commands two at a time (the tools are subprocesses: both cores work), so that the
    tests' own run_tool calls find them done."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda argv: run_tool(*argv), commands))
