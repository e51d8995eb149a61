"""A diff on stdout, coloured on a terminal unless NO_COLOR is set (no-color.org)."""

from __future__ import annotations

import os
import sys

import click


def echo_diff(text: str) -> None:
    if sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
        text = "".join(colour_line(line) for line in text.splitlines(keepends=True))
    click.echo(text, nl=False)


def colour_line(line: str) -> str:
    if line.startswith(("+++", "---")):
        return click.style(line, bold=True)
    if line.startswith("+"):
        return click.style(line, fg="green")
    if line.startswith("-"):
        return click.style(line, fg="red")
    if line.startswith("@@"):
        return click.style(line, fg="cyan")
    return line
