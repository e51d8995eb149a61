"""Profile rules of disaster recovery: what the runbook and the out/dr/ Jobs need to work, and
whether the declared RTO can hold (the same budget `dr-plan` prints)."""

from __future__ import annotations

from collections.abc import Iterator

from clipper_manifests.dr import managed
from clipper_manifests.dr.budget import budget
from clipper_manifests.problems import Severity
from clipper_manifests.profile.model import Profile
from clipper_manifests.rules import cron_syntax
from clipper_manifests.rules.profile.run import Finding, production_error
from clipper_manifests.rules.registry import (
    ERROR,
    PRODUCTION_ERROR,
    WARNING,
    profile_rule,
)
from clipper_manifests.values import backup_check


@profile_rule("dr-tools-image", PRODUCTION_ERROR, "images.tools")
def _tools_image(profile: Profile) -> Iterator[Finding]:
    """The disaster-recovery Jobs need the image with search-index-manager and backfill-embeddings.

    Fix: set images.tools (repository and tag) to the image built from the backend's cmd/ programs"""
    if profile.images.tools is None:
        yield ("images",), "no images.tools: a recovery cannot rebuild the search indices", production_error(profile)


@profile_rule(
    "dr-rto-plausible", WARNING, "dr.databaseSize", "dr.walPerDay", "dr.detectMinutes", "dr.restoreThroughput", "postgres.backup.rtoMinutes"
)
def _rto_plausible(profile: Profile) -> Iterator[Finding]:
    """The recovery steps fit in the declared RTO, given the declared database size and restore throughput.

    Fix: measure a restore (dr.restoreThroughput), shorten the step timeouts under dr:, or declare an RTO the plan can meet"""
    for warning in budget(profile).warnings():
        yield ("dr", "databaseSize"), warning, Severity.WARNING


@profile_rule(
    "dr-managed-instance", PRODUCTION_ERROR, "postgres.mode", "provider", "postgres.managed.endpoint", "dr.managedDatabase.instance"
)
def _managed_instance(profile: Profile) -> Iterator[Finding]:
    """The runbook can name a managed database at its provider (to restore it there).

    Fix: set dr.managedDatabase.instance (and, for Cloud SQL, dr.managedDatabase.project)"""
    if profile.postgres.mode == "managed" and managed.instance(profile) is None:
        message = f"the endpoint {managed.endpoint(profile)!r} does not name the {profile.provider} database the runbook restores"
        yield ("postgres", "managed", "endpoint"), message, production_error(profile)


@profile_rule("dr-restore-test-schedule", ERROR, "dr.restoreTest.schedule", "postgres.mode")
def _restore_test_schedule(profile: Profile) -> Iterator[Finding]:
    """The restore test's schedule is a Kubernetes cron expression: five fields (minute hour day month weekday).

    Fix: write dr.restoreTest.schedule with five fields, e.g. '0 9 2 * *' (09:00 UTC on the 2nd of every month)"""
    if profile.postgres.mode == "in-cluster":
        yield from _cron_findings(profile.dr.restore_test.schedule, ("dr", "restoreTest", "schedule"))


@profile_rule("dr-backup-check-schedule", ERROR, "dr.backupCheck.schedule")
def _backup_check_schedule(profile: Profile) -> Iterator[Finding]:
    """The managed database's backup check runs on a Kubernetes cron expression: five fields (minute hour day month weekday).

    Fix: write dr.backupCheck.schedule with five fields, e.g. '0 6 * * *' (06:00 UTC daily, after the backup window)"""
    if backup_check.enabled(profile):
        yield from _cron_findings(profile.dr.backup_check.schedule, ("dr", "backupCheck", "schedule"))


def _cron_findings(schedule: str, where: tuple[str, ...]) -> Iterator[Finding]:
    if schedule.startswith("@"):
        return  # @monthly and friends; Kubernetes knows them
    fields = schedule.split()
    if len(fields) != 5:
        yield where, f"{schedule!r} has {len(fields)} fields; a CronJob schedule has 5 (no seconds)", Severity.ERROR
        return
    # The same field syntax as CloudNativePG's cron, without its leading seconds.
    for problem in cron_syntax.cron_problems("0 " + schedule):
        yield where, problem, Severity.ERROR


@profile_rule("dr-backup-check-identity", PRODUCTION_ERROR, "provider", "postgres.managed.endpoint")
def _backup_check_identity(profile: Profile) -> Iterator[Finding]:
    """A managed database's backups are proven daily by a CronJob that reads them at the provider: on AWS and GCP it needs a workload
    identity allowed to describe the database and list its backups.

    Fix: set dr.backupCheck.cloudIdentity.awsRoleArn (IRSA role with rds:Describe* on the database) or .gcpServiceAccount
    (roles/cloudsql.viewer, Workload Identity for <namespace>/postgres-backup-check)"""
    if not backup_check.enabled(profile) or profile.provider not in ("aws", "gcp"):
        return
    if not backup_check.identity_annotations(profile):
        key = "awsRoleArn" if profile.provider == "aws" else "gcpServiceAccount"
        message = (
            f"no dr.backupCheck.cloudIdentity.{key}: the backup check cannot authenticate, so nothing proves that "
            "the declared backups, PITR and retention exist"
        )
        # Named at the database whose backups go unproven: the profile's own line, not _defaults'.
        yield ("postgres", "managed", "endpoint"), message, production_error(profile)


@profile_rule("dr-deadline-margin", ERROR, "dr.reembed", "dr.reindex", "dr.verify")
def _deadline_margin(profile: Profile) -> Iterator[Finding]:
    """A recovery Job's deadline (dr.<step>.timeoutMinutes) is at least twice what the step is expected to take (budgetMinutes): a deadline
    at the budget kills a step that is merely slow, and the rerun starts from the beginning.

    Fix: raise dr.<step>.timeoutMinutes to at least twice dr.<step>.budgetMinutes (the RTO budget counts budgetMinutes, not the deadline)"""
    for key, step in (("reindex", profile.dr.reindex), ("reembed", profile.dr.reembed), ("verify", profile.dr.verify)):
        if step.timeout_minutes < 2 * step.budget_minutes:
            message = (
                f"the Job's deadline of {step.timeout_minutes} min is less than twice its budget of {step.budget_minutes} min: "
                "a slow run would be killed"
            )
            yield ("dr", key, "timeoutMinutes"), message, Severity.ERROR
