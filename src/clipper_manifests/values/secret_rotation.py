"""Secret rotation: how old each rotating secret is (the table is report/secrets_table.py).

Dates come from the profile (`secrets.rotation.<concern>.lastRotated`); "today" is clock.today():
the machine's date unless CLIPPER_TODAY=YYYY-MM-DD says otherwise (tests, or a CI that wants to
see next month's failures now).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from clipper_manifests.profile.model import Profile
from clipper_manifests.values.external_secrets import catalog

Status = Literal["ok", "due", "overdue", "missing", "invalid", "future", "-"]


@dataclass(frozen=True)
class Rotation:
    """The rotation state of one remote secret (concern)."""

    concern: str
    rotates: bool
    last_rotated: str | None  # as written in the profile
    age_days: int | None
    status: Status


def rotation_policy(platform: dict[str, Any]) -> dict[str, Any]:
    policy: dict[str, Any] = platform["secrets"]["rotation"]
    return policy


def rotation_of(profile: Profile, platform: dict[str, Any], concern: str, on: date) -> Rotation:
    policy = rotation_policy(platform)
    rotates = concern in policy["concerns"]
    record = profile.secrets.rotation.get(concern)
    if record is None:
        return Rotation(concern, rotates, None, None, "missing" if rotates else "-")
    try:
        rotated = date.fromisoformat(record.last_rotated)
    except ValueError:
        return Rotation(concern, rotates, record.last_rotated, None, "invalid")
    age = (on - rotated).days
    if age < 0:
        status: Status = "future"
    elif age > policy["maxAgeDays"]:
        status = "overdue"
    elif age > policy["warnAfterDays"]:
        status = "due"
    else:
        status = "ok"
    return Rotation(concern, rotates, record.last_rotated, age, status)


def concerns(platform: dict[str, Any]) -> list[str]:
    """Every remote secret (concern) the platform reads, in catalog order."""
    return list(dict.fromkeys(entry["concern"] for entry in catalog(platform).values()))
