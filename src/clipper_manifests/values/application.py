"""The application's values: API environment and ConfigMap, migration env and Job name, ingress paths."""

from __future__ import annotations

import re
from typing import Any

from clipper_manifests.profile.model import Profile
from clipper_manifests.profile.model_workloads import Resources
from clipper_manifests.values import data_tier


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
