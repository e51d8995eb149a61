"""The runbook's Markdown: lines, shell blocks, step headings numbered like the out/dr/ folders,
`kubectl -n <namespace>`."""

from __future__ import annotations

from clipper_manifests.dr.budget import Budget, budget
from clipper_manifests.dr.plan_input import PlanInput


class RunbookText:
    """The runbook being written: its lines, and the state its steps share (the elapsed minutes
    of the RTO, and after an in-cluster restore the archive folder the new cluster writes to)."""

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
