"""AlertmanagerConfig: critical alerts page through the profile's receiver, warnings go there at
lower urgency, keys come from the alertmanager-keys Secret, grouping and repeats are set."""

from __future__ import annotations

import dataclasses
from typing import Any

from clipper_manifests import monitoring
from clipper_manifests.model import Opsgenie, PagerDuty
from tests.unit.test_alert_rules import PLATFORM, profile

SECRET = PLATFORM["secrets"]["alerting"]


def _receivers(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {receiver["name"]: receiver for receiver in config["receivers"]}


def test_pagerduty_profile_pages_critical_and_sends_warnings_at_low_severity() -> None:
    chosen = profile("prod-aws")
    assert chosen.monitoring.alerting.receiver == "pagerduty"
    receivers = _receivers(monitoring.alertmanager_config(chosen, PLATFORM))
    critical, warning = receivers["critical"]["pagerdutyConfigs"][0], receivers["warning"]["pagerdutyConfigs"][0]
    assert critical["routingKey"] == warning["routingKey"] == {"name": SECRET, "key": "pagerduty"}
    assert (critical["severity"], warning["severity"]) == ("critical", "warning")
    assert "opsgenieConfigs" not in receivers["critical"]


def test_opsgenie_profile_uses_the_api_key_and_priorities() -> None:
    chosen = profile("prod-do")
    assert chosen.monitoring.alerting.receiver == "opsgenie"
    receivers = _receivers(monitoring.alertmanager_config(chosen, PLATFORM))
    critical, warning = receivers["critical"]["opsgenieConfigs"][0], receivers["warning"]["opsgenieConfigs"][0]
    assert critical["apiKey"] == warning["apiKey"] == {"name": SECRET, "key": "opsgenie"}
    assert (critical["priority"], warning["priority"]) == ("P1", "P3")
    assert critical["apiURL"] == "https://api.eu.opsgenie.com/"
    assert critical["responders"] == [{"type": "team", "name": "clipper-platform"}]


def test_route_groups_repeats_and_sends_critical_to_the_paging_receiver() -> None:
    chosen = profile("staging-aws")
    alerting = chosen.monitoring.alerting
    config = monitoring.alertmanager_config(chosen, PLATFORM)
    route = config["route"]
    assert route["groupBy"] == list(alerting.group_by) and route["groupWait"] and route["groupInterval"]
    assert route["receiver"] == "warning" and route["repeatInterval"] == alerting.repeat_interval.warning == "24h"
    [critical] = route["routes"]
    assert critical["matchers"] == [{"name": "severity", "value": "critical"}]
    assert critical["receiver"] == "critical" and critical["repeatInterval"] == alerting.repeat_interval.critical
    assert {route["receiver"], critical["receiver"]} <= set(_receivers(config))


def test_switching_the_receiver_changes_only_the_receivers() -> None:
    chosen = profile("prod-aws")
    alerting = dataclasses.replace(chosen.monitoring.alerting, receiver="opsgenie", opsgenie=Opsgenie(), pagerduty=PagerDuty())
    switched = dataclasses.replace(chosen, monitoring=dataclasses.replace(chosen.monitoring, alerting=alerting))
    before, after = monitoring.alertmanager_config(chosen, PLATFORM), monitoring.alertmanager_config(switched, PLATFORM)
    assert before["route"] == after["route"] and before["inhibitRules"] == after["inhibitRules"]
    assert _receivers(after)["critical"]["opsgenieConfigs"][0]["apiURL"] == "https://api.opsgenie.com/"
