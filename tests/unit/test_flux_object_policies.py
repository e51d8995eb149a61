"""Per-object Flux annotations (kustomize-controller docs, spec/v1 "Force" and "Prune"): what Flux
may replace when an immutable field changes, and what it must never garbage-collect."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from clipper_manifests.pipeline.builder import Builder
from clipper_manifests.pipeline.results import ProfileBuild
from clipper_manifests.project import find_project
from tests.helpers import shipped

PROFILES = ["prod-aws", "prod-gcp", "prod-do", "staging-aws", "staging-gcp", "staging-do"]
FORCE = "kustomize.toolkit.fluxcd.io/force"


def build(root: Path, name: str) -> ProfileBuild:
    item = Builder(find_project(root, None)).build_profile(name)
    assert item.profile is not None, item.problems
    return item


def flux_marks(document: dict[str, Any], key: str) -> str | None:
    """Flux reads these from a label or an annotation."""
    metadata = document["metadata"]
    return str((metadata.get("annotations") or {}).get(key) or (metadata.get("labels") or {}).get(key) or "") or None


def jobs(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == "Job"]


def test_an_edited_migration_job_under_the_same_name_is_replaced_not_stuck(project: Path) -> None:
    """Editing the Job's pod template (here the migrations path) keeps its name, and a Job's
    template is immutable: Flux's dry-run fails on it unless the object asks to be recreated."""
    before = jobs(build(project, "prod-aws").objects().resolved)
    defaults = project / "profiles" / "_defaults.yaml"
    defaults.write_text(defaults.read_text(encoding="utf-8").replace("  path: /migrations\n", "  path: /sql\n"), encoding="utf-8")
    after = jobs(build(project, "prod-aws").objects().resolved)
    assert [j["metadata"]["name"] for j in before] == [j["metadata"]["name"] for j in after] == ["migrate-v1-42-0"]
    assert before[0]["spec"]["template"] != after[0]["spec"]["template"]
    assert flux_marks(after[0], FORCE) == "enabled"


@pytest.mark.parametrize("name", PROFILES)
def test_only_the_migration_job_may_be_recreated(name: str) -> None:
    """Recreating deletes with its dependents (pods, and for a StatefulSet its running nodes):
    harmless for a migration Job (`migrate up` is idempotent), never for anything else."""
    item = shipped(name)
    everything = item.objects().resolved + [o for layer in item.objects().extras for o in (r.document for r in layer.resources)]
    forced = [(o["kind"], o["metadata"]["name"]) for o in everything if flux_marks(o, FORCE)]
    assert forced == [("Job", o["metadata"]["name"]) for o in jobs(item.objects().resolved)]
    assert len(forced) == 1
    # Per object, not `spec.force` on a Flux Kustomization, which would recreate anything.
    assert not any(o.get("spec", {}).get("force") for o in everything if o["kind"] == "Kustomization" and "toolkit" in o["apiVersion"])


PRUNE = "kustomize.toolkit.fluxcd.io/prune"
# What deleting or renaming the apps Kustomization must not take with it: the namespace (its
# deletion deletes everything in it, volumes included) and every object whose deletion deletes
# data: CloudNativePG's Cluster (its PVCs), the Barman Cloud ObjectStore the kept Cluster
# archives its WAL to, the Redis operator's RedisCluster, OpenSearch's StatefulSet.
KEPT = {
    ("v1", "Namespace"),
    ("postgresql.cnpg.io/v1", "Cluster"),
    ("barmancloud.cnpg.io/v1", "ObjectStore"),
    ("redis.redis.opstreelabs.in/v1beta2", "RedisCluster"),
    ("apps/v1", "StatefulSet"),
    ("v1", "PersistentVolumeClaim"),
}


@pytest.mark.parametrize("name", PROFILES)
def test_pruning_the_apps_stage_keeps_the_namespace_and_the_data(name: str) -> None:
    item = shipped(name)
    assert item.profile is not None
    objects = item.objects().resolved
    kept = {(o["kind"], o["metadata"]["name"]) for o in objects if flux_marks(o, PRUNE) == "disabled"}
    stateful = {(o["kind"], o["metadata"]["name"]) for o in objects if (o["apiVersion"], o["kind"]) in KEPT}
    # Everything else is still garbage-collected (old migration Jobs, removed policies).
    assert kept == stateful
    assert ("Namespace", item.profile.namespace) in kept
    # Staging runs its data services in the cluster (OpenSearch too, except staging-gcp's external one).
    if name.startswith("staging-"):
        opensearch = {"StatefulSet"} if item.profile.opensearch.mode == "in-cluster" else set()
        assert {"Cluster", "ObjectStore", "RedisCluster", *opensearch} <= {kind for kind, _ in kept}
