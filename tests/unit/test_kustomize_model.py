from __future__ import annotations

import pytest

from clipper_manifests.render.kustomize import image_name, is_builtin, merge_patch


def test_strategic_merge_merges_containers_by_name_and_replaces_plain_lists() -> None:
    target = {"containers": [{"name": "a", "args": ["1"], "env": [{"name": "X", "value": "1"}]}, {"name": "b"}]}
    patch = {"containers": [{"name": "a", "args": ["2"], "env": [{"name": "Y", "value": "2"}]}]}
    merge_patch(target, patch, strategic=True)
    assert target == {
        "containers": [{"name": "a", "args": ["2"], "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}]}, {"name": "b"}]
    }


def test_custom_resources_get_json_merge_patch_semantics() -> None:
    target = {"spec": {"items": [{"name": "a"}], "keep": 1, "drop": 2}}
    merge_patch(target, {"spec": {"items": [{"name": "b"}], "drop": None}}, strategic=False)
    assert target == {"spec": {"items": [{"name": "b"}], "keep": 1}}


@pytest.mark.parametrize(
    ("image", "name"),
    [
        ("clipper-api", "clipper-api"),
        ("ghcr.io/org/app:v1", "ghcr.io/org/app"),
        ("registry:5000/app:v1@sha256:abc", "registry:5000/app"),
        ("registry:5000/app", "registry:5000/app"),
    ],
)
def test_image_name_strips_tag_and_digest_but_not_the_registry_port(image: str, name: str) -> None:
    assert image_name(image) == name


@pytest.mark.parametrize(
    ("api_version", "builtin"),
    [("v1", True), ("apps/v1", True), ("networking.k8s.io/v1", True), ("external-secrets.io/v1", False), ("cloud.google.com/v1", False)],
)
def test_builtin_groups(api_version: str, builtin: bool) -> None:
    assert is_builtin({"apiVersion": api_version}) is builtin
