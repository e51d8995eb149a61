"""schema:<keyword>: a merged profile against the shipped JSON Schema, each error at its file:line:col."""

from __future__ import annotations

import difflib
from typing import Any

from clipper_manifests.problems import Problem, json_path
from clipper_manifests.profile.merge import MergedProfile
from clipper_manifests.profile.schema import schema_validator
from clipper_manifests.rules.registry import ERROR, declare


def check_profile_schema(profile: MergedProfile) -> list[Problem]:
    problems = []
    for error in schema_validator().errors(profile.data):
        problems.extend(_problems_for(error, profile))
    return problems


def _problems_for(error: Any, profile: MergedProfile) -> list[Problem]:
    key_path = tuple(error.absolute_path)
    rule = f"schema:{error.validator}"
    if error.validator == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        problems = []
        for key in sorted(set(error.instance) - set(known)):
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"allowed keys: {', '.join(known)}"
            problems.append(_problem(profile, (*key_path, key), f"unknown key {key!r}; {hint}", rule))
        return problems
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return [_problem(profile, key_path, f"missing required key {missing!r}", rule, report_path=(*key_path, missing))]
    return [_problem(profile, key_path, _describe(error), rule)]


def _describe(error: Any) -> str:
    if error.validator == "pattern":
        # `x-expected` (an annotation in the schema) says in words what the pattern admits.
        expected = error.schema.get("x-expected") if isinstance(error.schema, dict) else None
        if expected:
            return f"{error.instance!r} is not {expected}"
        return f"{error.instance!r} does not have the expected form (pattern {error.validator_value})"
    if error.validator == "enum":
        return f"{error.instance!r} is not one of: {', '.join(map(str, error.validator_value))}"
    if error.validator == "type":
        message = f"{error.instance!r} is {_json_type(error.instance)}, expected {error.validator_value}"
        if error.validator_value == "string" and isinstance(error.instance, int | float | bool):
            # `kubernetesVersion: 1.30` reads as the number 1.3 and `tag: yes` as true.
            message += '; YAML reads it as a value of that type: put it in quotes exactly as you mean it (e.g. "1.30")'
        return message
    return str(error.message)


def _json_type(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list", dict: "a mapping"}
    return names.get(type(value), "null")


def _problem(
    profile: MergedProfile, key_path: tuple[Any, ...], message: str, rule: str, report_path: tuple[Any, ...] | None = None
) -> Problem:
    return Problem(
        message=message,
        rule=rule,
        path=json_path(report_path or key_path) or "(profile)",
        location=profile.location(key_path),
        profile=profile.name,
    )


declare(
    (
        "schema:<keyword>",
        ERROR,
        "The merged profile matches the profile JSON Schema (the failing keyword is in the id).",
        "fix the key named; docs/profiles.md lists every key",
        ("*",),
    ),
    scope="check",
    stage="profile",
    emitted_by="rules.profile.schema_check:check_profile_schema",
)
