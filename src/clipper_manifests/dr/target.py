"""The restore target of `dr-plan --point-in-time`: an ISO 8601 time with a time zone, not in the
future, and inside the backup retention window. "Now" comes from CLIPPER_NOW when it is set
(tests, rehearsals), else from the clock."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from clipper_manifests.errors import UsageError
from clipper_manifests.profile.model import Profile
from clipper_manifests.values import postgres

NOW_VARIABLE = "CLIPPER_NOW"
EXAMPLE = "2026-11-25T10:30:00Z"


def _parse(text: str, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"{what} {text!r} is not an ISO 8601 date and time", hint=f"write it like {EXAMPLE} or 2026-11-25T11:30:00+01:00"
        ) from None
    if "T" not in text.upper() and " " not in text.strip():
        raise UsageError(f"{what} {text!r} is a date without a time", hint=f"give the time too, e.g. {EXAMPLE}")
    if moment.tzinfo is None:
        raise UsageError(f"{what} {text!r} has no time zone", hint="end it with Z (UTC) or an offset such as +01:00")
    return moment.astimezone(UTC)


def now() -> datetime:
    text = os.environ.get(NOW_VARIABLE)
    return _parse(text, NOW_VARIABLE) if text else datetime.now(UTC)


def parse_target(text: str, profile: Profile, current: datetime) -> datetime:
    """The validated target in UTC, or a UsageError that says what is wrong with it."""
    target = _parse(text, "--point-in-time")
    backup = profile.postgres.backup
    if not backup.pitr:
        raise UsageError(
            f"{profile.name} declares no point-in-time recovery (postgres.backup.pitr: false): only the latest backup can be restored",
            hint="leave out --point-in-time",
        )
    if target > current:
        raise UsageError(f"--point-in-time {rfc3339(target)} is in the future (now: {rfc3339(current)})")
    earliest = current - timedelta(days=backup.retention_days)
    if target < earliest:
        raise UsageError(
            f"--point-in-time {rfc3339(target)} is outside the {backup.retention_days}-day retention window of {profile.name}",
            hint=f"the earliest point that can still be restored is about {rfc3339(earliest)}",
        )
    return target


def rfc3339(moment: datetime) -> str:
    """UTC with a Z, the form CloudNativePG's targetTime, RDS and Cloud SQL accept."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def lag_warning(target: datetime, current: datetime, profile: Profile) -> str | None:
    """A target in the last few minutes may not be in the archive (or restorable at the
    provider) yet."""
    lag = postgres.achievable_rpo_minutes(profile)
    if lag is None or current - target >= timedelta(minutes=lag):
        return None
    return (
        f"the target is less than {lag:g} min old: the WAL (or the provider's restorable time) may not reach it yet; "
        "a restore then stops earlier, or fails"
    )
