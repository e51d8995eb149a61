"""The output tree on disk: ownership, planning, atomic writes, pruning and diffs.

`out/.clipper-manifests.json` lists every file the tool generated with its sha256. Files
not listed are never touched; listed files whose bytes changed since were edited by hand
and are only overwritten or pruned with --force.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from clipper_manifests.errors import Location, OutputConflict, OutputError
from clipper_manifests.output.transaction import change_files

MANIFEST_NAME = ".clipper-manifests.json"
GENERATOR = "clipper-manifests"


def sha256(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def read_ownership(out: Path) -> dict[str, str]:
    path = out / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise OutputError(f"cannot read the ownership manifest: {error}", location=Location(path), hint="restore it from git") from None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        raise OutputError("the ownership manifest has no `files` mapping", location=Location(path), hint="restore it from git")
    owned = {str(name): str(digest) for name, digest in files.items()}
    checked: set[str] = set()  # folders already known to be real folders (thousands of files share few)
    for name in owned:
        problem = _unconfined(out, name, checked)
        if problem:
            raise OutputError(
                f"the ownership manifest lists {name!r}, {problem}: the tool only ever writes or deletes files inside out/",
                location=Location(path),
                hint="restore out/.clipper-manifests.json from git (nothing was written or deleted)",
            )
    return owned


def _unconfined(out: Path, name: str, checked: set[str]) -> str | None:
    """Why `name` (a manifest entry) is not a plain file path inside out/, or None.
    Checked before anything is pruned: a bad merge of the manifest must not delete elsewhere."""
    parts = name.split("/")
    if not name or name.startswith("/") or "\\" in name or "\0" in name or ":" in parts[0]:
        return "which is not a relative path"
    if any(part in ("", ".", "..") for part in parts):
        return "which steps out of (or around) its folder"
    for depth in range(1, len(parts)):  # a folder that is a link could lead anywhere
        folder = "/".join(parts[:depth])
        if folder not in checked:
            if os.path.islink(out / folder):
                return f"whose folder {folder} is a symbolic link"
            checked.add(folder)
    return None  # a file that is a link is replaced or unlinked, never followed to write


def ownership_text(files: dict[str, str]) -> str:
    """`json.dumps({"generator": …, "files": sorted files}, indent=2)` plus a line break, written
    directly: with `indent`, json falls back to its pure-Python encoder, slow on a large tree."""
    quote = json.encoder.encode_basestring_ascii  # what json.dumps writes for a string
    entries = ",\n".join(f"    {quote(name)}: {quote(digest)}" for name, digest in sorted(files.items()))
    body = f"{{\n{entries}\n  }}" if entries else "{}"
    return f'{{\n  "generator": {quote(GENERATOR)},\n  "files": {body}\n}}\n'


@dataclass
class Plan:
    """What a render changes in out/: a pure value, computed before anything is written."""

    out: Path
    writes: dict[str, str] = field(default_factory=dict)
    deletes: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    ownership: dict[str, str] = field(default_factory=dict)
    old_ownership: dict[str, str] = field(default_factory=dict)
    wanted: int = 0  # files the render generates, changed or not

    @property
    def changed(self) -> bool:
        return bool(self.writes or self.deletes) or self.ownership != self.old_ownership


def in_scope(path: str, scope: Iterable[str] | None) -> bool:
    return scope is None or any(path == prefix or path.startswith(prefix.rstrip("/") + "/") for prefix in scope)


class OnDisk(NamedTuple):
    """A wanted file against what out/ holds: the sha256 of each (`current` None: no file).
    A tuple: a render sends twenty thousand of them between processes."""

    wanted: str
    current: str | None


def compare_files(out: Path, files: dict[str, str]) -> dict[str, OnDisk]:
    """Each wanted file against out/; a build worker runs this for its own profiles' files."""
    # Plain strings, not Path objects: this loop runs once per file of a tree of thousands.
    root = os.fspath(out)
    folders: dict[str, bool] = {}  # whether a folder exists: a new tree costs one check per folder, not a failed open per file
    compared = {}
    for name, text in files.items():
        path = f"{root}/{name}"  # names are relative, "/"-separated: what os.path.join would make
        folder = path.rpartition("/")[0]
        if folder not in folders:
            folders[folder] = os.path.isdir(folder)
        wanted = text.encode("utf-8")
        current = _read(path, len(wanted)) if folders[folder] else None
        digest = sha256(wanted)
        compared[name] = OnDisk(digest, None if current is None else digest if current == wanted else sha256(current))
    return compared


def plan_tree(
    out: Path, files: dict[str, str], scope: list[str] | None, *, force: bool = False, compared: dict[str, OnDisk] | None = None
) -> Plan:
    """Compare the wanted files with out/. `scope` limits pruning (None: the whole tree).
    `compared` holds files already compared (compare_files), whose texts `files` needs to
    hold only where they differ; the rest are compared here."""
    _check_output_folder(out)
    owned = read_ownership(out)
    plan = Plan(out=out, old_ownership=owned, ownership=dict(owned))
    known = compared or {}
    states = known | compare_files(out, {name: text for name, text in files.items() if name not in known})
    plan.wanted = len(states)
    for name, state in sorted(states.items()):
        if state.current is not None and not force:
            if name not in owned:
                plan.conflicts.append(f"{name}: exists but was not generated by clipper-manifests")
            elif state.current != owned[name]:
                plan.conflicts.append(f"{name}: edited by hand since it was generated")
        if state.current != state.wanted:
            plan.writes[name] = files[name]
        plan.ownership[name] = state.wanted
    for name in sorted(owned):
        if name in states or not in_scope(name, scope):
            continue
        current = _read(out / name)
        if current is not None:
            if sha256(current) != owned[name] and not force:
                plan.conflicts.append(f"{name}: edited by hand, and the tool no longer generates it")
            plan.deletes.append(name)
        del plan.ownership[name]
    return plan


def _check_output_folder(out: Path) -> None:
    """The output path, or its nearest existing ancestor, must be a folder."""
    for candidate in (out, *out.parents):
        if candidate.exists():
            if not candidate.is_dir():
                raise OutputError(
                    f"cannot use {out} as the output folder: {candidate} is a file",
                    location=Location(candidate),
                    hint="pass --out a folder path (it is created if missing)",
                )
            return


def _read(path: str | Path, size_hint: int = 1 << 16) -> bytes | None:
    """The file's bytes; None when there is no file, b"" for a folder. Plain system calls: a
    render reads every file of out/, and `open()` costs twice as much per small file."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        raise OutputError(f"cannot read {path}: {error.strerror}", location=Location(Path(path))) from None
    try:
        chunks: list[bytes] = []
        # One read takes a file of the expected size whole; the next one finds the end.
        while chunk := os.read(descriptor, size_hint + 1 if not chunks else 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    except IsADirectoryError:
        return b""
    except OSError as error:
        raise OutputError(f"cannot read {path}: {error.strerror}", location=Location(Path(path))) from None
    finally:
        os.close(descriptor)


GENERATED_MARK = b"# generated by clipper-manifests"


def manifest_lost(plan: Plan) -> bool:
    """out/ has no ownership manifest, yet the files in the way carry the tool's header: the
    manifest was deleted or lost in a merge, and the files are the tool's own."""
    if plan.old_ownership or (plan.out / MANIFEST_NAME).exists() or not plan.conflicts:
        return False
    return all((_read(plan.out / conflict.split(": ", 1)[0]) or b"").startswith(GENERATED_MARK) for conflict in plan.conflicts)


def raise_on_conflicts(plan: Plan, command: str) -> None:
    """Refuse to overwrite what the tool does not own, saying what to do (`command` re-renders)."""
    if not plan.conflicts:
        return
    if manifest_lost(plan):
        raise OutputConflict(
            f"{plan.out}/{MANIFEST_NAME} is missing, but the {len(plan.conflicts)} file(s) in the way carry the tool's header",
            hint=f"restore it (git checkout -- {plan.out.name}/{MANIFEST_NAME}), or adopt the files with `{command} --force`",
        )
    listing = "; ".join(plan.conflicts[:10]) + ("; …" if len(plan.conflicts) > 10 else "")
    raise OutputConflict(
        f"refusing to change {len(plan.conflicts)} file(s) in {plan.out}: {listing}",
        hint=f"move your edits into profiles/ or templates/ (or keep them elsewhere), then re-run; `{command} --force` discards them",
    )


def apply_plan(plan: Plan) -> None:
    """Write the plan all or nothing: a new tree is written beside out/ and renamed into place;
    an existing one changes only the files the plan names (transaction.py)."""
    if not plan.changed:
        return
    out = plan.out
    writes = {name: text.encode("utf-8") for name, text in plan.writes.items()}
    writes[MANIFEST_NAME] = ownership_text(plan.ownership).encode("utf-8")  # last: it vouches for the rest
    try:
        if out.is_dir():
            change_files(os.fspath(out), plan.deletes, writes)
            for name in plan.deletes:
                _remove_empty_parents(out / name, out)
        else:
            _write_new_tree(out, writes)
    except OSError as error:
        where = Path(error.filename) if error.filename else out
        raise OutputError(
            f"could not write the output tree: {error.strerror or error}",
            location=Location(where),
            hint="check that the folder is writable; out/ was left as it was",
        ) from None


def _write_new_tree(out: Path, writes: dict[str, bytes]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    # Not mkdtemp: its 0700 mode would become out/'s; a plain mkdir follows the umask.
    staging = out.with_name(f".{out.name}.new-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)  # left by a run killed with the same pid
    staging.mkdir()
    try:
        folders: set[Path] = set()
        for name, data in writes.items():
            target = staging / name
            if target.parent not in folders:  # one mkdir per folder, not per file
                target.parent.mkdir(parents=True, exist_ok=True)
                folders.add(target.parent)
            target.write_bytes(data)
        os.rename(staging, out)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _remove_empty_parents(path: Path, stop: Path) -> None:
    parent = path.parent
    while parent != stop and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def unified_diff(plan: Plan) -> str:
    chunks: list[str] = []
    for name, text in plan.writes.items():
        current = _read(plan.out / name)
        before = current.decode("utf-8", errors="replace").splitlines(keepends=True) if current is not None else []
        old_label = f"a/{name}" if current is not None else "/dev/null"
        chunks.extend(difflib.unified_diff(before, text.splitlines(keepends=True), old_label, f"b/{name}"))
    for name in plan.deletes:
        current = _read(plan.out / name) or b""
        chunks.extend(
            difflib.unified_diff(current.decode("utf-8", errors="replace").splitlines(keepends=True), [], f"a/{name}", "/dev/null")
        )
    return "".join(chunk if chunk.endswith("\n") else chunk + "\n" for chunk in chunks)
