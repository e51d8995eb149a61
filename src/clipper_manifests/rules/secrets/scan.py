"""Run the secret scanner over a build: the profiles' files and every output file.

Findings are errors unless a profile that sees the file (its own files and partials, its
output folders, base and its provider's component) allows the finding's fingerprint with a
written reason; an allowance that matches nothing is a warning, so stale ones get cleaned up.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from clipper_manifests.errors import Location
from clipper_manifests.problems import Problem, Severity
from clipper_manifests.profile.merge import MergedProfile
from clipper_manifests.profile.model import Profile
from clipper_manifests.render import layout
from clipper_manifests.rules.registry import ERROR, WARNING, declare
from clipper_manifests.rules.secrets.scanner import Finding, has_findings, scan_text


class Scanned(Protocol):
    """What the scan reads of one built profile (the pipeline's ProfileBuild)."""

    @property
    def merged(self) -> MergedProfile | None: ...
    @property
    def profile(self) -> Profile | None: ...
    @property
    def folders(self) -> tuple[str, ...]: ...  # its output folders
    @property
    def scanned(self) -> list[tuple[Finding, str]]: ...  # findings in its output files


FIX = "secret values live in the secret store only; if this is not a secret, add its fingerprint and the reason to secrets.scanner.allow"


def _scope(item: Scanned) -> tuple[set[Path], tuple[str, ...]]:
    """The profile files and the output folders (prefixes) a profile answers for."""
    files = {file.path for file in item.merged.files} if item.merged else set()
    folders: list[str] = [layout.BASE_DIR]
    if item.profile is not None:
        folders.append(layout.component_dir(item.profile.provider))
    folders += item.folders
    return files, tuple(folder + "/" for folder in folders)


def _allowed(item: Scanned) -> set[str]:
    return {entry.fingerprint for entry in item.profile.secrets.scanner.allow} if item.profile else set()


def scan_output(out: Path, files: dict[str, str]) -> list[tuple[Finding, str]]:
    """Findings in output files (relative name → text), each with the file's relative name."""
    found = [(name, text) for name, text in sorted(files.items()) if has_findings(text)]  # a path only for those
    return [(finding, name) for name, text in found for finding in scan_text(out / name, text)]


def scan_build(profiles: Mapping[str, Scanned], out: Path, shared_files: dict[str, str]) -> list[Problem]:
    """Every finding in the profiles' files and in the build's output files (`shared_files`:
    base and components; each profile's own were scanned where it was built)."""
    profile_files = sorted({file.path for item in profiles.values() if item.merged for file in item.merged.files})
    findings: list[tuple[Finding, str | None]] = []  # with the output file's relative name
    for path in profile_files:
        findings += [(finding, None) for finding in scan_text(path, path.read_text(encoding="utf-8"))]
    # Each profile's own files were scanned where they were made; base and components are left.
    output: list[tuple[Finding, str]] = []
    for item in profiles.values():
        output += item.scanned
    output += scan_output(out, shared_files)
    output.sort(key=lambda pair: pair[1])  # file order, as one serial scan gives (the sort is stable)
    findings += output
    scopes = {name: _scope(item) for name, item in profiles.items()}
    used: set[tuple[str, str]] = set()
    problems: list[Problem] = []
    for finding, relative in findings:
        owners = [
            name
            for name, (files, folders) in scopes.items()
            if (finding.path in files if relative is None else relative.startswith(folders))
        ]
        allowed = [name for name in owners if finding.fingerprint in _allowed(profiles[name])]
        if allowed:
            used.update((name, finding.fingerprint) for name in allowed)
            continue
        rule = "secret-in-profile" if relative is None else "secret-in-output"
        where = Location(finding.path, finding.line, finding.column)
        owner = owners[0] if len(owners) == 1 else ""
        problems.append(Problem(f"{finding.describe()}; {FIX}", rule, Severity.ERROR, finding.key, where, owner))
    return problems + _unused_allowances(profiles, used)


def _unused_allowances(profiles: Mapping[str, Scanned], used: set[tuple[str, str]]) -> list[Problem]:
    problems = []
    for name, item in profiles.items():
        if item.profile is None or item.merged is None:
            continue
        for index, entry in enumerate(item.profile.secrets.scanner.allow):
            if (name, entry.fingerprint) not in used:
                where = item.merged.location(("secrets", "scanner", "allow", index, "fingerprint"))
                message = f"no finding has fingerprint {entry.fingerprint} any more; remove the allowance"
                problems.append(Problem(message, "secret-allowance-unused", Severity.WARNING, "secrets.scanner.allow", where, name))
    return problems


declare(
    (
        "secret-in-profile",
        ERROR,
        "No profile holds secret material (private keys, cloud and API keys, tokens, random-looking strings).",
        "move the value to the secret store; if it is not a secret, allow its fingerprint with a reason",
        ("secrets.scanner.allow",),
    ),
    (
        "secret-in-output",
        ERROR,
        "No rendered file holds secret material.",
        "find the template or profile value that put it there; allow its fingerprint only if it is not a secret",
        ("secrets.scanner.allow",),
    ),
    (
        "secret-allowance-unused",
        WARNING,
        "Every scanner allowance still matches a finding.",
        "remove the allowance",
        ("secrets.scanner.allow",),
    ),
    scope="secrets",
    stage="build",
    emitted_by="rules.secrets.scan:scan_build",
)
