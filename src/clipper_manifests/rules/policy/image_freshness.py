"""Policy rule: the PostgreSQL image is pinned by digest and, where its tag says when it was
built, recent.

CloudNativePG's operand tags such as `17.5-standard-bookworm` are moved to a new build every
week (OS and extension fixes) and stop moving when the next PostgreSQL minor ships, so such a
tag neither pins what was reviewed nor stays current. Its immutable tags carry the build time
(`17.11-202608310816-standard-bookworm`): that date is the one freshness fact the rendered
objects hold, and the rule warns once it is older than a quarter plus a month (PostgreSQL
ships a minor release every quarter, CVE fixes included).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from clipper_manifests.clock import today
from clipper_manifests.problems import Severity
from clipper_manifests.rules.policy.objects import Document, Finding, Objects, containers, pod_spec
from clipper_manifests.rules.registry import (
    Severities,
    tree_rule,
)

CNPG_OPERAND = "ghcr.io/cloudnative-pg/postgresql"
BUILD_STAMP = re.compile(r"^[0-9]+\.[0-9]+-(?P<stamp>20[0-9]{6})[0-9]{4}-")
MAX_BUILD_AGE_DAYS = 120


def _postgres_images(document: Document) -> Iterator[tuple[tuple[Any, ...], str]]:
    """(key path, image) of every CloudNativePG operand image the object names."""
    if document.get("kind") == "Cluster" and str(document.get("apiVersion", "")).startswith("postgresql.cnpg.io/"):
        image = (document.get("spec") or {}).get("imageName")
        if isinstance(image, str):
            yield ("spec", "imageName"), image
    found = pod_spec(document)
    if found is not None:
        base, spec = found
        for where, container in containers(spec):
            image = container.get("image")
            if isinstance(image, str) and image.startswith(CNPG_OPERAND + ":"):
                yield (*base, *where, "image"), image


def image_age_problem(image: str, now: date) -> str | None:
    """Why a pinned operand image is stale, from the build date in its tag (None when recent or
    when the tag does not say)."""
    tag = image.split("@", 1)[0].rsplit(":", 1)[-1]
    match = BUILD_STAMP.match(tag)
    if match is None:
        return None
    stamp = match.group("stamp")
    built = date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:]))
    age = (now - built).days
    if age <= MAX_BUILD_AGE_DAYS:
        return None
    return f"was built on {built.isoformat()}, {age} days ago: newer builds carry PostgreSQL minor releases and CVE fixes"


@tree_rule(
    "postgres-image-pinned",
    Severities.split((Severity.ERROR, Severity.WARNING), (Severity.WARNING,)),
    summary="The PostgreSQL (CloudNativePG operand) image is pinned by digest, and a build whose tag carries its "
    f"build date is at most {MAX_BUILD_AGE_DAYS} days old (CLIPPER_TODAY sets the date).",
    fix="pin a current 17.x immutable build by digest in templates/platform.yaml dataServices.postgres.image "
    "(ghcr.io/cloudnative-pg/postgresql:17.<minor>-<build>-standard-bookworm@sha256:…)",
)
def _postgres_image(objects: Objects) -> Iterator[Finding]:
    now = today()
    for document in objects.documents:
        for path, image in _postgres_images(document):
            if "@sha256:" not in image:
                severity = Severity.ERROR if objects.production else Severity.WARNING
                yield document, path, f"{image} is a tag CloudNativePG moves to a new build every week: pin it by digest", severity
                continue
            problem = image_age_problem(image, now)
            if problem:
                yield document, path, f"{image.split('@', 1)[0]} {problem}", Severity.WARNING
