"""operator-name-taken: nothing of ours under a name CloudNativePG derives from a Cluster."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from clipper_manifests.pipeline.results import ProfileBuild
from clipper_manifests.rules.policy.objects import Objects, check_policy
from tests.helpers import load, shipped

RULE = "operator-name-taken"


def built(name: str) -> ProfileBuild:
    return shipped(name)


def taken(documents: list[dict[str, Any]]) -> list[str]:
    problems = check_policy(Objects(documents), lambda problem, document: problem, "test")
    return sorted(p.message.split(" is the name")[0] for p in problems if p.rule == RULE)


def cluster(name: str, secret: str | None = None) -> dict[str, Any]:
    bootstrap = {"initdb": {"database": "app", "owner": "app", **({"secret": {"name": secret}} if secret else {})}}
    metadata = {"name": name, "namespace": "clipper"}
    return {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Cluster",
        "metadata": metadata,
        "spec": {"instances": 1, "bootstrap": bootstrap},
    }


def obj(kind: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": kind, "metadata": {"name": name, "namespace": "clipper"}, **extra}


@pytest.mark.parametrize("name", ["staging-aws", "staging-gcp", "staging-do", "prod-do"])
def test_no_shipped_object_takes_a_name_cloudnativepg_owns(name: str) -> None:
    assert taken(built(name).objects().resolved) == []


def test_the_restore_test_runner_has_names_of_its_own() -> None:
    """CloudNativePG names the scratch cluster's ServiceAccount, Role and RoleBinding after it;
    the runner's own must differ, or the operator rewrites them (no token, no delete rights)."""
    documents = built("staging-aws").objects().resolved
    [cron_job] = [d for d in documents if d["kind"] == "CronJob" and d["metadata"]["name"] == "postgres-restore-test"]
    pod = cron_job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    [config_map] = [v for v in pod["volumes"] if "configMap" in v]
    scratch = load(
        next(d for d in documents if d["kind"] == "ConfigMap" and d["metadata"]["name"] == config_map["configMap"]["name"])["data"][
            "cluster.yaml"
        ]
    )
    account = pod["serviceAccountName"]
    assert account != scratch["metadata"]["name"]
    kinds = {(d["kind"], d["metadata"]["name"]) for d in documents}
    assert {("ServiceAccount", account), ("Role", account), ("RoleBinding", account)} <= kinds


def test_objects_under_a_cluster_derived_name_are_reported() -> None:
    scratch = cluster("scratch")
    carrier = obj("ConfigMap", "runner", data={"cluster.yaml": yaml.safe_dump(scratch)})
    documents = [
        cluster("postgres", secret="postgres-app"),
        carrier,
        obj("ServiceAccount", "scratch"),
        obj("Service", "postgres-rw"),
        obj("Secret", "postgres-app"),  # the bootstrap secret: the operator only reads it
        obj("Secret", "postgres-superuser"),
        obj("ServiceAccount", "runner"),
        {**obj("ServiceAccount", "postgres"), "metadata": {"name": "postgres", "namespace": "elsewhere"}},
    ]
    assert taken(documents) == ["Secret postgres-superuser", "Service postgres-rw", "ServiceAccount scratch"]
