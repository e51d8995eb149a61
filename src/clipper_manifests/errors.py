"""One exception tree for everything a user can cause.

Exceptions carry data (message, location, hint, exit code) and never print: only the CLI
turns them into text, so the same error reads the same from every command.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clipper_manifests.problems import Problem

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_CANNOT_RUN = 3


@dataclass(frozen=True)
class Location:
    """A place in a source file; line and column are 1-based (0 = unknown)."""

    path: Path
    line: int = 0
    column: int = 0

    def render(self, root: Path | None = None) -> str:
        shown = self.path
        if root is not None:
            with contextlib.suppress(ValueError):
                shown = self.path.relative_to(root)
        text = str(shown)
        if self.line:
            text += f":{self.line}"
            if self.column:
                text += f":{self.column}"
        return text


class ClipperError(Exception):
    """Base of every error the CLI reports without a traceback."""

    exit_code = EXIT_CANNOT_RUN

    def __init__(self, message: str, *, location: Location | None = None, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint


class ProfileError(ClipperError):
    """A profile cannot be read, merged or validated."""

    exit_code = EXIT_INVALID


class UsageError(ClipperError):
    """The command line asks for something that does not exist or does not fit."""

    exit_code = EXIT_USAGE


class TemplateError(ClipperError):
    """A template is broken: the project cannot be rendered until it is fixed."""

    exit_code = EXIT_CANNOT_RUN


class OutputError(ClipperError):
    """The output tree cannot be read or written."""

    exit_code = EXIT_CANNOT_RUN


class OutputConflict(ClipperError):
    """The output tree holds edits the tool must not overwrite silently."""

    exit_code = EXIT_INVALID


class ValidationFailed(ClipperError):
    """Rendering worked but the result breaks a schema or a rule; problems are attached."""

    exit_code = EXIT_INVALID

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) found")
        self.problems = problems
