"""The frontend as a CDN and a load balancer meet it: the rendered nginx config, parsed and read
the way nginx applies it, and the pod's shutdown and config rollouts."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from clipper_manifests.pipeline.builder import Builder
from clipper_manifests.project import find_project
from tests.helpers import shipped

IMMUTABLE = "immutable"
# nginx's add_header without `always` applies to these codes only (ngx_http_headers_module).
ADD_HEADER_CODES = {200, 201, 204, 206, 301, 302, 303, 304, 307, 308}


@dataclass
class Directive:
    name: str
    args: list[str]
    block: list[Directive] | None = None

    def all(self, name: str) -> list[Directive]:
        return [d for d in self.block or [] if d.name == name]


_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\'|(#[^\n]*)|([{};])|([^\s{};"\'#]+)')


def parse(text: str) -> Directive:
    """nginx's grammar: words and quoted strings, `;` ends a directive, `{ }` a block."""
    top: list[Directive] = []
    stack = [top]
    words: list[str] = []
    for quoted, single, comment, punct, word in _TOKEN.findall(text):
        if comment:
            continue
        if punct == ";":
            stack[-1].append(Directive(words[0], words[1:]))
            words = []
        elif punct == "{":
            block: list[Directive] = []
            stack[-1].append(Directive(words[0], words[1:], block))
            stack.append(block)
            words = []
        elif punct == "}":
            assert not words, f"unterminated directive {words}"
            stack.pop()
        else:
            words.append(quoted or single or word)
    assert len(stack) == 1 and not words, "unbalanced braces"
    return Directive("main", [], top)


def header(config: Directive, location: str, status: int, name: str = "Cache-Control") -> str | None:
    """The value of a response header nginx adds in `location` for `status`: add_header is
    inherited from the enclosing level only when a level has none of its own, applies to
    ADD_HEADER_CODES unless `always`, and a variable resolves through `map $status`."""
    (server,) = config.all("server")
    (place,) = [d for d in server.all("location") if d.args[-1] == location]
    levels = [place, server, config]
    found = next((level.all("add_header") for level in levels if level.all("add_header")), [])
    values = []
    for directive in found:
        key, value, *flags = directive.args
        if key.lower() != name.lower() or ("always" not in flags and status not in ADD_HEADER_CODES):
            continue
        if value.startswith("$"):
            value = map_status(config, value, status)
        if value:  # nginx adds no header for an empty value
            values.append(value)
    return ", ".join(values) if values else None


def map_status(config: Directive, variable: str, status: int) -> str:
    (mapping,) = [m for m in config.all("map") if m.args == ["$status", variable]]
    entries = {d.name: d.args[0] if d.args else "" for d in mapping.block or []}
    return entries.get(str(status), entries.get("default", ""))


def resolved(root: Path | None = None, name: str = "prod-aws") -> list[dict[str, Any]]:
    """The overlay's objects of a profile: the shipped build's, or a build of a changed project."""
    if root is None:
        return shipped(name).objects().resolved
    item = Builder(find_project(root, None)).build_profile(name)
    assert item.profile is not None, item.problems
    return item.objects().resolved


def find(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


def nginx_text(objects: list[dict[str, Any]]) -> str:
    return str(find(objects, "ConfigMap", "frontend-nginx")["data"]["default.conf"])


def config() -> Directive:
    return parse(nginx_text(resolved()))


@pytest.mark.parametrize("status", [200, 206, 304])
def test_assets_that_exist_are_cached_for_a_year(status: int) -> None:
    value = header(config(), "/assets/", status)
    assert value is not None and IMMUTABLE in value and "max-age=31536000" in value


@pytest.mark.parametrize("status", [403, 404, 500, 502, 503])
def test_a_missing_asset_is_never_cached(status: int) -> None:
    """During a rollout an old pod answers 404 for the new build's assets: a CDN that kept that
    for a year (or its own default error TTL) would break the new release for everyone."""
    assert header(config(), "/assets/", status) == "no-store"


@pytest.mark.parametrize(("location", "status"), [("/index.html", 200), ("/", 200), ("/", 404)])
def test_the_app_shell_is_revalidated(location: str, status: int) -> None:
    assert header(config(), location, status) == "no-cache"


def test_redirects_stay_on_the_public_scheme_host_and_port() -> None:
    """nginx listens on 8080 behind TLS at the load balancer: an absolute redirect (a directory
    without its slash) would send browsers to http://host:8080/."""
    (server,) = config().all("server")
    assert [d.args for d in server.all("absolute_redirect")] == [["off"]]


def frontend_pod(objects: list[dict[str, Any]]) -> dict[str, Any]:
    template: dict[str, Any] = find(objects, "Deployment", "frontend")["spec"]["template"]
    return template


def test_the_frontend_stops_only_after_the_load_balancer_stopped_sending() -> None:
    spec = frontend_pod(resolved())["spec"]
    (container,) = spec["containers"]
    sleep = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert sleep >= 5  # endpoint removal reaches the ingress controller and the cloud LB
    # what is left of the grace period after the sleep is nginx's graceful quit (SIGQUIT)
    assert spec["terminationGracePeriodSeconds"] - sleep >= 15


def test_the_pods_carry_a_checksum_of_the_config_they_mount() -> None:
    objects = resolved()
    digest = hashlib.sha256(nginx_text(objects).encode()).hexdigest()
    assert f"sha256:{digest}" in frontend_pod(objects)["metadata"]["annotations"].values()


def test_a_changed_nginx_config_rolls_the_frontend(project: Path) -> None:
    """The ConfigMap is mounted with subPath, which a running pod never sees change: only a new
    pod template (a rollout) brings the new config in."""
    before = frontend_pod(resolved(project))
    conf = project / "templates" / "base" / "frontend-nginx.conf.j2"
    conf.write_text(conf.read_text(encoding="utf-8").replace("server_tokens off;", "server_tokens off;\n    gzip on;"), encoding="utf-8")
    after_objects = resolved(project)
    assert "gzip on;" in nginx_text(after_objects)
    assert frontend_pod(after_objects) != before
