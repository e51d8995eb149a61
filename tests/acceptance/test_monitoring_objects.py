"""The monitoring objects of every shipped profile, as the cluster would receive them."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from clipper_manifests.pipeline.results import ProfileBuild
from clipper_manifests.project import find_project
from clipper_manifests.rules.object_schemas.crds import check_custom_resource
from tests.conftest import REPO
from tests.helpers import shipped

PROFILES = find_project(REPO, None).profile_names()
GROUP = "monitoring.coreos.com/"


def _build(name: str) -> ProfileBuild:
    return shipped(name)


def _objects(name: str) -> list[dict[str, Any]]:
    return [document for documents in _build(name).objects().built().values() for document in documents]


def _monitoring(name: str) -> list[dict[str, Any]]:
    return [document for document in _objects(name) if document["apiVersion"].startswith(GROUP)]


@pytest.mark.parametrize("name", PROFILES)
def test_monitoring_objects_pass_the_upstream_crd_schemas_strictly(name: str) -> None:
    found = _monitoring(name)
    assert {"ServiceMonitor", "PrometheusRule", "AlertmanagerConfig", "Probe"} <= {d["kind"] for d in found}
    for document in found:
        assert check_custom_resource(document, None) == [], f"{document['kind']}/{document['metadata']['name']}"


def test_podmonitors_exist_where_data_services_run_in_the_cluster() -> None:
    kinds = {d["kind"] for name in PROFILES for d in _monitoring(name)}
    assert "PodMonitor" in kinds


def test_a_misspelt_field_fails_the_upstream_schema() -> None:
    monitor = copy.deepcopy(next(d for d in _monitoring("prod-aws") if d["kind"] == "ServiceMonitor"))
    monitor["spec"]["endpoints"][0]["bearerTokenSecrett"] = {"name": "x", "key": "token"}
    assert [p.rule for p in check_custom_resource(monitor, None)] == ["crd-schema"]


@pytest.mark.parametrize("name", PROFILES)
def test_every_monitoring_object_carries_the_label_the_stack_selects(name: str) -> None:
    """The `release:` gotcha: kube-prometheus-stack ignores monitors and rules without its label."""
    release = next(d for d in _objects(name) if d["kind"] == "HelmRelease" and d["metadata"]["name"] == "kube-prometheus-stack")
    values = release["spec"]["values"]
    prometheus, alertmanager = values["prometheus"]["prometheusSpec"], values["alertmanager"]["alertmanagerSpec"]
    selectors = {
        "ServiceMonitor": prometheus["serviceMonitorSelector"],
        "PodMonitor": prometheus["podMonitorSelector"],
        "Probe": prometheus["probeSelector"],
        "PrometheusRule": prometheus["ruleSelector"],
        "AlertmanagerConfig": alertmanager["alertmanagerConfigSelector"],
    }
    # the chart labels its own monitors with its release name: the selector must be that too
    assert selectors["ServiceMonitor"]["matchLabels"] == {"release": release["spec"]["releaseName"]}
    for document in _monitoring(name):
        wanted = selectors[document["kind"]]["matchLabels"]
        assert wanted.items() <= document["metadata"]["labels"].items(), f"{document['kind']}/{document['metadata']['name']}"


def test_the_api_is_scraped_with_the_bearer_token_from_its_secret() -> None:
    monitor = next(d for d in _monitoring("prod-aws") if d["kind"] == "ServiceMonitor" and d["metadata"]["name"] == "clipper-api")
    [endpoint] = monitor["spec"]["endpoints"]
    assert (endpoint["port"], endpoint["path"]) == ("http", "/debug/metrics")
    assert endpoint["authorization"] == {"type": "Bearer", "credentials": {"name": "api-metrics-token", "key": "token"}}
    service = next(d for d in _objects("prod-aws") if d["kind"] == "Service" and d["metadata"]["name"] == "api")
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert "http" in {port["name"] for port in service["spec"]["ports"]}


def test_an_opsgenie_profile_and_a_pagerduty_profile_both_render() -> None:
    receivers: dict[str, set[str]] = {}
    for name in PROFILES:
        config = next(d for d in _monitoring(name) if d["kind"] == "AlertmanagerConfig")
        for receiver in config["spec"]["receivers"]:
            receivers.setdefault(name, set()).update(key for key in receiver if key.endswith("Configs"))
    # Every profile also pings its dead-man's switch (webhookConfigs).
    assert {"opsgenieConfigs", "webhookConfigs"} in receivers.values() and {"pagerdutyConfigs", "webhookConfigs"} in receivers.values()


@pytest.mark.parametrize("name", PROFILES)
def test_logs_go_from_alloy_to_loki_with_the_profile_s_retention(name: str) -> None:
    item = _build(name)
    assert item.profile is not None
    releases = {d["metadata"]["name"]: d for d in _objects(name) if d["kind"] == "HelmRelease"}
    loki = releases["loki"]["spec"]["values"]["loki"]
    assert loki["limits_config"]["retention_period"] == item.profile.monitoring.loki.retention
    assert loki["compactor"]["retention_enabled"] is True
    config = releases["alloy"]["spec"]["values"]["alloy"]["configMap"]["content"]
    namespace = item.profile.monitoring.namespace
    assert f'url = "http://loki.{namespace}.svc.cluster.local:3100/loki/api/v1/push"' in config
    for label in ("namespace", "app", "pod", "container"):
        assert f'target_label  = "{label}"' in config
    assert f'environment = "{item.profile.environment}"' in config
    assert releases["alloy"]["spec"]["values"]["controller"]["type"] == "daemonset"
