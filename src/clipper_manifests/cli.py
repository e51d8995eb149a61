"""The command line: parse options, call the core, turn errors into messages and exit codes.

Only this module imports Typer. Heavy modules (Jinja, jsonschema, the Kubernetes schemas)
are imported inside the commands that need them, so `--help` and `list` start fast.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer

from clipper_manifests import __version__
from clipper_manifests.errors import EXIT_CANNOT_RUN, EXIT_INVALID, ClipperError, UsageError, ValidationFailed
from clipper_manifests.project import Project, find_project

app = typer.Typer(
    name="clipper-manifests",
    help="Render typed Clipper environment profiles into a validated Kustomize tree for Flux.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
_state = {"debug": False}
T = TypeVar("T")


def _complete_profiles(incomplete: str) -> list[str]:
    try:
        return [name for name in find_project(None, None).profile_names() if name.startswith(incomplete)]
    except ClipperError:
        return []


ProfilesArg = Annotated[
    list[str] | None, typer.Argument(help="Profile names (files in profiles/).", autocompletion=_complete_profiles, show_default=False)
]
ProfileArg = Annotated[str, typer.Argument(help="Profile name.", autocompletion=_complete_profiles)]
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


def _complete_keys(ctx: typer.Context, incomplete: str) -> list[str]:
    """The keys of the profile named on the command line, for `show PROFILE --explain <TAB>`."""
    from clipper_manifests.profile.explain import profile_keys
    from clipper_manifests.profile.merge import load_merged

    try:
        merged = load_merged(find_project(None, None), str(ctx.params.get("profile")))
    except ClipperError:
        return []
    return [key for key in profile_keys(merged) if key.startswith(incomplete)]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"clipper-manifests {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show Python tracebacks.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")] = False,
) -> None:
    _state["debug"] = debug


def _fail(error: ClipperError) -> NoReturn:
    # A problem with the input (exit 1) is the command's answer and goes to stdout, where
    # `| grep` finds it; a usage error or a tool that could not run goes to stderr.
    to_stderr = error.exit_code != EXIT_INVALID
    where = f"{error.location.render(Path.cwd())}: " if error.location else ""
    typer.echo(f"{where}error: {error.message}", err=to_stderr)
    if error.hint:
        typer.echo(f"  hint: {error.hint}", err=to_stderr)
    raise typer.Exit(error.exit_code)


def _guarded(action: Callable[[], T]) -> T:
    """Run a command body: user-caused errors become one message and an exit code."""
    try:
        return action()
    except typer.Exit:
        raise
    except ValidationFailed as error:
        raise typer.Exit(error.exit_code) from None
    except ClipperError as error:
        if _state["debug"]:
            raise
        _fail(error)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except Exception as error:
        if _state["debug"]:
            raise
        typer.echo(f"error: internal error: {type(error).__name__}: {error}", err=True)
        typer.echo("  hint: re-run with --debug and report the traceback", err=True)
        raise typer.Exit(EXIT_CANNOT_RUN) from None


def _select(project: Project, names: list[str] | None, everything: bool) -> list[str]:
    from clipper_manifests.profile.merge import check_profile_name

    if everything and names:
        raise UsageError("give profile names or --all, not both")
    if everything:
        selected = project.profile_names()
        if not selected:
            raise UsageError(f"no profiles in {project.profiles}")
        return selected
    if not names:
        raise UsageError("name at least one profile, or pass --all", hint=f"known profiles: {', '.join(project.profile_names())}")
    for name in names:
        check_profile_name(project, name)
    return list(dict.fromkeys(names))


def _listing(names: list[str]) -> str:
    from clipper_manifests.report.formats import listing

    return listing(names, 12)


def _build(
    project: Project,
    names: list[str],
    report_format: str = "text",
    notes: bool = True,
    objects: bool = False,
    compare: bool = False,
    files: bool = True,
) -> Any:
    from clipper_manifests.pipeline.builder import Builder
    from clipper_manifests.problems import Severity
    from clipper_manifests.report.formats import REPORTERS, pick_format

    if project.notice:
        typer.echo(project.notice, err=True)
    build = Builder(project).build(names, keep_objects=objects, compare=compare, keep_files=files)  # reports and files need no object trees
    # Notes (facts worth knowing, nothing to fix) belong to `validate`, not to every render.
    problems = [p for p in build.problems if notes or p.severity is not Severity.NOTE]
    chosen = pick_format(report_format)
    if problems or chosen in ("json", "sarif"):  # JSON readers want a document even when it is empty
        typer.echo(REPORTERS[chosen](problems, Path.cwd()), nl=False)
    if not build.ok:
        raise ValidationFailed(problems)
    return build


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

    def action() -> None:
        from clipper_manifests.config import parse_outputs
        from clipper_manifests.output.apply import apply_plan
        from clipper_manifests.output.diff import summary, unified_diff
        from clipper_manifests.output.plan import plan_tree, raise_on_conflicts
        from clipper_manifests.profile.redaction import redact

        project = find_project(root, out, crd_schemas=crd_schemas, validating=True)
        if output_format is not None:
            project = dataclasses.replace(project, outputs=parse_outputs(output_format))
        names = _select(project, profiles, all_profiles)
        build = _build(project, names, notes=False, compare=True)
        # --format renders a part of out/: the other output's files are left alone, not pruned.
        scope = None if all_profiles and output_format is None else build.scope()
        plan = plan_tree(project.out, build.files(), scope, force=force, compared=build.on_disk())
        if check:
            if plan.changed or plan.conflicts:
                _echo_diff(summary(plan, project.display(project.out)) + redact(unified_diff(plan), build.secret_values()))
                for conflict in plan.conflicts:
                    typer.echo(f"conflict: {conflict}")
                again = "clipper-manifests render " + ("--all" if all_profiles else " ".join(names))
                if plan.conflicts:  # a plain render would refuse too: say what clears the way
                    raise_on_conflicts(plan, again)
                typer.echo(f"error: {project.display(project.out)} is stale: run `{again}` and commit")
                raise typer.Exit(EXIT_INVALID)
            typer.echo(f"{project.display(project.out)} is up to date ({plan.wanted} files, {len(names)} profile(s))")
            return
        raise_on_conflicts(plan, "clipper-manifests render " + ("--all" if all_profiles else " ".join(names)))
        apply_plan(plan)
        counts = f"{len(plan.writes)} written, {len(plan.deletes)} removed, {plan.wanted - len(plan.writes)} unchanged"
        typer.echo(f"{project.display(project.out)}: {counts} ({_listing(names)})")

    _guarded(action)


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

    def action() -> None:
        from clipper_manifests.report.formats import REPORTERS

        if report_format not in (*REPORTERS, "auto"):
            raise UsageError(f"unknown format {report_format!r}", hint=f"use one of: auto, {', '.join(REPORTERS)}")
        project = find_project(root, None, crd_schemas=crd_schemas, validating=not profiles_only)
        names = _select(project, profiles, all_profiles)
        if profiles_only:
            _report_profiles(project, names, report_format)
            return
        build = _build(project, names, report_format, files=False)  # a report, nothing written
        if report_format in ("text", "auto") and sys.stderr is not None:
            typer.echo(f"{len(names)} profile(s) valid: {_listing(names)}")
        del build

    _guarded(action)


@app.command()
def diff(
    profiles: ProfilesArg = None, all_profiles: AllOpt = False, root: RootOpt = None, out: OutOpt = None, crd_schemas: CrdOpt = None
) -> None:
    """What rendering would change in out/: a summary per tree, then the unified diff; exit 1
    when anything would change (like `git diff --exit-code`), 0 when nothing would."""

    def action() -> None:
        from clipper_manifests.output.diff import summary, unified_diff
        from clipper_manifests.output.plan import plan_tree
        from clipper_manifests.profile.redaction import redact

        project = find_project(root, out, crd_schemas=crd_schemas, validating=True)
        names = _select(project, profiles, all_profiles)
        build = _build(project, names, notes=False)
        plan = plan_tree(project.out, build.files(), None if all_profiles else build.scope(), force=True)
        text = summary(plan, project.display(project.out))
        if not text:
            typer.echo("no changes")
            return
        _echo_diff(text + redact(unified_diff(plan), build.secret_values()))
        raise typer.Exit(EXIT_INVALID)

    _guarded(action)


def _echo_diff(text: str) -> None:
    """A diff on stdout, coloured on a terminal unless NO_COLOR is set (no-color.org)."""
    if sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
        text = "".join(_colour_line(line) for line in text.splitlines(keepends=True))
    typer.echo(text, nl=False)


def _colour_line(line: str) -> str:
    if line.startswith(("+++", "---")):
        return typer.style(line, bold=True)
    if line.startswith("+"):
        return typer.style(line, fg=typer.colors.GREEN)
    if line.startswith("-"):
        return typer.style(line, fg=typer.colors.RED)
    if line.startswith("@@"):
        return typer.style(line, fg=typer.colors.CYAN)
    return line


@app.command()
def compare(
    left: ProfileArg,
    right: ProfileArg,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 when a difference is not allowed by parity.yaml.")] = False,
    output_format: Annotated[str, typer.Option("--format", help="text or json.", autocompletion=lambda: ["text", "json"])] = "text",
    root: RootOpt = None,
) -> None:
    """What differs between two rendered environments, object by object, and what parity.yaml does not explain."""

    def action() -> None:
        from clipper_manifests.report import compare as comparing
        from clipper_manifests.report.compare_text import json_report, text_report

        if output_format not in ("text", "json"):
            raise UsageError(f"--format {output_format!r} is not text or json")
        project = find_project(root, None)
        names = _select(project, [left, right], False)
        allowances = comparing.load_parity(project.root)
        build = _build(project, names, notes=False, objects=True)  # an invalid profile stops here, its problems shown
        items = [build.profiles[name] for name in (left, right)]
        sides = [(item.name, comparing.objects_by_key(item.built(), item.name)) for item in items]
        kinds = [(item.profile.provider, item.profile.environment) for item in items if item.profile is not None]
        result = comparing.compare(sides[0], sides[1], comparing.relation_of(kinds[0], kinds[1]), allowances)
        typer.echo(json_report(result) if output_format == "json" else text_report(result), nl=False)
        if check and result.unexplained:
            # Beside a JSON document the verdict goes to stderr, to keep stdout one parseable document.
            verdict = f"error: {len(result.unexplained)} difference(s) marked ! are not explained by parity.yaml"
            typer.echo(verdict, err=output_format == "json")
            raise typer.Exit(EXIT_INVALID)

    _guarded(action)


@app.command("list")
def list_profiles(root: RootOpt = None) -> None:
    """List profiles with provider, environment, cluster, Kubernetes version and description."""

    def action() -> None:
        from clipper_manifests.profile.merge import load_merged

        project = find_project(root, None)
        rows: list[tuple[str, ...]] = [("PROFILE", "PROVIDER", "ENVIRONMENT", "CLUSTER", "REGION", "KUBERNETES", "DESCRIPTION")]
        for name in project.profile_names():
            try:
                data = load_merged(project, name).data
            except ClipperError as error:
                rows.append((name, f"(cannot load: {error.message})", "", "", "", "", ""))
                continue
            cluster: dict[str, Any] = data["cluster"] if isinstance(data.get("cluster"), dict) else {}
            fields = (
                data.get("provider"),
                data.get("environment"),
                cluster.get("name"),
                cluster.get("region"),
                data.get("kubernetesVersion"),
                data.get("description"),
            )
            rows.append((name, *(str(value) if value is not None else "-" for value in fields)))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())

    _guarded(action)


@app.command()
def show(
    profile: ProfileArg,
    explain: Annotated[
        str | None,
        typer.Option(
            "--explain",
            help="A key such as api.replicas.min (or a mapping such as api.replicas): where its value comes from.",
            show_default=False,
            autocompletion=_complete_keys,
        ),
    ] = None,
    root: RootOpt = None,
) -> None:
    """Print the merged profile, or explain where one key's value comes from."""

    def action() -> None:
        from clipper_manifests.profile.explain import explain_key, merged_text
        from clipper_manifests.profile.merge import load_merged

        project = find_project(root, None)
        merged = load_merged(project, profile)
        typer.echo(explain_key(merged, explain, Path.cwd()) if explain else merged_text(merged, project), nl=False)

    _guarded(action)


@app.command("secrets")
def secrets_command(profile: ProfileArg, root: RootOpt = None) -> None:
    """Every remote secret PROFILE reads: remote key, store, last rotation, age and status
    (CLIPPER_TODAY=YYYY-MM-DD sets the date the ages are counted to)."""

    def action() -> None:
        from clipper_manifests.clock import today
        from clipper_manifests.profile.convert import from_data
        from clipper_manifests.profile.merge import load_merged
        from clipper_manifests.profile.model import Profile
        from clipper_manifests.profile.redaction import redact_problems, secret_values
        from clipper_manifests.report.formats import REPORTERS
        from clipper_manifests.report.rotation_steps import rotation_notes
        from clipper_manifests.report.secrets_table import format_table, secrets_table
        from clipper_manifests.rules.profile.schema_check import check_profile_schema
        from clipper_manifests.values.platform import load_platform

        project = find_project(root, None)
        merged = load_merged(project, profile)
        problems = redact_problems(check_profile_schema(merged), secret_values(merged))
        if problems:
            typer.echo(REPORTERS["text"](problems, Path.cwd()), nl=False)
            raise ValidationFailed(problems)
        typed = from_data(Profile, {**merged.data, "name": profile})
        platform = load_platform(project.templates)
        typer.echo(format_table(secrets_table(typed, platform, today())), nl=False)
        for line in rotation_notes(typed, platform):
            typer.echo(line)

    _guarded(action)


@app.command("images")
def images_command(profile: ProfileArg, root: RootOpt = None) -> None:
    """Every image PROFILE's pods run: its digest, how it is pinned, where it is set and what runs it."""

    def action() -> None:
        import dataclasses

        from clipper_manifests.report.images_table import chart_rows, format_table, image_rows

        project = find_project(root, None)
        item = _build(project, _select(project, [profile], False), notes=False, objects=True).profiles[profile]
        chosen = {f.name: getattr(item.profile.images, f.name) for f in dataclasses.fields(item.profile.images)}
        keys = {image.reference: f"profile images.{name}" for name, image in chosen.items() if image is not None}
        built = item.built()
        typer.echo(format_table(image_rows(built, keys), chart_rows(built)), nl=False)

    _guarded(action)


@app.command()
def schema(
    partial: Annotated[bool, typer.Option("--partial", help="The schema for partials (nothing required).")] = False,
    write: Annotated[bool, typer.Option("--write", help="Write both schemas to <root>/schemas/.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 when <root>/schemas/ is stale.")] = False,
    root: RootOpt = None,
) -> None:
    """Print the profile JSON Schema (draft 2020-12)."""

    def action() -> None:
        from clipper_manifests.profile.schema import schema_text, sync_schema_files

        if write or check:
            project = find_project(root, None)
            stale = sync_schema_files(project.root / "schemas", write=write)
            if stale and check:
                typer.echo(f"error: stale: {', '.join(stale)}; run `clipper-manifests schema --write`")
                raise typer.Exit(EXIT_INVALID)
            typer.echo(f"schemas: {'updated ' + ', '.join(stale) if stale and write else 'up to date'}")
            return
        typer.echo(schema_text(partial), nl=False)

    _guarded(action)


def _report_profiles(project: Project, names: list[str], report_format: str) -> None:
    from clipper_manifests.pipeline.profile_stages import check_profiles
    from clipper_manifests.report.formats import REPORTERS, pick_format

    problems = check_profiles(project, names)
    chosen = pick_format(report_format)
    if problems or chosen in ("json", "sarif"):
        typer.echo(REPORTERS[chosen](problems, Path.cwd()), nl=False)
    if any(problem.is_error for problem in problems):
        raise ValidationFailed(problems)
    if chosen == "text":
        typer.echo(f"{len(names)} profile(s) valid (profiles only): {_listing(names)}")


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

    def action() -> None:
        from clipper_manifests.dr.runbook import plan_text

        project = find_project(root, out, crd_schemas=crd_schemas, validating=True)
        names = _select(project, [profile], False)
        build = _build(project, names, notes=False, objects=True)
        typer.echo(plan_text(project, build.profiles[profile], point_in_time, expect or [], attempt), nl=False)

    _guarded(action)


@app.command("rules")
def list_rules(
    rule_id: Annotated[str | None, typer.Argument(help="One rule's id (default: every rule).", show_default=False)] = None,
    report_format: Annotated[
        str, typer.Option("--format", help="text (a table) or markdown.", autocompletion=lambda: ["text", "markdown"])
    ] = "text",
) -> None:
    """List every rule (or one): id, severity, what it checks, how to fix it (acknowledge a finding with policy.exceptions)."""

    def action() -> None:
        import difflib

        from clipper_manifests.report.rules_table import rules_table
        from clipper_manifests.rules.registry import all_rules

        if report_format not in ("text", "markdown"):
            raise UsageError(f"unknown format {report_format!r}", hint="use text or markdown")
        rules = all_rules()
        if rule_id is not None:
            chosen = [rule for rule in rules if rule.id == rule_id]
            if not chosen:
                close = difflib.get_close_matches(rule_id, [rule.id for rule in rules], n=1)
                raise UsageError(
                    f"no rule {rule_id!r}", hint=(f"did you mean {close[0]!r}? " if close else "") + "`clipper-manifests rules` lists them"
                )
            rules = chosen
        typer.echo(rules_table(rules, markdown=report_format == "markdown"), nl=False)

    _guarded(action)


@app.command()
def docs(
    check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 1 when docs/profiles.md is stale.")] = False,
    root: RootOpt = None,
) -> None:
    """Write docs/profiles.md, the profile reference, from the JSON Schema, the defaults and the rules."""

    def action() -> None:
        from clipper_manifests.profile.schema import profile_schema
        from clipper_manifests.report.profile_docs import DOCS_FILE, render_docs
        from clipper_manifests.rules.registry import all_rules

        project = find_project(root, None)
        wanted = render_docs(project, profile_schema(), all_rules())
        path = project.root / DOCS_FILE
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == wanted:
            typer.echo(f"{DOCS_FILE}: up to date")
            return
        if check:
            typer.echo(f"error: {DOCS_FILE} is stale; run `clipper-manifests docs` and commit")
            raise typer.Exit(EXIT_INVALID)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(wanted, encoding="utf-8")
        typer.echo(f"{DOCS_FILE}: written")

    _guarded(action)


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
