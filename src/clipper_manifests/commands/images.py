"""`images`: every image a profile's pods run, its pin, where it is set and what runs it."""

from __future__ import annotations

import dataclasses

import click

from clipper_manifests.commands.options import ProfileOptions, Selection
from clipper_manifests.commands.profile_selection import select
from clipper_manifests.commands.report_problems import build_and_report
from clipper_manifests.pipeline.keep import Keep


def run(options: ProfileOptions) -> None:
    from clipper_manifests.report.images_table import chart_rows, format_table, image_rows

    project = options.paths.project()
    profile = options.profile
    item = build_and_report(project, select(project, Selection(profiles=(profile,))), notes=False, keep=Keep.OBJECTS).profiles[profile]
    assert item.profile is not None  # a build that did not stop on problems typed every profile
    chosen = {f.name: getattr(item.profile.images, f.name) for f in dataclasses.fields(item.profile.images)}
    keys = {image.reference: f"profile images.{name}" for name, image in chosen.items() if image is not None}
    built = item.objects().built()
    click.echo(format_table(image_rows(built, keys), chart_rows(built)), nl=False)
