"""A comparison of two environments as text (grouped by object) or JSON."""

from __future__ import annotations

import json
from itertools import groupby
from typing import Any

from clipper_manifests.report.compare import Comparison, Difference

_WIDTH = 70


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False) if value is not None else "(absent)"
    return text if len(text) <= _WIDTH else text[: _WIDTH - 1] + "…"


def text_report(comparison: Comparison) -> str:
    left, right = comparison.left, comparison.right
    objects = {difference.object for difference, _ in comparison.differences}
    unexplained = comparison.unexplained
    lines = [
        f"{left} vs {right} ({comparison.relation}): {len(comparison.differences)} difference(s) in {len(objects)} object(s), "
        f"{len(unexplained)} not explained by parity.yaml"
    ]
    for label, group in groupby(comparison.differences, key=lambda pair: pair[0].label):
        lines.append(f"\n{label}")
        for difference, allowance in group:
            mark = "  " if allowance is not None else "! "
            lines.append(mark + _line(difference, left, right) + (f"  [{allowance.reason}]" if allowance else ""))
    return "\n".join(lines) + "\n"


def _line(difference: Difference, left: str, right: str) -> str:
    if difference.key == "":
        return f"only in {left if difference.right is None else right}"
    return f"{difference.key}: {_short(difference.left)} → {_short(difference.right)}"


def json_report(comparison: Comparison) -> str:
    entries = [
        {
            "folder": difference.object[0],
            "kind": difference.object[1],
            "name": difference.object[2],
            "key": difference.key or None,
            comparison.left: difference.left,
            comparison.right: difference.right,
            "explained": allowance.reason if allowance else None,
        }
        for difference, allowance in comparison.differences
    ]
    summary = {
        "left": comparison.left,
        "right": comparison.right,
        "relation": comparison.relation,
        "unexplained": len(comparison.unexplained),
    }
    return json.dumps({**summary, "differences": entries}, indent=2, ensure_ascii=False) + "\n"
