"""`schema`: print the profile JSON Schema, or write / check the copies in <root>/schemas/."""

from __future__ import annotations

import click
from click.exceptions import Exit

from clipper_manifests.commands.options import SchemaOptions
from clipper_manifests.errors import EXIT_INVALID


def run(options: SchemaOptions) -> None:
    from clipper_manifests.profile.schema import schema_text, sync_schema_files

    if options.write or options.check:
        project = options.paths.project()
        stale = sync_schema_files(project.root / "schemas", write=options.write)
        if stale and options.check:
            click.echo(f"error: stale: {', '.join(stale)}; run `clipper-manifests schema --write`")
            raise Exit(EXIT_INVALID)
        click.echo(f"schemas: {'updated ' + ', '.join(stale) if stale and options.write else 'up to date'}")
        return
    click.echo(schema_text(options.partial), nl=False)
