"""`clipper-manifests rules`: every rule as a text block, or as a Markdown table."""

from __future__ import annotations

from clipper_manifests.rules.registry import Rule


def rules_table(rules: list[Rule], *, markdown: bool = False) -> str:
    """The rules as a Markdown table, or as text blocks (id, severity, scope; summary; fix)."""
    if markdown:
        lines = ["| rule | severity | on | checks | fix |", "|---|---|---|---|---|"]
        lines += [f"| `{r.id}` | {r.severities.text()} | {r.scope} | {r.summary} | {r.fix} |".replace("\n", " ") for r in rules]
        return "\n".join(lines) + "\n"
    blocks = [f"{r.id}  [{r.severities.text()}, {r.scope}]\n  {r.summary}\n  fix: {r.fix}" for r in rules]
    footer = (
        "acknowledge a finding in the profile, one at a time: policy.exceptions "
        "[{rule, object: Kind/name (rules on objects) | key: profile.key (rules on the profile), reason}]"
    )
    return "\n\n".join(blocks) + f"\n\n{len(rules)} rule(s); {footer}\n"
