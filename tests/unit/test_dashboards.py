"""Dashboards load in Grafana: valid JSON, a schema version, a datasource variable, unique panel
ids, panels inside the grid, and PromQL queries that name only metrics the profile scrapes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from clipper_manifests.values import dashboard_boards, monitoring_targets
from tests.helpers import shipped
from tests.promql import grafana_query, metric_names
from tests.unit.test_alert_rules import PLATFORM, PROFILES, allowed_metrics, profile


def _config_maps(name: str) -> list[dict[str, Any]]:
    item = shipped(name)
    found = [
        r.document
        for r in item.objects().overlay.resources
        if r.document["kind"] == "ConfigMap" and r.document["metadata"]["name"].startswith("grafana-dashboard-")
    ]
    assert len(found) == 2, "an API overview and a data-tier board"
    return found


def _panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for panel in board["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))
    return found


@pytest.mark.parametrize("name", PROFILES)
def test_dashboard_config_maps_hold_loadable_dashboards(name: str) -> None:
    chosen = profile(name)
    label = chosen.monitoring.grafana.dashboard_label
    uids = set()
    for config_map in _config_maps(name):
        assert config_map["metadata"]["labels"][label] == chosen.monitoring.grafana.dashboard_label_value
        assert config_map["metadata"]["annotations"][monitoring_targets.DASHBOARD_FOLDER_ANNOTATION]
        [(file_name, text)] = config_map["data"].items()
        board = json.loads(text)
        assert file_name == f"{board['uid']}.json" and board["uid"] not in uids
        uids.add(board["uid"])
        assert isinstance(board["schemaVersion"], int) and board["schemaVersion"] >= 36
        variables = {v["name"]: v for v in board["templating"]["list"]}
        assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
        ids = [panel["id"] for panel in _panels(board)]
        assert len(ids) == len(set(ids)) and all(isinstance(i, int) for i in ids)
        _check_layout(board["panels"])
        for panel in _panels(board):
            if panel["type"] in {"timeseries", "stat"}:
                assert panel["datasource"] == {"type": "prometheus", "uid": "$datasource"}
                assert all(target["datasource"] == panel["datasource"] for target in panel["targets"])


def _check_layout(panels: list[dict[str, Any]]) -> None:
    taken: set[tuple[int, int]] = set()
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, panel["title"]
        cells = {(x, y) for x in range(grid["x"], grid["x"] + grid["w"]) for y in range(grid["y"], grid["y"] + grid["h"])}
        assert not cells & taken, f"{panel['title']} overlaps another panel"
        taken |= cells


@pytest.mark.parametrize("name", PROFILES)
def test_dashboard_queries_parse_and_name_only_scraped_metrics(name: str) -> None:
    chosen = profile(name)
    scraped = monitoring_targets.scraped_exporters(chosen, PLATFORM)
    for board in dashboard_boards.boards(chosen, PLATFORM):
        assert board.exporters <= scraped, board.uid
        allowed = allowed_metrics(board.exporters)
        queries = [q for row in board.rows for panel in row.panels for q in panel.queries if q.language == "promql"]
        assert queries or board.uid == "clipper-data", "only a data tier that is entirely managed has no metrics to show"
        for query in queries:
            names = metric_names(grafana_query(query.expr, {"$namespace": chosen.namespace}))
            assert names and names <= allowed, f"{board.uid}: {query.expr} names {sorted(names - allowed)}"


def test_api_board_covers_what_the_issue_asks_for() -> None:
    titles = {panel.title for row in dashboard_boards.api_board(PLATFORM).rows for panel in row.panels}
    assert {"Requests per second by status", "5xx share", "Latency percentiles", "In-flight requests", "Pods", "Autoscaler"} <= titles


def test_data_board_shows_metrics_in_cluster_and_a_pointer_when_managed() -> None:
    in_cluster = dashboard_boards.data_board(profile("staging-aws"))
    assert [row.title for row in in_cluster.rows] == ["PostgreSQL", "Redis", "OpenSearch"]
    assert all(panel.kind != "text" for row in in_cluster.rows for panel in row.panels)
    managed = dashboard_boards.data_board(profile("prod-aws"))
    texts = [panel.text for row in managed.rows for panel in row.panels if panel.kind == "text"]
    assert any("Amazon RDS" in text for text in texts)
