"""Profile rules: checks a JSON Schema cannot express, each with an id, a rationale and a fix."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from clipper_manifests.problems import Problem, Severity, json_path
from clipper_manifests.profile.merge import MergedProfile
from clipper_manifests.profile.model import Profile
from clipper_manifests.profile.model_workloads import Image

Finding = tuple[tuple[Any, ...], str, Severity]
Check = Callable[[Profile], Iterator[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    summary: str
    fix: str
    check: Check


RULES: list[Rule] = []

# The seed's production floors; the Helm chart's values schema enforces the same (output/chart_values.py).
PRODUCTION_MIN_API_REPLICAS = 3
PRODUCTION_MIN_FRONTEND_REPLICAS = 2


def production_error(profile: Profile) -> Severity:
    """Strict in production, advice elsewhere."""
    return Severity.ERROR if profile.is_production else Severity.WARNING


def rule(rule_id: str, summary: str, fix: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        RULES.append(Rule(rule_id, summary, fix, check))
        return check

    return register


@rule("prod-api-replicas", "Production runs at least 3 API pods (seed: 3+).", "raise api.replicas.min to 3 or more")
def _api_replicas(profile: Profile) -> Iterator[Finding]:
    floor = PRODUCTION_MIN_API_REPLICAS
    if profile.is_production and profile.api.replicas.min < floor:
        yield ("api", "replicas", "min"), f"{profile.api.replicas.min} is less than the minimum of {floor} for production", Severity.ERROR


@rule("prod-frontend-replicas", "Production runs at least 2 frontend pods (seed: 2+).", "raise frontend.replicas.min to 2 or more")
def _frontend_replicas(profile: Profile) -> Iterator[Finding]:
    if profile.is_production and profile.frontend.replicas.min < PRODUCTION_MIN_FRONTEND_REPLICAS:
        yield (
            ("frontend", "replicas", "min"),
            f"{profile.frontend.replicas.min} is less than the minimum of {PRODUCTION_MIN_FRONTEND_REPLICAS} for production",
            Severity.ERROR,
        )


@rule("replica-range", "Replica bounds must be ordered.", "make replicas.min no larger than replicas.max")
def _replica_range(profile: Profile) -> Iterator[Finding]:
    for section, bounds in (("api", profile.api.replicas), ("frontend", profile.frontend.replicas)):
        if bounds.min > bounds.max:
            yield (section, "replicas"), f"min {bounds.min} is larger than max {bounds.max}", Severity.ERROR


@rule(
    "api-scheduler-fanout",
    "Every API pod runs the background schedulers (no leader election), so many pods multiply that work.",
    "keep api.replicas.max at 20 or below unless the schedulers can take it",
)
def _scheduler_fanout(profile: Profile) -> Iterator[Finding]:
    if profile.api.replicas.max > 20:
        yield ("api", "replicas", "max"), f"{profile.api.replicas.max} API pods would each run the schedulers", Severity.WARNING


@rule(
    "image-pinned",
    "Images are pinned by tag or digest; `latest` is never acceptable in production.",
    "set images.<name>.tag to a release or images.<name>.digest",
)
def _images_pinned(profile: Profile) -> Iterator[Finding]:
    images: dict[str, Image] = {"api": profile.images.api, "frontend": profile.images.frontend, "migrations": profile.images.migrations}
    if profile.images.tools is not None:
        images["tools"] = profile.images.tools
    for name, image in images.items():
        if not image.tag and not image.digest:
            yield ("images", name), "no tag and no digest: the image is not pinned", Severity.ERROR
        elif image.tag == "latest" and not image.digest:
            severity = Severity.ERROR if profile.is_production else Severity.WARNING
            yield ("images", name, "tag"), "`latest` is not a pinned tag", severity


@rule(
    "image-digest",
    "Production pins every image it sets by digest (`tag@sha256:…`, a tag can be moved); elsewhere a missing digest is a "
    "warning. Clipper's release pipeline writes images.<name>.digest beside the tag (docs/security-posture.md).",
    "set images.<name>.digest to the digest the release pipeline recorded for the tag",
)
def _images_digest(profile: Profile) -> Iterator[Finding]:
    images: dict[str, Image | None] = {"api": profile.images.api, "frontend": profile.images.frontend}
    images |= {"migrations": profile.images.migrations, "tools": profile.images.tools}
    missing = [name for name, image in images.items() if image is not None and not image.digest]
    if missing:
        # One finding for the whole mapping: the release pipeline writes every digest at once.
        yield ("images",), f"{', '.join(missing)} run by tag only: a tag can be moved to another image", production_error(profile)


@rule(
    "ingress-nginx-retired",
    "ingress-nginx is retired upstream (no releases or CVE fixes since March 2026).",
    "plan a move to ingress.controller: traefik",
)
def _nginx_retired(profile: Profile) -> Iterator[Finding]:
    if profile.ingress.controller == "nginx":
        yield (
            ("ingress", "controller"),
            "ingress-nginx is retired upstream and gets no security fixes; traefik is the maintained choice",
            Severity.WARNING,
        )


@rule(
    "ingress-provider-settings",
    "Only the profile's own provider has load-balancer settings.",
    "remove the other providers' blocks under ingress",
)
def _ingress_provider(profile: Profile) -> Iterator[Finding]:
    for provider in ("aws", "gcp", "digitalocean"):
        if provider != profile.provider and getattr(profile.ingress, provider) is not None:
            yield ("ingress", provider), f"ingress.{provider} is set, but the provider is {profile.provider}", Severity.ERROR


def check_rules(profile: Profile, merged: MergedProfile) -> list[Problem]:
    problems = []
    for item in RULES:
        for key_path, message, severity in item.check(profile):
            problems.append(
                Problem(
                    message=f"{message}; {item.fix}" if severity is Severity.ERROR else message,
                    rule=item.id,
                    severity=severity,
                    path=json_path(key_path),
                    location=merged.location(key_path),
                    profile=profile.name,
                )
            )
    return problems


# Importing the rule modules registers their rules, in this order (the order problems come in;
# isort would sort it, so it is kept as written).
# isort: off
from clipper_manifests.rules.profile import postgres  # noqa: E402, F401
from clipper_manifests.rules.profile import redis_opensearch  # noqa: E402, F401
from clipper_manifests.rules.profile import recovery  # noqa: E402, F401
from clipper_manifests.rules.profile import edge  # noqa: E402, F401
from clipper_manifests.rules.profile import endpoints  # noqa: E402, F401
from clipper_manifests.rules.profile import kubernetes_values  # noqa: E402, F401
from clipper_manifests.rules.profile import monitoring  # noqa: E402, F401
from clipper_manifests.rules.profile import region  # noqa: E402, F401
from clipper_manifests.rules.profile import resources  # noqa: E402, F401
# isort: on
