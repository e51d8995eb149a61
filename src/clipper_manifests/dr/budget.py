"""The time budget of a recovery: one share of the RTO per step, and whether it can fit.

The clock starts at the incident, not at the first command: detecting it and deciding to
restore (dr.detectMinutes) come first. The restore is estimated from the declared database
size (dr.databaseSize) at a throughput, the profile's measured one (dr.restoreThroughput, e.g.
from the monthly restore test) or else the assumption below, plus the replay of up to a day
of WAL (dr.walPerDay) archived since the last daily base backup. In the cluster, a fresh base
backup of the restored database is taken before traffic resumes. The search rebuild and the
re-embedding come after traffic resumes (the API answers from PostgreSQL's full-text search
meanwhile), so they are listed but not counted against the RTO. Each Job's deadline
(timeoutMinutes) is separate from its budget and well above it: a slow step is late, not dead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from clipper_manifests.profile.model import Profile
from clipper_manifests.values.redis_opensearch import mebibytes

PREPARE_MINUTES = 5  # suspend Flux, silence, scale the API to zero, (in-cluster) retire the broken cluster
SWITCH_MINUTES = 5  # managed: point postgres-rw at the restored database
RESUME_MINUTES = 5  # hand back to Flux, scale the API up, watch it become ready


@dataclass(frozen=True)
class Throughput:
    """Minutes a transfer takes: `fixed` plus the data at `gib_per_minute`."""

    fixed: float
    gib_per_minute: float
    source: str

    def minutes(self, gib: float) -> float:
        return self.fixed + gib / self.gib_per_minute


# Assumptions, not measurements. In the cluster: barman-cloud-restore pulls and unpacks the base
# backup at ~35 MiB/s (2 GiB/min), plus scheduling and volumes. Managed: the provider provisions
# a new instance (~15 min) and restores storage at ~10 GiB/min. Either way the WAL since that
# backup is then fetched and replayed, one segment after the other, at ~1 GiB/min.
IN_CLUSTER = Throughput(5, 2.0, "assumed: 5 min + 2 GiB/min (barman-cloud-restore from the bucket)")
MANAGED = Throughput(15, 10.0, "assumed: 15 min to provision + 10 GiB/min (the provider's point-in-time restore)")
REPLAY = Throughput(0, 1.0, "assumed: 1 GiB/min")
# A base backup of the restored cluster (barman-cloud-backup uploading, compressed) at ~1 GiB/min.
BASE_BACKUP = Throughput(2, 1.0, "assumed: 2 min + 1 GiB/min (barman-cloud-backup to the bucket)")


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    minutes: int
    in_rto: bool = True  # False: after traffic resumed, not counted against the RTO


@dataclass(frozen=True)
class Budget:
    steps: tuple[Step, ...]
    rto_minutes: int
    database_gib: float
    throughput: str

    @property
    def total(self) -> int:
        """Minutes until traffic resumes."""
        return sum(step.minutes for step in self.steps if step.in_rto)

    def minutes(self, key: str) -> int:
        return next(step.minutes for step in self.steps if step.key == key)

    def number(self, key: str) -> int:
        """The step's number in the runbook, and of its out/dr/ folder."""
        return next(index for index, step in enumerate(self.steps, start=1) if step.key == key)

    def warnings(self) -> list[str]:
        """Why the declared RTO is implausible for this profile (empty when the plan fits)."""
        found = []
        restore = self.minutes("restore")
        if restore > self.rto_minutes:
            found.append(
                f"restoring {self.database_gib:g} GiB takes about {restore} min ({self.throughput}), longer than the whole "
                f"RTO of {self.rto_minutes} min: the declared RTO is implausible for this database size"
            )
        if self.total > self.rto_minutes:
            found.append(
                f"traffic resumes after {self.total} min, more than the RTO of {self.rto_minutes} min: restore faster (measure "
                "it: dr.restoreThroughput), detect sooner (dr.detectMinutes), or declare the RTO this plan can meet"
            )
        return found


def gib(size: str) -> float:
    return mebibytes(size) / 1024


def database_gib(profile: Profile) -> float:
    return gib(profile.dr.database_size)


def restore_minutes(profile: Profile) -> tuple[float, str]:
    """The restore estimate (base backup and WAL replay) and where its throughput comes from."""
    size = database_gib(profile)
    measured = profile.dr.restore_throughput
    if measured is not None:
        measured_gib = gib(measured.size)
        # Never faster than the measured run: its fixed costs do not shrink with the data. A
        # measured restore includes its WAL replay.
        return measured.minutes * max(1.0, size / measured_gib), f"measured: {measured.size} in {measured.minutes:g} min"
    throughput = IN_CLUSTER if profile.postgres.mode == "in-cluster" else MANAGED
    replay = REPLAY.minutes(gib(profile.dr.wal_per_day))
    wal = f"up to a day of WAL ({profile.dr.wal_per_day}, dr.walPerDay) replayed at {REPLAY.gib_per_minute:g} GiB/min"
    source = f"{throughput.source}, then {wal}"
    return throughput.minutes(size) + replay, source


def budget(profile: Profile) -> Budget:
    dr = profile.dr
    restore, source = restore_minutes(profile)
    steps = [
        Step("detect", "Detect and decide", dr.detect_minutes),
        Step("prepare", "Prepare", PREPARE_MINUTES),
        Step("restore", "Restore PostgreSQL", math.ceil(restore)),
    ]
    if profile.postgres.mode == "managed":
        steps.append(Step("switch", "Switch the endpoint", SWITCH_MINUTES))
    steps.append(Step("verify", "Verify the data", dr.verify.budget_minutes))
    if profile.postgres.mode == "in-cluster":
        steps.append(Step("backup", "Take a base backup", math.ceil(BASE_BACKUP.minutes(database_gib(profile)))))
    steps.append(Step("resume", "Hand back to Flux and resume traffic", RESUME_MINUTES))
    if profile.images.tools is not None:
        steps.append(Step("reindex", "Rebuild the search indices", dr.reindex.budget_minutes, in_rto=False))
        if profile.app.embedding.enabled:
            steps.append(Step("reembed", "Regenerate missing embeddings", dr.reembed.budget_minutes, in_rto=False))
        steps.append(Step("verify-search", "Verify the search indices", dr.verify.budget_minutes, in_rto=False))
    return Budget(tuple(steps), profile.postgres.backup.rto_minutes, database_gib(profile), source)
