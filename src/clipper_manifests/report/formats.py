"""Problems → text for people, JSON for tools, workflow commands for GitHub Actions, SARIF 2.1.0
for code-scanning dashboards (sarif.py)."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from pathlib import Path

from clipper_manifests.errors import Location
from clipper_manifests.problems import Problem, Severity

Reporter = Callable[[list[Problem], Path], str]


def _where(problem: Problem, root: Path) -> str:
    return problem.location.render(root) if problem.location else "(no location)"


def _file(location: Location | None, root: Path) -> str | None:
    return location.render(root).split(":")[0] if location else None


def origin(problem: Problem, root: Path) -> str:
    """Where a rendered value came from: `templates/x.yaml.j2:12, profile key a.b (profiles/p.yaml:3:5)`."""
    parts = [problem.template.render(root)] if problem.template else []
    if problem.profile_key:
        at = f" ({problem.profile_location.render(root)})" if problem.profile_location else ""
        parts.append(f"profile key {problem.profile_key}{at}")
    return ", ".join(parts)


def distinct(problems: list[Problem]) -> list[tuple[Problem, list[str]]]:
    """Each problem once, with the profiles it was found in: a problem in a file that several
    profiles share (a partial, a template) is found once per profile, and read once."""
    found: dict[Problem, list[str]] = {}
    for problem in problems:
        found.setdefault(dataclasses.replace(problem, profile=""), []).append(problem.profile)
    return [(problem, [name for name in profiles if name]) for problem, profiles in found.items()]


def listing(names: list[str], shown: int) -> str:
    """Profile names for one line; a long run names the first few and counts the rest."""
    if len(names) <= shown:
        return ", ".join(names)
    return f"{', '.join(names[:shown])} and {len(names) - shown} more"


def text_report(problems: list[Problem], root: Path) -> str:
    lines = []
    shown = distinct(problems)
    for problem, profiles in shown:
        path = f"{problem.path}: " if problem.path else ""
        lines.append(f"{_where(problem, root)}: {problem.severity.value}: {path}{problem.message} ({problem.rule})")
        if problem.hint:
            lines.append(f"  hint: {problem.hint}")
        if problem.template or problem.profile_key:
            lines.append(f"  from: {origin(problem, root)}")
        if len(profiles) > 1:
            lines.append(f"  in {len(profiles)} profiles: {listing(profiles, 6)}")
    errors = sum(problem.is_error for problem, _ in shown)
    warnings = sum(problem.severity is Severity.WARNING for problem, _ in shown)
    if problems:
        lines.append(f"{errors} error(s), {warnings} warning(s)")
    return "\n".join(lines) + ("\n" if lines else "")


def json_report(problems: list[Problem], root: Path) -> str:
    items = []
    for problem in problems:
        location = problem.location
        items.append(
            {
                "profile": problem.profile,
                "severity": problem.severity.value,
                "rule": problem.rule,
                "path": problem.path,
                "message": problem.message,
                "hint": problem.hint or None,
                "file": location.render(root).split(":")[0] if location else None,
                "line": location.line if location else None,
                "column": location.column if location else None,
                "template": _file(problem.template, root),
                "template_line": problem.template.line or None if problem.template else None,
                "profile_key": problem.profile_key or None,
                "profile_file": _file(problem.profile_location, root),
                "profile_line": problem.profile_location.line or None if problem.profile_location else None,
            }
        )
    return json.dumps({"problems": items}, indent=2) + "\n"


def _escape(value: str, *, property_value: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if property_value else value


def github_report(problems: list[Problem], root: Path) -> str:
    lines = []
    for problem, _ in distinct(problems):  # one annotation per place, however many profiles share it
        level = {"error": "error", "warning": "warning", "note": "notice"}[problem.severity.value]
        fields = []
        if problem.location:
            fields.append(f"file={_escape(problem.location.render(root).split(':')[0], property_value=True)}")
            if problem.location.line:
                fields.append(f"line={problem.location.line}")
            if problem.location.column:
                fields.append(f"col={problem.location.column}")
        fields.append(f"title={_escape(problem.rule, property_value=True)}")
        message = f"{problem.path}: {problem.message}" if problem.path else problem.message
        if problem.template or problem.profile_key:
            message += f" (from {origin(problem, root)})"
        lines.append(f"::{level} {','.join(fields)}::{_escape(message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def sarif_report(problems: list[Problem], root: Path) -> str:
    from clipper_manifests.report.sarif import sarif_log

    return json.dumps(sarif_log(problems, root), indent=2) + "\n"


REPORTERS: dict[str, Reporter] = {"text": text_report, "json": json_report, "github": github_report, "sarif": sarif_report}


def pick_format(requested: str) -> str:
    """`auto` is github under GitHub Actions, text elsewhere."""
    if requested == "auto":
        return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    return requested
