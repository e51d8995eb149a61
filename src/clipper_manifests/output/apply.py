"""Writing a render's plan to out/ all or nothing: a new tree is written aside and moved in place."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from clipper_manifests.errors import Location, OutputError
from clipper_manifests.output.ownership import MANIFEST_NAME, ownership_text
from clipper_manifests.output.plan import Plan
from clipper_manifests.output.transaction import change_files


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
