"""Go's inline regex flags become scoped groups with the same meaning."""

from __future__ import annotations

import re

import jsonschema_rs
import pytest

from clipper_manifests.rules.object_schemas.go_regex import rewrite_patterns, scoped_flags

# Patterns as operators' generated CRDs write them (prometheus-operator's rule groups and
# Alertmanager time intervals), and what they must accept and refuse under RE2's rules:
# the flag reaches the end of its group, not beyond.
WEEKDAY = "^((?i)sun|mon|tues|wednes|thurs|fri|satur)day(?:((:(sun|mon|tues|wednes|thurs|fri|satur)day)$)|$)"
CASES = [
    ("^(?i)(abort|warn)?$", ["abort", "WARN", "Abort", ""], ["abortx", "fail"]),
    (WEEKDAY, ["sunday", "SUNday", "MONday:friday"], ["sunDAY", "monday:Friday", "someday"]),
    ("^a(?i)b[xy]c$", ["aBxc", "abYC"], ["ABxc", "aBzc"]),
    (r"^x\((?i)i\)$", ["x(i)", "x(I)"], ["X(i)", "x(i"]),
    ("^[(?i)]a$", ["(a", "?a", "ia"], ["(A"]),
]


@pytest.mark.parametrize(("pattern", "accepted", "refused"), CASES)
def test_the_rewrite_keeps_re2_semantics_in_python_and_rust(pattern: str, accepted: list[str], refused: list[str]) -> None:
    portable = scoped_flags(pattern)
    rust = jsonschema_rs.Draft7Validator({"type": "string", "pattern": portable})
    for text in accepted:
        assert re.search(portable, text) and rust.is_valid(text), (portable, text)
    for text in refused:
        assert not re.search(portable, text) and not rust.is_valid(text), (portable, text)


def test_patterns_without_inline_flags_are_left_alone() -> None:
    for pattern in (r"^(0|(([0-9]+)y)?)$", r"^[a-z](?:[-a-z0-9]*)$", r"\(?i\)"):
        assert scoped_flags(pattern) == pattern


def test_only_pattern_keywords_are_rewritten() -> None:
    schema = {"properties": {"pattern": {"type": "string", "pattern": "(?i)x"}, "other": {"description": "(?i)x"}}}
    rewrite_patterns(schema)
    assert schema["properties"]["pattern"]["pattern"] == "(?i:x)"
    assert schema["properties"]["other"]["description"] == "(?i)x"
