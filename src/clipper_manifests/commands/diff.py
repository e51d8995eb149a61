"""`diff`: what rendering would change in out/; exit 1 when anything would (like `git diff --exit-code`)."""

from __future__ import annotations

import click
from click.exceptions import Exit

from clipper_manifests.commands.options import DiffOptions
from clipper_manifests.commands.profile_selection import select
from clipper_manifests.commands.report_problems import build_and_report
from clipper_manifests.commands.terminal import echo_diff
from clipper_manifests.errors import EXIT_INVALID
from clipper_manifests.pipeline.keep import Keep


def run(options: DiffOptions) -> None:
    from clipper_manifests.output.diff import summary, unified_diff
    from clipper_manifests.output.plan import plan_tree
    from clipper_manifests.profile.redaction import redact

    project = options.paths.project(validating=True)
    names = select(project, options.selection)
    build = build_and_report(project, names, notes=False, keep=Keep.FILES)
    plan = plan_tree(project.out, build.files(), None if options.selection.all_profiles else build.scope(), force=True)
    text = summary(plan, project.display(project.out))
    if not text:
        click.echo("no changes")
        return
    echo_diff(text + redact(unified_diff(plan), build.secret_values()))
    raise Exit(EXIT_INVALID)
