"""Where alerts go by default, and Opsgenie's end: a warning with the date, an error from it on."""

from __future__ import annotations

import dataclasses

import pytest

from clipper_manifests.problems import Severity
from clipper_manifests.profile.model import Profile
from clipper_manifests.profile.model_monitoring import Opsgenie
from tests.conftest import REPO, RunCli
from tests.helpers import rule_findings
from tests.unit.test_alert_rules import profile


def _findings(chosen: Profile, rule_id: str) -> list[tuple[str, Severity]]:
    return [(message, severity) for _, message, severity in rule_findings(rule_id, chosen)]


def _opsgenie(chosen: Profile) -> Profile:
    alerting = dataclasses.replace(chosen.monitoring.alerting, receiver="opsgenie", opsgenie=Opsgenie())
    return dataclasses.replace(chosen, monitoring=dataclasses.replace(chosen.monitoring, alerting=alerting))


def test_pagerduty_is_the_receiver_when_no_profile_names_one() -> None:
    # _defaults names no receiver: the schema's default decides.
    assert profile("staging-aws").monitoring.alerting.receiver == "pagerduty"


def test_opsgenie_warns_with_the_date_its_api_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIPPER_TODAY", "2026-11-25")
    chosen = _opsgenie(profile("prod-aws"))
    [(message, severity)] = _findings(chosen, "alert-opsgenie-end-of-life")
    assert severity is Severity.WARNING and "2027-04-05" in message and "in 131 days" in message
    assert _findings(chosen, "alert-opsgenie-ended") == []
    assert _findings(profile("prod-aws"), "alert-opsgenie-end-of-life") == []


def test_opsgenie_is_an_error_from_the_day_its_api_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIPPER_TODAY", "2027-04-05")
    chosen = _opsgenie(profile("prod-aws"))
    assert _findings(chosen, "alert-opsgenie-end-of-life") == []
    [(message, severity)] = _findings(chosen, "alert-opsgenie-ended")
    assert severity is Severity.ERROR and "stopped working on 2027-04-05" in message


def test_prod_do_fails_validation_once_opsgenie_has_ended(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    # Its exception acknowledges the warning only: the day the API ends, CI turns red.
    monkeypatch.setenv("CLIPPER_TODAY", "2027-04-06")
    result = run_cli("validate", "prod-do", cwd=REPO)
    assert result.exit_code == 1
    assert "monitoring.alerting.receiver: Opsgenie's API stopped working on 2027-04-05" in result.stdout
