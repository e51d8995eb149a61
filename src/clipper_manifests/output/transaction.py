"""Change some files of an existing folder all or nothing, at a cost that follows the change.

Every new text is first written beside its file; only when all of them are written does the
commit start: each file about to be replaced or removed keeps a hard-linked backup, then the
new file is renamed over it (or the old one moved aside). A failure before the commit removes
the new files; a failure during it puts every backup back. Either way the folder is as it
was. A render that changes three files of a twenty-thousand-file tree touches three files.
"""

from __future__ import annotations

import contextlib
import os
import shutil

_NEW, _OLD = ".clipper-new", ".clipper-old"


def change_files(root: str, deletes: list[str], writes: dict[str, bytes]) -> None:
    """Remove `deletes`, then write `writes` in their order (the file that must land last goes
    last); names are relative to `root`. Raises OSError with `root` as it was."""
    created: list[str] = []
    staged: list[tuple[str, str]] = []  # (file, its new text beside it)
    try:
        for name, data in writes.items():
            target = os.path.join(root, name)
            _make_folders(os.path.dirname(target), root, created)
            new = _beside(target, _NEW)
            staged.append((target, new))
            with open(new, "wb") as file:
                file.write(data)
    except OSError:
        _discard(staged, created)
        raise
    done: list[tuple[str, str | None]] = []  # (file, its backup; None: it did not exist)
    try:
        for name in deletes:
            target = os.path.join(root, name)
            if os.path.lexists(target):
                backup = _beside(target, _OLD)
                os.replace(target, backup)
                done.append((target, backup))
        for target, new in staged:
            done.append((target, _backup(target)))
            os.replace(new, target)
    except OSError:
        for target, saved in reversed(done):
            with contextlib.suppress(OSError):
                if saved is None:
                    os.unlink(target)
                elif os.path.lexists(target) and os.path.samefile(saved, target):
                    os.unlink(saved)  # not replaced yet; rename() between two links of one file does nothing
                else:
                    os.replace(saved, target)
        _discard(staged, created)
        raise
    for _, saved in done:
        if saved is not None:
            with contextlib.suppress(OSError):
                os.unlink(saved)


def _beside(path: str, suffix: str) -> str:
    folder, name = os.path.split(path)
    return os.path.join(folder, f".{name}{suffix}-{os.getpid()}")


def _backup(target: str) -> str | None:
    if not os.path.lexists(target):
        return None
    backup = _beside(target, _OLD)
    try:
        os.link(target, backup)
    except OSError:  # a file system without hard links
        shutil.copy2(target, backup)
    return backup


def _make_folders(folder: str, root: str, created: list[str]) -> None:
    missing = []
    while folder != root and not os.path.isdir(folder):
        missing.append(folder)
        folder = os.path.dirname(folder)
    for path in reversed(missing):
        os.mkdir(path)
        created.append(path)


def _discard(staged: list[tuple[str, str]], created: list[str]) -> None:
    for _, new in staged:
        with contextlib.suppress(OSError):
            os.unlink(new)
    for folder in reversed(created):
        with contextlib.suppress(OSError):
            os.rmdir(folder)
