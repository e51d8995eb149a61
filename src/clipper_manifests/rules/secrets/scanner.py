"""The secret scanner: likely secret material in profiles and in the rendered tree.

Known shapes (PEM private keys, AWS access keys, JWTs, Slack, Stripe, SendGrid, OpenAI,
GitHub and Google keys, credentials inside URLs) are matched exactly; anything else long and
random-looking is caught by character mix and Shannon entropy, except in fields that hold
identifiers by nature (digests, ARNs, certificate and key IDs). A finding names file:line and a
fingerprint (a hash of the match, never the match itself); a profile accepts one only by that
fingerprint with a written reason (`secrets.scanner.allow`).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from clipper_manifests import memo
from clipper_manifests.problems import json_path
from clipper_manifests.yaml.read import key_path_at

# (kind, literal text every match contains, pattern). Each is specific enough to report without
# an entropy test; the literal lets a file without it skip the (slower) pattern.
SHAPES: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = (
    ("PEM private key", ("PRIVATE KEY",), re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    (
        "AWS access key ID",
        ("AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA"),
        re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}\b"),
    ),
    ("JSON Web Token", ("eyJ",), re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")),
    ("Slack token", ("xox",), re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("Slack webhook URL", ("hooks.slack.com",), re.compile(r"https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9_/]{20,}")),
    ("Stripe key", ("_live_", "_test_"), re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}")),
    ("Stripe webhook secret", ("whsec_",), re.compile(r"\bwhsec_[A-Za-z0-9+/=]{20,}")),
    ("SendGrid API key", ("SG.",), re.compile(r"\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}")),
    (
        "OpenAI API key",
        ("sk-",),
        re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[A-Z])[A-Za-z0-9_-]{20,}"),
    ),
    (
        "GitHub token",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})"),
    ),
    ("Google API key", ("AIza",), re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("Sentry DSN with key", ("@",), re.compile(r"https://[0-9a-f]{32}(?::[0-9a-f]{32})?@[A-Za-z0-9.-]+/[0-9]+")),
    ("credentials in a URL", ("@",), re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s:/@\"']+:[^\s:/@\"'$]{3,}@[A-Za-z0-9.-]+")),
)
# Any shape's literal: a line without one (nearly every line) skips the shapes at once.
_ANY_NEEDLE = re.compile("|".join(re.escape(needle) for _, needles, _ in SHAPES for needle in needles))
# Runs of characters random keys are made of; `=` only as padding.
CANDIDATE = re.compile(r"[A-Za-z0-9+/_-]{20,}={0,2}")
SEPARATORS = re.compile(r"[-_.]")
# Fields whose values are identifiers by nature, never secrets.
SAFE_KEYS = frozenset(
    {
        "digest",
        "sha256",
        "checksum",
        "fingerprint",
        "certificatearn",
        "certificate-arn",
        "ssl-cert",
        "role-arn",
        "rolearn",
        "awsrolearn",
        "loadbalancercontrollerrolearn",
        "certificateid",
        "certificate-id",
        "do-loadbalancer-certificate-id",
        "client-id",
        "clientid",
        "tenant-id",
        "tenantid",
        "cabundle",
    }
)
SAFE_VALUE = re.compile(r"^(?:arn:aws[a-z-]*:|sha256:[0-9a-f]{64}$|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$)")
# The hex part of an image reference pinned by digest (`repo:tag@sha256:<64 hex>`).
DIGEST_HEX = re.compile(r"[0-9a-f]{64}")
KEY = re.compile(r"^\s*(?:-\s+)?[\"']?([A-Za-z0-9_.\-/]+)[\"']?\s*:\s*(.*)$")


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    column: int
    kind: str
    fingerprint: str
    preview: str  # the first characters and the length: enough to find it, too little to use it
    key: str = ""  # the YAML key path it stands at, e.g. app.embedding.model

    def describe(self) -> str:
        return f"possible {self.kind} ({self.preview}; fingerprint {self.fingerprint})"


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _preview(text: str) -> str:
    return f"{text[:4]}… {len(text)} characters"


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(text)
    return -sum(count / len(text) * math.log2(count / len(text)) for count in counts.values())


def looks_random(candidate: str) -> bool:
    """Long, mixed and irregular enough to be a generated key rather than a name."""
    token = candidate.rstrip("=")
    segment = max(SEPARATORS.split(token), key=len)
    if len(segment) < 20:
        return False
    digits = sum(c.isdigit() for c in segment)
    upper = sum(c.isupper() for c in segment)
    lower = sum(c.islower() for c in segment)
    symbols = sum(c in "+/" for c in segment)
    if len(segment) >= 20 and upper >= 2 and lower >= 2 and digits + symbols >= 1:
        return entropy(segment) >= 3.8  # base64 and friends
    if len(segment) >= 24 and digits >= 4 and (upper >= 4) != (lower >= 4):
        return entropy(segment) >= 3.4  # hex, lower- or upper-case alphanumeric keys
    return False


def _safe_line(line: str) -> bool:
    match = KEY.match(line)
    if match is None:
        return False
    key = match.group(1).rsplit("/", 1)[-1].lower()
    value = match.group(2).strip().strip("\"'")
    return key in SAFE_KEYS or bool(SAFE_VALUE.match(value))


def has_findings(text: str) -> bool:
    return bool(_file_findings(text))


def scan_text(path: Path, text: str) -> list[Finding]:
    return [Finding(path, *entry, key=json_path(key_path_at(text, entry[0], entry[1]))) for entry in _file_findings(text)]


def _file_findings(text: str) -> list[tuple[int, int, str, str, str]]:
    # A generated file is a header line naming its profile, then an object that is often the
    # same in many profiles' files: the rest of a file is looked up whole before line by line.
    first, _, rest = text.partition("\n")
    found = [(1, column, kind, print_, preview) for column, kind, print_, preview in _line_findings(first)]
    if rest:
        found += [(line + 1, column, kind, print_, preview) for line, column, kind, print_, preview in _text_findings(rest)]
    return found


@memo.function("scanner.texts", 1 << 13)  # object texts run to kilobytes: keep as many as a large build has
def _text_findings(text: str) -> tuple[tuple[int, int, str, str, str], ...]:
    """(line, column, kind, fingerprint, preview) of every finding in a text."""
    # Every shape and the candidate run stop at a line break, so lines are scanned one by one,
    # and a line seen before (most lines of most files, across profiles) costs a lookup.
    return tuple((number, *entry) for number, line in enumerate(text.split("\n"), start=1) for entry in _line_findings(line))


@memo.function("scanner.lines", 1 << 17)
def _line_findings(line: str) -> tuple[tuple[int, str, str, str], ...]:
    """(column, kind, fingerprint, preview) of every finding on one line, left to right."""
    found: list[tuple[int, str, str, str]] = []
    covered: list[tuple[int, int]] = []
    for kind, needles, pattern in SHAPES if _ANY_NEEDLE.search(line) else ():
        if not any(needle in line for needle in needles):
            continue
        for match in pattern.finditer(line):
            covered.append(match.span())
            found.append((match.start() + 1, kind, fingerprint(match.group()), _preview(match.group())))
    for match in CANDIDATE.finditer(line):
        start, end = match.span()
        if not looks_random(match.group()) or SAFE_VALUE.match(match.group()):
            continue
        if line[max(0, start - 7) : start] == "sha256:" and DIGEST_HEX.fullmatch(match.group()):
            continue  # an image digest: an identifier, wherever the image reference stands
        if any(start < stop and begin < end for begin, stop in covered):
            continue
        if not _safe_line(line):
            found.append((start + 1, "high-entropy string", fingerprint(match.group()), _preview(match.group())))
    return tuple(sorted(found))
