"""A managed database's restore, as the provider's own commands: RDS / Aurora point-in-time
restore, Cloud SQL clone, DigitalOcean fork. Each restores into a new instance (the broken one
stays for forensics) and leaves its endpoint in $NEW_ENDPOINT for the switch that follows.

Names come from the profile: dr.managedDatabase.instance, else the endpoint's host name (RDS:
`<identifier>.<id>.<region>.rds.amazonaws.com`, Aurora `<cluster>.cluster-<id>...`,
DigitalOcean `[private-]<name>-do-user-<n>-0.<x>.db.ondigitalocean.com`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from clipper_manifests.dr.objects import next_name
from clipper_manifests.dr.target import rfc3339
from clipper_manifests.profile.model import Profile
from clipper_manifests.values.postgres import is_ip_address

# What the restored copy takes over from its source (AWS CLI --query, JMESPath).
SECURITY_GROUPS = "join(' ',VpcSecurityGroups[].VpcSecurityGroupId)"
AURORA_SETTINGS = f"DBClusters[0].[DBSubnetGroup,DBClusterParameterGroup,{SECURITY_GROUPS}]"
RDS_SETTINGS = (
    f"DBInstances[0].[DBSubnetGroup.DBSubnetGroupName,DBParameterGroups[0].DBParameterGroupName,DBInstanceClass,{SECURITY_GROUPS}]"
)
DO_HOST = re.compile(r"^(?:private-)?(?P<name>[a-z0-9-]+?)-do-user-[0-9]+-[0-9]+\.")


def endpoint(profile: Profile) -> str:
    managed = profile.postgres.managed
    return managed.endpoint if managed is not None and managed.endpoint else ""


def instance(profile: Profile) -> str | None:
    """The provider's name of the database, or None when nothing tells it."""
    if profile.dr.managed_database.instance:
        return profile.dr.managed_database.instance
    host = endpoint(profile)
    if not host or is_ip_address(host):
        return None
    if profile.provider == "aws" and host.endswith(".rds.amazonaws.com"):
        return host.split(".", 1)[0]
    match = DO_HOST.match(host)
    if profile.provider == "digitalocean" and match:
        return match["name"]
    return None


def is_aurora(profile: Profile) -> bool:
    return ".cluster-" in endpoint(profile)


@dataclass(frozen=True)
class ProviderRestore:
    summary: str
    commands: list[str]


def restore(profile: Profile, target: datetime | None, attempt: int = 1, into: str | None = None) -> ProviderRestore | None:
    """The provider's commands, or None when the instance cannot be named (see dr-managed-instance).
    `into` names the new instance (the restore drill's scratch copy) instead of the next generation."""
    source = instance(profile)
    if source is None:
        return None
    new = into or next_name(source, attempt)
    if profile.provider == "aws":
        return _aurora(profile, source, new, target) if is_aurora(profile) else _rds(profile, source, new, target)
    if profile.provider == "gcp":
        return _cloud_sql(profile, source, new, target)
    return _digitalocean(profile, source, new, target)


def _aws_time(target: datetime | None, flag: str) -> str:
    return f"{flag} {rfc3339(target)}" if target else "--use-latest-restorable-time"


def _aurora(profile: Profile, source: str, new: str, target: datetime | None) -> ProviderRestore:
    region, days = profile.cluster.region, profile.postgres.backup.retention_days
    rds = f"aws rds --region {region}"
    return ProviderRestore(
        f"Aurora PostgreSQL: restore cluster {source} into a new cluster {new} (same subnets, security groups, parameters)",
        [
            f'read -r SUBNET_GROUP PARAMETER_GROUP SECURITY_GROUPS <<<"$({rds} describe-db-clusters --db-cluster-identifier {source} '
            f'--query "{AURORA_SETTINGS}" --output text)"',
            f"INSTANCE_CLASS=$({rds} describe-db-instances --filters Name=db-cluster-id,Values={source} "
            "--query 'DBInstances[0].DBInstanceClass' --output text)",
            f"{rds} restore-db-cluster-to-point-in-time --source-db-cluster-identifier {source} --db-cluster-identifier {new} "
            f'{_aws_time(target, "--restore-to-time")} --db-subnet-group-name "$SUBNET_GROUP" '
            '--db-cluster-parameter-group-name "$PARAMETER_GROUP" --vpc-security-group-ids $SECURITY_GROUPS',
            f"{rds} create-db-instance --db-cluster-identifier {new} --db-instance-identifier {new}-1 --engine aurora-postgresql "
            '--db-instance-class "$INSTANCE_CLASS"',
            f"{rds} wait db-instance-available --db-instance-identifier {new}-1",
            f"{rds} modify-db-cluster --db-cluster-identifier {new} --backup-retention-period {days} --apply-immediately",
            f"NEW_ENDPOINT=$({rds} describe-db-clusters --db-cluster-identifier {new} --query 'DBClusters[0].Endpoint' --output text)",
        ],
    )


def _rds(profile: Profile, source: str, new: str, target: datetime | None) -> ProviderRestore:
    region, days = profile.cluster.region, profile.postgres.backup.retention_days
    rds = f"aws rds --region {region}"
    multi_az = " --multi-az" if profile.is_production else ""
    return ProviderRestore(
        f"RDS PostgreSQL: restore instance {source} into a new instance {new} (same class, subnets, security groups, parameters)",
        [
            f'read -r SUBNET_GROUP PARAMETER_GROUP INSTANCE_CLASS SECURITY_GROUPS <<<"$({rds} describe-db-instances '
            f'--db-instance-identifier {source} --query "{RDS_SETTINGS}" --output text)"',
            f"{rds} restore-db-instance-to-point-in-time --source-db-instance-identifier {source} --target-db-instance-identifier {new} "
            f'{_aws_time(target, "--restore-time")} --db-subnet-group-name "$SUBNET_GROUP" --db-parameter-group-name "$PARAMETER_GROUP" '
            f'--db-instance-class "$INSTANCE_CLASS" --vpc-security-group-ids $SECURITY_GROUPS{multi_az}',
            f"{rds} wait db-instance-available --db-instance-identifier {new}",
            f"{rds} modify-db-instance --db-instance-identifier {new} --backup-retention-period {days} --apply-immediately",
            f"NEW_ENDPOINT=$({rds} describe-db-instances --db-instance-identifier {new} "
            "--query 'DBInstances[0].Endpoint.Address' --output text)",
        ],
    )


def _cloud_sql(profile: Profile, source: str, new: str, target: datetime | None) -> ProviderRestore:
    project = profile.dr.managed_database.project or (profile.secrets.gcp.project_id if profile.secrets.gcp else None)
    where = f" --project={project}" if project else ""
    point = f" --point-in-time={rfc3339(target)}" if target else ""
    backup = profile.postgres.backup
    start = (backup.window or "03:00-04:00").split("-")[0]
    return ProviderRestore(
        f"Cloud SQL: clone instance {source} into a new instance {new} (clones keep the private network)",
        [
            f"gcloud sql instances clone {source} {new}{where}{point}",
            f"gcloud sql instances patch {new}{where} --backup-start-time={start} --enable-point-in-time-recovery "
            f"--retained-backups-count={backup.retention_days} --retained-transaction-log-days={min(backup.retention_days, 7)}",
            f"NEW_ENDPOINT=$(gcloud sql instances describe {new}{where} --format=json "
            "| jq -r '.ipAddresses[] | select(.type == \"PRIVATE\") | .ipAddress')",
        ],
    )


def _digitalocean(profile: Profile, source: str, new: str, target: datetime | None) -> ProviderRestore:
    point = f' --restore-from-timestamp "{target.strftime("%Y-%m-%d %H:%M:%S +0000 UTC")}"' if target else ""
    ids = "doctl databases list --format ID,Name --no-header"
    return ProviderRestore(
        f"DigitalOcean Managed PostgreSQL: fork cluster {source} into a new cluster {new}",
        [
            f"SOURCE_ID=$({ids} | awk '$2 == \"{source}\" {{print $1}}')",
            f'doctl databases fork {new} --restore-from-cluster-id "$SOURCE_ID"{point} --wait',
            f"NEW_ID=$({ids} | awk '$2 == \"{new}\" {{print $1}}')",
            "# Trusted sources are not forked: admit the Kubernetes cluster (and whatever else the source lists)",
            'doctl databases firewalls list "$SOURCE_ID"',
            'doctl databases firewalls append "$NEW_ID" '
            f'--rule k8s:"$(doctl kubernetes cluster get {profile.cluster.name} --format ID --no-header)"',
            'NEW_ENDPOINT=$(doctl databases connection "$NEW_ID" --private --format Host --no-header)',
        ],
    )


def status_commands(profile: Profile) -> list[str]:
    """What the provider says about the database: its state and the latest restorable time."""
    source = instance(profile)
    if source is None:
        return ["# the provider's name of the database is unknown: set dr.managedDatabase.instance"]
    if profile.provider == "aws":
        rds = f"aws rds --region {profile.cluster.region}"
        if is_aurora(profile):
            query = "DBClusters[0].[Status,LatestRestorableTime,EarliestRestorableTime]"
            return [f"{rds} describe-db-clusters --db-cluster-identifier {source} --query '{query}' --output text"]
        query = "DBInstances[0].[DBInstanceStatus,LatestRestorableTime]"
        return [f"{rds} describe-db-instances --db-instance-identifier {source} --query '{query}' --output text"]
    if profile.provider == "gcp":
        project = profile.dr.managed_database.project or (profile.secrets.gcp.project_id if profile.secrets.gcp else None)
        where = f" --project={project}" if project else ""
        return [
            f"gcloud sql instances describe {source}{where} --format='value(state)'",
            f"gcloud sql operations list --instance={source}{where} --limit=5",
        ]
    return [f"doctl databases list --format Name,Status,Engine --no-header | awk '$1 == \"{source}\"'"]


def delete_commands(profile: Profile, name: str) -> list[str]:
    """Delete a restored copy (the restore drill's), without a final snapshot: it holds nothing
    the source does not."""
    if profile.provider == "aws":
        rds = f"aws rds --region {profile.cluster.region}"
        if is_aurora(profile):
            return [
                f"{rds} delete-db-instance --db-instance-identifier {name}-1 --skip-final-snapshot",
                f"{rds} wait db-instance-deleted --db-instance-identifier {name}-1",
                f"{rds} delete-db-cluster --db-cluster-identifier {name} --skip-final-snapshot",
            ]
        return [f"{rds} delete-db-instance --db-instance-identifier {name} --skip-final-snapshot --delete-automated-backups"]
    if profile.provider == "gcp":
        project = profile.dr.managed_database.project or (profile.secrets.gcp.project_id if profile.secrets.gcp else None)
        where = f" --project={project}" if project else ""
        return [f"gcloud sql instances delete {name}{where} --quiet"]
    ids = "doctl databases list --format ID,Name --no-header"
    return [f'doctl databases delete "$({ids} | awk \'$2 == "{name}" {{print $1}}\')" --force']
