"""The in-cluster Redis rotation `secrets` prints, in its order and run as printed: its commands go
through a stand-in kubectl (pods that started with the old password) and a stand-in redis-cli
(each node's passwords for the default user, and its masterauth)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from clipper_manifests.report.rotation_steps import rotation_notes
from clipper_manifests.values.platform import load_platform
from tests.conftest import REPO
from tests.helpers import shipped_profile

PODS = ("redis-follower-0", "redis-follower-1", "redis-leader-0", "redis-leader-1")
KUBECTL = r"""#!{python}
import base64, json, os, subprocess, sys
args, state = sys.argv[1:], json.load(open(os.environ["REDIS_STATE"]))
if args[2:4] == ["get", "pods"]:
    print("\n".join("pod/" + pod for pod in state["started"]))
elif args[2:4] == ["get", "secret"]:
    print(base64.b64encode(state["secret"].encode()).decode())
elif args[2] == "exec":
    pod = args[args.index("-i") + 1].split("/")[-1]
    script = args[args.index("--") + 3]
    env = {"PATH": os.environ["PATH"], "REDIS_STATE": os.environ["REDIS_STATE"], "POD": pod, "REDIS_PASSWORD": state["started"][pod]}
    sys.exit(subprocess.run(["sh", "-c", script], env=env).returncode)
else:
    sys.exit("unexpected: " + " ".join(args))
"""
REDIS_CLI = r"""#!{python}
import json, os, sys
path = os.environ["REDIS_STATE"]
state = json.load(open(path))
node = state["nodes"][os.environ["POD"]]
if os.environ.get("REDISCLI_AUTH") not in node["passwords"]:
    print("AUTH failed: WRONGPASS invalid username-password pair")
    sys.exit(0)
args = sys.argv[1:]
if args[:3] == ["ACL", "SETUSER", "default"]:
    rule = args[3]
    node["passwords"] = sorted(set(node["passwords"]) | {rule[1:]}) if rule[0] == ">" else [p for p in node["passwords"] if p != rule[1:]]
elif args[:3] == ["CONFIG", "SET", "masterauth"]:
    node["masterauth"] = args[3]
else:
    sys.exit("unexpected: " + " ".join(args))
json.dump(state, open(path, "w"))
print("OK")
"""


def notes(name: str) -> list[str]:
    return rotation_notes(shipped_profile(name), load_platform(REPO / "templates"))


class Redis:
    def __init__(self, root: Path) -> None:
        self.root, self.state_path = root, root / "state.json"
        (root / "bin").mkdir()
        for name, text in (("kubectl", KUBECTL), ("redis-cli", REDIS_CLI), ("openssl", "#!/bin/sh\necho new-password\n")):
            path = root / "bin" / name
            path.write_text(text.replace("{python}", sys.executable), encoding="utf-8")
            path.chmod(0o755)
        state = {
            "started": {pod: "old-password" for pod in PODS},
            "nodes": {pod: {"passwords": ["old-password"], "masterauth": "old-password"} for pod in PODS},
            "secret": "old-password",
        }
        self.write(state)

    def write(self, state: dict[str, Any]) -> None:
        self.state_path.write_text(json.dumps(state), encoding="utf-8")

    @property
    def state(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.state_path.read_text(encoding="utf-8"))
        return loaded

    def run(self, commands: list[str]) -> subprocess.CompletedProcess[str]:
        env = {"PATH": f"{self.root / 'bin'}:/usr/bin:/bin", "REDIS_STATE": str(self.state_path)}
        script = "\n".join(line.strip() for line in commands)
        return subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, check=False, timeout=60)


def step(lines: list[str], number: int) -> list[str]:
    """The command lines (indented, not prose) of step `number` of the Redis rotation."""
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{number}. "))
    end = next((i for i, line in enumerate(lines[start + 1 :], start + 1) if line[:1].isdigit() or not line), len(lines))
    return [line for line in lines[start + 1 : end] if line.startswith("   ") and ("$" in line or "kubectl" in line)]


def test_a_profile_with_in_cluster_redis_prints_the_rotation_in_its_order() -> None:
    lines = notes("prod-do")
    text = "\n".join(lines)
    assert "Rotating redis" in text
    order = ['ACL SETUSER default ">$new"', "force-sync", "rollout status deployment/api", 'ACL SETUSER default "<$REDIS_PASSWORD"']
    positions = [text.find(marker) for marker in [*order, "kubectl -n clipper delete"]]
    assert -1 not in positions and positions == sorted(positions), positions
    assert "property password of clipper/production/redis" in text


def test_a_profile_with_managed_redis_prints_no_redis_rotation() -> None:
    assert not any(line.startswith("Rotating redis") for line in notes("prod-aws"))


def test_the_printed_redis_rotation_keeps_both_passwords_until_the_api_has_rolled(tmp_path: Path) -> None:
    lines, redis = notes("prod-do"), Redis(tmp_path)
    added = redis.run(step(lines, 1))
    assert added.returncode == 0 and "FAILED" not in added.stdout, added.stdout + added.stderr
    for pod, node in redis.state["nodes"].items():
        assert node["passwords"] == ["new-password", "old-password"], pod  # the API may use either now
        assert node["masterauth"] == "new-password", pod  # a replica still reaches a restarted primary

    state = redis.state
    state["secret"] = "new-password"  # step 2: the store, and External Secrets
    state["started"]["redis-follower-0"] = "new-password"  # a node that restarted meanwhile starts with the Secret
    state["nodes"]["redis-follower-0"]["passwords"] = ["new-password"]
    redis.write(state)
    removed = redis.run(step(lines, 4))
    assert removed.returncode == 0 and "FAILED" not in removed.stdout, removed.stdout + removed.stderr
    for pod, node in redis.state["nodes"].items():
        assert node["passwords"] == ["new-password"], pod


@pytest.mark.parametrize("name", ["prod-gcp", "staging-aws"])
def test_in_cluster_opensearch_rotation_names_the_security_sync(name: str) -> None:
    text = "\n".join(notes(name))
    assert "kubectl -n clipper exec opensearch-0 -c security-sync -- bash /settings/security-sync.sh once" in text
    assert "previous_password" in text
