"""Secret rotation: how old each rotating secret is, and the table `clipper-manifests secrets` prints.

Dates come from the profile (`secrets.rotation.<concern>.lastRotated`); "today" is the
machine's date unless CLIPPER_TODAY=YYYY-MM-DD says otherwise (tests, or a CI that wants to
see next month's failures now).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from clipper_manifests.errors import UsageError
from clipper_manifests.profile.model import Profile
from clipper_manifests.values.external_secrets import BACKEND_TITLES, catalog, external_secrets

TODAY_VARIABLE = "CLIPPER_TODAY"
Status = Literal["ok", "due", "overdue", "missing", "invalid", "future", "-"]


def today() -> date:
    value = os.environ.get(TODAY_VARIABLE)
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{TODAY_VARIABLE}={value!r} is not a date", hint="use the form YYYY-MM-DD, or unset it") from None


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


def secrets_table(profile: Profile, platform: dict[str, Any], on: date) -> list[tuple[str, ...]]:
    """Rows of `clipper-manifests secrets`: one per remote secret the profile reads."""
    store = f"{platform['secrets']['store']} ({BACKEND_TITLES[profile.secrets.backend]})"
    header = ("SECRET", "REMOTE KEY", "PROPERTIES", "KUBERNETES SECRETS", "STORE", "LAST ROTATED", "AGE", "STATUS")
    rows: list[tuple[str, ...]] = [header]
    by_remote: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    for spec in external_secrets(profile, platform):
        for item in (*spec.keys, *([spec.extract] if spec.extract else [])):
            properties, targets = by_remote.setdefault((item.concern, item.ref.key), ([], []))
            properties.append(item.ref.property or "(all)")
            targets.append(spec.name)
    for (concern, key), (properties, targets) in by_remote.items():
        rotation = rotation_of(profile, platform, concern, on)
        age = f"{rotation.age_days} d" if rotation.age_days is not None else "-"
        status = rotation.status if rotation.rotates or rotation.last_rotated else "not tracked"
        row = (concern, key, ", ".join(dict.fromkeys(properties)), ", ".join(dict.fromkeys(targets)), store)
        rows.append((*row, rotation.last_rotated or "-", age, status))
    return rows


def format_table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() + "\n" for row in rows)
