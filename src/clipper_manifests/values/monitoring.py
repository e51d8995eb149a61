"""The `monitoring` value templates see: scrape targets, alert rules, routing, dashboards, the stack."""

from __future__ import annotations

from typing import Any

from clipper_manifests.profile.model import Profile
from clipper_manifests.values import (
    alert_routing,
    alerts_platform,
    dashboard_boards,
    monitoring_network,
    monitoring_stack,
    monitoring_targets,
)


def template_context(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    settings = profile.monitoring
    return {
        "labels": monitoring_targets.object_labels(profile, platform),
        "targets": monitoring_targets.scrape_targets(profile, platform),
        "rules": [(group.name, alerts_platform.rule_list(profile, group)) for group in alerts_platform.rule_groups(profile, platform)],
        "alertmanager_config": alert_routing.alertmanager_config(profile, platform),
        "dashboards": dashboard_boards.config_maps(profile, platform),
        "dashboard_labels": {
            "app.kubernetes.io/part-of": platform["partOf"],
            settings.grafana.dashboard_label: settings.grafana.dashboard_label_value,
        },
        "dashboard_folder_annotation": monitoring_targets.DASHBOARD_FOLDER_ANNOTATION,
        "releases": monitoring_stack.stack_releases(profile, platform),
        "loki_push_url": f"{monitoring_stack.loki_url(profile)}/loki/api/v1/push",
        "network_policies": monitoring_network.policies(profile, platform),
    }
