"""Disaster recovery of a profile: the objects of out/dr/<profile>/ and the monthly restore test.

The recovery's steps that apply objects each have their own Kustomize folder, applied one after
the other by hand (`clipper-manifests dr-plan` prints the commands), numbered like the runbook's
steps (dr/budget.py): restore (in-cluster PostgreSQL: a CloudNativePG Cluster bootstrapped from the
object store), verify (before traffic), backup (in-cluster: the restored cluster's first base
backup, before traffic), then, with traffic back, reindex, reembed and verify-search.

Restore keeps the Cluster's name, so postgres-rw, the postgres-app Secret, the NetworkPolicies
and the monitors that select `cnpg.io/cluster: postgres` all keep working. It reads the
current archive folder (Barman's server name) and writes its own WAL to the next one,
`<cluster>-r<n>`: CloudNativePG refuses to archive into a folder that already holds WAL, and
the old folder must stay intact as the source of the restore.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from clipper_manifests.dr import budget
from clipper_manifests.profile.model import Profile
from clipper_manifests.values import postgres

# The steps with a folder (templates/dr/<step>), in runbook order.
FOLDER_STEPS = ("restore", "verify", "backup", "reindex", "reembed", "verify-search")
ORIGIN = "origin"  # the externalClusters entry a recovery reads from
JOBS = {"reindex": "dr-reindex", "reembed": "dr-reembed", "verify": "dr-verify", "verify-search": "dr-verify-search"}
EXPECTED_COUNTS = "dr-expected-counts"  # optional ConfigMap: the operator's row counts, key = table
COMPONENT = {"app.kubernetes.io/component": "disaster-recovery"}
RESTORE_TEST_LABELS = {"app.kubernetes.io/name": "restore-test"}
WORK_DIR = "/work"  # the verify pod's shared emptyDir
JOB_TTL_SECONDS = 86400  # a finished DR Job (and its logs) stays a day
RESTORE_TEST_TTL_SECONDS = 6 * 3600  # the scratch cluster is deleted with its Job


def step_folder(profile: Profile, step: str) -> str:
    """out/dr/<profile>/<n>-<step>, n being the step's number in the runbook (a step this
    profile does not run gets a folder name all the same; its template renders nothing)."""
    steps = budget.budget(profile)
    number = steps.number(step) if any(item.key == step for item in steps.steps) else 0
    return f"dr/{profile.name}/{number}-{step}"


def base_backup_name(server_name: str) -> str:
    """The Backup a restored cluster takes before traffic resumes, named after its new archive
    folder, so each recovery's is its own."""
    return f"{server_name}-base"


def cluster_name(platform: dict[str, Any]) -> str:
    return str(platform["dataServices"]["postgres"]["name"])


def restore_test_name(platform: dict[str, Any]) -> str:
    return f"{cluster_name(platform)}-restore-test"


def restore_test_runner(platform: dict[str, Any]) -> str:
    """The restore test's own ServiceAccount, Role, RoleBinding and ConfigMap. Not the scratch
    cluster's name: CloudNativePG gives that to the instances' ServiceAccount, Role and
    RoleBinding and would rewrite ours (operator-name-taken)."""
    return f"{restore_test_name(platform)}-runner"


def next_name(current: str, attempt: int = 1) -> str:
    """The next generation of an archive folder or a managed instance: postgres → postgres-r1,
    postgres-r1 → postgres-r2. A second attempt after a failed one needs yet another (attempt 2
    → one further): the failed attempt's folder is no longer empty."""
    match = re.fullmatch(r"(?P<base>.+)-r(?P<generation>[0-9]+)", current)
    base, generation = (match["base"], int(match["generation"])) if match else (current, 0)
    return f"{base}-r{generation + attempt}"


def live_cluster(objects: list[dict[str, Any]], platform: dict[str, Any]) -> dict[str, Any] | None:
    """The overlay's CloudNativePG Cluster (None for a managed database)."""
    for document in objects:
        if (
            document.get("kind") == "Cluster"
            and str(document.get("apiVersion", "")).startswith("postgresql.cnpg.io/")
            and document["metadata"]["name"] == cluster_name(platform)
        ):
            return document
    return None


def _origin(archiver: dict[str, Any], server_name: str) -> dict[str, Any]:
    parameters = {"barmanObjectName": archiver["parameters"]["barmanObjectName"], "serverName": server_name}
    return {"name": ORIGIN, "plugin": {"name": archiver["name"], "parameters": parameters}}


def restore_cluster(
    live: dict[str, Any], profile: Profile, platform: dict[str, Any], target_time: str | None = None, attempt: int = 1
) -> dict[str, Any]:
    """The live Cluster, bootstrapped from its backups instead of initdb: to the end of the WAL
    archive, or to `target_time` (RFC 3339). Everything else stays as Flux will apply it."""
    cluster = copy.deepcopy(live)
    spec = cluster["spec"]
    initdb = spec["bootstrap"]["initdb"]
    # The owner keeps the password of the postgres-app Secret (reset after the restore).
    recovery: dict[str, Any] = {"source": ORIGIN, "database": initdb["database"], "owner": initdb["owner"], "secret": initdb["secret"]}
    if target_time:
        recovery["recoveryTarget"] = {"targetTime": target_time}
    spec["bootstrap"] = {"recovery": recovery}
    archiver = next(plugin for plugin in spec["plugins"] if plugin.get("isWALArchiver"))
    current = postgres.archive_server_name(profile, platform)
    spec["externalClusters"] = [_origin(archiver, current)]
    archiver["parameters"]["serverName"] = next_name(current, attempt)
    return cluster


def scratch_cluster(profile: Profile, platform: dict[str, Any]) -> dict[str, Any] | None:
    """The restore test's throw-away Cluster: one instance restored from the latest backup, no
    WAL archiver (it must never write to the bucket), the live cluster's image, sizes and
    cloud identity (whose trust policy must also admit this cluster's service account)."""
    in_cluster = profile.postgres.in_cluster
    if profile.postgres.mode != "in-cluster" or in_cluster is None or in_cluster.storage is None or in_cluster.resources is None:
        return None
    name = restore_test_name(platform)
    # Its own class, reclaimPolicy Delete: the live class keeps volumes (Retain), which would
    # leave a scratch cluster's volumes behind every month.
    storage = {"storageClass": platform["scratchStorageClass"], "size": in_cluster.storage.size}
    spec: dict[str, Any] = {
        "description": "Monthly restore test of the latest backup; deleted with its Job",
        "imageName": platform["dataServices"]["postgres"]["image"],
        "instances": 1,
        "enableSuperuserAccess": False,
        "storage": storage,
    }
    if in_cluster.storage.wal_size:
        spec["walStorage"] = {**storage, "size": in_cluster.storage.wal_size}
    spec["resources"] = in_cluster.resources.as_kubernetes()
    spec["bootstrap"] = {
        "recovery": {
            "source": ORIGIN,
            "database": profile.postgres.database,
            "owner": profile.postgres.user,
            "secret": {"name": platform["secrets"]["postgresApp"]},
        }
    }
    archiver = {"name": postgres.BARMAN_PLUGIN, "parameters": {"barmanObjectName": f"{cluster_name(platform)}-backups"}}
    spec["externalClusters"] = [_origin(archiver, postgres.archive_server_name(profile, platform))]
    annotations = postgres.backup_identity_annotations(profile)
    if annotations:
        spec["serviceAccountTemplate"] = {"metadata": {"annotations": annotations}}
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": platform["partOf"], **COMPONENT}
    metadata = {"name": name, "namespace": profile.namespace, "labels": labels}
    return {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster", "metadata": metadata, "spec": spec}


def base_backup(live: dict[str, Any], profile: Profile, platform: dict[str, Any], attempt: int = 1) -> dict[str, Any]:
    """The restored cluster's first base backup: until it completes, its new archive folder has
    WAL but nothing to replay it onto, so no point after the restore could be recovered."""
    server = next_name(postgres.archive_server_name(profile, platform), attempt)
    labels = {"app.kubernetes.io/part-of": platform["partOf"], **COMPONENT}
    metadata = {"name": base_backup_name(server), "namespace": profile.namespace, "labels": labels}
    spec = {"cluster": {"name": live["metadata"]["name"]}, "method": "plugin", "pluginConfiguration": {"name": postgres.BARMAN_PLUGIN}}
    return {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Backup", "metadata": metadata, "spec": spec}


def base_backup_for_folder(objects: list[dict[str, Any]], profile: Profile, platform: dict[str, Any]) -> dict[str, Any] | None:
    live = live_cluster(objects, platform)
    return base_backup(live, profile, platform) if live is not None else None


def restore_for_folder(objects: list[dict[str, Any]], profile: Profile, platform: dict[str, Any]) -> dict[str, Any] | None:
    live = live_cluster(objects, platform)
    return restore_cluster(live, profile, platform) if live is not None else None
