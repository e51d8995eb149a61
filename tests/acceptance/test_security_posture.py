"""The four scanner decisions of docs/security-posture.md, held over every pod of every shipped
profile: everything Flux applies (infrastructure, overlay) and out/dr/, the pods operators
create from a RedisCluster or a CloudNativePG Cluster included. Each exception named here is
one the page lists; anything else a scanner would flag fails."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from clipper_manifests.project import find_project
from tests.conftest import REPO, RunCli
from tests.helpers import shipped_build

Doc = dict[str, Any]
PROFILES = find_project(REPO, None).profile_names()
POD_PATHS = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
# The page's exceptions.
LOW_UIDS = {"quay.io/opstree/redis": 1000, "opensearchproject/opensearch": 1000}
API_CLIENTS = {"CronJob/postgres-restore-test", "Cluster/postgres"}
CLIPPER_IMAGES = "ghcr.io/subculture-collective/clipper/"
UNPINNED = {
    "quay.io/opstree/redis:v8.2.2",
    "quay.io/opstree/redis-exporter:v1.48.0",
    "quay.io/prometheuscommunity/elasticsearch-exporter:v1.9.0",
    "digitalocean/doctl:1.155.0",
}


@pytest.fixture(scope="module")
def built() -> dict[str, list[Doc]]:
    build = shipped_build()
    assert [p.message for p in build.problems if p.is_error] == []
    return {name: [d for documents in item.objects().built().values() for d in documents] for name, item in build.profiles.items()}


class Pod:
    """One pod as the cluster would run it: its owner, containers (uid, image, resources) and token."""

    def __init__(self, owner: str, containers: list[tuple[str, Any, str, Doc]], token: Any, account: Any) -> None:
        self.owner, self.containers, self.token, self.account = owner, containers, token, account


def pods(documents: list[Doc]) -> Iterator[Pod]:
    for document in documents:
        owner = f"{document['kind']}/{document['metadata']['name']}"
        path = POD_PATHS.get(document["kind"])
        if path is not None:
            spec: Any = document
            for key in path:
                spec = spec[key]
            pod_uid = (spec.get("securityContext") or {}).get("runAsUser")
            found = [
                (c["name"], (c.get("securityContext") or {}).get("runAsUser", pod_uid), c["image"], c.get("resources") or {})
                for c in [*spec.get("initContainers", []), *spec["containers"]]
            ]
            yield Pod(owner, found, spec.get("automountServiceAccountToken"), spec.get("serviceAccountName"))
        elif document["kind"] == "RedisCluster":
            spec = document["spec"]
            pod_uid = spec["podSecurityContext"]["runAsUser"]
            redis = spec["kubernetesConfig"]
            found = [
                (role, spec[role]["securityContext"].get("runAsUser", pod_uid), redis["image"], redis["resources"])
                for role in ("redisLeader", "redisFollower")
            ]
            exporter = spec["redisExporter"]
            found.append(("exporter", exporter["securityContext"].get("runAsUser", pod_uid), exporter["image"], exporter["resources"]))
            yield Pod(owner, found, None, spec.get("serviceAccountName"))
        elif document["kind"] == "Cluster" and document["apiVersion"].startswith("postgresql.cnpg.io/"):
            # CloudNativePG's default postgresUID; the page lists it.
            yield Pod(owner, [("postgres", 26, document["spec"]["imageName"], document["spec"].get("resources") or {})], True, None)


def repository(image: str) -> str:
    name = image.split("@", 1)[0]
    return name.rsplit(":", 1)[0] if ":" in name.rsplit("/", 1)[-1] else name


@pytest.mark.parametrize("profile", PROFILES)
def test_every_pod_follows_the_four_decisions(built: dict[str, list[Doc]], profile: str) -> None:
    documents = built[profile]
    accounts = {d["metadata"]["name"]: d for d in documents if d["kind"] == "ServiceAccount"}
    seen = list(pods(documents))
    assert {pod.owner for pod in seen} >= {"Deployment/api", "Deployment/frontend", "Job/dr-verify"}
    for pod in seen:
        for name, uid, image, resources in pod.containers:
            where = f"{profile} {pod.owner} {name}"
            # 1. digests: everything but Clipper's own (the release pipeline's) and the listed few
            if not image.startswith(CLIPPER_IMAGES) and image not in UNPINNED:
                assert "@sha256:" in image, where
            # 2. CPU requested, never limited; memory limited
            assert "cpu" in resources.get("requests", {}), where
            assert "cpu" not in resources.get("limits", {}), where
            assert "memory" in resources.get("limits", {}), where
            # 3. a UID of 10000 or more, or the image's own documented low UID
            expected = LOW_UIDS.get(repository(image), 26 if pod.owner == "Cluster/postgres" else None)
            assert uid == expected if expected is not None else uid >= 10000, where
        # 4. no token unless the pod calls the API
        if pod.owner in API_CLIENTS:
            continue
        account = accounts.get(pod.account) if pod.account else None
        assert pod.token is False or (pod.token is None and account is not None and account["automountServiceAccountToken"] is False), (
            pod.owner
        )
    for account in accounts.values():
        assert account["automountServiceAccountToken"] is False, f"{profile} ServiceAccount/{account['metadata']['name']}"


def test_images_lists_every_image_with_its_pin(run_cli: RunCli) -> None:
    result = run_cli("images", "prod-gcp", "--root", REPO)
    assert result.exit_code == 0, result.stderr
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:] if line and not line.startswith(" ")}
    assert rows["opensearchproject/opensearch:2.11.1"][1:3] == [
        "sha256:68039e76c8c60c0488b8906945b2efd5179bb29a9ae8d71ec64981ab5772b796",
        "digest",
    ]
    assert rows["ghcr.io/subculture-collective/clipper/backend:v1.42.0"][1:6] == ["-", "tag", "profile", "images.api", "Deployment/api"]
    assert rows["quay.io/prometheuscommunity/elasticsearch-exporter:v1.9.0"][2] == "tag"
    assert "  HelmRelease/traefik  traefik 41.3.0" in result.stdout.splitlines()


def test_images_of_an_unknown_profile_is_a_usage_error(run_cli: RunCli) -> None:
    result = run_cli("images", "prod-awz", "--root", REPO)
    assert result.exit_code == 2
    assert "prod-aws" in result.stderr
