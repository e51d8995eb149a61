"""The profile's `policy.exceptions`: the only way to silence a rule, one finding at a time.

An exception names a rule id, a reason, and what it acknowledges: a rendered object as
`Kind/name` (in whatever namespace) for rules on objects, or the profile key a finding names
(`ingress.controller`) for rules on the profile. What it matches vanishes from the report; an
exception that matches nothing in a full run (the object was renamed, the rule no longer
fires, a typo) is reported as a warning at its line in the profile, so stale exceptions do
not pile up.
"""

from __future__ import annotations

import difflib
from typing import Any

from clipper_manifests.problems import Problem, Severity
from clipper_manifests.profile.merge import MergedProfile
from clipper_manifests.profile.model import PolicyException
from clipper_manifests.rules.registry import WARNING, declare

UNUSED_RULE = "policy-exception-unused"


class Suppressions:
    """Answers "is this finding excepted?" and remembers which exceptions were used."""

    def __init__(self, exceptions: tuple[PolicyException, ...]) -> None:
        self.exceptions = exceptions
        self.used: set[int] = set()

    def __call__(self, rule: str, document: dict[str, Any]) -> bool:
        """Whether the finding of `rule` on a rendered object is acknowledged."""
        return self._match(rule, object=f"{document.get('kind')}/{(document.get('metadata') or {}).get('name')}")

    def acknowledges_key(self, rule: str, key: str | None) -> bool:
        """Whether the finding of `rule` on a profile key (its JSON path) is acknowledged."""
        return key is not None and self._match(rule, key=key)

    def _match(self, rule: str, *, object: str | None = None, key: str | None = None) -> bool:
        for index, exception in enumerate(self.exceptions):
            if exception.rule == rule and (exception.object, exception.key) == (object, key):
                self.used.add(index)
                return True
        return False

    def unused(self, merged: MergedProfile, known_rules: frozenset[str]) -> list[Problem]:
        problems = []
        for index, exception in enumerate(self.exceptions):
            if index in self.used:
                continue
            if exception.rule in known_rules:
                message = f"{exception.rule} reports nothing for {exception.object or exception.key}: remove this exception"
            else:
                close = difflib.get_close_matches(exception.rule, sorted(known_rules), n=1)
                guess = f"did you mean {close[0]!r}? " if close else ""
                message = f"{exception.rule!r} is no rule ({guess}`clipper-manifests rules` lists them)"
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


declare(
    (
        "policy-exception-unused",
        WARNING,
        "Every policy exception in the profile suppresses something.",
        "remove the exception, or fix its rule or object",
        ("policy.exceptions",),
    ),
    scope="check",
    stage="objects",
    emitted_by="rules.exceptions:Suppressions.unused",
)
