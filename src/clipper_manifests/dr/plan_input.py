"""From `dr-plan`'s arguments and a built profile to the runbook's input (usage errors: exit 2)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from clipper_manifests.dr import objects
from clipper_manifests.dr.target import now, parse_target
from clipper_manifests.errors import UsageError
from clipper_manifests.pipeline.results import ProfileBuild
from clipper_manifests.profile.model import Profile
from clipper_manifests.project import Project
from clipper_manifests.values import flux_stages
from clipper_manifests.values.platform import load_platform


@dataclass(frozen=True)
class PlanInput:
    profile: Profile
    platform: dict[str, Any]
    profile_file: str  # profiles/<name>.yaml, as the operator's shell sees it
    out: str  # the output folder, as the operator's shell sees it
    folders: dict[str, str]  # step → its out/dr/ folder (only the rendered ones)
    flux_stage: str  # the Flux Kustomization that applies the overlay
    live_cluster: dict[str, Any] | None  # in-cluster PostgreSQL: the overlay's Cluster
    now: datetime
    target: datetime | None = None
    attempt: int = 1
    expected: dict[str, int] = field(default_factory=dict)


EXPECTATION = re.compile(r"^(?P<table>[a-z_][a-z0-9_]*)=(?P<rows>[0-9]+)$")


def parse_expected(values: list[str], platform: dict[str, Any]) -> dict[str, int]:
    """`--expect clips=120000` → {"clips": 120000}, for the key tables the verify step counts."""
    tables = list(platform["dr"]["keyTables"])
    expected: dict[str, int] = {}
    for value in values:
        match = EXPECTATION.match(value.strip())
        if match is None:
            raise UsageError(f"--expect {value!r} is not TABLE=ROWS", hint=f"e.g. --expect {tables[0]}=120000")
        if match["table"] not in tables:
            raise UsageError(f"--expect {match['table']}: the verify step counts {', '.join(tables)} only")
        if match["table"] in expected:
            raise UsageError(f"--expect {match['table']} is given twice")
        expected[match["table"]] = int(match["rows"])
    return expected


def plan_input(project: Project, item: ProfileBuild, point_in_time: str | None, expect: list[str], attempt: int) -> PlanInput:
    assert item.profile is not None, "dr-plan builds the profile first; an invalid one stops there"
    profile, platform = item.profile, load_platform(project.templates)
    if attempt < 1:
        raise UsageError(f"--attempt {attempt}: attempts count from 1")
    current = now()
    target = parse_target(point_in_time, profile, current) if point_in_time else None
    built = item.objects().built()
    folders = {step: objects.step_folder(profile, step) for step in objects.FOLDER_STEPS if objects.step_folder(profile, step) in built}
    shown = {step: project.display(project.out / folder) for step, folder in folders.items()}
    stages = flux_stages.stages(profile, sorted(built))
    return PlanInput(
        profile=profile,
        platform=platform,
        profile_file=project.display(project.profile_path(profile.name)),
        out=project.display(project.out),
        folders=shown,
        flux_stage=stages[-1].name,
        live_cluster=objects.live_cluster(item.objects().resolved, platform),
        now=current,
        target=target,
        attempt=attempt,
        expected=parse_expected(expect, platform),
    )
