"""Which receivers an alert reaches, as Alertmanager decides it from the configuration the
Prometheus Operator builds: the AlertmanagerConfig's route first (with `continue: true`, and a
`namespace=<its namespace>` matcher unless the Alertmanager's matcher strategy is `None`), then
the routes of the chart's base configuration, then the base root receiver."""

from __future__ import annotations

import re
from typing import Any

Alert = dict[str, str]
# Base config matchers as the chart writes them: `alertname = "Watchdog"`, `severity =~ warning|info`.
_BASE_MATCHER = re.compile(r'^\s*(\w+)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$')


def _matches(op: str, actual: str, value: str) -> bool:
    if op in ("=~", "!~"):
        found = re.fullmatch(value, actual) is not None
        return found if op == "=~" else not found
    return (actual == value) if op == "=" else (actual != value)


def _crd_matchers(route: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(m["name"], m.get("matchType", "=~" if m.get("regex") else "="), m["value"]) for m in route.get("matchers", [])]


def _base_matchers(route: dict[str, Any]) -> list[tuple[str, str, str]]:
    found = []
    for text in route.get("matchers", []):
        match = _BASE_MATCHER.match(text)
        assert match, text
        found.append((match[1], match[2], match[3]))
    return found


def _walk(route: dict[str, Any], alert: Alert, matchers: Any) -> tuple[list[str], bool]:
    """Receivers of the deepest matching routes under `route` (which matched), and whether to go on."""
    reached: list[str] = []
    for child in route.get("routes", []):
        if all(_matches(op, alert.get(name, ""), value) for name, op, value in matchers(child)):
            below, _ = _walk(child, alert, matchers)
            reached += below
            if not child.get("continue", False):
                return reached, False
    return (reached or [route["receiver"]]), True


def receivers(alert: Alert, config_spec: dict[str, Any], config_namespace: str, strategy: str, base: dict[str, Any]) -> list[str]:
    top = config_spec["route"]
    matchers = _crd_matchers(top)
    if strategy != "None":
        matchers = [m for m in matchers if m[0] != "namespace"] + [("namespace", "=", config_namespace)]
    reached: list[str] = []
    if all(_matches(op, alert.get(name, ""), value) for name, op, value in matchers):
        reached, _ = _walk(top, alert, _crd_matchers)  # continue: true, whatever it says
    below, _ = _walk(base["route"], alert, _base_matchers)  # the base root matches every alert
    return reached + below


def notifying(names: list[str], config_spec: dict[str, Any], base: dict[str, Any]) -> list[str]:
    """Only receivers that send something (the chart's `null` and our `none` have no configs)."""
    defined = {r["name"]: r for r in [*config_spec["receivers"], *base["receivers"]]}
    return [name for name in names if any(key.endswith(("Configs", "_configs")) for key in defined[name])]
