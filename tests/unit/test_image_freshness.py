"""The PostgreSQL operand image: pinned by digest, and not older than a quarter and a month
where its tag carries its build date (issue 16, item 4)."""

from __future__ import annotations

from typing import Any

import pytest

from clipper_manifests.problems import Severity
from clipper_manifests.rules.policy.image_freshness import _postgres_image
from clipper_manifests.rules.policy.objects import Objects
from clipper_manifests.values.platform import load_platform
from tests.conftest import REPO

SHIPPED = load_platform(REPO / "templates")["dataServices"]["postgres"]["image"]


def cluster(image: str) -> dict[str, Any]:
    return {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster", "metadata": {"name": "postgres"}, "spec": {"imageName": image}}


def job(image: str) -> dict[str, Any]:
    spec = {"containers": [{"name": "migrate", "image": "migrate/migrate:v4.17.1"}], "initContainers": [{"name": "wait", "image": image}]}
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate"}, "spec": {"template": {"spec": spec}}}


def findings(*documents: dict[str, Any], production: bool = True) -> list[tuple[tuple[Any, ...], str, Severity]]:
    return [(path, message, severity) for _, path, message, severity in _postgres_image(Objects(list(documents), production=production))]  # type: ignore[misc]


def test_the_shipped_image_is_a_recent_build_pinned_by_digest() -> None:
    assert "@sha256:" in SHIPPED and ":17." in SHIPPED
    assert findings(cluster(SHIPPED), job(SHIPPED)) == []


def test_a_moving_tag_is_refused_in_production_and_warned_elsewhere() -> None:
    stale = "ghcr.io/cloudnative-pg/postgresql:17.5-standard-bookworm"
    (found,) = findings(cluster(stale))
    assert found == (
        ("spec", "imageName"),
        f"{stale} is a tag CloudNativePG moves to a new build every week: pin it by digest",
        Severity.ERROR,
    )
    assert [severity for *_, severity in findings(job(stale), production=False)] == [Severity.WARNING]
    assert [path for path, *_ in findings(job(stale), production=False)] == [("spec", "template", "spec", "initContainers", 0, "image")]


def test_an_old_build_is_warned_with_its_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIPPER_TODAY", "2027-03-01")  # 182 days after the shipped build
    ((path, message, severity),) = findings(cluster(SHIPPED))
    assert severity is Severity.WARNING and path == ("spec", "imageName")
    assert "was built on 2026-08-31, 182 days ago" in message
