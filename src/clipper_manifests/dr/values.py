"""The `dr` value templates see: the DR Jobs' environment and deadlines, the restore test's steps."""

from __future__ import annotations

import json
from typing import Any

from clipper_manifests.dr.objects import (
    COMPONENT,
    EXPECTED_COUNTS,
    JOB_TTL_SECONDS,
    JOBS,
    RESTORE_TEST_LABELS,
    RESTORE_TEST_TTL_SECONDS,
    WORK_DIR,
    base_backup_for_folder,
    restore_for_folder,
    restore_test_name,
    restore_test_runner,
    scratch_cluster,
)
from clipper_manifests.profile.model import Profile
from clipper_manifests.values import postgres
from clipper_manifests.yaml.write import dump_document, kubernetes_order


def postgres_env(platform: dict[str, Any], host: str | None = None) -> list[dict[str, Any]]:
    """libpq's PG* variables from the API's ConfigMap and Secret (psql, pg_isready and
    golang-migrate read them); `host` replaces DB_HOST (the restore test's scratch cluster)."""

    def from_config(name: str, key: str) -> dict[str, Any]:
        return {"name": name, "valueFrom": {"configMapKeyRef": {"name": platform["api"]["configMap"], "key": key}}}

    return [
        {"name": "PGHOST", "value": host} if host else from_config("PGHOST", "DB_HOST"),
        from_config("PGPORT", "DB_PORT"),
        from_config("PGUSER", "DB_USER"),
        from_config("PGDATABASE", "DB_NAME"),
        from_config("PGSSLMODE", "DB_SSLMODE"),
        {"name": "PGPASSWORD", "valueFrom": {"secretKeyRef": {"name": platform["api"]["secret"], "key": "DB_PASSWORD"}}},
    ]


def check_env(profile: Profile, platform: dict[str, Any], search: bool) -> list[dict[str, Any]]:
    """What the database check looks at, as environment variables (the scripts are static text)."""
    facts, verify = platform["dr"], profile.dr.verify
    indices = list(facts["searchIndices"]) if search else []
    env = [
        {"name": "REQUIRED_EXTENSIONS", "value": " ".join(postgres.EXTENSIONS)},
        {"name": "KEY_TABLES", "value": " ".join(facts["keyTables"])},
        {"name": "ROW_TOLERANCE_PERCENT", "value": f"{verify.row_count_tolerance_percent:g}"},
        {"name": "SEARCH_INDICES", "value": " ".join(indices)},
    ]
    return env + [{"name": f"COUNT_SQL_{index}", "value": facts["searchIndices"][index]} for index in indices]


def verify_env(
    profile: Profile, platform: dict[str, Any], host: str | None = None, defer: bool = True, search: bool = False
) -> dict[str, list[dict[str, Any]]]:
    """The environment of each check container. `defer`: a failed check records itself in
    /work/failed and the last container fails the Job (the DR verify Job reports everything
    at once); without it the first failure ends the run (the restore test). `search`: compare
    the search aliases with their tables (after the rebuild; the restore test's scratch cluster
    has no search index of its own)."""
    database = postgres_env(platform, host)
    indices = " ".join(platform["dr"]["searchIndices"]) if search else ""

    def check(name: str) -> list[dict[str, Any]]:
        # WORK_DIR: an emptyDir the containers of one verify pod share (row counts, failures).
        deferred = [{"name": "DEFER_FAILURE", "value": "1"}] if defer else []
        return [{"name": "CHECK", "value": name}, {"name": "WORK_DIR", "value": WORK_DIR}, *deferred]

    return {
        "schema": [{"name": "MIGRATIONS_PATH", "value": profile.migrations.path}, *check("schema"), *database],
        "database": [*check("database"), *database, *check_env(profile, platform, search)],
        "search": [
            {"name": "WORK_DIR", "value": WORK_DIR},
            {"name": "SEARCH_INDICES", "value": indices},
            {"name": "SEARCH_TOLERANCE_PERCENT", "value": f"{profile.dr.verify.search_tolerance_percent:g}"},
        ],
    }


def reembed_command(profile: Profile) -> list[str]:
    command = list(profile.dr.reembed.command)
    return [*command, "-force"] if profile.dr.reembed.force and "-force" not in command else command


def template_context(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    """The `dr` value templates see (overlay and out/dr/ folders)."""
    facts, dr = platform["dr"], profile.dr
    labels = {**facts["podLabels"], "app.kubernetes.io/part-of": platform["partOf"], **COMPONENT}
    scratch = scratch_cluster(profile, platform)
    user = int(facts["runAsUser"])
    return {
        "labels": labels,
        "selector": {"matchLabels": dict(facts["podLabels"])},
        "jobs": JOBS,
        "job_ttl": JOB_TTL_SECONDS,
        "expected_counts": EXPECTED_COUNTS,
        "tools_image": profile.images.tools.reference if profile.images.tools else None,
        "migrations_image": profile.images.migrations.reference,
        "postgres_image": platform["dataServices"]["postgres"]["image"],
        "kubectl_image": facts["kubectlImage"],
        "curl_image": facts["curlImage"],
        "pod_security": {"runAsNonRoot": True, "runAsUser": user, "runAsGroup": user, "seccompProfile": {"type": "RuntimeDefault"}},
        "container_security": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}},
        "postgres_env": postgres_env(platform),
        "reindex": {"command": list(dr.reindex.command), "deadline": dr.reindex.timeout_minutes * 60},
        "reembed": {
            "enabled": profile.app.embedding.enabled,
            "command": reembed_command(profile),
            "deadline": dr.reembed.timeout_minutes * 60,
            # Without -force a second attempt skips the clips that already have an embedding.
            "backoff_limit": 0 if dr.reembed.force else 1,
        },
        "verify": {"job": JOBS["verify"], "deadline": dr.verify.timeout_minutes * 60, **_env_keys(verify_env(profile, platform))},
        "verify_search": {
            "job": JOBS["verify-search"],
            "deadline": dr.verify.timeout_minutes * 60,
            **_env_keys(verify_env(profile, platform, search=True)),
        },
        "base_backup": lambda objects: base_backup_for_folder(objects, profile, platform),
        "restore_cluster": lambda objects: restore_for_folder(objects, profile, platform),
        "restore_test": {
            "enabled": scratch is not None,
            "name": restore_test_name(platform),
            "runner": restore_test_runner(platform),
            "labels": {**RESTORE_TEST_LABELS, "app.kubernetes.io/part-of": platform["partOf"], **COMPONENT},
            "selector": {"matchLabels": dict(RESTORE_TEST_LABELS)},
            "cluster_selector": {"matchLabels": {"cnpg.io/cluster": restore_test_name(platform)}},
            "cluster_yaml": dump_document(kubernetes_order(scratch)) if scratch else "",
            "schedule": dr.restore_test.schedule,
            "deadline": dr.restore_test.timeout_minutes * 60,
            # The checks after the restore get the last ten minutes of the deadline.
            "kubectl_steps": restore_test_steps(restore_test_name(platform), max(dr.restore_test.timeout_minutes - 10, 5) * 60),
            "ttl": RESTORE_TEST_TTL_SECONDS,
            **_env_keys(verify_env(profile, platform, f"{restore_test_name(platform)}-rw", defer=False)),
        },
    }


def restore_test_steps(name: str, wait_seconds: int) -> list[dict[str, Any]]:
    """The restore test's kubectl init containers, in order (the kubectl image has no shell:
    one command each; Kubernetes expands $(JOB_NAME) and $(JOB_UID) in the arguments)."""
    resource = "clusters.postgresql.cnpg.io"
    home = [{"name": "HOME", "value": "/tmp"}]  # kubectl's cache; the root filesystem is read-only
    owner = {"apiVersion": "batch/v1", "kind": "Job", "name": "$(JOB_NAME)", "uid": "$(JOB_UID)"}
    job_labels = {"JOB_NAME": "batch.kubernetes.io/job-name", "JOB_UID": "batch.kubernetes.io/controller-uid"}
    downward = [{"name": key, "valueFrom": {"fieldRef": {"fieldPath": f"metadata.labels['{label}']"}}} for key, label in job_labels.items()]
    return [
        # A leftover scratch cluster (from a run started by hand) goes first.
        {"name": "reset", "args": ["delete", resource, name, "--ignore-not-found", "--wait", "--timeout=10m"], "env": home},
        {"name": "create", "args": ["create", "--filename=/etc/restore-test/cluster.yaml"], "env": home},
        # Owned by the Job: Kubernetes deletes the scratch cluster (and its volumes) with it.
        {
            "name": "own",
            "args": ["patch", resource, name, "--type=merge", "--patch=" + json.dumps({"metadata": {"ownerReferences": [owner]}})],
            "env": home + downward,
        },
        {"name": "wait", "args": ["wait", "--for=condition=Ready", f"{resource}/{name}", f"--timeout={wait_seconds}s"], "env": home},
    ]


def _env_keys(env: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    return {f"{name}_env": value for name, value in env.items()}
