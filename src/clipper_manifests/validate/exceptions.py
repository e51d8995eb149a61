"""The profile's `policy.exceptions`: the only way to silence a policy rule, one object at a time.

An exception names a rule id, an object as `Kind/name` (in whatever namespace) and a reason.
What it matches vanishes from the report; an exception that matches nothing in a run (the
object was renamed, the rule no longer fires, a typo) is reported as a warning at its line
in the profile, so stale exceptions do not pile up.
"""

from __future__ import annotations

import difflib
from typing import Any

from clipper_manifests.model import PolicyException
from clipper_manifests.problems import Problem, Severity
from clipper_manifests.profiles import MergedProfile

UNUSED_RULE = "policy-exception-unused"


class Suppressions:
    """Answers "is this finding excepted?" and remembers which exceptions were used."""

    def __init__(self, exceptions: tuple[PolicyException, ...]) -> None:
        self.exceptions = exceptions
        self.used: set[int] = set()

    def __call__(self, rule: str, document: dict[str, Any]) -> bool:
        target = f"{document.get('kind')}/{(document.get('metadata') or {}).get('name')}"
        for index, exception in enumerate(self.exceptions):
            if exception.rule == rule and exception.object == target:
                self.used.add(index)
                return True
        return False

    def unused(self, merged: MergedProfile, known_rules: list[str]) -> list[Problem]:
        problems = []
        for index, exception in enumerate(self.exceptions):
            if index in self.used:
                continue
            if exception.rule in known_rules:
                message = f"{exception.rule} reports nothing for {exception.object}: remove this exception"
            else:
                close = difflib.get_close_matches(exception.rule, known_rules, n=1)
                guess = f"did you mean {close[0]!r}? " if close else ""
                message = f"{exception.rule!r} is no policy rule ({guess}`clipper-manifests rules` lists them)"
            key_path = ("policy", "exceptions", index)
            problems.append(
                Problem(
                    message,
                    UNUSED_RULE,
                    Severity.WARNING,
                    path=f"policy.exceptions[{index}]",
                    location=merged.location(key_path),
                    profile=merged.name,
                )
            )
        return problems
