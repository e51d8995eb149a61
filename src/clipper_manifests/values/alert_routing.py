"""The Alertmanager routing tree: receivers, inhibition, the heartbeat route."""

from __future__ import annotations

from typing import Any

from clipper_manifests.profile.model import Profile
from clipper_manifests.values.monitoring_targets import COMPONENT_LABEL


def _equals(name: str, value: str) -> dict[str, str]:
    # No `matchType: "="`: equality is the default, and a bare `=` is YAML 1.1's value tag, which
    # PyYAML cannot load from `kubectl kustomize` output (Go writes it unquoted).
    return {"name": name, "value": value}


def _receiver(profile: Profile, platform: dict[str, Any], severity: str) -> dict[str, Any]:
    alerting, secret = profile.monitoring.alerting, platform["secrets"]["alerting"]
    if alerting.receiver == "pagerduty":
        config: dict[str, Any] = {
            "routingKey": {"name": secret, "key": "pagerduty"},
            # PagerDuty maps the event severity to urgency: warnings do not page at night.
            "severity": severity,
            "class": "{{ .CommonLabels.alertname }}",
            "component": "{{ .CommonLabels.component }}",
            "group": profile.cluster.name,
            "details": [
                {"key": "environment", "value": profile.environment},
                {"key": "runbook", "value": "{{ .CommonAnnotations.runbook_url }}"},
            ],
            "sendResolved": True,
        }
        if alerting.pagerduty is not None and alerting.pagerduty.url:
            config["url"] = alerting.pagerduty.url
        return {"name": severity, "pagerdutyConfigs": [config]}
    assert alerting.opsgenie is not None, "the profile schema requires alerting.opsgenie with receiver opsgenie"
    opsgenie = alerting.opsgenie
    config = {
        "apiKey": {"name": secret, "key": "opsgenie"},
        "apiURL": opsgenie.api_url,
        "priority": opsgenie.critical_priority if severity == "critical" else opsgenie.warning_priority,
        "message": "[{{ .CommonLabels.severity }}] {{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}",
        "tags": f"clipper,{profile.environment},{profile.cluster.name}",
        "details": [{"key": "runbook", "value": "{{ .CommonAnnotations.runbook_url }}"}],
        "sendResolved": True,
    }
    if opsgenie.responders:
        config["responders"] = [{"type": item.type, "name": item.name} for item in opsgenie.responders]
    return {"name": severity, "opsgenieConfigs": [config]}


# Always firing (kube-prometheus-stack's `general` rules): while notifications about it arrive,
# the whole path Prometheus → Alertmanager → internet works. A dead-man's-switch service
# (Healthchecks.io, Dead Man's Snitch, Cronitor, ...) pages through the on-call service when the
# pings stop; its ping URL is the `heartbeat` key of alertmanager-keys (it carries a token).
WATCHDOG = "Watchdog"


# The chart's rule that exists only to inhibit `severity=info` alerts; never a notification.
INFO_INHIBITOR = "InfoInhibitor"


HEARTBEAT_KEY = "heartbeat"


HEARTBEAT_INTERVAL = "1m"


SILENT_RECEIVER = "none"


def _heartbeat_route() -> dict[str, Any]:
    # Re-sent every minute while it fires: the service's period can be a few minutes.
    return {
        "receiver": "heartbeat",
        "matchers": [_equals("alertname", WATCHDOG)],
        "groupBy": ["alertname"],
        "groupWait": "0s",
        "groupInterval": HEARTBEAT_INTERVAL,
        "repeatInterval": HEARTBEAT_INTERVAL,
    }


def alertmanager_config(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    """The whole routing tree, for the platform's alerts as much as Clipper's: nodes, volumes
    filling, Prometheus and Alertmanager health reach the on-call too (the chart's own root route
    sends them to a `null` receiver). That works because the Alertmanager adds no
    `namespace=<this namespace>` matcher (`alertmanagerConfigMatcherStrategy: None` in
    stack_values) and reads AlertmanagerConfigs from the application namespace only. The operator
    puts this route first, with `continue: true`, before the chart's routes, which only lead to
    `null`: so every alert is notified once, here."""
    alerting = profile.monitoring.alerting
    secret = platform["secrets"]["alerting"]
    heartbeat = {"name": "heartbeat", "webhookConfigs": [{"urlSecret": {"name": secret, "key": HEARTBEAT_KEY}, "sendResolved": False}]}
    return {
        "route": {
            "receiver": "warning",
            "groupBy": list(alerting.group_by),
            "groupWait": alerting.group_wait,
            "groupInterval": alerting.group_interval,
            "repeatInterval": alerting.repeat_interval.warning,
            "routes": [
                _heartbeat_route(),
                # Info alerts (and the rule that inhibits them) are for dashboards, not people.
                {"receiver": SILENT_RECEIVER, "matchers": [_equals("alertname", INFO_INHIBITOR)]},
                {"receiver": SILENT_RECEIVER, "matchers": [_equals("severity", "info")]},
                {
                    "receiver": "critical",
                    "matchers": [_equals("severity", "critical")],
                    "repeatInterval": alerting.repeat_interval.critical,
                },
            ],
        },
        "receivers": [
            _receiver(profile, platform, "critical"),
            _receiver(profile, platform, "warning"),
            heartbeat,
            {"name": SILENT_RECEIVER},
        ],
        # While a Clipper component pages, its warnings (slow, one target down, ...) add nothing.
        # Only alerts with a component inhibit: for the platform's alerts, which have none, an
        # empty `component` would be "equal" and one critical would mute every warning.
        "inhibitRules": [
            {
                "sourceMatch": [_equals("severity", "critical"), {"name": COMPONENT_LABEL, "value": ".+", "matchType": "=~"}],
                "targetMatch": [_equals("severity", "warning")],
                "equal": [COMPONENT_LABEL],
            }
        ],
    }
