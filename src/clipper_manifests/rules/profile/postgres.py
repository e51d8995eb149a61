"""Profile rules of PostgreSQL: backups that meet the seed's RPO/RTO of one hour, the object
store, and instances that survive a node (Redis and OpenSearch: redis_opensearch.py)."""

from __future__ import annotations

from collections.abc import Iterator

from clipper_manifests.problems import Severity
from clipper_manifests.profile.model import Profile
from clipper_manifests.rules import cron_syntax
from clipper_manifests.rules.profile.run import Finding, production_error
from clipper_manifests.rules.registry import (
    ERROR,
    PRODUCTION_ERROR,
    PRODUCTION_ONLY,
    Severities,
    profile_rule,
)
from clipper_manifests.values import postgres

BACKUP = ("postgres", "backup")
PROD_RPO_MINUTES = 60
PROD_RTO_MINUTES = 60
PROD_RETENTION_DAYS = 7
SPACES_HOST = "digitaloceanspaces.com"


@profile_rule("postgres-backup-schedule", ERROR, "postgres.backup.schedule", "postgres.mode")
def _backup_schedule(profile: Profile) -> Iterator[Finding]:
    """The in-cluster base backup schedule is a CloudNativePG cron expression: six fields, seconds first.

    Fix: write postgres.backup.schedule with six fields, e.g. '0 0 3 * * *' (03:00:00 every day)"""
    if profile.postgres.mode != "in-cluster":
        return
    schedule = profile.postgres.backup.schedule
    if schedule is None:
        yield (*BACKUP, "schedule"), "in-cluster PostgreSQL needs a base backup schedule", Severity.ERROR
        return
    for problem in cron_syntax.cron_problems(schedule):
        yield (*BACKUP, "schedule"), problem, Severity.ERROR


@profile_rule("postgres-backup-daily", PRODUCTION_ERROR, "environment", "postgres.backup", "postgres.mode")
def _backup_daily(profile: Profile) -> Iterator[Finding]:
    """Production takes a base backup every day (seed: daily backups).

    Fix: in-cluster: make postgres.backup.schedule fire every day ('0 0 3 * * *'); managed: declare postgres.backup.window"""
    backup = profile.postgres.backup
    if profile.postgres.mode == "in-cluster":
        schedule = backup.schedule
        if profile.is_production and schedule and not cron_syntax.cron_problems(schedule) and not cron_syntax.cron_fires_daily(schedule):
            yield (*BACKUP, "schedule"), f"{schedule!r} does not fire every day (day, month and weekday must be '*')", Severity.ERROR
    elif backup.window is None:
        yield BACKUP, "no daily backup window is declared for the managed database", production_error(profile)


@profile_rule("postgres-backup-retention", PRODUCTION_ONLY, "environment", "postgres.backup.retentionDays")
def _backup_retention(profile: Profile) -> Iterator[Finding]:
    """Production keeps backups for at least 7 days (seed).

    Fix: raise postgres.backup.retentionDays to 7 or more"""
    days = profile.postgres.backup.retention_days
    if profile.is_production and days < PROD_RETENTION_DAYS:
        yield (
            (*BACKUP, "retentionDays"),
            f"{days} days is less than the {PROD_RETENTION_DAYS} days production keeps backups",
            Severity.ERROR,
        )


@profile_rule("postgres-backup-pitr", ERROR, "environment", "postgres.backup.pitr", "postgres.mode")
def _backup_pitr(profile: Profile) -> Iterator[Finding]:
    """Production can restore to a point in time (seed: PITR); in-cluster backups always archive WAL.

    Fix: set postgres.backup.pitr: true (and turn point-in-time recovery on at the provider)"""
    if profile.postgres.backup.pitr:
        return
    if profile.is_production:
        yield (*BACKUP, "pitr"), "point-in-time recovery is off in production", Severity.ERROR
    elif profile.postgres.mode == "in-cluster":
        yield (
            (*BACKUP, "pitr"),
            "in-cluster backups always archive WAL through the Barman Cloud plugin (a base backup cannot be restored without it)",
            Severity.ERROR,
        )


@profile_rule(
    "postgres-backup-encryption",
    Severities.split((Severity.ERROR,), (Severity.ERROR, Severity.WARNING)),
    "environment",
    "postgres.backup",
    "postgres.inCluster",
    "postgres.inCluster.objectStore",
    "postgres.mode",
)
def _backup_encryption(profile: Profile) -> Iterator[Finding]:
    """Production backups are encrypted at rest (seed), and the object store can actually do it.

    Fix: set postgres.backup.encryption: true; on S3 set inCluster.objectStore.serverSideEncryption"""
    backup = profile.postgres.backup
    if not backup.encryption:
        if profile.is_production:
            yield (*BACKUP, "encryption"), "backup encryption is off in production", Severity.ERROR
        return
    store = profile.postgres.in_cluster.object_store if profile.postgres.in_cluster else None
    if profile.postgres.mode != "in-cluster" or store is None:
        return
    where = ("postgres", "inCluster", "objectStore")
    if store.endpoint_url and SPACES_HOST in store.endpoint_url:
        yield (
            (*where, "endpointUrl"),
            "DigitalOcean Spaces only supports SSE-C (customer keys), which Barman Cloud cannot send: "
            "these backups are not encrypted by the tool; use an S3 bucket with server-side encryption, or managed PostgreSQL",
            production_error(profile),
        )
    elif store.destination_path.startswith("s3://") and store.server_side_encryption is None:
        yield (*where, "destinationPath"), "encryption is declared but no serverSideEncryption is set for the S3 bucket", Severity.ERROR


@profile_rule("postgres-backup-rpo", PRODUCTION_ERROR, "environment", "postgres.backup", "postgres.mode")
def _backup_rpo(profile: Profile) -> Iterator[Finding]:
    """Production declares an RPO of at most 1 hour that the configuration can meet (WAL archive timeout or provider PITR lag).

    Fix: lower postgres.backup.rpoMinutes to 60 or less, and keep inCluster.archiveTimeoutSeconds or backup.pitrGranularityMinutes within
    it"""
    backup = profile.postgres.backup
    if profile.is_production and backup.rpo_minutes > PROD_RPO_MINUTES:
        yield (
            (*BACKUP, "rpoMinutes"),
            f"an RPO of {backup.rpo_minutes} minutes is more than the {PROD_RPO_MINUTES} production allows",
            Severity.ERROR,
        )
    achievable = postgres.achievable_rpo_minutes(profile)
    if achievable is None:
        yield (
            (*BACKUP, "pitrGranularityMinutes"),
            "the managed database's PITR lag is not declared, so the RPO cannot be checked",
            production_error(profile),
        )
    elif achievable > backup.rpo_minutes:
        if not backup.pitr:
            why = "without PITR only the last daily backup can be restored"
            where = (*BACKUP, "pitr")
        elif profile.postgres.mode == "in-cluster":
            why = f"archive_timeout lets WAL wait {achievable:g} minutes before it is archived"
            where = ("postgres", "inCluster", "archiveTimeoutSeconds")
        else:
            why = f"the provider's latest restorable time lags up to {achievable:g} minutes"
            where = (*BACKUP, "pitrGranularityMinutes")
        yield where, f"the declared RPO of {backup.rpo_minutes} minutes cannot be met: {why}", production_error(profile)


@profile_rule("postgres-backup-rto", PRODUCTION_ONLY, "environment", "postgres.backup.rtoMinutes")
def _backup_rto(profile: Profile) -> Iterator[Finding]:
    """Production declares a recovery time objective of at most 1 hour (seed).

    Fix: set postgres.backup.rtoMinutes to 60 or less, and rehearse a restore that fits"""
    rto = profile.postgres.backup.rto_minutes
    if profile.is_production and rto > PROD_RTO_MINUTES:
        yield (*BACKUP, "rtoMinutes"), f"an RTO of {rto} minutes is more than the {PROD_RTO_MINUTES} production allows", Severity.ERROR


@profile_rule("postgres-object-store", ERROR, "postgres.inCluster", "postgres.mode", "provider")
def _object_store(profile: Profile) -> Iterator[Finding]:
    """The backup bucket matches the provider and the backup sidecar has credentials for it.

    Fix: AWS: s3:// and cloudIdentity.awsRoleArn; GCP: gs:// and cloudIdentity.gcpServiceAccount; DigitalOcean: s3:// and endpointUrl"""
    in_cluster = profile.postgres.in_cluster
    if profile.postgres.mode != "in-cluster" or in_cluster is None or in_cluster.object_store is None:
        return
    store, where = in_cluster.object_store, ("postgres", "inCluster", "objectStore")
    google = store.destination_path.startswith("gs://")
    if google != (profile.provider == "gcp"):
        wanted = "gs://" if profile.provider == "gcp" else "s3://"
        yield (*where, "destinationPath"), f"a {profile.provider} cluster writes its backups to {wanted} buckets", Severity.ERROR
    if google and (store.endpoint_url or store.server_side_encryption):
        yield where, "endpointUrl and serverSideEncryption are S3 settings (GCS always encrypts at rest)", Severity.ERROR
    if profile.provider == "digitalocean" and not store.endpoint_url:
        yield where, "Spaces needs its S3 endpoint, e.g. https://nyc3.digitaloceanspaces.com", Severity.ERROR
    identity = in_cluster.cloud_identity
    if profile.provider == "aws" and not store.endpoint_url and not identity.aws_role_arn:
        yield ("postgres", "inCluster"), "no IRSA role (cloudIdentity.awsRoleArn) for the backup sidecar to write to S3", Severity.ERROR
    if profile.provider == "gcp" and not identity.gcp_service_account:
        yield (
            ("postgres", "inCluster"),
            "no Google service account (cloudIdentity.gcpServiceAccount) for the backup sidecar",
            Severity.ERROR,
        )


@profile_rule("postgres-instances", PRODUCTION_ONLY, "environment", "postgres.inCluster", "postgres.mode")
def _instances(profile: Profile) -> Iterator[Finding]:
    """Production runs 3 PostgreSQL instances in the cluster: a primary and two replicas to fail over to.

    Fix: raise postgres.inCluster.instances to 3"""
    in_cluster = profile.postgres.in_cluster
    if profile.is_production and profile.postgres.mode == "in-cluster" and in_cluster is not None and in_cluster.instances < 3:
        yield (
            ("postgres", "inCluster", "instances"),
            f"{in_cluster.instances} instances cannot survive losing a node in production",
            Severity.ERROR,
        )
