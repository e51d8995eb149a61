"""What templates see: the platform facts, and for overlays the profile plus derived values."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from clipper_manifests import dr
from clipper_manifests.errors import Location, TemplateError
from clipper_manifests.profile.model import Profile
from clipper_manifests.profile.model_workloads import Resources
from clipper_manifests.values import backup_check, data_tier, external_secrets, flux_stages, ingress, monitoring, network
from clipper_manifests.yaml.read import YamlSyntaxError, load_documents

PLATFORM_FILE = "platform.yaml"


@cache
def load_platform(templates: Path) -> dict[str, Any]:
    """templates/platform.yaml: application facts shared by every profile."""
    path = templates / PLATFORM_FILE
    try:
        documents = load_documents(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TemplateError(f"{path} is missing", location=Location(path), hint="it holds the platform facts templates use") from None
    except YamlSyntaxError as error:
        raise TemplateError(f"invalid YAML: {error.message}", location=Location(path, error.line, error.column)) from None
    if len(documents) != 1 or not isinstance(documents[0], dict):
        raise TemplateError("must hold one YAML mapping", location=Location(path, 1, 1))
    platform: dict[str, Any] = documents[0]
    return platform


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
        "dr": dr.template_context(profile, platform),
        "backup_check": backup_check.template_context(profile, platform),
        "ingress": {
            "chart": ingress.controller_chart(profile),
            "values": ingress.controller_values(profile, platform),
            "service": ingress.controller_service(profile),
            "charts": ingress.charts_needed(profile),
            "backend_config": ingress.BACKEND_CONFIG,
            "health": ingress.controller_health(profile, platform),
            "depends_on": ingress.depends_on(profile),
        },
    }


def ingress_paths(platform: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Routing on the public host (platform.md): API paths first, everything else to the frontend."""

    def path(value: str, kind: str, service: str) -> dict[str, Any]:
        return {"path": value, "pathType": kind, "backend": {"service": {"name": service, "port": {"name": "http"}}}}

    api, frontend, routes = platform["api"]["name"], platform["frontend"]["name"], platform["ingress"]
    public = [path(prefix, "Prefix", api) for prefix in routes["apiPrefixes"]]
    public += [path(exact, "Exact", api) for exact in routes["apiExact"]]
    public.append(path("/", "Prefix", frontend))
    # No host-less rule: the load balancers health-check the controller itself, and the
    # blackbox probe reaches /health through the public host.
    return {"public": public}


def migration_env(platform: dict[str, Any], path: str) -> list[dict[str, Any]]:
    """golang-migrate's PostgreSQL driver (lib/pq) takes what the URL leaves out from PG*
    variables, so the password never has to be URL-encoded into a command line."""

    def from_config(name: str, key: str) -> dict[str, Any]:
        return {"name": name, "valueFrom": {"configMapKeyRef": {"name": platform["api"]["configMap"], "key": key}}}

    return [
        {"name": "MIGRATIONS_PATH", "value": path},
        from_config("PGHOST", "DB_HOST"),
        from_config("PGPORT", "DB_PORT"),
        from_config("PGUSER", "DB_USER"),
        from_config("PGDATABASE", "DB_NAME"),
        from_config("PGSSLMODE", "DB_SSLMODE"),
        {"name": "PGPASSWORD", "valueFrom": {"secretKeyRef": {"name": platform["api"]["secret"], "key": "DB_PASSWORD"}}},
    ]


def migration_job_name(profile: Profile) -> str:
    """One Job per migrations image version: a new release creates a new Job (Jobs are
    immutable), and Flux prunes the previous one."""
    image = profile.images.migrations
    version = image.tag or (image.digest or "").removeprefix("sha256:")[:12]
    slug = re.sub(r"[^a-z0-9]+", "-", version.lower()).strip("-")
    return f"migrate-{slug}"[:63].rstrip("-")


def resources_spec(resources: Resources) -> dict[str, Any]:
    return resources.as_kubernetes()


def public_origins(profile: Profile) -> list[str]:
    return [f"https://{profile.domain}", *profile.app.extra_cors_origins]


def api_environment(profile: Profile, platform: dict[str, Any]) -> dict[str, str]:
    """The API's plain settings (platform.md): every value a string, as ConfigMaps require."""
    origins = ",".join(public_origins(profile))
    env = {
        "PORT": str(platform["api"]["port"]),
        "GIN_MODE": "release",
        "ENVIRONMENT": profile.environment,
        "BASE_URL": f"https://{profile.domain}",
        "CORS_ALLOWED_ORIGINS": origins,
        "WEBSOCKET_ALLOWED_ORIGINS": origins,
        **data_service_environment(profile, platform),
        "EMBEDDING_ENABLED": _flag(profile.app.embedding.enabled),
        "EMBEDDING_MODEL": profile.app.embedding.model,
        "SENTRY_ENVIRONMENT": profile.environment,
    }
    for name, enabled in sorted(profile.app.features.items()):
        env[f"FEATURE_{name}"] = _flag(enabled)
    if profile.app.telemetry_otlp_endpoint:
        env["TELEMETRY_OTLP_ENDPOINT"] = profile.app.telemetry_otlp_endpoint
    return env


def data_service_environment(profile: Profile, platform: dict[str, Any]) -> dict[str, str]:
    """DB_*, DB_READ_HOSTS, REDIS_* and OPENSEARCH_URL from the data-tier choice of the profile."""
    return data_tier.api_environment(profile, platform)


def _flag(value: bool) -> str:
    return "true" if value else "false"
