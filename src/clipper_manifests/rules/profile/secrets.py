"""Profile rules of the secrets and network sections; they need the platform facts (which
secrets rotate, which keys exist), so the build calls them beside the plain profile rules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from clipper_manifests import clock
from clipper_manifests.problems import Problem, Severity, json_path
from clipper_manifests.profile.merge import MergedProfile
from clipper_manifests.profile.model import Profile
from clipper_manifests.rules.registry import ERROR, WARNING, declare
from clipper_manifests.values import secret_rotation
from clipper_manifests.values.external_secrets import REMOTE_KEY_NAMES, catalog, in_cluster, reference, used_concerns
from clipper_manifests.values.network import SERVICES

Finding = tuple[tuple[Any, ...], str, str, Severity]  # key path, rule id, message, severity

_SECONDS = {"s": 1, "m": 60, "h": 3600}


def _rotation(profile: Profile, platform: dict[str, Any], on: date) -> Iterator[Finding]:
    policy = secret_rotation.rotation_policy(platform)
    limit = policy["maxAgeDays"]
    used = used_concerns(profile, platform)
    for concern in [concern for concern in policy["concerns"] if concern in used]:
        state = secret_rotation.rotation_of(profile, platform, concern, on)
        where = ("secrets", "rotation", concern, "lastRotated")
        if state.status == "missing":
            message = f"{concern} rotates every {limit} days but has no secrets.rotation.{concern}.lastRotated; record when it was"
            yield ("secrets", "rotation"), "secret-rotation-missing", message, Severity.ERROR
        elif state.status == "invalid":
            yield where, "secret-rotation-date", f"{concern}: {state.last_rotated!r} is not a calendar date", Severity.ERROR
        elif state.status == "future":
            yield where, "secret-rotation-date", f"{concern}: {state.last_rotated} is in the future", Severity.ERROR
        elif state.status == "overdue":
            age = f"{state.age_days} days ago (limit {limit})"
            message = f"{concern} was last rotated on {state.last_rotated}, {age}; rotate it and update the date"
            yield where, "secret-rotation-overdue", message, Severity.ERROR
        elif state.status == "due":
            left = limit - (state.age_days or 0)
            message = f"{concern} was last rotated on {state.last_rotated}, {state.age_days} days ago: rotate it within {left} days"
            yield where, "secret-rotation-due", message, Severity.WARNING
    known = set(secret_rotation.concerns(platform))
    for concern in profile.secrets.rotation:
        if concern not in known:
            message = f"{concern!r} is not a secret the platform reads (known: {', '.join(sorted(known))})"
            yield ("secrets", "rotation", concern), "secret-rotation-unknown", message, Severity.WARNING


def _settings(profile: Profile, platform: dict[str, Any]) -> Iterator[Finding]:
    settings = profile.secrets
    interval = settings.refresh_interval
    if int(interval[:-1]) * _SECONDS[interval[-1]] > 3600:
        message = f"{interval} is longer than 1h: a rotated value would take that long to reach the cluster; use 1h or less"
        yield ("secrets", "refreshInterval"), "secret-refresh-interval", message, Severity.ERROR
    chosen = {"aws-secrets-manager": "aws", "gcp-secret-manager": "gcp", "azure-key-vault": "azure", "vault": "vault"}[settings.backend]
    for block in ("aws", "gcp", "azure", "vault"):
        if block != chosen and getattr(settings, block) is not None:
            message = f"secrets.{block} is ignored: the backend is {settings.backend}"
            yield ("secrets", block), "secret-backend-settings", message, Severity.WARNING
    names = catalog(platform)
    pattern = REMOTE_KEY_NAMES[settings.backend]
    for item in settings.remote_keys:
        if item not in names:
            message = f"{item} is not a key the platform reads (known: {', '.join(names)})"
            yield ("secrets", "remoteKeys", item), "secret-remote-key-unknown", message, Severity.ERROR
    for item in names:
        key = reference(profile, platform, item).key
        if not pattern.match(key):
            path = ("secrets", "remoteKeys", item, "key") if item in settings.remote_keys else ("secrets", "backend")
            message = f"{item}: {key!r} is not a valid secret name in {settings.backend} (allowed: {pattern.pattern})"
            yield path, "secret-remote-key-name", message, Severity.ERROR


# Keys that must be read from one remote secret: a token signed with a key is rotated with it.
SIGNED_WITH = {"METRICS_TOKEN": "JWT_PRIVATE_KEY"}


def _same_source(profile: Profile, platform: dict[str, Any]) -> Iterator[Finding]:
    for item, signer in SIGNED_WITH.items():
        token, key = reference(profile, platform, item), reference(profile, platform, signer)
        if token.key != key.key:
            where = ("secrets", "remoteKeys", item if item in profile.secrets.remote_keys else signer)
            message = (
                f"{item} is read from {token.key} but is signed with {signer} from {key.key}: rotating the key in one would "
                f"make every scrape 401 until someone re-mints the token in the other; keep both in {key.key}"
            )
            yield where, "secret-signed-token-source", message, Severity.ERROR


def _network(profile: Profile) -> Iterator[Finding]:
    endpoints = profile.network.endpoints
    for service in SERVICES:
        inside = in_cluster(getattr(profile, service).mode)
        if not inside and service not in endpoints:
            message = (
                f"{service} runs outside the cluster, so its NetworkPolicy needs the CIDRs of its endpoint; "
                f"set network.endpoints.{service}.cidrs"
            )
            yield ("network", "endpoints"), "network-endpoint-missing", message, Severity.ERROR
        elif inside and service in endpoints:
            message = f"{service} runs in the cluster (pod selectors), so network.endpoints.{service} is not used"
            yield ("network", "endpoints", service), "network-endpoint-unused", message, Severity.WARNING


def check_secret_rules(profile: Profile, merged: MergedProfile, platform: dict[str, Any], on: date | None = None) -> list[Problem]:
    on = on or clock.today()
    findings = [*_rotation(profile, platform, on), *_settings(profile, platform), *_same_source(profile, platform), *_network(profile)]
    return [
        Problem(message, rule, severity, json_path(path), merged.location(path), profile.name) for path, rule, message, severity in findings
    ]


declare(
    (
        "secret-rotation-due",
        WARNING,
        "A rotating secret is older than 75 days.",
        "rotate it before day 90 and update lastRotated",
        ("secrets.rotation",),
    ),
    (
        "secret-rotation-overdue",
        ERROR,
        "A rotating secret is older than 90 days (seed: JWT and API keys rotate quarterly).",
        "rotate it in the store and set secrets.rotation.<secret>.lastRotated to the day",
        ("secrets.rotation",),
    ),
    (
        "secret-rotation-missing",
        ERROR,
        "Every rotating secret the profile reads has a rotation date.",
        "add secrets.rotation.<secret>.lastRotated",
        ("secrets.rotation",),
    ),
    (
        "secret-rotation-date",
        ERROR,
        "Rotation dates are calendar dates, not in the future.",
        "write the date as YYYY-MM-DD",
        ("secrets.rotation",),
    ),
    (
        "secret-rotation-unknown",
        WARNING,
        "Rotation records name secrets the platform reads.",
        "fix the name or remove the record",
        ("secrets.rotation",),
    ),
    (
        "secret-refresh-interval",
        ERROR,
        "ExternalSecrets refresh at least hourly, so a rotated value reaches the cluster within the hour.",
        "set secrets.refreshInterval to 1h or less",
        ("secrets.refreshInterval",),
    ),
    (
        "secret-backend-settings",
        WARNING,
        "Settings of a backend other than the chosen one are ignored (a child profile cannot remove a parent's block).",
        "remove the other backends' blocks where you can",
        ("secrets.backend",),
    ),
    (
        "secret-remote-key-unknown",
        ERROR,
        "remoteKeys overrides name keys the platform reads.",
        "use a name from `clipper-manifests secrets`",
        ("secrets.remoteKeys",),
    ),
    (
        "secret-remote-key-name",
        ERROR,
        "Every remote key is a name the backend accepts (GCP and Azure allow no '/').",
        "rename the key in secrets.remoteKeys",
        ("secrets.remoteKeys",),
    ),
    (
        "secret-signed-token-source",
        ERROR,
        "A token signed with a key (the metrics bearer JWT, signed with JWT_PRIVATE_KEY) is read from the key's remote secret, "
        "so one rotation replaces both.",
        "point secrets.remoteKeys.METRICS_TOKEN at the remote secret of JWT_PRIVATE_KEY",
        ("secrets.remoteKeys",),
    ),
    (
        "network-endpoint-missing",
        ERROR,
        "A data service outside the cluster has the CIDRs its NetworkPolicy opens.",
        "set network.endpoints.<service>.cidrs",
        ("network.endpoints",),
    ),
    (
        "network-endpoint-unused",
        WARNING,
        "Endpoint CIDRs are declared only for services outside the cluster.",
        "remove the entry",
        ("network.endpoints",),
    ),
    scope="profile",
    stage="profile",
    emitted_by="rules.profile.secrets:check_secret_rules",
)
