"""The time budget of a recovery: one share of the RTO per step, and whether it can fit.

The restore step is estimated from the declared database size (dr.databaseSize) and a
throughput: the profile's measured one (dr.restoreThroughput, e.g. from the monthly restore
test), or else the assumption below. The other steps get their Jobs' deadlines, and the
hand-operated steps a fixed few minutes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from clipper_manifests.data_tier import mebibytes
from clipper_manifests.model import Profile

PREPARE_MINUTES = 5  # suspend Flux, scale the API to zero, (in-cluster) retire the broken cluster
SWITCH_MINUTES = 5  # managed: point postgres-rw at the restored database
RESUME_MINUTES = 5  # hand back to Flux, scale the API up, watch it become ready


@dataclass(frozen=True)
class Throughput:
    """Minutes a restore takes: `fixed` plus the data at `gib_per_minute`."""

    fixed: float
    gib_per_minute: float
    source: str

    def minutes(self, gib: float) -> float:
        return self.fixed + gib / self.gib_per_minute


# Assumptions, not measurements. In the cluster: barman-cloud-restore pulls and unpacks the base
# backup at ~35 MiB/s (2 GiB/min), plus scheduling, volumes and WAL replay. Managed: the provider
# provisions a new instance (~15 min) and restores storage at ~10 GiB/min.
IN_CLUSTER = Throughput(5, 2.0, "assumed: 5 min + 2 GiB/min (barman-cloud-restore from the bucket, then WAL replay)")
MANAGED = Throughput(15, 10.0, "assumed: 15 min to provision + 10 GiB/min (the provider's point-in-time restore)")


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    minutes: int


@dataclass(frozen=True)
class Budget:
    steps: tuple[Step, ...]
    rto_minutes: int
    database_gib: float
    throughput: str

    @property
    def total(self) -> int:
        return sum(step.minutes for step in self.steps)

    def minutes(self, key: str) -> int:
        return next(step.minutes for step in self.steps if step.key == key)

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
                f"the steps add up to {self.total} min, more than the RTO of {self.rto_minutes} min: shorten the step "
                "timeouts under dr:, restore faster (measure it: dr.restoreThroughput), or declare the RTO this plan can meet"
            )
        return found


def database_gib(profile: Profile) -> float:
    return mebibytes(profile.dr.database_size) / 1024


def restore_minutes(profile: Profile) -> tuple[float, str]:
    """The restore estimate and where its throughput comes from."""
    gib = database_gib(profile)
    measured = profile.dr.restore_throughput
    if measured is not None:
        measured_gib = mebibytes(measured.size) / 1024
        # Never faster than the measured run: its fixed costs do not shrink with the data.
        return measured.minutes * max(1.0, gib / measured_gib), f"measured: {measured.size} in {measured.minutes:g} min"
    throughput = IN_CLUSTER if profile.postgres.mode == "in-cluster" else MANAGED
    return throughput.minutes(gib), throughput.source


def budget(profile: Profile) -> Budget:
    restore, source = restore_minutes(profile)
    steps = [Step("prepare", "Prepare", PREPARE_MINUTES), Step("restore", "Restore PostgreSQL", math.ceil(restore))]
    if profile.postgres.mode == "managed":
        steps.append(Step("switch", "Switch the endpoint", SWITCH_MINUTES))
    if profile.images.tools is not None:
        steps.append(Step("reindex", "Rebuild the search indices", profile.dr.reindex.timeout_minutes))
        if profile.app.embedding.enabled:
            steps.append(Step("reembed", "Regenerate missing embeddings", profile.dr.reembed.timeout_minutes))
    steps += [
        Step("verify", "Verify the data", profile.dr.verify.timeout_minutes),
        Step("resume", "Hand back to Flux and resume traffic", RESUME_MINUTES),
    ]
    return Budget(tuple(steps), profile.postgres.backup.rto_minutes, database_gib(profile), source)
