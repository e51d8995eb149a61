"""The recovery objects: the restore Cluster, the restore test's scratch Cluster and its steps."""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

import pytest

from clipper_manifests.dr import objects, values
from clipper_manifests.pipeline.results import ProfileBuild
from clipper_manifests.profile.model import Profile
from clipper_manifests.profile.model_data import ObjectStore
from clipper_manifests.rules.object_schemas.crds import check_custom_resource
from clipper_manifests.values.platform import load_platform
from tests.conftest import REPO
from tests.helpers import load, shipped, shipped_profile

PLATFORM = load_platform(REPO / "templates")


def built(name: str) -> ProfileBuild:
    return shipped(name)


def profile(name: str) -> Profile:
    return shipped_profile(name)


def live(name: str) -> dict[str, Any]:
    cluster = objects.live_cluster(built(name).objects().resolved, PLATFORM)
    assert cluster is not None
    return cluster


def valid(document: dict[str, Any]) -> list[str]:
    """Problems against the upstream CRD schema the package ships."""
    return [p.message for p in check_custom_resource(document, None)]


@pytest.mark.parametrize(
    ("current", "attempt", "expected"),
    [
        ("postgres", 1, "postgres-r1"),
        ("postgres-r1", 1, "postgres-r2"),
        ("postgres-r3", 2, "postgres-r5"),
        ("clipper-prod", 1, "clipper-prod-r1"),
    ],
)
def test_next_name_counts_generations(current: str, attempt: int, expected: str) -> None:
    assert objects.next_name(current, attempt) == expected


def test_restore_cluster_is_the_live_one_bootstrapped_from_its_archive() -> None:
    cluster = objects.restore_cluster(live("staging-aws"), profile("staging-aws"), PLATFORM)
    assert cluster["spec"]["bootstrap"] == {
        "recovery": {"source": "origin", "database": "clipper_db", "owner": "clipper", "secret": {"name": "postgres-app"}}
    }
    [origin] = cluster["spec"]["externalClusters"]
    assert origin["plugin"]["parameters"] == {"barmanObjectName": "postgres-backups", "serverName": "postgres"}
    [archiver] = cluster["spec"]["plugins"]
    assert archiver["isWALArchiver"] and archiver["parameters"]["serverName"] == "postgres-r1", "a new, empty archive folder"
    # Everything else is what Flux applies, so that handing back to Flux changes nothing else.
    rest = {key: value for key, value in cluster["spec"].items() if key not in ("bootstrap", "externalClusters", "plugins")}
    assert rest == {key: value for key, value in live("staging-aws")["spec"].items() if key not in ("bootstrap", "plugins")}
    assert cluster["metadata"] == live("staging-aws")["metadata"]
    assert valid(cluster) == []


def test_point_in_time_restore_sets_the_recovery_target_and_validates() -> None:
    cluster = objects.restore_cluster(live("staging-gcp"), profile("staging-gcp"), PLATFORM, "2026-11-25T08:30:00Z", attempt=2)
    assert cluster["spec"]["bootstrap"]["recovery"]["recoveryTarget"] == {"targetTime": "2026-11-25T08:30:00Z"}
    assert cluster["spec"]["plugins"][0]["parameters"]["serverName"] == "postgres-r2"
    assert valid(cluster) == []


def test_the_committed_restore_folder_is_the_latest_point_variant() -> None:
    documents = built("staging-do").objects().built()["dr/staging-do/3-restore"]
    [cluster] = documents
    assert "recoveryTarget" not in cluster["spec"]["bootstrap"]["recovery"]
    assert cluster == objects.restore_cluster(live("staging-do"), profile("staging-do"), PLATFORM)


def test_managed_profiles_have_no_restore_folder() -> None:
    folders = built("prod-aws").objects().built()
    assert not any(folder.startswith("dr/prod-aws/") and folder.endswith("-restore") for folder in folders)
    assert not any(folder.startswith("dr/prod-aws/") and folder.endswith("-backup") for folder in folders)
    assert {"dr/prod-aws/5-verify", "dr/prod-aws/7-reindex", "dr/prod-aws/8-reembed", "dr/prod-aws/9-verify-search"} <= set(folders)


def test_a_profile_that_was_restored_archives_to_its_new_folder_and_restores_from_it() -> None:
    base = profile("staging-aws")
    assert base.postgres.in_cluster is not None and base.postgres.in_cluster.object_store is not None
    store = dataclasses.replace(base.postgres.in_cluster.object_store, server_name="postgres-r1")
    restored = dataclasses.replace(
        base, postgres=dataclasses.replace(base.postgres, in_cluster=dataclasses.replace(base.postgres.in_cluster, object_store=store))
    )
    assert isinstance(store, ObjectStore)
    cluster = objects.restore_cluster(live("staging-aws"), restored, PLATFORM)
    assert cluster["spec"]["externalClusters"][0]["plugin"]["parameters"]["serverName"] == "postgres-r1"
    assert cluster["spec"]["plugins"][0]["parameters"]["serverName"] == "postgres-r2"
    scratch = objects.scratch_cluster(restored, PLATFORM)
    assert scratch is not None
    assert scratch["spec"]["externalClusters"][0]["plugin"]["parameters"]["serverName"] == "postgres-r1"


@pytest.mark.parametrize("name", ["staging-aws", "staging-do", "staging-gcp"])
def test_scratch_cluster_restores_without_ever_writing_to_the_bucket(name: str) -> None:
    item = built(name)
    [config_map] = [
        d for d in item.objects().resolved if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "postgres-restore-test-runner"
    ]
    scratch = load(config_map["data"]["cluster.yaml"])
    assert scratch == objects.scratch_cluster(profile(name), PLATFORM)
    assert scratch["metadata"] == {
        "name": "postgres-restore-test",
        "namespace": "clipper",
        "labels": {
            "app.kubernetes.io/name": "postgres-restore-test",
            "app.kubernetes.io/part-of": "clipper",
            "app.kubernetes.io/component": "disaster-recovery",
        },
    }
    assert "plugins" not in scratch["spec"], "no WAL archiver: a test must not write to the backups"
    assert scratch["spec"]["instances"] == 1
    assert scratch["spec"]["storage"]["size"] == live(name)["spec"]["storage"]["size"]
    assert valid(scratch) == []


def test_managed_profiles_have_no_restore_test() -> None:
    kinds = {(d["kind"], d["metadata"]["name"]) for d in built("prod-do").objects().resolved}
    assert ("CronJob", "postgres-restore-test") not in kinds
    assert objects.scratch_cluster(profile("prod-do"), PLATFORM) is None


def test_restore_test_steps_make_the_job_own_its_scratch_cluster() -> None:
    steps = {step["name"]: step for step in values.restore_test_steps("postgres-restore-test", 600)}
    assert list(steps) == ["reset", "create", "own", "wait"]
    patch = json.loads(steps["own"]["args"][-1].removeprefix("--patch="))
    assert patch == {
        "metadata": {"ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "$(JOB_NAME)", "uid": "$(JOB_UID)"}]}
    }
    variables = {item["name"]: item for item in steps["own"]["env"]}
    assert variables["JOB_UID"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.labels['batch.kubernetes.io/controller-uid']"
    assert steps["wait"]["args"] == ["wait", "--for=condition=Ready", "clusters.postgresql.cnpg.io/postgres-restore-test", "--timeout=600s"]


def test_dr_jobs_never_retry_work_that_a_retry_would_double() -> None:
    jobs = {
        d["metadata"]["name"]: d
        for folder, documents in built("prod-gcp").objects().built().items()
        if folder.startswith("dr/")
        for d in documents
    }
    assert jobs["dr-reindex"]["spec"]["backoffLimit"] == 0
    assert jobs["dr-verify"]["spec"]["backoffLimit"] == 0
    assert jobs["dr-reembed"]["spec"]["backoffLimit"] == 1, "without -force a retry resumes"
    for job in jobs.values():
        assert job["metadata"]["namespace"] == "clipper"
        assert job["spec"]["activeDeadlineSeconds"] > 0
        assert job["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"] == "clipper-dr"
    forced = dataclasses.replace(
        profile("prod-gcp"),
        dr=dataclasses.replace(profile("prod-gcp").dr, reembed=dataclasses.replace(profile("prod-gcp").dr.reembed, force=True)),
    )
    context = values.template_context(forced, PLATFORM)
    assert context["reembed"]["backoff_limit"] == 0
    assert context["reembed"]["command"] == ["backfill-embeddings", "-batch", "50", "-force"]


def test_dr_jobs_run_the_configured_tools_image_and_command() -> None:
    documents = built("staging-gcp").objects().built()["dr/staging-gcp/7-reindex"]
    [job] = documents
    [container] = job["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "ghcr.io/subculture-collective/clipper/backend-tools:v1.43.0-rc.1"
    assert container["command"] == ["search-index-manager", "rebuild", "-index", "all"]
    assert container["envFrom"] == [{"configMapRef": {"name": "api-config"}}, {"secretRef": {"name": "api-secrets"}}]


def test_without_a_tools_image_no_job_needs_one() -> None:
    base = profile("prod-aws")
    context = values.template_context(dataclasses.replace(base, images=dataclasses.replace(base.images, tools=None)), PLATFORM)
    assert context["tools_image"] is None


def test_restore_cluster_leaves_the_live_document_alone() -> None:
    before = copy.deepcopy(live("staging-aws"))
    objects.restore_cluster(live("staging-aws"), profile("staging-aws"), PLATFORM, "2026-11-25T08:30:00Z")
    assert live("staging-aws") == before


@pytest.mark.parametrize("name", ["staging-aws", "staging-do", "staging-gcp"])
def test_a_restored_cluster_takes_a_base_backup_into_its_new_archive_folder(name: str) -> None:
    """Item 9: a Backup object (not a plugin command) in its own step, for the folder the
    restored cluster archives to."""
    [folder] = [f for f in built(name).objects().built() if f.startswith(f"dr/{name}/") and f.endswith("-backup")]
    [backup] = built(name).objects().built()[folder]
    restored = objects.restore_cluster(live(name), profile(name), PLATFORM)
    archiver = next(plugin for plugin in restored["spec"]["plugins"] if plugin.get("isWALArchiver"))
    assert backup["kind"] == "Backup"
    assert backup["metadata"]["name"] == f"{archiver['parameters']['serverName']}-base"
    assert backup["spec"] == {"cluster": {"name": "postgres"}, "method": "plugin", "pluginConfiguration": {"name": archiver["name"]}}
    assert valid(backup) == []


@pytest.mark.parametrize("name", ["staging-aws", "staging-do", "staging-gcp"])
def test_the_restore_test_leaves_no_volume_behind(name: str) -> None:
    """Item 11: the scratch cluster's volumes are on a class that deletes them with their claims
    (clipper-ssd retains), and that class is applied in the controllers stage."""
    scratch = objects.scratch_cluster(profile(name), PLATFORM)
    assert scratch is not None
    classes = {
        d["metadata"]["name"]: d for d in built(name).objects().built()[f"infrastructure/{name}/controllers"] if d["kind"] == "StorageClass"
    }
    for storage in ("storage", "walStorage"):
        assert classes[scratch["spec"][storage]["storageClass"]]["reclaimPolicy"] == "Delete"
    assert classes[live(name)["spec"]["storage"]["storageClass"]]["reclaimPolicy"] == "Retain"


def test_verify_before_traffic_leaves_search_to_the_check_after_its_rebuild() -> None:
    folders = built("staging-gcp").objects().built()

    def search_indices(folder: str) -> str:
        [job] = folders[folder]
        [search] = job["spec"]["template"]["spec"]["containers"]
        return str(next(e["value"] for e in search["env"] if e["name"] == "SEARCH_INDICES"))

    assert search_indices("dr/staging-gcp/4-verify") == ""
    assert search_indices("dr/staging-gcp/9-verify-search") == "clips users tags games"
