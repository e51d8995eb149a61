"""`dr-plan`: the disaster-recovery runbook of one profile."""

from __future__ import annotations

import click

from clipper_manifests.commands.options import DrPlanOptions, Selection
from clipper_manifests.commands.profile_selection import select
from clipper_manifests.commands.report_problems import build_and_report
from clipper_manifests.pipeline.keep import Keep


def run(options: DrPlanOptions) -> None:
    from clipper_manifests.dr.runbook import plan_text

    project = options.paths.project(validating=True)
    names = select(project, Selection(profiles=(options.profile,)))
    build = build_and_report(project, names, notes=False, keep=Keep.OBJECTS)
    text = plan_text(project, build.profiles[options.profile], options.point_in_time, list(options.expect), options.attempt)
    click.echo(text, nl=False)
