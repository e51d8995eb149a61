"""The whole rendered tree of every shipped profile, as a reviewer reads it in a snapshot diff."""

from __future__ import annotations

import pytest
from syrupy.assertion import SnapshotAssertion

from clipper_manifests.pipeline.builder import Builder
from clipper_manifests.project import find_project
from tests.conftest import REPO

PROFILES = find_project(REPO, None).profile_names()


@pytest.mark.parametrize("profile", PROFILES)
def test_rendered_tree(profile: str, snapshot: SnapshotAssertion) -> None:
    build = Builder(find_project(REPO, None)).build([profile])
    assert build.ok, build.problems
    assert build.files() == snapshot
