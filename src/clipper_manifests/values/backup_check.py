"""The daily proof that a managed database's backups exist (CronJob postgres-backup-check).

A managed database's backup, PITR and retention are provider settings the profile only declares
(postgres.backup). The CronJob reads what the provider really has: an init container runs the
provider's own CLI (read-only calls) and writes its JSON answers to a shared folder; the check
container compares them with the profile and fails the Job on any shortfall, which
kube-state-metrics reports and ClipperPostgresBackupCheckFailed pages on.

What each provider is asked (fields as the providers document them):
- Aurora: `aws rds describe-db-clusters` (BackupRetentionPeriod, LatestRestorableTime,
  StorageEncrypted) and `describe-db-cluster-snapshots --snapshot-type automated`
  (SnapshotCreateTime, Status); RDS: `describe-db-instances` and `describe-db-snapshots`.
- Cloud SQL: `gcloud sql instances describe` (settings.backupConfiguration.enabled,
  pointInTimeRecoveryEnabled, transactionLogRetentionDays, backupRetentionSettings.retainedBackups)
  and `gcloud sql backups list` (status SUCCESSFUL, endTime).
- DigitalOcean: `doctl databases get` (status) and `doctl databases backups` (created_at): its
  retention and PITR are not settings, so the check proves the backups span the declared days.
"""

from __future__ import annotations

from typing import Any

from clipper_manifests.dr import managed
from clipper_manifests.profile.model import Profile

# Where the CLI's answers go (an emptyDir both containers mount).
WORK_DIR = "/work"


def enabled(profile: Profile) -> bool:
    """Managed PostgreSQL whose provider name is known (dr-managed-instance reports the rest)."""
    return profile.postgres.mode == "managed" and managed.instance(profile) is not None


def kind(profile: Profile) -> str:
    """Which provider API the fetch script asks."""
    if profile.provider == "aws":
        return "aurora" if managed.is_aurora(profile) else "rds"
    return {"gcp": "cloudsql", "digitalocean": "digitalocean"}[profile.provider]


def identity_annotations(profile: Profile) -> dict[str, str]:
    """The workload identity of the check's ServiceAccount (none on DigitalOcean: a token)."""
    identity = profile.dr.backup_check.cloud_identity
    if profile.provider == "aws" and identity.aws_role_arn:
        return {"eks.amazonaws.com/role-arn": identity.aws_role_arn}
    if profile.provider == "gcp" and identity.gcp_service_account:
        return {"iam.gke.io/gcp-service-account": identity.gcp_service_account}
    return {}


def gcp_project(profile: Profile) -> str | None:
    return profile.dr.managed_database.project or (profile.secrets.gcp.project_id if profile.secrets.gcp else None)


def fetch_env(profile: Profile, platform: dict[str, Any]) -> list[dict[str, Any]]:
    """The fetch container's environment: what to ask, and where the CLI may write."""
    env: list[dict[str, Any]] = [
        {"name": "DATABASE_KIND", "value": kind(profile)},
        {"name": "INSTANCE", "value": managed.instance(profile) or ""},
        {"name": "WORK_DIR", "value": WORK_DIR},
        # The root filesystem is read-only: the CLIs' caches and configuration go to /tmp.
        {"name": "HOME", "value": "/tmp"},
    ]
    if profile.provider == "aws":
        env.append({"name": "AWS_REGION", "value": profile.cluster.region})
    elif profile.provider == "gcp":
        env += [{"name": "CLOUDSDK_CONFIG", "value": "/tmp/gcloud"}, {"name": "CLOUDSDK_CORE_PROJECT", "value": gcp_project(profile) or ""}]
    else:
        facts = platform["backupCheck"]
        env.append({"name": "PATH", "value": f"{facts['cliPath']['digitalocean']}:/usr/local/bin:/usr/bin:/bin"})
        token: dict[str, Any] = {"secretKeyRef": {"name": platform["secrets"]["backupCheck"], "key": "token"}}
        env.append({"name": "DIGITALOCEAN_ACCESS_TOKEN", "valueFrom": token})
    return env


def check_env(profile: Profile) -> list[dict[str, Any]]:
    """What the check compares the provider's answers with (postgres.backup and the alert threshold)."""
    backup = profile.postgres.backup
    values = {
        "DATABASE_KIND": kind(profile),
        "INSTANCE": managed.instance(profile) or "",
        "WORK_DIR": WORK_DIR,
        "RETENTION_DAYS": str(backup.retention_days),
        "PITR": "true" if backup.pitr else "false",
        "ENCRYPTION": "true" if backup.encryption else "false",
        "RPO_MINUTES": str(backup.rpo_minutes),
        "MAX_BACKUP_AGE_HOURS": str(profile.monitoring.thresholds.backup_max_age_hours),
    }
    return [{"name": name, "value": value} for name, value in values.items()]


def template_context(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    """The `backup_check` value templates see."""
    facts, check = platform["backupCheck"], profile.dr.backup_check
    name = facts["name"]
    on = enabled(profile)
    return {
        "enabled": on,
        "name": name,
        "labels": {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": platform["partOf"]},
        "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
        "annotations": identity_annotations(profile),
        "schedule": check.schedule,
        "deadline": check.timeout_minutes * 60,
        "cli_image": facts["cliImages"][profile.provider] if on else "",
        "check_image": facts["checkImage"],
        "fetch_env": fetch_env(profile, platform) if on else [],
        "check_env": check_env(profile) if on else [],
        # GKE Workload Identity: tokens come from the metadata server.
        "needs_metadata": on and profile.provider == "gcp",
    }
