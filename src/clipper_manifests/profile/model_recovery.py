"""Profile section of disaster recovery: restore throughput, the managed database, the DR Jobs, the restore test, the backup check."""

from __future__ import annotations

from dataclasses import dataclass, field

from clipper_manifests.profile.model_workloads import CloudIdentity


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
