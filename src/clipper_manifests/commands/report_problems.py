"""Build the selected profiles and print their problems in the chosen format."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from clipper_manifests.errors import ValidationFailed
from clipper_manifests.pipeline.keep import Keep
from clipper_manifests.project import Project

if TYPE_CHECKING:
    from clipper_manifests.pipeline.results import Build


def build_and_report(
    project: Project,
    names: list[str],
    report_format: str = "text",
    *,
    keep: Keep,
    notes: bool = True,
) -> Build:
    """The build of `names`, keeping what the command needs (Keep); its problems printed (raises
    ValidationFailed when any is an error)."""
    from clipper_manifests.pipeline.builder import Builder
    from clipper_manifests.problems import Severity
    from clipper_manifests.report.formats import REPORTERS, pick_format

    if project.notice:
        click.echo(project.notice, err=True)
    build = Builder(project).build(names, keep)
    # Notes (facts worth knowing, nothing to fix) belong to `validate`, not to every render.
    problems = [p for p in build.problems if notes or p.severity is not Severity.NOTE]
    chosen = pick_format(report_format)
    if problems or chosen in ("json", "sarif"):  # JSON readers want a document even when it is empty
        click.echo(REPORTERS[chosen](problems, Path.cwd()), nl=False)
    if not build.ok:
        raise ValidationFailed(problems)
    return build
