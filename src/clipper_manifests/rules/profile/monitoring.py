"""Profile rules of the monitoring section: alerts that can fire for the right reasons only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from clipper_manifests.clock import today
from clipper_manifests.problems import Severity
from clipper_manifests.profile.model import Profile
from clipper_manifests.rules.profile.run import Finding
from clipper_manifests.rules.registry import (
    ERROR,
    WARNING,
    profile_rule,
)
from clipper_manifests.values.monitoring_targets import in_cluster

DAILY_BACKUP_HOURS = 24


@profile_rule("alert-backup-age", ERROR, "monitoring.thresholds.backupMaxAgeHours")
def _backup_age(profile: Profile) -> Iterator[Finding]:
    """The backup-age alert leaves time for the daily base backup to finish, or it fires every day.

    Fix: set monitoring.thresholds.backupMaxAgeHours above 24 (26 gives a daily backup two hours)"""
    hours = profile.monitoring.thresholds.backup_max_age_hours
    if in_cluster(profile, "postgres") and hours <= DAILY_BACKUP_HOURS:
        yield (
            ("monitoring", "thresholds", "backupMaxAgeHours"),
            f"{hours} h is not more than the {DAILY_BACKUP_HOURS} h between daily base backups: the alert would fire every day",
            Severity.ERROR,
        )


@profile_rule("alert-receiver-settings", WARNING, "monitoring.alerting")
def _receiver_settings(profile: Profile) -> Iterator[Finding]:
    """Only the chosen alert receiver's settings are used.

    Fix: remove the settings of the receiver the profile does not use"""
    alerting = profile.monitoring.alerting
    for receiver in ("pagerduty", "opsgenie"):
        if receiver != alerting.receiver and getattr(alerting, receiver) is not None:
            yield (
                ("monitoring", "alerting", receiver),
                f"monitoring.alerting.{receiver} is set, but alerts go to {alerting.receiver}: these settings are ignored",
                Severity.WARNING,
            )


# Atlassian ended Opsgenie sales on 2025-06-04; its REST API (the Alert API Alertmanager posts to)
# works until 2027-04-05, and a site that migrates to Jira Service Management has Opsgenie turned
# off 120 days after its migration date, which can be sooner.
OPSGENIE_API_END = date(2027, 4, 5)


@profile_rule("alert-opsgenie-end-of-life", WARNING, "monitoring.alerting.receiver")
def _opsgenie_end_of_life(profile: Profile) -> Iterator[Finding]:
    """Opsgenie's API stops on 2027-04-05 (earlier once a site has migrated): alerts sent there would page nobody.

    Fix: move monitoring.alerting.receiver to pagerduty (the default) before 2027-04-05"""
    if profile.monitoring.alerting.receiver == "opsgenie" and today() < OPSGENIE_API_END:
        days = (OPSGENIE_API_END - today()).days
        yield (
            ("monitoring", "alerting", "receiver"),
            f"Opsgenie's API stops working on {OPSGENIE_API_END.isoformat()} (in {days} days; 120 days after a site's migration to "
            "Jira Service Management if that comes first): page through pagerduty before then",
            Severity.WARNING,
        )


@profile_rule("alert-opsgenie-ended", ERROR, "monitoring.alerting.receiver")
def _opsgenie_ended(profile: Profile) -> Iterator[Finding]:
    # A separate rule, so an exception that acknowledged the warning does not silence this error.
    """Opsgenie's API stopped on 2027-04-05: alerts sent there page nobody.

    Fix: set monitoring.alerting.receiver to pagerduty (the default)"""
    if profile.monitoring.alerting.receiver == "opsgenie" and today() >= OPSGENIE_API_END:
        yield (
            ("monitoring", "alerting", "receiver"),
            f"Opsgenie's API stopped working on {OPSGENIE_API_END.isoformat()}: no alert reaches anyone; page through pagerduty",
            Severity.ERROR,
        )
