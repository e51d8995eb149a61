"""`render`: build the selected profiles and write what changed to out/ (or, with --check, say
whether out/ is stale)."""

from __future__ import annotations

import dataclasses

import click
from click.exceptions import Exit

from clipper_manifests.commands.options import RenderOptions
from clipper_manifests.commands.profile_selection import listing, select
from clipper_manifests.commands.report_problems import build_and_report
from clipper_manifests.commands.terminal import echo_diff
from clipper_manifests.errors import EXIT_INVALID
from clipper_manifests.pipeline.keep import Keep


def run(options: RenderOptions) -> None:
    from clipper_manifests.config import parse_outputs
    from clipper_manifests.output.apply import apply_plan
    from clipper_manifests.output.diff import summary, unified_diff
    from clipper_manifests.output.plan import plan_tree, raise_on_conflicts
    from clipper_manifests.profile.redaction import redact

    project = options.paths.project(validating=True)
    if options.output_format is not None:
        project = dataclasses.replace(project, outputs=parse_outputs(options.output_format))
    names = select(project, options.selection)
    all_profiles = options.selection.all_profiles
    build = build_and_report(project, names, notes=False, keep=Keep.CHANGED_FILES)
    # --format renders a part of out/: the other output's files are left alone, not pruned.
    scope = None if all_profiles and options.output_format is None else build.scope()
    texts, compared = build.changed_files()
    plan = plan_tree(project.out, texts, scope, force=options.force, compared=compared)
    again = "clipper-manifests render " + ("--all" if all_profiles else " ".join(names))
    if options.check:
        if plan.changed or plan.conflicts:
            echo_diff(summary(plan, project.display(project.out)) + redact(unified_diff(plan), build.secret_values()))
            for conflict in plan.conflicts:
                click.echo(f"conflict: {conflict}")
            if plan.conflicts:  # a plain render would refuse too: say what clears the way
                raise_on_conflicts(plan, again)
            click.echo(f"error: {project.display(project.out)} is stale: run `{again}` and commit")
            raise Exit(EXIT_INVALID)
        click.echo(f"{project.display(project.out)} is up to date ({plan.wanted} files, {len(names)} profile(s))")
        return
    raise_on_conflicts(plan, again)
    apply_plan(plan)
    counts = f"{len(plan.writes)} written, {len(plan.deletes)} removed, {plan.wanted - len(plan.writes)} unchanged"
    click.echo(f"{project.display(project.out)}: {counts} ({listing(names)})")
