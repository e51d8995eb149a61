"""What templates see: the platform facts, and for overlays the profile plus derived values."""

from __future__ import annotations

from typing import Any

from clipper_manifests.dr import values as dr_values
from clipper_manifests.profile.model import Profile
from clipper_manifests.values import backup_check, data_tier, external_secrets, flux_stages, ingress, monitoring, network
from clipper_manifests.values.application import api_environment, ingress_paths, migration_env, migration_job_name, resources_spec


def shared_context(platform: dict[str, Any], provider: str | None = None) -> dict[str, Any]:
    """Base and component templates: nothing profile-specific, so every profile shares them."""
    return {"platform": platform, "provider": provider, "migration_env": migration_env(platform, "/migrations")}


def overlay_context(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    return {
        **shared_context(platform, profile.provider),
        "profile": profile,
        "api_environment": api_environment(profile, platform),
        "resources_spec": resources_spec,
        "migration_env": migration_env(platform, profile.migrations.path),
        "migration_job_name": migration_job_name(profile),
        "ingress_paths": ingress_paths(platform),
        "flux_stages": flux_stages.stages,
        "flux_chart_path": flux_stages.chart_path(profile),
        "data": data_tier.context(profile, platform),
        "external_secrets": external_secrets.template_context(profile, platform),
        "network": network.template_context(profile, platform),
        "monitoring": monitoring.template_context(profile, platform),
        "dr": dr_values.template_context(profile, platform),
        "backup_check": backup_check.template_context(profile, platform),
        "ingress": ingress.template_context(profile, platform),
    }
