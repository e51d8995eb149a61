"""The `monitoring` value templates see: scrape targets, alert rules, routing, dashboards, the stack."""

from __future__ import annotations

from typing import Any

from clipper_manifests import alerts, dashboards, monitoring, monitoring_network
from clipper_manifests.profile.model import Profile


def template_context(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    settings = profile.monitoring
    return {
        "labels": monitoring.object_labels(profile, platform),
        "targets": monitoring.scrape_targets(profile, platform),
        "rules": [(group.name, alerts.prometheus_rule_spec(profile, group)) for group in alerts.rule_groups(profile, platform)],
        "alertmanager_config": monitoring.alertmanager_config(profile, platform),
        "dashboards": dashboards.config_maps(profile, platform),
        "dashboard_labels": {
            "app.kubernetes.io/part-of": platform["partOf"],
            settings.grafana.dashboard_label: settings.grafana.dashboard_label_value,
        },
        "dashboard_folder_annotation": monitoring.DASHBOARD_FOLDER_ANNOTATION,
        "releases": monitoring.stack_releases(profile, platform),
        "loki_push_url": f"{monitoring.loki_url(profile)}/loki/api/v1/push",
        "network_policies": monitoring_network.policies(profile, platform),
    }
