"""extends-environment: a profile and the files it extends agree on the environment."""

from __future__ import annotations

from clipper_manifests.errors import Location
from clipper_manifests.problems import Problem, Severity
from clipper_manifests.profile.merge import MergedProfile
from clipper_manifests.rules.registry import ERROR, declare
from clipper_manifests.yaml.read import location_of


def environment_conflicts(merged: MergedProfile) -> list[Problem]:
    """`environment` set differently by two files of the extends graph: the later one wins
    silently, so a staging profile extending prod-aws would become production."""
    origins = merged.history.get(("environment",), [])
    conflicting = [origin for origin in origins[:-1] if origin.value != origins[-1].value]
    if not conflicting:
        return []
    winner, loser = origins[-1], conflicting[0]
    own = merged.files[-1]
    return [
        Problem(
            f"environment is {winner.value!r} from {_short(winner.location)}, but {_short(loser.location)} sets {loser.value!r}: "
            "this profile extends files of two environments",
            "extends-environment",
            Severity.ERROR,
            path="environment",
            location=location_of(own.path, own.marks, ("extends",)),
            profile=merged.name,
            hint="extend the environment's partials (e.g. _staging, _aws) instead of a profile of the other environment",
        )
    ]


def _short(location: Location) -> str:
    return f"{location.path.name}:{location.line}"


declare(
    (
        "extends-environment",
        ERROR,
        "Every file a profile extends that sets `environment` sets the same one: a staging profile never silently becomes "
        "production by extending a production profile.",
        "extend the environment's partials (e.g. _staging, _aws) instead of a profile of the other environment",
        ("environment", "extends"),
    ),
    scope="check",
    stage="profile",
    emitted_by="rules.profile.extends:environment_conflicts",
)
