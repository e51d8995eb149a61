"""Profile rules of the data tier: backups that meet the seed's RPO/RTO of one hour, Redis and
OpenSearch topologies that survive a node, and managed offers the API can actually use."""

from __future__ import annotations

from collections.abc import Iterator

from clipper_manifests.problems import Severity
from clipper_manifests.profile.model import Profile
from clipper_manifests.rules import cron_syntax
from clipper_manifests.rules.profile.core import Finding, production_error, rule
from clipper_manifests.values import postgres, redis_opensearch

BACKUP = ("postgres", "backup")
PROD_RPO_MINUTES = 60
PROD_RTO_MINUTES = 60
PROD_RETENTION_DAYS = 7
SPACES_HOST = "digitaloceanspaces.com"


@rule(
    "postgres-backup-schedule",
    "The in-cluster base backup schedule is a CloudNativePG cron expression: six fields, seconds first.",
    "write postgres.backup.schedule with six fields, e.g. '0 0 3 * * *' (03:00:00 every day)",
)
def _backup_schedule(profile: Profile) -> Iterator[Finding]:
    if profile.postgres.mode != "in-cluster":
        return
    schedule = profile.postgres.backup.schedule
    if schedule is None:
        yield (*BACKUP, "schedule"), "in-cluster PostgreSQL needs a base backup schedule", Severity.ERROR
        return
    for problem in cron_syntax.cron_problems(schedule):
        yield (*BACKUP, "schedule"), problem, Severity.ERROR


@rule(
    "postgres-backup-daily",
    "Production takes a base backup every day (seed: daily backups).",
    "in-cluster: make postgres.backup.schedule fire every day ('0 0 3 * * *'); managed: declare postgres.backup.window",
)
def _backup_daily(profile: Profile) -> Iterator[Finding]:
    backup = profile.postgres.backup
    if profile.postgres.mode == "in-cluster":
        schedule = backup.schedule
        if profile.is_production and schedule and not cron_syntax.cron_problems(schedule) and not cron_syntax.cron_fires_daily(schedule):
            yield (*BACKUP, "schedule"), f"{schedule!r} does not fire every day (day, month and weekday must be '*')", Severity.ERROR
    elif backup.window is None:
        yield BACKUP, "no daily backup window is declared for the managed database", production_error(profile)


@rule(
    "postgres-backup-retention",
    "Production keeps backups for at least 7 days (seed).",
    "raise postgres.backup.retentionDays to 7 or more",
)
def _backup_retention(profile: Profile) -> Iterator[Finding]:
    days = profile.postgres.backup.retention_days
    if profile.is_production and days < PROD_RETENTION_DAYS:
        yield (
            (*BACKUP, "retentionDays"),
            f"{days} days is less than the {PROD_RETENTION_DAYS} days production keeps backups",
            Severity.ERROR,
        )


@rule(
    "postgres-backup-pitr",
    "Production can restore to a point in time (seed: PITR); in-cluster backups always archive WAL.",
    "set postgres.backup.pitr: true (and turn point-in-time recovery on at the provider)",
)
def _backup_pitr(profile: Profile) -> Iterator[Finding]:
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


@rule(
    "postgres-backup-encryption",
    "Production backups are encrypted at rest (seed), and the object store can actually do it.",
    "set postgres.backup.encryption: true; on S3 set inCluster.objectStore.serverSideEncryption",
)
def _backup_encryption(profile: Profile) -> Iterator[Finding]:
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


@rule(
    "postgres-backup-rpo",
    "Production declares an RPO of at most 1 hour that the configuration can meet (WAL archive timeout or provider PITR lag).",
    "lower postgres.backup.rpoMinutes to 60 or less, and keep inCluster.archiveTimeoutSeconds or backup.pitrGranularityMinutes within it",
)
def _backup_rpo(profile: Profile) -> Iterator[Finding]:
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


@rule(
    "postgres-backup-rto",
    "Production declares a recovery time objective of at most 1 hour (seed).",
    "set postgres.backup.rtoMinutes to 60 or less, and rehearse a restore that fits",
)
def _backup_rto(profile: Profile) -> Iterator[Finding]:
    rto = profile.postgres.backup.rto_minutes
    if profile.is_production and rto > PROD_RTO_MINUTES:
        yield (*BACKUP, "rtoMinutes"), f"an RTO of {rto} minutes is more than the {PROD_RTO_MINUTES} production allows", Severity.ERROR


@rule(
    "postgres-object-store",
    "The backup bucket matches the provider and the backup sidecar has credentials for it.",
    "AWS: s3:// and cloudIdentity.awsRoleArn; GCP: gs:// and cloudIdentity.gcpServiceAccount; DigitalOcean: s3:// and endpointUrl",
)
def _object_store(profile: Profile) -> Iterator[Finding]:
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


@rule(
    "postgres-instances",
    "Production runs 3 PostgreSQL instances in the cluster: a primary and two replicas to fail over to.",
    "raise postgres.inCluster.instances to 3",
)
def _instances(profile: Profile) -> Iterator[Finding]:
    in_cluster = profile.postgres.in_cluster
    if profile.is_production and profile.postgres.mode == "in-cluster" and in_cluster is not None and in_cluster.instances < 3:
        yield (
            ("postgres", "inCluster", "instances"),
            f"{in_cluster.instances} instances cannot survive losing a node in production",
            Severity.ERROR,
        )


@rule(
    "redis-primaries",
    "Redis Cluster needs at least 3 primaries (each here gets a replica, so production runs 3 + 3).",
    "set redis.inCluster.primaries to 3 or more",
)
def _redis_primaries(profile: Profile) -> Iterator[Finding]:
    in_cluster = profile.redis.in_cluster
    if profile.redis.mode == "in-cluster" and in_cluster is not None and in_cluster.primaries < 3:
        yield (
            ("redis", "inCluster", "primaries"),
            f"{in_cluster.primaries} primaries: Redis Cluster cannot form with fewer than 3 (slots need a majority of primaries)",
            Severity.ERROR,
        )


@rule(
    "redis-managed-engine",
    "Managed offers run Valkey or Redis OSS 7.x rather than Redis 8; both speak the protocol the API's client uses.",
    "nothing to do",
)
def _redis_engine(profile: Profile) -> Iterator[Finding]:
    if profile.redis.mode == "managed":
        offer = {"aws": "ElastiCache", "gcp": "Memorystore", "digitalocean": "DigitalOcean Managed Valkey"}[profile.provider]
        yield ("redis", "mode"), f"{offer} runs Valkey or Redis OSS 7.x, not Redis 8: wire-compatible with the API's client", Severity.NOTE


@rule(
    "redis-managed-kind",
    "A managed Redis runs in cluster mode: the API's client is cluster-aware (seed: Redis Cluster), and a "
    "standalone instance answers its CLUSTER commands with an error.",
    "create the cache with cluster mode enabled (ElastiCache cluster mode, Memorystore for Redis Cluster); set redis.managed.kind: cluster",
)
def _redis_kind(profile: Profile) -> Iterator[Finding]:
    managed = profile.redis.managed
    if profile.redis.mode == "managed" and managed is not None and managed.kind != "cluster":
        yield (
            ("redis", "managed", "kind"),
            f"a {managed.kind} instance has no cluster mode, which the API's cluster-aware Redis client needs",
            Severity.ERROR,
        )


@rule(
    "redis-managed-tls",
    "The API's Redis client has no TLS option, so it cannot use an endpoint that only accepts TLS.",
    "turn in-transit encryption off on the managed cache, or use redis.mode: in-cluster",
)
def _redis_tls(profile: Profile) -> Iterator[Finding]:
    if profile.redis.mode != "managed" or profile.redis.managed is None:
        return
    if profile.redis.managed.tls:
        yield ("redis", "managed", "tls"), "the endpoint requires TLS, which the API's Redis client cannot speak", Severity.ERROR
    elif profile.provider in redis_opensearch.MANAGED_REDIS_TLS_ONLY:
        yield (
            ("redis", "mode"),
            f"{redis_opensearch.MANAGED_REDIS_TLS_ONLY[profile.provider]}, which the API's Redis client cannot speak",
            Severity.ERROR,
        )


@rule(
    "opensearch-version",
    "The API is built against OpenSearch 2.11 (seed: 2.11.1).",
    "set opensearch.version to 2.11.1 (or the provider's 2.11 engine)",
)
def _opensearch_version(profile: Profile) -> Iterator[Finding]:
    version = profile.opensearch.version
    if not version.startswith("2.11."):
        yield ("opensearch", "version"), f"{version} is not an OpenSearch 2.11.x release", Severity.ERROR


@rule(
    "opensearch-nodes",
    "In-cluster OpenSearch runs at least 3 cluster-manager + data nodes (seed), so a majority survives losing one.",
    "set opensearch.inCluster.nodes to 3 or more",
)
def _opensearch_nodes(profile: Profile) -> Iterator[Finding]:
    in_cluster = profile.opensearch.in_cluster
    if profile.opensearch.mode == "in-cluster" and in_cluster is not None and in_cluster.nodes < 3:
        yield (
            ("opensearch", "inCluster", "nodes"),
            f"{in_cluster.nodes} node(s): the cluster manager election needs a majority, so fewer than 3 nodes cannot lose one",
            Severity.ERROR,
        )


@rule(
    "opensearch-managed-provider",
    "Google Cloud has no managed OpenSearch.",
    "use opensearch.mode: in-cluster (3 nodes in the cluster) or external "
    "(a hosted OpenSearch-compatible URL, e.g. Aiven, with basic auth from External Secrets)",
)
def _opensearch_managed_provider(profile: Profile) -> Iterator[Finding]:
    if profile.opensearch.mode == "managed" and profile.provider == "gcp":
        yield ("opensearch", "mode"), "Google Cloud offers no managed OpenSearch service", Severity.ERROR


@rule(
    "opensearch-external-api",
    "An external search endpoint must speak the OpenSearch API: the API's client is an OpenSearch client with basic auth.",
    "point opensearch.external.url at an OpenSearch 2.11-compatible service",
)
def _opensearch_external(profile: Profile) -> Iterator[Finding]:
    if profile.opensearch.mode == "external":
        yield (
            ("opensearch", "external", "url"),
            "the API's OpenSearch client needs an OpenSearch-compatible API with basic auth (Elasticsearch 8 / Elastic Cloud is not)",
            Severity.WARNING,
        )
