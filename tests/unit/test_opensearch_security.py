"""In-cluster OpenSearch security as the cluster meets it: the rendered probe and security-sync
scripts, run by bash against a stand-in for curl that answers like the security plugin's REST
API (users and their passwords, the account API, internal users, roles and role mappings)."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import shipped

# A stand-in for curl: reads the -K config (user = "name:password"), -X, --data-binary @-, -o and
# the URL; answers from and records into the JSON state file named by OPENSEARCH_STATE.
CURL = r"""#!{python}
import json, os, re, sys
args, state_path = sys.argv[1:], os.environ["OPENSEARCH_STATE"]
state = json.load(open(state_path))
def option(name, default=None):
    return args[args.index(name) + 1] if name in args else default
config = open(option("-K")).read()
user, password = re.fullmatch(r'user = "(.*)"\n', config, re.S).group(1).replace('\\"', '"').replace("\\\\", "\\").split(":", 1)
method, url, out = option("-X", "GET"), args[-1], option("-o")
data = option("--data-binary")
body = json.loads(sys.stdin.read() if data == "@-" else open(data[1:]).read()) if data else None
state["calls"].append({"user": user, "method": method, "url": url, "body": body})
def answer(status, text="{}"):
    json.dump(state, open(state_path, "w"))
    open(out, "w").write(text)
    sys.stdout.write(str(status))
    sys.exit(0)
if state["users"].get(user) != password:
    answer(401)
path = url.split("9200", 1)[1]
if path.startswith("/_cluster/health") or path == "/_plugins/_security/authinfo":
    answer(200)
if path == "/_plugins/_security/api/account" and method == "PUT":
    if body["current_password"] != password:
        answer(401)
    state["users"][user] = body["password"]
    answer(200)
if user != state["admin"]:
    answer(403)
kind, name = path.rsplit("/", 2)[-2:]
if kind == "internalusers":
    created = name not in state["users"]
    state["users"][name] = body["password"]
    answer(201 if created else 200)
if kind in ("roles", "rolesmapping"):
    state[kind][name] = body
    answer(200)
answer(404)
"""


@cache
def config_map() -> dict[str, str]:
    built = shipped("prod-gcp").objects().built()
    (found,) = [d for docs in built.values() for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "opensearch-config"]
    data: dict[str, str] = found["data"]
    return data


@cache
def statefulset() -> dict[str, Any]:
    built = shipped("prod-gcp").objects().built()
    (found,) = [d for docs in built.values() for d in docs if d["kind"] == "StatefulSet" and d["metadata"]["name"] == "opensearch"]
    return found


class Cluster:
    """A folder standing in for the node: its mounted Secrets, /settings, /tmp and the security index."""

    def __init__(self, root: Path, admin: tuple[str, str], indexed_admin_password: str) -> None:
        self.root = root
        for folder in ("bin", "tmp", "settings", "secrets/opensearch-admin", "secrets/opensearch-app"):
            (root / folder).mkdir(parents=True)
        curl = root / "bin" / "curl"
        curl.write_text(CURL.replace("{python}", sys.executable), encoding="utf-8")
        curl.chmod(0o755)
        (root / "settings" / "role.json").write_text(config_map()["role.json"], encoding="utf-8")
        self.state_path = root / "state.json"
        state = {"admin": admin[0], "users": {admin[0]: indexed_admin_password}, "roles": {}, "rolesmapping": {}, "calls": []}
        self.state_path.write_text(json.dumps(state), encoding="utf-8")
        self.secret("opensearch-admin", username=admin[0], password=admin[1])

    def secret(self, name: str, **keys: str) -> None:
        folder = self.root / "secrets" / name
        for path in folder.iterdir():
            path.unlink()
        for key, value in keys.items():
            (folder / key).write_text(value, encoding="utf-8")

    @property
    def state(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.state_path.read_text(encoding="utf-8"))
        return loaded

    def run(self, script: str, *args: str) -> subprocess.CompletedProcess[str]:
        text = config_map()[script]
        # /tmp first: the stand-in folders may themselves be under /tmp.
        for old, folder in (("/tmp/", "tmp"), ("/run/secrets/", "secrets"), ("/settings/", "settings")):
            new = f"{self.root}/{folder}/"
            text = text.replace(old, new)
        env = {"PATH": f"{self.root / 'bin'}:/usr/bin:/bin", "OPENSEARCH_STATE": str(self.state_path), "ROLE": "clipper_api"}
        return subprocess.run(["bash", "-c", text, script, *args], capture_output=True, text=True, env=env, check=False, timeout=60)


@pytest.fixture
def cluster(tmp_path: Path) -> Cluster:
    node = Cluster(tmp_path, ("clipper-admin", "admin-1"), indexed_admin_password="admin-1")
    node.secret("opensearch-app", username="clipper-api", password='app "one" \\ 1')
    return node


def test_security_sync_gives_the_api_its_own_user_with_a_role_on_its_indices_only(cluster: Cluster) -> None:
    result = cluster.run("security-sync.sh", "once")
    assert result.returncode == 0, result.stderr
    state = cluster.state
    assert state["users"]["clipper-api"] == 'app "one" \\ 1'  # quotes and backslashes survive the JSON
    assert state["rolesmapping"]["clipper_api"] == {"users": ["clipper-api"]}
    (permission,) = state["roles"]["clipper_api"]["index_permissions"]
    assert sorted(permission["index_patterns"]) == ["clips*", "games*", "tags*", "users*"]
    assert "*" not in permission["index_patterns"]
    assert state["roles"]["clipper_api"]["cluster_permissions"] == ["cluster_monitor", "cluster_composite_ops"]
    # A second pass changes nothing: the user's password is already the store's, the role is written.
    calls = len(state["calls"])
    assert cluster.run("security-sync.sh", "once").returncode == 0
    assert [call["method"] for call in cluster.state["calls"][calls:]] == ["GET", "GET"]


def test_a_rotated_api_password_reaches_the_security_index(cluster: Cluster) -> None:
    assert cluster.run("security-sync.sh", "once").returncode == 0
    cluster.secret("opensearch-app", username="clipper-api", password="app-2")
    result = cluster.run("security-sync.sh", "once")
    assert result.returncode == 0, result.stderr
    assert cluster.state["users"]["clipper-api"] == "app-2"
    assert "the API's user clipper-api has the store's password" in result.stderr


def test_a_rotated_admin_password_reaches_the_security_index_through_the_previous_one(cluster: Cluster) -> None:
    cluster.secret("opensearch-admin", username="clipper-admin", password="admin-2", previous_password="admin-1")
    result = cluster.run("security-sync.sh", "once")
    assert result.returncode == 0, result.stderr
    assert cluster.state["users"]["clipper-admin"] == "admin-2"
    account = [call for call in cluster.state["calls"] if call["url"].endswith("/api/account")]
    assert account == [
        {
            "user": "clipper-admin",
            "method": "PUT",
            "url": "http://localhost:9200/_plugins/_security/api/account",
            "body": {"current_password": "admin-1", "password": "admin-2"},
        }
    ]


def test_without_the_previous_password_the_sync_says_what_to_do(cluster: Cluster) -> None:
    cluster.secret("opensearch-admin", username="clipper-admin", password="admin-2")
    result = cluster.run("security-sync.sh", "once")
    assert result.returncode == 1
    assert "put the one the cluster has in previous_password" in result.stderr


def test_the_api_user_may_not_be_the_admin(cluster: Cluster) -> None:
    cluster.secret("opensearch-app", username="clipper-admin", password="admin-1")
    result = cluster.run("security-sync.sh", "once")
    assert result.returncode == 1
    assert "must not be the admin" in result.stderr
    assert cluster.state["calls"] == []


@pytest.mark.parametrize(("mode", "query"), [("startup", "local=true&wait_for_status=yellow&timeout=5s"), ("ready", "local=true")])
def test_the_probes_ask_cluster_health_over_http_as_the_admin(cluster: Cluster, mode: str, query: str) -> None:
    assert cluster.run("health.sh", mode).returncode == 0
    (call,) = cluster.state["calls"]
    assert call == {"user": "clipper-admin", "method": "GET", "url": f"http://localhost:9200/_cluster/health?{query}", "body": None}
    # Mid-rotation (the Secret has the new password, the index still the old one) a node stays ready.
    cluster.secret("opensearch-admin", username="clipper-admin", password="admin-2", previous_password="admin-1")
    assert cluster.run("health.sh", mode).returncode == 0
    cluster.secret("opensearch-admin", username="clipper-admin", password="wrong")
    refused = cluster.run("health.sh", mode)
    assert refused.returncode == 1 and "were refused" in refused.stderr


def test_the_nodes_probe_cluster_health_not_a_socket() -> None:
    containers = {c["name"]: c for c in statefulset()["spec"]["template"]["spec"]["containers"]}
    node = containers["opensearch"]
    assert node["startupProbe"]["exec"]["command"] == ["/bin/bash", "/settings/health.sh", "startup"]
    assert node["readinessProbe"]["exec"]["command"] == ["/bin/bash", "/settings/health.sh", "ready"]
    assert node["readinessProbe"]["timeoutSeconds"] > 10  # curl's --max-time
    mounts = {m["mountPath"] for m in node["volumeMounts"]}
    assert {"/settings", "/run/secrets/opensearch-admin"} <= mounts
    sync = containers["security-sync"]
    assert sync["command"] == ["/bin/bash", "/settings/security-sync.sh"]
    assert {m["mountPath"] for m in sync["volumeMounts"]} >= {"/run/secrets/opensearch-admin", "/run/secrets/opensearch-app", "/tmp"}
