"""Benchmark clipper-manifests: against kubectl kustomize, at scale, and at start-up.

Usage: python bench/bench_render.py [--repeat N] [--profiles K] [--json]

What it measures (every command runs as a subprocess, as a user or CI would run it):
  1. `clipper-manifests render --all --check` on this project, and with `--format kustomize`:
     the difference is the Helm output's share (out/charts/);
  2. `kubectl kustomize out/overlays/<p>` for every overlay, one sample = all overlays;
     the tool should cost no more than building its own output (ratio <= 1.0);
  3. over K generated profiles in a temporary copy of the project (target: <= 5 s):
     `validate --all` (render every profile in memory and check everything), `render --all`
     into an existing out/ after one profile changed (the everyday case), and `render --all`
     into an empty folder, which writes every file: shown with what plain Python needs to
     write the same files on this disk (the floor under it; on this machine's disk that
     floor alone ranges from 1 s to over 15 s, so it is reported, not judged);
  4. start-up of `--help` and `list`.
Every sample starts after `sync`, on a disk with nothing left to write.

This is a measurement, not a test: it exits 0 even when a target is missed, and non-zero
only when a command fails (1, with the command's output) or cannot be set up (2).
The last line of the output is one JSON object; `--json` prints only that line.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INSTALLER = ROOT / "scripts" / "install_k8s_tools.py"
RATIO_TARGET = 1.0
SCALE_TARGET_S = 5.0
# One untimed run first, so the first sample does not pay for cold page cache and
# freshly written .pyc files, which a developer re-running the tool never sees.
WARMUP = 1


class CommandFailed(Exception):
    def __init__(self, cmd: Sequence[str], proc: subprocess.CompletedProcess[str]) -> None:
        super().__init__(f"command failed (exit {proc.returncode}): {' '.join(cmd)}")
        self.proc = proc


class SetupError(Exception):
    """The benchmark cannot start (no kubectl, no overlays): not a measurement failure."""


@dataclass(frozen=True)
class Timing:
    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def min(self) -> float:
        return min(self.samples)

    def as_json(self) -> dict[str, Any]:
        return {"median_s": round(self.median, 4), "min_s": round(self.min, 4), "samples_s": [round(s, 4) for s in self.samples]}


def cli_command() -> list[str]:
    # In a venv the console script sits next to the interpreter; running it measures what a
    # user types. `-m` covers an interpreter whose scripts live elsewhere.
    script = Path(sys.executable).with_name("clipper-manifests")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "clipper_manifests"]


def run(cmd: Sequence[str], cwd: Path) -> None:
    # Output is captured (not inherited) for every command alike, so piping costs the same
    # for the tool and kubectl, and a failure can show what the command said.
    proc = subprocess.run(list(cmd), cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise CommandFailed(cmd, proc)


def settle_disk() -> None:
    """Wait until the kernel has written out what earlier samples left in memory: rendering
    into an empty folder leaves some 100 MB of new files to flush on this slow disk, and a
    sample taken meanwhile would time that backlog along with the command."""
    if hasattr(os, "sync"):
        os.sync()


def time_commands(commands: Sequence[Sequence[str]], cwd: Path, repeat: int, before: Callable[[], None] | None = None) -> Timing:
    """Wall time of running `commands` one after another; one sample per repetition."""
    samples: list[float] = []
    for index in range(WARMUP + repeat):
        if before is not None:
            before()  # outside the timed region: resetting state is not what we measure
        settle_disk()
        start = time.perf_counter()
        for cmd in commands:
            run(cmd, cwd)
        elapsed = time.perf_counter() - start
        if index >= WARMUP:
            samples.append(elapsed)
    return Timing(tuple(samples))


def time_writes(source: Path, target: Path, repeat: int) -> Timing:
    """What writing the rendered files costs on this disk with nothing else to do: the floor
    under `render --all --out`, which also has to create every file and folder."""
    files = {path.relative_to(source): path.read_bytes() for path in source.rglob("*") if path.is_file()}
    samples: list[float] = []
    for index in range(WARMUP + repeat):
        shutil.rmtree(target, ignore_errors=True)
        settle_disk()
        start = time.perf_counter()
        folders: set[Path] = set()
        for relative, data in files.items():
            path = target / relative
            if path.parent not in folders:
                path.parent.mkdir(parents=True, exist_ok=True)
                folders.add(path.parent)
            path.write_bytes(data)
        if index >= WARMUP:
            samples.append(time.perf_counter() - start)
    shutil.rmtree(target, ignore_errors=True)
    return Timing(tuple(samples))


def load_kubectl() -> Path:
    """kubectl from the project's pinned installer (scripts/ is not a package, hence importlib)."""
    spec = importlib.util.spec_from_file_location("install_k8s_tools", INSTALLER)
    if spec is None or spec.loader is None:
        raise SetupError(f"cannot load {INSTALLER}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ensure_tools: Callable[[], dict[str, Path]] = module.ensure_tools
    install_error: type[Exception] = module.ToolInstallError
    try:
        return ensure_tools()["kubectl"]
    except (install_error, OSError) as exc:
        raise SetupError(f"kubectl unavailable: {exc}") from exc


def kubectl_version(kubectl: Path) -> str:
    proc = subprocess.run([str(kubectl), "version", "--client", "-o", "json"], capture_output=True, text=True, check=False)
    try:
        return str(json.loads(proc.stdout)["clientVersion"]["gitVersion"])
    except (ValueError, KeyError, TypeError):
        return "unknown"


def renderable_profiles(root: Path) -> list[str]:
    # Same rule as the tool: files starting with `_` are partials and render nothing.
    return sorted(p.stem for p in (root / "profiles").glob("*.yaml") if not p.name.startswith("_"))


def generated_profile(index: int, name: str, shipped: list[str], parents: dict[str, dict[str, Any]] | None = None) -> str:
    """A profile that extends a shipped one (cycling through them, so every provider,
    environment and partial is exercised) and changes what differs between clusters: name,
    namespace (so no two render identical objects), image tag and replica bounds. Extending
    keeps generated profiles valid however the profile schema grows."""
    parent = shipped[index % len(shipped)]
    # Bounds inside every profile rule: API min >= 3 and frontend min >= 2 (production), min <= max, API max <= 20.
    api_min, fe_min = 3 + index % 4, 2 + index % 3
    lines = [
        "# Generated by bench/bench_render.py for the scale benchmark.",
        f"extends: {parent}",
        f"description: Scale benchmark profile {index} (like {parent})",
        "cluster:",
        f"  name: clipper-{name}",
        f"namespace: clipper-{name}",
        "images:",
        f"  api: {{tag: v1.{40 + index % 5}.{index % 10}}}",
        "api:",
        f"  replicas: {{min: {api_min}, max: {api_min + 2 + index % 7}}}",
        "frontend:",
        f"  replicas: {{min: {fe_min}, max: {fe_min + index % 5}}}",
    ]
    # Its own identities besides the cluster name (identity-unique): the GKE static IP and the
    # in-cluster PostgreSQL archive, where the parent has them.
    data = (parents or {}).get(parent, {})
    if (data.get("ingress") or {}).get("gcp", {}).get("staticIpName"):
        lines += ["ingress:", f"  gcp: {{staticIpName: clipper-{name}-ip}}"]
    if (data.get("postgres") or {}).get("mode") == "in-cluster":
        lines += ["postgres:", f"  inCluster: {{objectStore: {{serverName: clipper-{name}}}}}"]
    return "\n".join(lines) + "\n"


def make_scale_project(tmp: Path, count: int) -> int:
    """Copy profiles/ and templates/ into tmp and add `count` generated profiles; return how many render."""
    shutil.copytree(ROOT / "profiles", tmp / "profiles")
    shutil.copytree(ROOT / "templates", tmp / "templates")
    width = max(3, len(str(count - 1)))
    shipped = renderable_profiles(tmp)
    from clipper_manifests.profile.merge import load_merged
    from clipper_manifests.project import Project

    project = Project(root=tmp, out=tmp / "out")
    parents = {parent: load_merged(project, parent).data for parent in shipped}
    for index in range(count):
        name = f"gen-{index:0{width}d}"
        (tmp / "profiles" / f"{name}.yaml").write_text(generated_profile(index, name, shipped, parents), encoding="utf-8")
    return len(renderable_profiles(tmp))


def change_one_profile(tmp: Path) -> None:
    """Give the first generated profile a new API image tag: a few files change."""
    path = sorted((tmp / "profiles").glob("gen-*.yaml"))[0]
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(index for index, line in enumerate(lines) if line.startswith("  api: {tag:"))
    bumps = int(lines[at].rsplit(".", 1)[-1].rstrip("}")) + 1 if lines[at].startswith("  api: {tag: v9.") else 0
    lines[at] = f"  api: {{tag: v9.0.{bumps}}}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def reference_loop() -> float:
    """Seconds for a fixed pure-Python loop: how fast this machine is right now. Shared machines
    vary (here by up to 1.5x within an hour), so results are read against this figure."""
    start = time.perf_counter()
    total = 0
    for value in range(10_000_000):
        total += value
    return round(time.perf_counter() - start, 3)


def progress(quiet: bool, message: str) -> None:
    # stderr, so stdout stays the table plus the JSON line.
    if not quiet:
        print(f"... {message}", file=sys.stderr, flush=True)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    cli = cli_command()
    quiet: bool = args.json
    repeat: int = args.repeat
    kubectl = load_kubectl()
    overlays = sorted(p.name for p in (ROOT / "out" / "overlays").iterdir() if p.is_dir()) if (ROOT / "out" / "overlays").is_dir() else []
    if not overlays:
        raise SetupError(f"no overlays in {ROOT / 'out' / 'overlays'}: run `clipper-manifests render --all` first")

    speed_before = reference_loop()
    progress(quiet, f"render --all --check x{repeat}")
    render_check = time_commands([[*cli, "render", "--all", "--check"]], ROOT, repeat)
    progress(quiet, f"render --all --check --format kustomize x{repeat}")
    # The Helm output's cost is what the full check takes beyond the Kustomize-only one.
    kustomize_only = time_commands([[*cli, "render", "--all", "--check", "--format", "kustomize"]], ROOT, repeat)
    progress(quiet, f"kubectl kustomize x {len(overlays)} overlays x{repeat}")
    kustomize = time_commands([[str(kubectl), "kustomize", f"out/overlays/{p}"] for p in overlays], ROOT, repeat)
    progress(quiet, f"start-up (--help, list) x{repeat}")
    help_timing = time_commands([[*cli, "--help"]], ROOT, repeat)
    list_timing = time_commands([[*cli, "list"]], ROOT, repeat)

    with tempfile.TemporaryDirectory(prefix="clipper-bench-") as tmp_name:
        tmp = Path(tmp_name)
        total = make_scale_project(tmp, args.profiles)
        out = tmp / "out"
        progress(quiet, f"scale: validate --all over {total} profiles x{repeat}")
        scale_validate = time_commands([[*cli, "validate", "--all", "--root", str(tmp)]], tmp, repeat)
        progress(quiet, f"scale: render --all over {total} profiles x{repeat}")
        # Start every sample from an empty out/: a second render into an up-to-date tree
        # would measure the no-change path instead of writing the whole tree.
        scale_render = time_commands(
            [[*cli, "render", "--all", "--root", str(tmp), "--out", str(out)]],
            tmp,
            repeat,
            before=lambda: shutil.rmtree(out, ignore_errors=True),
        )
        written = sum(1 for p in out.rglob("*") if p.is_file())
        progress(quiet, f"scale: render --all after one profile changed x{repeat}")
        # The everyday case: out/ is there (from the samples above) and one profile changed.
        scale_rerender = time_commands(
            [[*cli, "render", "--all", "--root", str(tmp), "--out", str(out)]],
            tmp,
            repeat,
            before=lambda: change_one_profile(tmp),
        )
        progress(quiet, f"scale: plain file writes of the same {written} files x{repeat}")
        floor = time_writes(out, tmp / "floor", repeat)

    ratio = render_check.median / kustomize.median
    speed_after = reference_loop()

    def scale_entry(timing: Timing, judged: bool = True) -> dict[str, Any]:
        return {
            **timing.as_json(),
            "per_profile_ms": round(timing.median / total * 1000, 3),
            "target_s": SCALE_TARGET_S if judged else None,
            "ok": timing.median <= SCALE_TARGET_S if judged else None,
        }

    return {
        "repeat": repeat,
        "warmup": WARMUP,
        "python": platform.python_version(),
        "kubectl": kubectl_version(kubectl),
        "reference_loop_s": {"before": speed_before, "after": speed_after},
        "cli": " ".join(cli),
        "render_check": {**render_check.as_json(), "profiles": len(renderable_profiles(ROOT))},
        "kustomize": {**kustomize.as_json(), "overlays": len(overlays)},
        "render_check_kustomize_only": kustomize_only.as_json(),
        "helm_share": round(max(0.0, render_check.median - kustomize_only.median) / render_check.median, 4),
        "ratio": {"value": round(ratio, 4), "target": RATIO_TARGET, "ok": ratio <= RATIO_TARGET},
        "scale": {
            "generated": args.profiles,
            "profiles": total,
            "files_written": written,
            "validate": scale_entry(scale_validate),
            "render": scale_entry(scale_render, judged=False),  # bound by the disk: see write_floor
            "rerender_one_changed": scale_entry(scale_rerender),
            "write_floor": floor.as_json(),
        },
        "startup": {"help": help_timing.as_json(), "list": list_timing.as_json()},
    }


def table(result: dict[str, Any]) -> str:
    def secs(entry: dict[str, Any], key: str) -> str:
        return f"{entry[key]:.3f} s"

    def yes(ok: bool | None) -> str:
        return "" if ok is None else "yes" if ok else "NO"

    scale = result["scale"]
    rows = [["measurement", "median", "min", "per profile", "target", "met"]]
    rc, kz, ratio = result["render_check"], result["kustomize"], result["ratio"]
    rows.append([f"render --all --check ({rc['profiles']} profiles)", secs(rc, "median_s"), secs(rc, "min_s"), "", "", ""])
    ko = result["render_check_kustomize_only"]
    rows.append(["render --all --check --format kustomize", secs(ko, "median_s"), secs(ko, "min_s"), "", "", ""])
    rows.append(["Helm output's share of render --all --check", f"{result['helm_share']:.0%}", "", "", "", ""])
    rows.append([f"kubectl kustomize ({kz['overlays']} overlays)", secs(kz, "median_s"), secs(kz, "min_s"), "", "", ""])
    rows.append(["ratio tool/kustomize (median)", f"{ratio['value']:.2f}", "", "", f"<= {ratio['target']:.1f}", yes(ratio["ok"])])
    for label, key in (
        ("validate --all", "validate"),
        ("render --all, one profile changed", "rerender_one_changed"),
        ("render --all --out into an empty folder", "render"),
    ):
        entry = scale[key]
        rows.append(
            [
                f"{label} ({scale['profiles']} profiles)",
                secs(entry, "median_s"),
                secs(entry, "min_s"),
                f"{entry['per_profile_ms']:.1f} ms",
                f"<= {entry['target_s']:.0f} s" if entry["target_s"] is not None else "(disk)",
                yes(entry["ok"]),
            ]
        )
    floor = scale["write_floor"]
    rows.append(
        [
            f"  of which the disk: same {scale['files_written']} files, plain writes",
            secs(floor, "median_s"),
            secs(floor, "min_s"),
            "",
            "",
            "",
        ]
    )
    for label, key in (("start-up: --help", "help"), ("start-up: list", "list")):
        entry = result["startup"][key]
        rows.append([label, secs(entry, "median_s"), secs(entry, "min_s"), "", "", ""])
    widths = [max(len(row[col]) for row in rows) for col in range(len(rows[0]))]
    # Text left-aligned, numbers right-aligned so their decimal points line up.
    lines = [
        "  ".join(cell.ljust(w) if col == 0 else cell.rjust(w) for col, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
        for row in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    header = (
        f"clipper-manifests benchmark: {result['repeat']} samples (+{result['warmup']} warm-up) each; "
        f"python {result['python']}, kubectl {result['kubectl']}; "
        f"scale: {scale['generated']} generated + {scale['profiles'] - scale['generated']} shipped profiles, "
        f"{scale['files_written']} files rendered"
    )
    loop = result["reference_loop_s"]
    speed = f"machine speed: a fixed Python loop took {loop['before']:.2f} s before and {loop['after']:.2f} s after (lower is faster)"
    return "\n".join([header, speed, "", *lines])


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=positive, default=5, help="timed samples per measurement (default: 5)")
    parser.add_argument("--profiles", type=positive, default=200, help="profiles to generate for the scale test (default: 200)")
    parser.add_argument("--json", action="store_true", help="print only the JSON result line")
    args = parser.parse_args(argv)
    try:
        result = measure(args)
    except CommandFailed as exc:
        print(f"bench_render: {exc}", file=sys.stderr)
        # The tool reports problems on stderr, but `render --check` prints its diff on stdout.
        print(exc.proc.stderr or exc.proc.stdout, file=sys.stderr, end="")
        return 1
    except SetupError as exc:
        print(f"bench_render: {exc}", file=sys.stderr)
        return 2
    if not args.json:
        print(table(result))
        print()
    print(json.dumps(result, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
