"""The profile JSON Schema: shipped in the package, checked against merged profiles."""

from __future__ import annotations

import copy
import difflib
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from clipper_manifests.compiled_schema import CompiledSchema, compile_schema
from clipper_manifests.problems import Problem, json_path
from clipper_manifests.profile.merge import MergedProfile

SCHEMA_FILE = "profile.schema.json"
PARTIAL_SCHEMA_FILE = "profile-partial.schema.json"


@cache
def profile_schema() -> dict[str, Any]:
    text = resources.files("clipper_manifests").joinpath("schemas", SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def partial_schema() -> dict[str, Any]:
    """The same schema with nothing required: what editors check partials (`_*.yaml`) against."""

    def relax(node: Any) -> Any:
        if isinstance(node, dict):
            relaxed = {key: relax(value) for key, value in node.items() if key != "required"}
            # A choice between required keys means nothing once nothing is required.
            for choice in ("oneOf", "anyOf"):
                if any(branch == {} for branch in relaxed.get(choice, [None])):
                    del relaxed[choice]
            return relaxed
        if isinstance(node, list):
            return [relax(item) for item in node]
        return node

    schema: dict[str, Any] = relax(copy.deepcopy(profile_schema()))
    schema["$id"] = schema["$id"].replace(SCHEMA_FILE, PARTIAL_SCHEMA_FILE)
    schema["title"] += " (partial)"
    return schema


def schema_text(partial: bool = False) -> str:
    return json.dumps(partial_schema() if partial else profile_schema(), indent=2, ensure_ascii=False) + "\n"


@cache
def _validator() -> CompiledSchema:
    def explain() -> Any:
        from jsonschema import Draft202012Validator  # imported here: heavy, and `list`/`--help` never need it

        return Draft202012Validator(profile_schema())

    return compile_schema(profile_schema(), explain)


def check_profile_schema(profile: MergedProfile) -> list[Problem]:
    problems = []
    for error in _validator().errors(profile.data):
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


def sync_schema_files(folder: Path, *, write: bool) -> list[str]:
    """Compare (and with `write`, update) the committed copies editors use; return stale names."""
    stale = []
    for name, partial in ((SCHEMA_FILE, False), (PARTIAL_SCHEMA_FILE, True)):
        path = folder / name
        wanted = schema_text(partial)
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != wanted:
            stale.append(name)
            if write:
                folder.mkdir(parents=True, exist_ok=True)
                path.write_text(wanted, encoding="utf-8")
    return stale
