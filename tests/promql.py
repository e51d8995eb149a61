"""PromQL in tests: parse with a real parser (promql-parser) and list the metrics an expression names."""

from __future__ import annotations

import promql_parser

# Grafana replaces these before a query reaches Prometheus.
GRAFANA_VARIABLES = {"$__rate_interval": "5m"}


def metric_names(expr: str) -> set[str]:
    """Every metric an expression selects; a selector without a metric name is an error."""
    tree = promql_parser.parse(expr)  # raises ValueError on anything Prometheus would reject
    names: set[str] = set()

    def visit(node: object) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            assert node.name, f"selector without a metric name in {expr!r}"
            names.add(node.name)

    promql_parser.walk(tree, visit)
    return names


def grafana_query(expr: str, variables: dict[str, str]) -> str:
    """A dashboard query as Prometheus receives it."""
    for name, value in {**GRAFANA_VARIABLES, **variables}.items():
        expr = expr.replace(name, value)
    return expr
