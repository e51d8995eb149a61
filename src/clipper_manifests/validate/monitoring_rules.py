"""Profile rules of the monitoring section: alerts that can fire for the right reasons only."""

from __future__ import annotations

from collections.abc import Iterator

from clipper_manifests.model import Profile
from clipper_manifests.monitoring import in_cluster
from clipper_manifests.problems import Severity
from clipper_manifests.validate.rules import Finding, rule

DAILY_BACKUP_HOURS = 24


@rule(
    "alert-backup-age",
    "The backup-age alert leaves time for the daily base backup to finish, or it fires every day.",
    "set monitoring.thresholds.backupMaxAgeHours above 24 (26 gives a daily backup two hours)",
)
def _backup_age(profile: Profile) -> Iterator[Finding]:
    hours = profile.monitoring.thresholds.backup_max_age_hours
    if in_cluster(profile, "postgres") and hours <= DAILY_BACKUP_HOURS:
        yield (
            ("monitoring", "thresholds", "backupMaxAgeHours"),
            f"{hours} h is not more than the {DAILY_BACKUP_HOURS} h between daily base backups: the alert would fire every day",
            Severity.ERROR,
        )


@rule(
    "alert-receiver-settings",
    "Only the chosen alert receiver's settings are used.",
    "remove the settings of the receiver the profile does not use",
)
def _receiver_settings(profile: Profile) -> Iterator[Finding]:
    alerting = profile.monitoring.alerting
    for receiver in ("pagerduty", "opsgenie"):
        if receiver != alerting.receiver and getattr(alerting, receiver) is not None:
            yield (
                ("monitoring", "alerting", receiver),
                f"monitoring.alerting.{receiver} is set, but alerts go to {alerting.receiver}: these settings are ignored",
                Severity.WARNING,
            )
