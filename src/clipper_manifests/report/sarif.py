"""Problems as a SARIF 2.1.0 log (OASIS), as GitHub code scanning and other dashboards read it.

One run; the driver lists the rules that occur (id, summary, fix as help, default level);
each result points at the output file:line:column, with the template line and the profile
key that produced the value as related locations where they are known. Paths are relative
to the folder the command ran in (`%SRCROOT%`), which in CI is the repository root.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clipper_manifests import __version__
from clipper_manifests.errors import Location
from clipper_manifests.problems import Problem
from clipper_manifests.rules.registry import find_rule

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "note": "note"}


def _artifact(location: Location, root: Path) -> dict[str, Any]:
    shown = location.render(root).split(":")[0]
    relative = not Path(shown).is_absolute()
    artifact: dict[str, Any] = {"uri": shown if relative else location.path.resolve().as_uri()}
    if relative:
        artifact["uriBaseId"] = "%SRCROOT%"
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if location.line:
        physical["region"] = {"startLine": location.line, **({"startColumn": location.column} if location.column else {})}
    return physical


def _rules(problems: list[Problem]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    descriptors: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for rule_id in sorted({problem.rule for problem in problems}):
        info = find_rule(rule_id)
        descriptor: dict[str, Any] = {"id": rule_id}
        if info is not None:
            descriptor["shortDescription"] = {"text": info.summary}
            descriptor["help"] = {"text": f"Fix: {info.fix}"}
            descriptor["defaultConfiguration"] = {"level": LEVELS[info.severities.worst.value]}
            descriptor["properties"] = {"scope": info.scope, **({"profileKeys": list(info.keys)} if info.keys else {})}
        index[rule_id] = len(descriptors)
        descriptors.append(descriptor)
    return descriptors, index


def _result(problem: Problem, rule_index: int, root: Path) -> dict[str, Any]:
    message = f"{problem.path}: {problem.message}" if problem.path else problem.message
    result: dict[str, Any] = {
        "ruleId": problem.rule,
        "ruleIndex": rule_index,
        "level": LEVELS[problem.severity.value],
        "message": {"text": message + (f" (hint: {problem.hint})" if problem.hint else "")},
        "properties": {"profile": problem.profile, "path": problem.path},
    }
    if problem.location is not None:
        result["locations"] = [{"physicalLocation": _artifact(problem.location, root)}]
    related = []
    if problem.template is not None:
        related.append(
            {"id": 1, "physicalLocation": _artifact(problem.template, root), "message": {"text": "template that wrote the value"}}
        )
    if problem.profile_key:
        result["properties"]["profileKey"] = problem.profile_key
        if problem.profile_location is not None:
            text = f"profile key {problem.profile_key}"
            related.append({"id": 2, "physicalLocation": _artifact(problem.profile_location, root), "message": {"text": text}})
    if related:
        result["relatedLocations"] = related
    return result


def sarif_log(problems: list[Problem], root: Path) -> dict[str, Any]:
    descriptors, index = _rules(problems)
    driver = {"name": "clipper-manifests", "version": __version__, "rules": descriptors}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}},
                "results": [_result(problem, index[problem.rule], root) for problem in problems],
            }
        ],
    }
