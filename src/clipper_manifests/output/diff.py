"""What a render would change in out/, summed up before the diff: added, changed and removed
files per tree (an overlay, a profile's infrastructure, base, ...), then the files themselves."""

from __future__ import annotations

import difflib
from collections import Counter

from clipper_manifests.output.ownership import read_bytes
from clipper_manifests.output.plan import Plan


def tree_of(name: str) -> str:
    """The tree a file belongs to: `overlays/prod-aws`, `infrastructure/prod-aws/controllers`, `base`."""
    parts = name.split("/")[:-1]
    depth = 3 if parts[:1] in (["infrastructure"], ["dr"]) else 2
    return "/".join(parts[:depth]) or "."


def changes(plan: Plan) -> list[tuple[str, str]]:
    """(A|M|D, file) for every file a render would add, change or remove."""
    found = [("M" if (plan.out / name).exists() else "A", name) for name in plan.writes]
    found += [("D", name) for name in plan.deletes]
    return sorted(found, key=lambda change: change[1])


def summary(plan: Plan, out_label: str) -> str:
    """Counts per tree, then the files; empty when nothing changes."""
    listed = changes(plan)
    if not listed:
        return ""
    words = {"A": "added", "M": "changed", "D": "removed"}

    def counted(items: list[tuple[str, str]]) -> str:
        counts = Counter(kind for kind, _ in items)
        return ", ".join(f"{counts[kind]} {words[kind]}" for kind in "AMD" if counts[kind])

    lines = [f"{out_label}: {counted(listed)}"]
    for tree in sorted({tree_of(name) for _, name in listed}):
        lines.append(f"  {tree}: {counted([item for item in listed if tree_of(item[1]) == tree])}")
    lines += [f"{kind} {name}" for kind, name in listed]
    return "\n".join(lines) + "\n"


def unified_diff(plan: Plan) -> str:
    chunks: list[str] = []
    for name, text in plan.writes.items():
        current = read_bytes(plan.out / name)
        before = current.decode("utf-8", errors="replace").splitlines(keepends=True) if current is not None else []
        old_label = f"a/{name}" if current is not None else "/dev/null"
        chunks.extend(difflib.unified_diff(before, text.splitlines(keepends=True), old_label, f"b/{name}"))
    for name in plan.deletes:
        current = read_bytes(plan.out / name) or b""
        chunks.extend(
            difflib.unified_diff(current.decode("utf-8", errors="replace").splitlines(keepends=True), [], f"a/{name}", "/dev/null")
        )
    return "".join(chunk if chunk.endswith("\n") else chunk + "\n" for chunk in chunks)
