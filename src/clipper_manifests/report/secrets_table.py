"""The `secrets` table: every secret of a profile with its rotation state."""

from __future__ import annotations

from datetime import date
from typing import Any

from clipper_manifests.profile.model import Profile
from clipper_manifests.values.external_secrets import BACKEND_TITLES, external_secrets
from clipper_manifests.values.secret_rotation import rotation_of


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
