"""Profile sections of the data services: PostgreSQL, Redis, OpenSearch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from clipper_manifests.profile.model_workloads import CloudIdentity, Resources


@dataclass(frozen=True)
class ManagedPostgres:
    """RDS/Aurora, Cloud SQL or DigitalOcean Managed PostgreSQL (the endpoint is required in that mode)."""

    endpoint: str | None = None
    read_endpoints: tuple[str, ...] = ()
    port: int = 5432
    ssl_mode: str = "require"


@dataclass(frozen=True)
class PostgresStorage:
    size: str
    wal_size: str | None = None


@dataclass(frozen=True)
class ObjectStore:
    """Where the Barman Cloud Plugin writes base backups and WAL (s3:// or gs://)."""

    destination_path: str
    endpoint_url: str | None = None
    server_side_encryption: Literal["AES256", "aws:kms"] | None = None
    server_name: str | None = None  # Barman's folder under destination_path; None: the Cluster's name


@dataclass(frozen=True)
class InClusterPostgres:
    """A CloudNativePG cluster (required keys are enforced by the schema in this mode)."""

    instances: int = 3
    storage: PostgresStorage | None = None
    resources: Resources | None = None
    archive_timeout_seconds: int = 300
    cloud_identity: CloudIdentity = field(default_factory=CloudIdentity)
    object_store: ObjectStore | None = None


@dataclass(frozen=True)
class PostgresBackup:
    """The backup policy the profile declares; applied in-cluster, checked for managed services."""

    retention_days: int
    pitr: bool
    encryption: bool
    rpo_minutes: int
    rto_minutes: int
    schedule: str | None = None  # in-cluster: six-field cron of the daily base backup
    window: str | None = None  # managed: the provider's daily backup window (UTC, HH:MM-HH:MM)
    pitr_granularity_minutes: int | None = None  # managed: how far the latest restorable time lags


@dataclass(frozen=True)
class Postgres:
    mode: Literal["managed", "in-cluster"]
    database: str
    user: str
    backup: PostgresBackup
    managed: ManagedPostgres | None = None
    in_cluster: InClusterPostgres | None = None


@dataclass(frozen=True)
class ManagedRedis:
    endpoint: str | None = None
    kind: Literal["cluster", "standalone"] = "cluster"  # the schema requires it in managed mode
    auth: bool = False  # the schema requires it in managed mode
    port: int = 6379
    tls: bool = False


@dataclass(frozen=True)
class InClusterRedis:
    """Redis Cluster through the OT redis-operator: `primaries` leaders, one follower each."""

    primaries: int = 3
    storage: str | None = None
    resources: Resources | None = None


@dataclass(frozen=True)
class Redis:
    mode: Literal["managed", "in-cluster"]
    managed: ManagedRedis | None = None
    in_cluster: InClusterRedis | None = None


@dataclass(frozen=True)
class OpenSearchEndpoint:
    """A hosted OpenSearch reached by URL with basic auth (managed service or external)."""

    url: str | None = None


@dataclass(frozen=True)
class InClusterOpenSearch:
    nodes: int = 3
    storage: str | None = None
    resources: Resources | None = None


@dataclass(frozen=True)
class OpenSearch:
    mode: Literal["managed", "in-cluster", "external"]
    version: str = "2.11.1"
    managed: OpenSearchEndpoint | None = None
    external: OpenSearchEndpoint | None = None
    in_cluster: InClusterOpenSearch | None = None
