"""Values that identify one cluster's resources: no two profiles may share them.

A new profile made by extending (or copying) another keeps its parent's identity unless it
says otherwise; two clusters would then share a name, a static IP, or write their PostgreSQL
archives into one bucket folder, where each would overwrite the other's WAL and backups.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from clipper_manifests.errors import Location, ProfileError
from clipper_manifests.problems import Problem, Severity, json_path
from clipper_manifests.profile.merge import MergedProfile, load_merged
from clipper_manifests.project import Project
from clipper_manifests.rules.registry import ERROR, declare
from clipper_manifests.yaml.read import location_of

RULE = "identity-unique"


@dataclass(frozen=True)
class Identity:
    what: str  # what two clusters would share, for the message
    key: tuple[str, ...]  # the profile key that holds it
    value: Callable[[dict[str, Any]], str | None]  # the identity of a merged profile's data, if it has one


def _at(data: dict[str, Any], *path: str) -> Any:
    for part in path:
        data = data.get(part) if isinstance(data, dict) else None  # type: ignore[assignment]
    return data


def _archive(data: dict[str, Any]) -> str | None:
    """Where CloudNativePG archives: the destination folder plus the server name (which
    defaults to the Cluster's name, the same in every profile)."""
    if _at(data, "postgres", "mode") != "in-cluster":
        return None
    destination = _at(data, "postgres", "inCluster", "objectStore", "destinationPath")
    server = _at(data, "postgres", "inCluster", "objectStore", "serverName") or ""
    return "/".join(part for part in (str(destination).rstrip("/"), server) if part) if destination else None


IDENTITIES = (
    Identity("cluster name", ("cluster", "name"), lambda data: _at(data, "cluster", "name")),
    Identity("GKE static IP", ("ingress", "gcp", "staticIpName"), lambda data: _at(data, "ingress", "gcp", "staticIpName")),
    Identity("PostgreSQL backup archive", ("postgres", "inCluster", "objectStore", "destinationPath"), _archive),
)


def identities(profile: MergedProfile) -> dict[str, tuple[str, Location]]:
    """The profile's identities (what → value, and where the profile sets or inherits it):
    small, so each profile's build sends them back from whichever process made it."""
    own = profile.files[-1]
    found = {}
    for identity in IDENTITIES:
        value = identity.value(profile.data)
        if value:
            # Written in the profile itself: its line; inherited: the extends line that brought it.
            where = location_of(own.path, own.marks, identity.key if identity.key in own.marks else ("extends",))
            found[identity.what] = (value, where)
    return found


def identity_clashes(project: Project, built: dict[str, dict[str, tuple[str, Location]]]) -> list[Problem]:
    """Problems for the built profiles whose identity another profile of the project holds;
    profiles that were not built are read (not rendered) to know theirs."""
    every = dict(built)
    for name in project.profile_names():
        if name not in every:
            try:
                every[name] = identities(load_merged(project, name))
            except ProfileError:
                continue  # reported by that profile's own build
    owners: dict[tuple[str, str], list[str]] = {}
    for name, held in every.items():
        for what, (value, _) in held.items():
            owners.setdefault((what, value), []).append(name)
    keys = {identity.what: identity.key for identity in IDENTITIES}
    return [
        Problem(
            f"{value!r} is also the {what} of {', '.join(others)}: two clusters would share it",
            RULE,
            Severity.ERROR,
            path=json_path(keys[what]),
            location=where,
            profile=name,
            hint=f"give this profile its own {json_path(keys[what])}",
        )
        for name, held in built.items()
        for what, (value, where) in held.items()
        if (others := [other for other in owners[(what, value)] if other != name])
    ]


declare(
    (
        "identity-unique",
        ERROR,
        "No two profiles share a cluster name, a GKE static IP or a PostgreSQL backup archive (bucket folder and server name): a "
        "profile made by extending or copying another must not take over its cluster's resources.",
        "give the profile its own value of the key named",
        ("cluster.name", "ingress.gcp.staticIpName", "postgres.inCluster.objectStore"),
    ),
    scope="check",
    stage="build",
    emitted_by="rules.identity:identity_clashes",
)
