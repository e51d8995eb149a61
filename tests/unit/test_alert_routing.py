"""AlertmanagerConfig: critical alerts page through the profile's receiver, warnings go there at
lower urgency, keys come from the alertmanager-keys Secret, grouping and repeats are set."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import yaml

from clipper_manifests.profile.model_monitoring import Opsgenie, PagerDuty
from clipper_manifests.values import alert_routing, monitoring_stack
from tests import alertmanager_routing
from tests.conftest import SHARED
from tests.unit.test_alert_rules import PLATFORM, profile

SECRET = PLATFORM["secrets"]["alerting"]


def _receivers(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {receiver["name"]: receiver for receiver in config["receivers"]}


def test_pagerduty_profile_pages_critical_and_sends_warnings_at_low_severity() -> None:
    chosen = profile("prod-aws")
    assert chosen.monitoring.alerting.receiver == "pagerduty"
    receivers = _receivers(alert_routing.alertmanager_config(chosen, PLATFORM))
    critical, warning = receivers["critical"]["pagerdutyConfigs"][0], receivers["warning"]["pagerdutyConfigs"][0]
    assert critical["routingKey"] == warning["routingKey"] == {"name": SECRET, "key": "pagerduty"}
    assert (critical["severity"], warning["severity"]) == ("critical", "warning")
    assert "opsgenieConfigs" not in receivers["critical"]


def test_opsgenie_profile_uses_the_api_key_and_priorities() -> None:
    chosen = profile("prod-do")
    assert chosen.monitoring.alerting.receiver == "opsgenie"
    receivers = _receivers(alert_routing.alertmanager_config(chosen, PLATFORM))
    critical, warning = receivers["critical"]["opsgenieConfigs"][0], receivers["warning"]["opsgenieConfigs"][0]
    assert critical["apiKey"] == warning["apiKey"] == {"name": SECRET, "key": "opsgenie"}
    assert (critical["priority"], warning["priority"]) == ("P1", "P3")
    assert critical["apiURL"] == "https://api.eu.opsgenie.com/"
    assert critical["responders"] == [{"type": "team", "name": "clipper-platform"}]


def test_route_groups_repeats_and_sends_critical_to_the_paging_receiver() -> None:
    chosen = profile("staging-aws")
    alerting = chosen.monitoring.alerting
    config = alert_routing.alertmanager_config(chosen, PLATFORM)
    route = config["route"]
    assert route["groupBy"] == list(alerting.group_by) and route["groupWait"] and route["groupInterval"]
    assert route["receiver"] == "warning" and route["repeatInterval"] == alerting.repeat_interval.warning == "24h"
    [critical] = [r for r in route["routes"] if r["receiver"] == "critical"]
    assert critical["matchers"] == [{"name": "severity", "value": "critical"}]
    assert critical["receiver"] == "critical" and critical["repeatInterval"] == alerting.repeat_interval.critical
    assert {route["receiver"], critical["receiver"]} <= set(_receivers(config))


def test_switching_the_receiver_changes_only_the_receivers() -> None:
    chosen = profile("prod-aws")
    alerting = dataclasses.replace(chosen.monitoring.alerting, receiver="opsgenie", opsgenie=Opsgenie(), pagerduty=PagerDuty())
    switched = dataclasses.replace(chosen, monitoring=dataclasses.replace(chosen.monitoring, alerting=alerting))
    before, after = alert_routing.alertmanager_config(chosen, PLATFORM), alert_routing.alertmanager_config(switched, PLATFORM)
    assert before["route"] == after["route"] and before["inhibitRules"] == after["inhibitRules"]
    assert _receivers(after)["critical"]["opsgenieConfigs"][0]["apiURL"] == "https://api.opsgenie.com/"


# The chart's base configuration (kube-prometheus-stack values.yaml `alertmanager.config`): its
# root and its one route, Watchdog's, lead to `null`.
CHART_BASE = {
    "route": {"receiver": "null", "routes": [{"receiver": "null", "matchers": ['alertname = "Watchdog"']}]},
    "receivers": [{"name": "null"}],
}
PLATFORM_ALERTS = [
    # kube-prometheus-stack's default rules: what breaks under the application.
    ({"alertname": "KubePersistentVolumeFillingUp", "severity": "critical", "namespace": "monitoring"}, "critical"),
    ({"alertname": "NodeFilesystemSpaceFillingUp", "severity": "warning", "instance": "10.0.1.5:9100"}, "warning"),
    ({"alertname": "KubeNodeNotReady", "severity": "warning", "node": "ip-10-0-1-5"}, "warning"),
    ({"alertname": "PrometheusNotConnectedToAlertmanagers", "severity": "warning", "namespace": "monitoring"}, "warning"),
    ({"alertname": "AlertmanagerFailedToSendAlerts", "severity": "warning", "namespace": "monitoring"}, "warning"),
    ({"alertname": "ClipperApiDown", "severity": "critical", "component": "api", "namespace": "clipper"}, "critical"),
]


def _stack_alertmanager(name: str) -> dict[str, Any]:
    spec: dict[str, Any] = monitoring_stack.stack_values(profile(name), "clipper-ssd")["alertmanager"]["alertmanagerSpec"]
    return spec


def _reached(name: str, alert: dict[str, str]) -> list[str]:
    spec = alert_routing.alertmanager_config(profile(name), PLATFORM)
    strategy = _stack_alertmanager(name).get("alertmanagerConfigMatcherStrategy", {}).get("type", "OnNamespace")
    names = alertmanager_routing.receivers(alert, spec, profile(name).namespace, strategy, CHART_BASE)
    return alertmanager_routing.notifying(names, spec, CHART_BASE)


@pytest.mark.parametrize(("alert", "receiver"), PLATFORM_ALERTS, ids=[alert["alertname"] for alert, _ in PLATFORM_ALERTS])
def test_the_platforms_own_alerts_reach_the_on_call_once(alert: dict[str, str], receiver: str) -> None:
    assert _reached("prod-aws", alert) == [receiver]


def test_watchdog_pings_the_dead_mans_switch_every_minute_and_info_alerts_notify_nobody() -> None:
    assert _reached("prod-gcp", {"alertname": "Watchdog", "severity": "none"}) == ["heartbeat"]
    assert _reached("prod-gcp", {"alertname": "CPUThrottlingHigh", "severity": "info", "namespace": "clipper"}) == []
    assert _reached("prod-gcp", {"alertname": "InfoInhibitor", "severity": "none", "namespace": "clipper"}) == []
    config = alert_routing.alertmanager_config(profile("prod-gcp"), PLATFORM)
    [heartbeat] = [r for r in config["receivers"] if r["name"] == "heartbeat"]
    assert heartbeat["webhookConfigs"] == [{"urlSecret": {"name": SECRET, "key": "heartbeat"}, "sendResolved": False}]
    [route] = [r for r in config["route"]["routes"] if r["receiver"] == "heartbeat"]
    assert route["repeatInterval"] == route["groupInterval"] == "1m"


def test_only_the_application_namespace_may_route_every_alert() -> None:
    spec = _stack_alertmanager("staging-do")
    assert spec["alertmanagerConfigNamespaceSelector"] == {"matchLabels": {"kubernetes.io/metadata.name": "clipper"}}


def test_a_platform_critical_does_not_mute_unrelated_platform_warnings() -> None:
    [rule] = alert_routing.alertmanager_config(profile("prod-aws"), PLATFORM)["inhibitRules"]
    assert {"name": "component", "value": ".+", "matchType": "=~"} in rule["sourceMatch"]


@pytest.mark.shared("charts")
def test_the_chart_base_configuration_is_the_one_the_pinned_chart_ships() -> None:
    values = yaml.safe_load((SHARED / "charts" / "kube-prometheus-stack" / "values.yaml").read_text(encoding="utf-8"))
    base = values["alertmanager"]["config"]
    assert {"receiver": base["route"]["receiver"], "routes": base["route"]["routes"]} == CHART_BASE["route"]
    assert base["receivers"] == CHART_BASE["receivers"]
