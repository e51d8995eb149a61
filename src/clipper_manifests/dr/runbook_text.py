"""The runbook's shared parts: its input, the Markdown helpers, and step 1 (restore PostgreSQL:
a CloudNativePG recovery Cluster, or the provider's restore and the switch of the stable names)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from clipper_manifests.dr import managed, objects
from clipper_manifests.dr.budget import Budget, budget
from clipper_manifests.dr.target import rfc3339
from clipper_manifests.profile.model import Profile
from clipper_manifests.values import postgres
from clipper_manifests.yaml.write import dump_document, kubernetes_order


@dataclass(frozen=True)
class PlanInput:
    profile: Profile
    platform: dict[str, Any]
    profile_file: str  # profiles/<name>.yaml, as the operator's shell sees it
    out: str  # the output folder, as the operator's shell sees it
    folders: dict[str, str]  # step → its out/dr/ folder (only the rendered ones)
    flux_stage: str  # the Flux Kustomization that applies the overlay
    live_cluster: dict[str, Any] | None  # in-cluster PostgreSQL: the overlay's Cluster
    now: datetime
    target: datetime | None = None
    attempt: int = 1
    expected: dict[str, int] = field(default_factory=dict)


class RunbookBase:
    def __init__(self, plan: PlanInput) -> None:
        self.plan, self.profile, self.platform = plan, plan.profile, plan.platform
        self.ns = plan.profile.namespace
        self.budget: Budget = budget(plan.profile)
        self.lines: list[str] = []
        self.elapsed = 0
        self.new_server = ""  # in-cluster: the archive folder the restored cluster writes to

    def say(self, *lines: str) -> None:
        self.lines.extend(lines)

    def shell(self, *commands: str) -> None:
        self.say("```sh", *commands, "```", "")

    def step(self, key: str, note: str = "") -> None:
        """A step's heading, numbered like its out/dr/ folder."""
        number, item = self.budget.number(key), next(step for step in self.budget.steps if step.key == key)
        if item.in_rto:
            self.elapsed += item.minutes
            self.say(f"## {number}. {item.title} — {item.minutes} min (done by T+{self.elapsed} min)", "")
        else:
            self.say(f"## {number}. {item.title} — about {item.minutes} min, after traffic resumed (outside the RTO)", "")
        if note:
            self.say(note, "")

    def k(self, command: str) -> str:
        return f"kubectl -n {self.ns} {command}"

    # --- sections --------------------------------------------------------------------------

    def _restore(self) -> None:
        if self.profile.postgres.mode == "in-cluster":
            self._restore_in_cluster()
        else:
            self._restore_managed()

    def _restore_in_cluster(self) -> None:
        name, live, plan = objects.cluster_name(self.platform), self.plan.live_cluster, self.plan
        assert live is not None, "in-cluster profiles render a Cluster"
        cluster = objects.restore_cluster(live, self.profile, self.platform, rfc3339(plan.target) if plan.target else None, plan.attempt)
        origin = cluster["spec"]["externalClusters"][0]["plugin"]["parameters"]["serverName"]
        self.new_server = next(p for p in cluster["spec"]["plugins"] if p.get("isWALArchiver"))["parameters"]["serverName"]
        self.step(
            "restore",
            f"A new Cluster `{name}` recovers from archive folder `{origin}` and writes its own WAL to `{self.new_server}` "
            "(CloudNativePG refuses an archive folder that already holds WAL). Same name: postgres-rw, the postgres-app "
            "Secret and the NetworkPolicies stay as they are.",
        )
        if plan.target is None and plan.attempt == 1:
            self.shell(f"kubectl apply -k {plan.folders['restore']}")
        else:
            why = f"recoveryTarget {rfc3339(plan.target)}" if plan.target else f"attempt {plan.attempt}"
            self.say(f"The committed {plan.folders['restore']} restores the latest point; this variant ({why}) is applied instead:", "")
            self.shell("kubectl apply -f - <<'EOF'", dump_document(kubernetes_order(cluster)).rstrip("\n"), "EOF")
        minutes = self.budget.minutes("restore")
        self.say(
            f"Budget {minutes} min; the wait gives up at twice that, and the restore goes on regardless (WAL replay can be "
            "slow; the Cluster's phase and its pods' logs show progress).",
            "",
        )
        self.shell(
            self.k(f"wait --for=condition=Ready clusters.postgresql.cnpg.io/{name} --timeout={2 * minutes}m"),
            self.k(f"get clusters.postgresql.cnpg.io/{name} -w   # in a second terminal: the phase, up to 'Cluster in healthy state'"),
        )
        self.say(
            f"If it fails (no backup, a WAL gap, no access to the bucket): `{self.k(f'describe clusters.postgresql.cnpg.io/{name}')}` "
            f"and the logs of its pods. A retry writes to yet another folder: delete the Cluster, then "
            f"`clipper-manifests dr-plan {self.profile.name} --attempt {plan.attempt + 1}`.",
            "",
        )

    def _restore_managed(self) -> None:
        profile, plan = self.profile, self.plan
        provider = managed.restore(profile, plan.target, plan.attempt)
        self.step("restore")
        if provider is None:
            self.say(
                f"> **error:** the provider's name of this database is unknown (the endpoint `{managed.endpoint(profile)}` "
                "does not tell it): set dr.managedDatabase.instance in the profile and run dr-plan again.",
                "",
            )
        else:
            self.say(provider.summary + ". The broken instance stays untouched for forensics.", "")
            self.shell(*provider.commands)
        self.step(
            "switch",
            "The API reaches PostgreSQL through stable names; point them at the restored primary (its read "
            "replicas do not exist yet, so reads go to the primary too).",
        )
        self.shell(*self._switch_commands())
        cidrs = profile.network.endpoints.get("postgres")
        if cidrs:
            self.say(
                f"`$NEW_ENDPOINT` must resolve into {', '.join(cidrs.cidrs)} (network.endpoints.postgres), or the "
                "NetworkPolicies drop the connections.",
                "",
            )

    def _switch_commands(self) -> list[str]:
        commands = []
        for name in postgres.postgres_stable_names(self.profile, self.platform):
            if name.is_address:
                patch = '[{"op":"replace","path":"/endpoints/0/addresses/0","value":"\'"$NEW_ENDPOINT"\'"}]'
                commands.append(self.k(f"patch endpointslice/{name.service} --type=json -p '{patch}'"))
            else:
                patch = '{"spec":{"externalName":"\'"$NEW_ENDPOINT"\'"}}'
                commands.append(self.k(f"patch service/{name.service} --type=merge -p '{patch}'"))
        return commands
