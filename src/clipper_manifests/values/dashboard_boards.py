"""Grafana dashboards, written as short descriptions (turned into dashboard JSON by dashboard_json.py).

A board is rows of panels; a panel is a title, a unit and its queries. Layout (grid positions),
ids, the datasource variable and Grafana's boilerplate are derived, so the description stays
readable and every board is laid out the same way. The Grafana sidecar of kube-prometheus-stack
loads each ConfigMap that carries the profile's dashboard label.
"""

from __future__ import annotations

from typing import Any

from clipper_manifests.profile.model import Profile
from clipper_manifests.values.dashboard_json import FOLDER, Board, Panel, Query, Row, board_text
from clipper_manifests.values.monitoring_targets import in_cluster


def _rate(metric: str, selector: str) -> str:
    return f"rate({metric}{{{selector}}}[$__rate_interval])"


def api_board(platform: dict[str, Any]) -> Board:
    api = 'job="clipper-api", namespace="$namespace"'
    errors = api + ', status=~"5.."'
    workload = f'namespace="$namespace", deployment="{platform["api"]["name"]}"'
    hpa = f'namespace="$namespace", horizontalpodautoscaler="{platform["api"]["name"]}"'
    pods = f'namespace="$namespace", pod=~"{platform["api"]["name"]}-.*", container="{platform["api"]["name"]}"'
    buckets = _rate("http_request_duration_seconds_bucket", api)

    def quantile(q: str, by: str = "le") -> str:
        return f"histogram_quantile({q}, sum by ({by}) ({buckets}))"

    return Board(
        "clipper-api",
        "Clipper API",
        "Request rate, errors, latency, in-flight requests, pods and autoscaling of the Go API.",
        (
            Row(
                "Traffic",
                (
                    Panel(
                        "Requests per second by status",
                        (Query(f"sum by (status) ({_rate('http_requests_total', api)})", "{{status}}"),),
                        "reqps",
                    ),
                    Panel(
                        "5xx share",
                        (
                            Query(
                                f"sum({_rate('http_requests_total', errors)}) / sum({_rate('http_requests_total', api)})",
                                "5xx",
                            ),
                        ),
                        "percentunit",
                    ),
                    Panel(
                        "Busiest routes",
                        (Query(f"topk(10, sum by (method, path) ({_rate('http_requests_total', api)}))", "{{method}} {{path}}"),),
                        "reqps",
                    ),
                ),
                ("clipper-api",),
            ),
            Row(
                "Latency",
                (
                    Panel(
                        "Latency percentiles",
                        (Query(quantile("0.5"), "p50"), Query(quantile("0.95"), "p95"), Query(quantile("0.99"), "p99")),
                        "s",
                    ),
                    Panel("Slowest routes (p95)", (Query(f"topk(10, {quantile('0.95', 'path, le')})", "{{path}}"),), "s"),
                ),
                ("clipper-api",),
            ),
            Row(
                "Capacity",
                (
                    Panel("In-flight requests", (Query(f"sum by (pod) (http_in_flight_requests{{{api}}})", "{{pod}}"),)),
                    Panel(
                        "Pods",
                        (
                            Query(f"kube_deployment_status_replicas_available{{{workload}}}", "available"),
                            Query(f"kube_deployment_spec_replicas{{{workload}}}", "wanted"),
                        ),
                    ),
                    Panel(
                        "Autoscaler",
                        (
                            Query(f"kube_horizontalpodautoscaler_status_current_replicas{{{hpa}}}", "current"),
                            Query(f"kube_horizontalpodautoscaler_status_desired_replicas{{{hpa}}}", "desired"),
                            Query(f"kube_horizontalpodautoscaler_spec_max_replicas{{{hpa}}}", "max"),
                            Query(f"kube_horizontalpodautoscaler_spec_min_replicas{{{hpa}}}", "min"),
                        ),
                    ),
                ),
                ("clipper-api", "kube-state-metrics"),
            ),
            Row(
                "Resources",
                (
                    Panel(
                        "CPU per pod", (Query(f"sum by (pod) ({_rate('container_cpu_usage_seconds_total', pods)})", "{{pod}}"),), "cores"
                    ),
                    Panel("Memory per pod", (Query(f"sum by (pod) (container_memory_working_set_bytes{{{pods}}})", "{{pod}}"),), "bytes"),
                ),
                ("cadvisor",),
            ),
            Row(
                "Public endpoint",
                (
                    Panel("Probe success (1 = up)", (Query('min by (instance) (probe_success{job="clipper-public"})', "{{instance}}"),)),
                    Panel(
                        "Probe duration", (Query('max by (instance) (probe_duration_seconds{job="clipper-public"})', "{{instance}}"),), "s"
                    ),
                    Panel(
                        "HTTP status",
                        (Query('max by (instance) (probe_http_status_code{job="clipper-public"})', "{{instance}}"),),
                        kind="stat",
                    ),
                ),
                ("blackbox_exporter",),
            ),
            Row(
                "Logs",
                (
                    Panel(
                        "API logs", (Query(f'{{namespace="$namespace", app="{platform["api"]["name"]}"}}', language="logql"),), kind="logs"
                    ),
                ),
            ),
        ),
    )


MANAGED_BY = {
    "aws": {
        "postgres": "Amazon RDS (CloudWatch)",
        "redis": "ElastiCache (CloudWatch)",
        "opensearch": "Amazon OpenSearch Service (CloudWatch)",
    },
    "gcp": {
        "postgres": "Cloud SQL (Cloud Monitoring)",
        "redis": "Memorystore (Cloud Monitoring)",
        "opensearch": "the hosted service's console",
    },
    "digitalocean": {
        "postgres": "DigitalOcean Managed PostgreSQL (Insights)",
        "redis": "DigitalOcean Managed Caching (Insights)",
        "opensearch": "DigitalOcean Managed OpenSearch (Insights)",
    },
}


def _outside(profile: Profile, service: str, title: str) -> Row:
    where = MANAGED_BY[profile.provider][service]
    mode = str(getattr(profile, service).mode)
    text = f"{title} runs outside the cluster ({mode}): its metrics and alarms live in {where}."
    return Row(title, (Panel(f"{title} ({mode})", kind="text", text=text),))


def postgres_row() -> Row:
    pg = 'job="clipper-postgres"'
    backup = f"barman_cloud_cloudnative_pg_io_last_available_backup_timestamp{{{pg}}}"
    recoverable = f"barman_cloud_cloudnative_pg_io_first_recoverability_point{{{pg}}}"
    return Row(
        "PostgreSQL",
        (
            Panel("Replication lag", (Query(f"max by (pod) (cnpg_pg_replication_lag{{{pg}}})", "{{pod}}"),), "s"),
            Panel(
                "Connections",
                (
                    Query(f"sum by (pod) (cnpg_backends_total{{{pg}}})", "{{pod}}"),
                    Query(f'max(cnpg_pg_settings_setting{{{pg}, name="max_connections"}})', "max_connections"),
                ),
            ),
            Panel("Age of the last base backup", (Query(f"time() - max({backup})", "age"),), "s", "stat"),
            Panel("Point-in-time recovery window", (Query(f"time() - min({recoverable})", "window"),), "s", "stat"),
            Panel("Database size", (Query(f"max by (datname) (cnpg_pg_database_size_bytes{{{pg}}})", "{{datname}}"),), "bytes"),
            Panel(
                "WAL archiving",
                (
                    Query(f"sum({_rate('cnpg_pg_stat_archiver_archived_count', pg)})", "archived"),
                    Query(f"sum({_rate('cnpg_pg_stat_archiver_failed_count', pg)})", "failed"),
                ),
                "ops",
            ),
        ),
        ("cloudnative-pg", "barman-cloud"),
    )


def redis_row() -> Row:
    redis = 'job="clipper-redis"'
    return Row(
        "Redis",
        (
            Panel("Cluster state (1 = ok)", (Query(f"min(redis_cluster_state{{{redis}}})", "state"),), kind="stat"),
            Panel("Connected clients", (Query(f"sum by (pod) (redis_connected_clients{{{redis}}})", "{{pod}}"),)),
            Panel("Memory used", (Query(f"max by (pod) (redis_memory_used_bytes{{{redis}}})", "{{pod}}"),), "bytes"),
            Panel("Commands per second", (Query(f"sum({_rate('redis_commands_processed_total', redis)})", "commands"),), "ops"),
        ),
        ("redis_exporter",),
    )


def opensearch_row() -> Row:
    search = 'job="clipper-opensearch"'
    return Row(
        "OpenSearch",
        (
            Panel("Cluster health", (Query(f"max by (color) (elasticsearch_cluster_health_status{{{search}}})", "{{color}}"),)),
            Panel("Nodes", (Query(f"max(elasticsearch_cluster_health_number_of_nodes{{{search}}})", "nodes"),), kind="stat"),
            Panel("Unassigned shards", (Query(f"max(elasticsearch_cluster_health_unassigned_shards{{{search}}})", "shards"),), kind="stat"),
            Panel(
                "JVM heap used",
                (Query(f'max by (pod) (elasticsearch_jvm_memory_used_bytes{{{search}, area="heap"}})', "{{pod}}"),),
                "bytes",
            ),
        ),
        ("elasticsearch_exporter",),
    )


def data_board(profile: Profile) -> Board:
    rows = (
        postgres_row() if in_cluster(profile, "postgres") else _outside(profile, "postgres", "PostgreSQL"),
        redis_row() if in_cluster(profile, "redis") else _outside(profile, "redis", "Redis"),
        opensearch_row() if in_cluster(profile, "opensearch") else _outside(profile, "opensearch", "OpenSearch"),
    )
    return Board("clipper-data", "Clipper data tier", "PostgreSQL, Redis and OpenSearch: in-cluster metrics, or where to look.", rows)


def boards(profile: Profile, platform: dict[str, Any]) -> list[Board]:
    return [api_board(platform), data_board(profile)]


def config_maps(profile: Profile, platform: dict[str, Any]) -> list[dict[str, str]]:
    """What the dashboard ConfigMaps hold: name, file name and the dashboard JSON text."""
    return [
        {
            "name": f"grafana-dashboard-{board.uid}",
            "file": f"{board.uid}.json",
            "json": board_text(board, profile.environment),
            "folder": FOLDER,
        }
        for board in boards(profile, platform)
    ]
