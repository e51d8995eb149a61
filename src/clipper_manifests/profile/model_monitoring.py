"""Profile section of monitoring: Prometheus, Grafana, Loki, alert thresholds and receivers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


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
