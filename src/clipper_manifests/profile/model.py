"""The typed, frozen profile the rest of the code uses.

Field names are the profile's camelCase keys in snake_case; `from_data` fills them from a
mapping that already passed the JSON Schema, so it only converts, it never validates.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

Provider = Literal["aws", "gcp", "digitalocean"]
Environment = Literal["production", "staging"]


@dataclass(frozen=True)
class Cluster:
    name: str
    region: str
    metrics_server: str | None = None
    network_policy: str | None = None  # the engine that enforces NetworkPolicies, where the provider may run none (EKS)


@dataclass(frozen=True)
class Image:
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def reference(self) -> str:
        """The full reference the cluster pulls (with both, the digest decides)."""
        tag = f":{self.tag}" if self.tag else ""
        digest = f"@{self.digest}" if self.digest else ""
        return f"{self.repository}{tag}{digest}"


@dataclass(frozen=True)
class Images:
    api: Image
    frontend: Image
    migrations: Image
    tools: Image | None = None  # search-index-manager, backfill-embeddings: the DR Jobs' image


@dataclass(frozen=True)
class ReplicaRange:
    min: int
    max: int


@dataclass(frozen=True)
class Autoscaling:
    cpu_utilization: int
    memory_utilization: int
    scale_down_stabilization_seconds: int = 300


@dataclass(frozen=True)
class Quantities:
    memory: str
    cpu: str | None = None


@dataclass(frozen=True)
class Resources:
    requests: Quantities
    limits: Quantities

    def as_kubernetes(self) -> dict[str, Any]:
        """A container's `resources` (cpu only where the profile sets it)."""

        def quantities(amounts: Quantities) -> dict[str, str]:
            return {"cpu": amounts.cpu, "memory": amounts.memory} if amounts.cpu else {"memory": amounts.memory}

        return {"requests": quantities(self.requests), "limits": quantities(self.limits)}


@dataclass(frozen=True)
class CloudIdentity:
    aws_role_arn: str | None = None
    gcp_service_account: str | None = None


@dataclass(frozen=True)
class Api:
    replicas: ReplicaRange
    autoscaling: Autoscaling
    resources: Resources
    cloud_identity: CloudIdentity = field(default_factory=CloudIdentity)


@dataclass(frozen=True)
class Frontend:
    replicas: ReplicaRange
    resources: Resources
    cdn: Literal["cloudflare", "fastly", "none"]
    autoscaling: Autoscaling | None = None


@dataclass(frozen=True)
class Migrations:
    path: str
    timeout_seconds: int = 900


@dataclass(frozen=True)
class AwsIngress:
    certificate_arn: str
    load_balancer_controller_role_arn: str
    ssl_policy: str = "ELBSecurityPolicy-TLS13-1-2-2021-06"
    vpc_id: str | None = None


@dataclass(frozen=True)
class GcpIngress:
    static_ip_name: str
    ssl_policy: str | None = None


@dataclass(frozen=True)
class DigitalOceanIngress:
    vpc_cidr: str
    certificate_name: str | None = None
    certificate_id: str | None = None
    size_unit: int = 1


@dataclass(frozen=True)
class Ingress:
    controller: Literal["traefik", "nginx"]
    websocket_idle_timeout_seconds: int = 3600
    replicas: int = 2
    aws: AwsIngress | None = None
    gcp: GcpIngress | None = None
    digitalocean: DigitalOceanIngress | None = None


@dataclass(frozen=True)
class Embedding:
    enabled: bool = False
    model: str = "text-embedding-3-small"


@dataclass(frozen=True)
class App:
    embedding: Embedding = field(default_factory=Embedding)
    features: dict[str, bool] = field(default_factory=dict)
    telemetry_otlp_endpoint: str | None = None
    extra_cors_origins: tuple[str, ...] = ()


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


@dataclass(frozen=True)
class Flux:
    git_repository: str
    out_path: str
    interval: str = "1h"
    apps_timeout: str = "15m"
    delivery: Literal["kustomize", "helm"] = "kustomize"  # the apps stage: the overlay, or a HelmRelease of the chart


SecretBackend = Literal["aws-secrets-manager", "gcp-secret-manager", "azure-key-vault", "vault"]


@dataclass(frozen=True)
class AwsSecretsManager:
    region: str
    role_arn: str  # IRSA role of the store's service account


@dataclass(frozen=True)
class GcpSecretManager:
    project_id: str
    service_account: str  # Google service account the store's Kubernetes service account acts as
    cluster_project_id: str | None = None


@dataclass(frozen=True)
class AzureKeyVault:
    vault_url: str
    client_id: str
    tenant_id: str


@dataclass(frozen=True)
class VaultBackend:
    server: str
    role: str
    path: str = "secret"
    mount_path: str = "kubernetes"
    namespace: str | None = None


@dataclass(frozen=True)
class RotationRecord:
    last_rotated: str


@dataclass(frozen=True)
class RemoteKey:
    key: str
    property: str | None = None


@dataclass(frozen=True)
class ScannerAllowance:
    fingerprint: str
    reason: str


@dataclass(frozen=True)
class Scanner:
    allow: tuple[ScannerAllowance, ...] = ()


@dataclass(frozen=True)
class Secrets:
    backend: SecretBackend
    refresh_interval: str = "1h"
    aws: AwsSecretsManager | None = None
    gcp: GcpSecretManager | None = None
    azure: AzureKeyVault | None = None
    vault: VaultBackend | None = None
    rotation: dict[str, RotationRecord] = field(default_factory=dict)
    remote_keys: dict[str, RemoteKey] = field(default_factory=dict)
    scanner: Scanner = field(default_factory=Scanner)


@dataclass(frozen=True)
class NetworkEndpoint:
    cidrs: tuple[str, ...]
    ports: tuple[int, ...] = ()


@dataclass(frozen=True)
class InternetEgress:
    cidrs: tuple[str, ...] = ("0.0.0.0/0",)
    except_cidrs: tuple[str, ...] = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10")
    ports: tuple[int, ...] = (443,)


@dataclass(frozen=True)
class Network:
    endpoints: dict[str, NetworkEndpoint] = field(default_factory=dict)
    internet: InternetEgress = field(default_factory=InternetEgress)


@dataclass(frozen=True)
class PrometheusSettings:
    retention: str
    storage_size: str
    replicas: int = 1
    scrape_interval: str = "30s"


@dataclass(frozen=True)
class GrafanaSettings:
    dashboard_label: str
    dashboard_label_value: str = "1"


@dataclass(frozen=True)
class LokiSettings:
    retention: str
    storage_size: str


@dataclass(frozen=True)
class AlertThresholds:
    error_rate_percent: float
    latency_p95_seconds: float
    hpa_at_max_for: str
    replication_lag_seconds: int
    backup_max_age_hours: int
    connections_percent: int
    certificate_expiry_days: int


@dataclass(frozen=True)
class RepeatIntervals:
    critical: str
    warning: str


@dataclass(frozen=True)
class PagerDuty:
    url: str | None = None  # Alertmanager's default Events API v2 endpoint when unset


@dataclass(frozen=True)
class OpsgenieResponder:
    type: Literal["team", "user", "escalation", "schedule"]
    name: str


@dataclass(frozen=True)
class Opsgenie:
    api_url: str = "https://api.opsgenie.com/"
    critical_priority: str = "P1"
    warning_priority: str = "P3"
    responders: tuple[OpsgenieResponder, ...] = ()


@dataclass(frozen=True)
class Alerting:
    runbook_base_url: str
    group_by: tuple[str, ...]
    group_wait: str
    group_interval: str
    repeat_interval: RepeatIntervals
    # PagerDuty unless a profile says otherwise: Opsgenie's API ends on 2027-04-05.
    receiver: Literal["pagerduty", "opsgenie"] = "pagerduty"
    pagerduty: PagerDuty | None = None
    opsgenie: Opsgenie | None = None


@dataclass(frozen=True)
class Monitoring:
    namespace: str
    release_label: str
    prometheus: PrometheusSettings
    grafana: GrafanaSettings
    loki: LokiSettings
    thresholds: AlertThresholds
    alerting: Alerting


@dataclass(frozen=True)
class RestoreThroughput:
    """A measured restore: `size` restored in `minutes`."""

    size: str
    minutes: float


@dataclass(frozen=True)
class ManagedDatabase:
    instance: str | None = None
    project: str | None = None


@dataclass(frozen=True)
class DrReindex:
    command: tuple[str, ...] = ("search-index-manager", "rebuild", "-index", "all")
    budget_minutes: int = 15  # what the step is expected to take (the runbook's budget)
    timeout_minutes: int = 60  # the Job's deadline: well above the budget, so a slow run is not killed


@dataclass(frozen=True)
class DrReembed:
    command: tuple[str, ...] = ("backfill-embeddings", "-batch", "50")
    force: bool = False
    budget_minutes: int = 5
    timeout_minutes: int = 60


@dataclass(frozen=True)
class DrVerify:
    budget_minutes: int = 5
    timeout_minutes: int = 15
    row_count_tolerance_percent: float = 5
    search_tolerance_percent: float = 2


@dataclass(frozen=True)
class RestoreTest:
    schedule: str = "0 9 2 * *"
    timeout_minutes: int = 120


@dataclass(frozen=True)
class BackupCheck:
    """Managed PostgreSQL: the daily CronJob that reads the provider's backup settings and newest backup."""

    schedule: str = "0 6 * * *"
    timeout_minutes: int = 15
    cloud_identity: CloudIdentity = field(default_factory=CloudIdentity)


@dataclass(frozen=True)
class DisasterRecovery:
    """out/dr/<profile>/, the restore test and the `dr-plan` time budget."""

    database_size: str = "10Gi"
    wal_per_day: str = "2Gi"  # WAL archived a day: at worst a day of it is replayed after the base backup
    detect_minutes: int = 15  # from the incident to the decision to restore: alert, page, diagnose, decide
    restore_throughput: RestoreThroughput | None = None
    managed_database: ManagedDatabase = field(default_factory=ManagedDatabase)
    reindex: DrReindex = field(default_factory=DrReindex)
    reembed: DrReembed = field(default_factory=DrReembed)
    verify: DrVerify = field(default_factory=DrVerify)
    restore_test: RestoreTest = field(default_factory=RestoreTest)
    backup_check: BackupCheck = field(default_factory=BackupCheck)


@dataclass(frozen=True)
class PolicyException:
    """Silences one rule for one rendered object (`Kind/name`) or one profile key, for a stated reason."""

    rule: str
    reason: str
    object: str | None = None  # rules on rendered objects
    key: str | None = None  # rules on the profile: the key path their finding names


@dataclass(frozen=True)
class Policy:
    exceptions: tuple[PolicyException, ...] = ()


@dataclass(frozen=True)
class Profile:
    name: str
    provider: Provider
    environment: Environment
    kubernetes_version: str
    cluster: Cluster
    namespace: str
    domain: str
    images: Images
    api: Api
    frontend: Frontend
    postgres: Postgres
    redis: Redis
    opensearch: OpenSearch
    ingress: Ingress
    migrations: Migrations
    flux: Flux
    secrets: Secrets
    monitoring: Monitoring
    app: App = field(default_factory=App)
    network: Network = field(default_factory=Network)
    policy: Policy = field(default_factory=Policy)
    dr: DisasterRecovery = field(default_factory=DisasterRecovery)
    description: str = ""

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


T = TypeVar("T")


def snake_case(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def from_data(cls: type[T], data: dict[str, Any]) -> T:
    """Build dataclass `cls` from schema-valid data, converting nested values by type hint."""
    hints, names = _fields_of(cls)  # type: ignore[arg-type]  # classes are hashable
    values = {}
    for key, value in data.items():
        name = snake_case(key)
        if name in names:
            values[name] = _convert(hints[name], value)
    return cls(**values)


@functools.cache
def _fields_of(cls: type) -> tuple[dict[str, Any], frozenset[str]]:
    # Resolving the string annotations is most of the cost of from_data: once per class.
    return typing.get_type_hints(cls), frozenset(f.name for f in dataclasses.fields(cls))


def _convert(hint: Any, value: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return None if value is None else _convert(options[0], value)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return from_data(hint, value)
    if origin is tuple:
        return tuple(_convert(typing.get_args(hint)[0], item) for item in value)
    if origin is dict:
        return {key: _convert(typing.get_args(hint)[1], item) for key, item in value.items()}
    return value
