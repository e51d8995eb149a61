"""Profile rules: checks a JSON Schema cannot express, each with an id, a rationale and a fix.
These are the core ones (replicas, images, ingress); rules/profile/run.py runs them all."""

from __future__ import annotations

from collections.abc import Iterator

from clipper_manifests.problems import Severity
from clipper_manifests.profile.model import Profile
from clipper_manifests.profile.model_workloads import Image
from clipper_manifests.rules.profile.run import Finding, production_error
from clipper_manifests.rules.registry import ERROR, PRODUCTION_ERROR, PRODUCTION_ONLY, WARNING, Severities, profile_rule

# The seed's production floors; the Helm chart's values schema enforces the same (output/chart_values.py).
PRODUCTION_MIN_API_REPLICAS = 3
PRODUCTION_MIN_FRONTEND_REPLICAS = 2


@profile_rule("prod-api-replicas", PRODUCTION_ONLY, "api.replicas.min", "environment")
def _api_replicas(profile: Profile) -> Iterator[Finding]:
    """Production runs at least 3 API pods (seed: 3+).

    Fix: raise api.replicas.min to 3 or more"""
    floor = PRODUCTION_MIN_API_REPLICAS
    if profile.is_production and profile.api.replicas.min < floor:
        yield ("api", "replicas", "min"), f"{profile.api.replicas.min} is less than the minimum of {floor} for production", Severity.ERROR


@profile_rule("prod-frontend-replicas", PRODUCTION_ONLY, "environment", "frontend.replicas.min")
def _frontend_replicas(profile: Profile) -> Iterator[Finding]:
    """Production runs at least 2 frontend pods (seed: 2+).

    Fix: raise frontend.replicas.min to 2 or more"""
    if profile.is_production and profile.frontend.replicas.min < PRODUCTION_MIN_FRONTEND_REPLICAS:
        yield (
            ("frontend", "replicas", "min"),
            f"{profile.frontend.replicas.min} is less than the minimum of {PRODUCTION_MIN_FRONTEND_REPLICAS} for production",
            Severity.ERROR,
        )


@profile_rule("replica-range", ERROR, "api.replicas", "frontend.replicas")
def _replica_range(profile: Profile) -> Iterator[Finding]:
    """Replica bounds must be ordered.

    Fix: make replicas.min no larger than replicas.max"""
    for section, bounds in (("api", profile.api.replicas), ("frontend", profile.frontend.replicas)):
        if bounds.min > bounds.max:
            yield (section, "replicas"), f"min {bounds.min} is larger than max {bounds.max}", Severity.ERROR


@profile_rule("api-scheduler-fanout", WARNING, "api.replicas.max")
def _scheduler_fanout(profile: Profile) -> Iterator[Finding]:
    """Every API pod runs the background schedulers (no leader election), so many pods multiply that work.

    Fix: keep api.replicas.max at 20 or below unless the schedulers can take it"""
    if profile.api.replicas.max > 20:
        yield ("api", "replicas", "max"), f"{profile.api.replicas.max} API pods would each run the schedulers", Severity.WARNING


@profile_rule(
    "image-pinned",
    Severities.split((Severity.ERROR,), (Severity.ERROR, Severity.WARNING)),
    "environment",
    "images.api",
    "images.frontend",
    "images.migrations",
    "images.tools",
)
def _images_pinned(profile: Profile) -> Iterator[Finding]:
    """Images are pinned by tag or digest; `latest` is never acceptable in production.

    Fix: set images.<name>.tag to a release or images.<name>.digest"""
    images: dict[str, Image] = {"api": profile.images.api, "frontend": profile.images.frontend, "migrations": profile.images.migrations}
    if profile.images.tools is not None:
        images["tools"] = profile.images.tools
    for name, image in images.items():
        if not image.tag and not image.digest:
            yield ("images", name), "no tag and no digest: the image is not pinned", Severity.ERROR
        elif image.tag == "latest" and not image.digest:
            severity = Severity.ERROR if profile.is_production else Severity.WARNING
            yield ("images", name, "tag"), "`latest` is not a pinned tag", severity


@profile_rule("image-digest", PRODUCTION_ERROR, "images.api", "images.frontend", "images.migrations", "images.tools")
def _images_digest(profile: Profile) -> Iterator[Finding]:
    """Production pins every image it sets by digest (`tag@sha256:…`, a tag can be moved); elsewhere a missing digest is a warning.
    Clipper's release pipeline writes images.<name>.digest beside the tag (docs/security-posture.md).

    Fix: set images.<name>.digest to the digest the release pipeline recorded for the tag"""
    images: dict[str, Image | None] = {"api": profile.images.api, "frontend": profile.images.frontend}
    images |= {"migrations": profile.images.migrations, "tools": profile.images.tools}
    missing = [name for name, image in images.items() if image is not None and not image.digest]
    if missing:
        # One finding for the whole mapping: the release pipeline writes every digest at once.
        yield ("images",), f"{', '.join(missing)} run by tag only: a tag can be moved to another image", production_error(profile)


@profile_rule("ingress-nginx-retired", WARNING, "ingress.controller")
def _nginx_retired(profile: Profile) -> Iterator[Finding]:
    """ingress-nginx is retired upstream (no releases or CVE fixes since March 2026).

    Fix: plan a move to ingress.controller: traefik"""
    if profile.ingress.controller == "nginx":
        yield (
            ("ingress", "controller"),
            "ingress-nginx is retired upstream and gets no security fixes; traefik is the maintained choice",
            Severity.WARNING,
        )


@profile_rule("ingress-provider-settings", ERROR, "ingress", "provider")
def _ingress_provider(profile: Profile) -> Iterator[Finding]:
    """Only the profile's own provider has load-balancer settings.

    Fix: remove the other providers' blocks under ingress"""
    for provider in ("aws", "gcp", "digitalocean"):
        if provider != profile.provider and getattr(profile.ingress, provider) is not None:
            yield ("ingress", provider), f"ingress.{provider} is set, but the provider is {profile.provider}", Severity.ERROR
