"""run-as-high-uid, service-account-token and no-cpu-limits on hand-made objects: what a
scanner would flag is reported with the rule's id, severity and key path; the platform's
decisions and their named exceptions are not."""

from __future__ import annotations

from typing import Any

from clipper_manifests.problems import Problem
from clipper_manifests.rules.policy.objects import Objects, check_policy

Doc = dict[str, Any]
RULES = {"run-as-high-uid", "service-account-token", "no-cpu-limits"}


def job(name: str = "work", image: str = "ghcr.io/example/tool:v1", uid: int | None = 65532, **pod: Any) -> Doc:
    container: Doc = {
        "name": "main",
        "image": image,
        "resources": {"requests": {"cpu": "10m", "memory": "8Mi"}, "limits": {"memory": "8Mi"}},
    }
    context = {} if uid is None else {"runAsUser": uid}
    spec = {"securityContext": context, "containers": [container], "automountServiceAccountToken": False, **pod}
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name}, "spec": {"template": {"spec": spec}}}


def findings(*documents: Doc) -> list[tuple[str, str, str]]:
    def locate(problem: Problem, document: Doc) -> Problem:
        return problem

    problems = check_policy(Objects(list(documents)), locate, "test")
    return [(p.rule, p.severity.value, p.path or "") for p in problems if p.rule in RULES]


def test_the_decisions_pass() -> None:
    assert findings(job()) == []


def test_a_low_or_unset_uid_is_reported() -> None:
    assert findings(job(uid=101)) == [("run-as-high-uid", "error", "spec.template.spec.containers[0].securityContext.runAsUser")]
    assert findings(job(uid=None))[0][0] == "run-as-high-uid"


def test_an_image_whose_files_belong_to_a_low_uid_is_an_exception() -> None:
    assert findings(job(image="opensearchproject/opensearch:2.11.1", uid=1000)) == []
    assert findings(job(image="quay.io/opstree/redis:v8.2.2@sha256:" + "a" * 64, uid=1000)) == []


def test_a_mounted_token_is_reported_unless_the_pod_calls_the_api() -> None:
    mounted = job(automountServiceAccountToken=True)
    assert findings(mounted) == [("service-account-token", "error", "spec.template.spec.automountServiceAccountToken")]
    restore_test = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "postgres-restore-test"},
        "spec": {"jobTemplate": {"spec": {"template": mounted["spec"]["template"]}}},
    }
    assert findings(restore_test) == []


def test_a_service_account_that_mounts_its_token_is_reported() -> None:
    account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "api"}}
    assert findings(account) == [("service-account-token", "error", "automountServiceAccountToken")]
    assert findings({**account, "automountServiceAccountToken": False}) == []


def redis(**spec: Any) -> Doc:
    security = {"runAsUser": 1000}
    base = {
        "kubernetesConfig": {"image": "quay.io/opstree/redis:v8.2.2", "resources": {"requests": {"cpu": "10m"}}},
        "podSecurityContext": {"runAsUser": 1000},
        "redisLeader": {"securityContext": security},
        "redisFollower": {"securityContext": security},
        "redisExporter": {"enabled": True, "image": "quay.io/opstree/redis-exporter:v1.48.0", "securityContext": {"runAsUser": 65532}},
        "serviceAccountName": "redis",
    }
    return {
        "apiVersion": "redis.redis.opstreelabs.in/v1beta2",
        "kind": "RedisCluster",
        "metadata": {"name": "redis"},
        "spec": {**base, **spec},
    }


def test_the_operator_made_redis_pods_are_judged_too() -> None:
    account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "redis"}, "automountServiceAccountToken": False}
    assert findings(redis(), account) == []
    assert findings(redis()) == [("service-account-token", "error", "spec.serviceAccountName")]
    low_exporter = redis(redisExporter={"enabled": True, "image": "quay.io/opstree/redis-exporter:v1.48.0"})
    assert findings(low_exporter, account) == [("run-as-high-uid", "error", "spec.redisExporter.securityContext.runAsUser")]


def test_a_cpu_limit_is_a_warning_wherever_it_is_set() -> None:
    limited = job()
    limited["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"] = "1"
    assert findings(limited) == [("no-cpu-limits", "warning", "spec.template.spec.containers[0].resources.limits.cpu")]
    capped = redis(kubernetesConfig={"image": "quay.io/opstree/redis:v8.2.2", "resources": {"limits": {"cpu": "1"}}})
    account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "redis"}, "automountServiceAccountToken": False}
    assert findings(capped, account) == [("no-cpu-limits", "warning", "spec.kubernetesConfig.resources.limits.cpu")]
