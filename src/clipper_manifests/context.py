"""What templates see: the platform facts, and for overlays the profile plus derived values."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from clipper_manifests.errors import Location, TemplateError
from clipper_manifests.model import Profile, Resources
from clipper_manifests.yamlio import YamlSyntaxError, load_documents

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
    return {"platform": platform, "provider": provider}


def overlay_context(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    return {
        "platform": platform,
        "provider": profile.provider,
        "profile": profile,
        "api_environment": api_environment(profile, platform),
        "resources_spec": resources_spec,
    }


def resources_spec(resources: Resources) -> dict[str, Any]:
    def quantities(cpu: str | None, memory: str) -> dict[str, str]:
        return {"cpu": cpu, "memory": memory} if cpu else {"memory": memory}

    return {
        "requests": quantities(resources.requests.cpu, resources.requests.memory),
        "limits": quantities(resources.limits.cpu, resources.limits.memory),
    }


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
        **data_service_environment(profile),
        "EMBEDDING_ENABLED": _flag(profile.app.embedding.enabled),
        "EMBEDDING_MODEL": profile.app.embedding.model,
        "SENTRY_ENVIRONMENT": profile.environment,
    }
    for name, enabled in sorted(profile.app.features.items()):
        env[f"FEATURE_{name}"] = _flag(enabled)
    if profile.app.telemetry_otlp_endpoint:
        env["TELEMETRY_OTLP_ENDPOINT"] = profile.app.telemetry_otlp_endpoint
    return env


def data_service_environment(profile: Profile) -> dict[str, str]:
    """DB_*, REDIS_* and OPENSEARCH_URL from the data-tier choice of the profile."""
    postgres, redis, search = profile.postgres.managed, profile.redis.managed, profile.opensearch.managed
    if postgres is None or redis is None or search is None:
        raise TemplateError("managed data services need their `managed:` endpoints", location=None)
    return {
        "DB_HOST": postgres.endpoint,
        "DB_PORT": str(postgres.port),
        "DB_USER": profile.postgres.user,
        "DB_NAME": profile.postgres.database,
        "DB_SSLMODE": postgres.ssl_mode,
        "REDIS_HOST": redis.endpoint,
        "REDIS_PORT": str(redis.port),
        # Redis Cluster only has database 0.
        "REDIS_DB": "0",
        "OPENSEARCH_URL": search.url.rstrip("/"),
    }


def _flag(value: bool) -> str:
    return "true" if value else "false"
