"""User-caused errors become one message and an exit code; --debug shows the traceback instead."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeVar

import click
from click.exceptions import Exit

from clipper_manifests.errors import EXIT_CANNOT_RUN, EXIT_INVALID, ClipperError, ValidationFailed

_state = {"debug": False}
T = TypeVar("T")


def set_debug(debug: bool) -> None:
    _state["debug"] = debug


def fail(error: ClipperError) -> NoReturn:
    # A problem with the input (exit 1) is the command's answer and goes to stdout, where
    # `| grep` finds it; a usage error or a tool that could not run goes to stderr.
    to_stderr = error.exit_code != EXIT_INVALID
    where = f"{error.location.render(Path.cwd())}: " if error.location else ""
    click.echo(f"{where}error: {error.message}", err=to_stderr)
    if error.hint:
        click.echo(f"  hint: {error.hint}", err=to_stderr)
    raise Exit(error.exit_code)


def guarded(action: Callable[[], T]) -> T:
    """Run a command body: user-caused errors become one message and an exit code."""
    try:
        return action()
    except Exit:
        raise
    except ValidationFailed as error:
        raise Exit(error.exit_code) from None
    except ClipperError as error:
        if _state["debug"]:
            raise
        fail(error)
    except KeyboardInterrupt:
        raise Exit(130) from None
    except Exception as error:
        if _state["debug"]:
            raise
        click.echo(f"error: internal error: {type(error).__name__}: {error}", err=True)
        click.echo("  hint: re-run with --debug and report the traceback", err=True)
        raise Exit(EXIT_CANNOT_RUN) from None
