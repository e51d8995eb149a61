"""The command line: Typer's option declarations, each turned into a typed options object and
handed to `commands.<name>.run` (errors become messages and exit codes in commands/guard.py).

Only this module imports Typer. Each command module is imported inside its Typer function, and
heavy modules (Jinja, jsonschema, the Kubernetes schemas) inside the commands that need them, so
`--help` and `list` start fast.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from clipper_manifests import __version__
from clipper_manifests.commands.completion import profile_keys_starting, profile_names_starting
from clipper_manifests.commands.guard import guarded, set_debug
from clipper_manifests.commands.options import (
    CompareOptions,
    DiffOptions,
    DocsOptions,
    DrPlanOptions,
    Paths,
    ProfileOptions,
    RenderOptions,
    RulesOptions,
    SchemaOptions,
    Selection,
    ValidateOptions,
)

app = typer.Typer(
    name="clipper-manifests",
    help="Render typed Clipper environment profiles into a validated Kustomize tree for Flux.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


ProfilesArg = Annotated[
    list[str] | None, typer.Argument(help="Profile names (files in profiles/).", autocompletion=profile_names_starting, show_default=False)
]
ProfileArg = Annotated[str, typer.Argument(help="Profile name.", autocompletion=profile_names_starting)]
AllOpt = Annotated[bool, typer.Option("--all", help="Every profile in profiles/.")]
RootOpt = Annotated[
    Path | None, typer.Option("--root", help="Project folder (default: nearest folder upwards holding profiles/).", show_default=False)
]
OutOpt = Annotated[Path | None, typer.Option("--out", help="Output folder (default: <root>/out).", show_default=False)]
CrdOpt = Annotated[
    Path | None,
    typer.Option(
        "--crd-schemas",
        envvar="CLIPPER_CRD_SCHEMAS",
        help="CRD schema catalog (<group>/<kind>_<version>.json) for custom resources; default: crdSchemas in "
        "clipper-manifests.yaml, else the upstream schemas shipped in the package (one per kind the tool emits).",
        show_default=False,
    ),
]
FormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        help="Problem format: auto (github under GitHub Actions, else text), text, json, github or sarif.",
        autocompletion=lambda: ["auto", "text", "json", "github", "sarif"],
    ),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"clipper-manifests {__version__}")
        raise typer.Exit()


def _run(command: str, options: object) -> None:
    """Import the command's module only now (start-up stays fast) and run it, both guarded: a
    failing import or Ctrl-C during it ends like any other failure, with a message and a code."""
    guarded(lambda: importlib.import_module(f"clipper_manifests.commands.{command}").run(options))


def _selection(profiles: list[str] | None, all_profiles: bool) -> Selection:
    return Selection(profiles=tuple(profiles or ()), all_profiles=all_profiles)


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show Python tracebacks.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")] = False,
) -> None:
    set_debug(debug)


@app.command()
def render(
    profiles: ProfilesArg = None,
    all_profiles: AllOpt = False,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 with a diff when out/ is not what a render would write.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite or prune hand-edited files the tool generated.")] = False,
    root: RootOpt = None,
    out: OutOpt = None,
    crd_schemas: CrdOpt = None,
    output_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="Outputs to write: kustomize, helm or all (default: `outputs` in clipper-manifests.yaml, else kustomize).",
            autocompletion=lambda: ["kustomize", "helm", "all"],
        ),
    ] = None,
) -> None:
    """Render profiles into out/ (base, components, overlays, charts), after validating everything."""
    selection, paths = _selection(profiles, all_profiles), Paths(root=root, out=out, crd_schemas=crd_schemas)
    _run("render", RenderOptions(selection=selection, paths=paths, check=check, force=force, output_format=output_format))


@app.command()
def validate(
    profiles: ProfilesArg = None,
    all_profiles: AllOpt = False,
    report_format: FormatOpt = "auto",
    root: RootOpt = None,
    crd_schemas: CrdOpt = None,
    profiles_only: Annotated[
        bool, typer.Option("--profiles-only", help="Check the profiles (schema and profile rules) without rendering anything.")
    ] = False,
) -> None:
    """Check profiles and everything they render; report all problems at once."""
    selection, paths = _selection(profiles, all_profiles), Paths(root=root, crd_schemas=crd_schemas)
    _run("validate", ValidateOptions(selection=selection, paths=paths, report_format=report_format, profiles_only=profiles_only))


@app.command()
def diff(
    profiles: ProfilesArg = None, all_profiles: AllOpt = False, root: RootOpt = None, out: OutOpt = None, crd_schemas: CrdOpt = None
) -> None:
    """What rendering would change in out/: a summary per tree, then the unified diff; exit 1
    when anything would change (like `git diff --exit-code`), 0 when nothing would."""
    _run("diff", DiffOptions(selection=_selection(profiles, all_profiles), paths=Paths(root=root, out=out, crd_schemas=crd_schemas)))


@app.command()
def compare(
    left: ProfileArg,
    right: ProfileArg,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 when a difference is not allowed by parity.yaml.")] = False,
    output_format: Annotated[str, typer.Option("--format", help="text or json.", autocompletion=lambda: ["text", "json"])] = "text",
    root: RootOpt = None,
) -> None:
    """What differs between two rendered environments, object by object, and what parity.yaml does not explain."""
    _run("compare", CompareOptions(left=left, right=right, paths=Paths(root=root), check=check, output_format=output_format))


@app.command("list")
def list_profiles(root: RootOpt = None) -> None:
    """List profiles with provider, environment, cluster, Kubernetes version and description."""

    _run("list_profiles", root)


@app.command()
def show(
    profile: ProfileArg,
    explain: Annotated[
        str | None,
        typer.Option(
            "--explain",
            help="A key such as api.replicas.min (or a mapping such as api.replicas): where its value comes from.",
            show_default=False,
            autocompletion=profile_keys_starting,
        ),
    ] = None,
    root: RootOpt = None,
) -> None:
    """Print the merged profile, or explain where one key's value comes from."""
    _run("show", ProfileOptions(profile=profile, paths=Paths(root=root), explain=explain))


@app.command("secrets")
def secrets_command(profile: ProfileArg, root: RootOpt = None) -> None:
    """Every remote secret PROFILE reads: remote key, store, last rotation, age and status
    (CLIPPER_TODAY=YYYY-MM-DD sets the date the ages are counted to)."""
    _run("secrets", ProfileOptions(profile=profile, paths=Paths(root=root)))


@app.command("images")
def images_command(profile: ProfileArg, root: RootOpt = None) -> None:
    """Every image PROFILE's pods run: its digest, how it is pinned, where it is set and what runs it."""
    _run("images", ProfileOptions(profile=profile, paths=Paths(root=root)))


@app.command()
def schema(
    partial: Annotated[bool, typer.Option("--partial", help="The schema for partials (nothing required).")] = False,
    write: Annotated[bool, typer.Option("--write", help="Write both schemas to <root>/schemas/.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 when <root>/schemas/ is stale.")] = False,
    root: RootOpt = None,
) -> None:
    """Print the profile JSON Schema (draft 2020-12)."""
    _run("schema", SchemaOptions(paths=Paths(root=root), partial=partial, write=write, check=check))


@app.command("dr-plan")
def dr_plan(
    profile: ProfileArg,
    point_in_time: Annotated[
        str | None,
        typer.Option(
            "--point-in-time",
            help="Restore to this moment instead of the latest point: ISO 8601 with a time zone (2026-11-25T10:30:00Z), "
            "not in the future, within the backup retention.",
            show_default=False,
        ),
    ] = None,
    expect: Annotated[
        list[str] | None,
        typer.Option(
            "--expect",
            help="TABLE=ROWS, a key table's row count before the incident (repeatable): the verify step compares.",
            show_default=False,
        ),
    ] = None,
    attempt: Annotated[
        int, typer.Option("--attempt", help="The restore's attempt number: each one needs a fresh archive folder or instance.")
    ] = 1,
    root: RootOpt = None,
    out: OutOpt = None,
    crd_schemas: CrdOpt = None,
) -> None:
    """Print the disaster-recovery runbook of PROFILE: scale the API to zero, restore, apply and
    watch each step of out/dr/PROFILE/, verify, scale back; with a time budget against the RTO
    (CLIPPER_NOW=<ISO 8601> sets "now")."""
    paths, expected = Paths(root=root, out=out, crd_schemas=crd_schemas), tuple(expect or ())
    _run("dr_plan", DrPlanOptions(profile=profile, paths=paths, point_in_time=point_in_time, expect=expected, attempt=attempt))


@app.command("rules")
def list_rules(
    rule_id: Annotated[str | None, typer.Argument(help="One rule's id (default: every rule).", show_default=False)] = None,
    report_format: Annotated[
        str, typer.Option("--format", help="text (a table) or markdown.", autocompletion=lambda: ["text", "markdown"])
    ] = "text",
) -> None:
    """List every rule (or one): id, severity, what it checks, how to fix it (acknowledge a finding with policy.exceptions)."""
    _run("rules", RulesOptions(rule_id=rule_id, report_format=report_format))


@app.command()
def docs(
    check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 1 when docs/profiles.md is stale.")] = False,
    root: RootOpt = None,
) -> None:
    """Write docs/profiles.md, the profile reference, from the JSON Schema, the defaults and the rules."""
    _run("docs", DocsOptions(paths=Paths(root=root), check=check))


def main() -> None:
    # `--debug` is the app's option; people type it after the command too (`render x --debug`).
    arguments = sys.argv[1:]
    if "--debug" in arguments[1:] and "--" not in arguments[: arguments.index("--debug")]:
        arguments = ["--debug", *(argument for argument in arguments if argument != "--debug")]
    app(args=arguments)


def run() -> NoReturn:
    """The `clipper-manifests` command: `main`, then leave without tearing the interpreter
    down. A large build leaves millions of objects in its caches, and freeing them one by
    one costs a fifth of a second that nobody waits for gladly; the process ends anyway."""
    try:
        main()
        code: int | str | None = 0
    except SystemExit as done:
        code = done.code
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # the reader went away; nothing is left to say
        code = code or 1
    os._exit(code or 0)
