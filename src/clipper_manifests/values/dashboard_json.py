"""Dashboards as Grafana JSON: panels laid out on the grid, variables, the file text."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from clipper_manifests import memo

SCHEMA_VERSION = 39  # Grafana 11: panels refer to their datasource by {type, uid}


PROMETHEUS = {"type": "prometheus", "uid": "$datasource"}


LOKI = {"type": "loki", "uid": "loki"}  # provisioned with this uid by the stack's values


GRID_WIDTH, PANEL_HEIGHT = 24, 8


FOLDER = "Clipper"


PanelKind = Literal["timeseries", "stat", "text", "logs"]


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str = ""
    language: Literal["promql", "logql"] = "promql"


@dataclass(frozen=True)
class Panel:
    title: str
    queries: tuple[Query, ...] = ()
    unit: str = "short"
    kind: PanelKind = "timeseries"
    text: str = ""  # markdown of a text panel


@dataclass(frozen=True)
class Row:
    title: str
    panels: tuple[Panel, ...]
    exporters: tuple[str, ...] = ()  # whose metrics the queries read (schemas/metrics.yaml)


@dataclass(frozen=True)
class Board:
    uid: str
    title: str
    description: str
    rows: tuple[Row, ...]

    @property
    def exporters(self) -> set[str]:
        return {exporter for row in self.rows for exporter in row.exporters}


def _panel_json(panel: Panel, panel_id: int, grid: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {"id": panel_id, "type": panel.kind, "title": panel.title, "gridPos": grid}
    if panel.kind == "text":
        result["options"] = {"mode": "markdown", "content": panel.text}
        return result
    datasource = LOKI if panel.kind == "logs" else PROMETHEUS
    result["datasource"] = datasource
    result["targets"] = [
        {"refId": chr(ord("A") + index), "datasource": datasource, "expr": query.expr, "legendFormat": query.legend or "__auto"}
        for index, query in enumerate(panel.queries)
    ]
    if panel.kind == "logs":
        result["options"] = {"showTime": True, "wrapLogMessage": True, "sortOrder": "Descending"}
        return result
    result["fieldConfig"] = {"defaults": {"unit": panel.unit}, "overrides": []}
    if panel.kind == "stat":
        result["options"] = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}, "colorMode": "value"}
    else:
        result["options"] = {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True}, "tooltip": {"mode": "multi"}}
    return result


def _variables(board: Board) -> list[dict[str, Any]]:
    variables: list[dict[str, Any]] = [
        {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus", "hide": 0, "current": {}},
    ]
    if board.uid == "clipper-api":
        query = 'label_values(up{job="clipper-api"}, namespace)'
        variables.append(
            {
                "name": "namespace",
                "label": "Namespace",
                "type": "query",
                "datasource": PROMETHEUS,
                "query": {"query": query, "refId": "namespace"},
                "definition": query,
                "refresh": 2,
                "hide": 0,
                "current": {},
            }
        )
    return variables


def board_json(board: Board, environment: str) -> dict[str, Any]:
    """The dashboard model: rows stacked, a row's panels side by side across the 24-column grid."""
    panels: list[dict[str, Any]] = []
    next_id, y = 1, 0
    for row in board.rows:
        panels.append({"id": next_id, "type": "row", "title": row.title, "collapsed": False, "panels": [], "gridPos": _grid(0, y, 24, 1)})
        next_id, y = next_id + 1, y + 1
        width = GRID_WIDTH // len(row.panels)
        for index, panel in enumerate(row.panels):
            panels.append(_panel_json(panel, next_id, _grid(index * width, y, width, PANEL_HEIGHT)))
            next_id += 1
        y += PANEL_HEIGHT
    return {
        "uid": board.uid,
        "title": board.title,
        "description": board.description,
        "tags": ["clipper", environment],
        "timezone": "utc",
        "editable": False,
        "graphTooltip": 1,
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "refresh": "1m",
        "time": {"from": "now-6h", "to": "now"},
        "annotations": {"list": []},
        "links": [],
        "templating": {"list": _variables(board)},
        "panels": panels,
    }


def _grid(x: int, y: int, w: int, h: int) -> dict[str, int]:
    return {"h": h, "w": w, "x": x, "y": y}


@memo.function("dashboards.json", 64)
def board_text(board: Board, environment: str) -> str:
    """The dashboard file: the same few boards come back for every profile (indented JSON is
    written by the json module's slow path, so once is enough)."""
    return json.dumps(board_json(board, environment), indent=2, ensure_ascii=False) + "\n"
