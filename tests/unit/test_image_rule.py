"""`image-pinned`: an image with neither tag nor digest is an error, wherever the profile runs."""

from __future__ import annotations

import copy

import pytest

from clipper_manifests.profile.convert import from_data
from clipper_manifests.profile.merge import load_merged
from clipper_manifests.profile.model import Profile
from clipper_manifests.project import find_project
from clipper_manifests.rules.profile.run import check_rules
from tests.conftest import REPO


@pytest.mark.parametrize("name", ["prod-aws", "staging-do"])
def test_an_untagged_image_is_not_pinned(name: str) -> None:
    merged = load_merged(find_project(REPO, None), name)
    merged.data = copy.deepcopy(merged.data)
    del merged.data["images"]["frontend"]["tag"]
    profile = from_data(Profile, {**merged.data, "name": name})

    problems = [p for p in check_rules(profile, merged) if p.rule == "image-pinned"]

    assert [(p.path, p.severity.value) for p in problems] == [("images.frontend", "error")]
    assert "no tag and no digest" in problems[0].message
    assert problems[0].location is not None and problems[0].location.path.name.startswith("_")


@pytest.mark.parametrize(("name", "severity"), [("prod-aws", "error"), ("staging-do", "warning")])
def test_an_image_without_a_digest_fails_production_and_warns_elsewhere(name: str, severity: str) -> None:
    merged = load_merged(find_project(REPO, None), name)
    merged.data = copy.deepcopy(merged.data)
    for role in ("api", "frontend", "migrations"):
        merged.data["images"][role]["digest"] = "sha256:" + "0" * 64
    profile = from_data(Profile, {**merged.data, "name": name})

    problems = [p for p in check_rules(profile, merged) if p.rule == "image-digest"]

    assert [(p.path, p.severity.value) for p in problems] == [("images", severity)]
    assert problems[0].message.startswith("tools run by tag only")
    merged.data["images"]["tools"]["digest"] = "sha256:" + "0" * 64
    assert [p for p in check_rules(from_data(Profile, {**merged.data, "name": name}), merged) if p.rule == "image-digest"] == []
