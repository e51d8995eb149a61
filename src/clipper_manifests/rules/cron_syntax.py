"""Cron syntax as CloudNativePG (six fields, seconds first) and Kubernetes read it, for the rules."""

from __future__ import annotations

import re

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


_WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


_CRON_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("seconds", 0, 59, {}),
    ("minutes", 0, 59, {}),
    ("hours", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, {name: index + 1 for index, name in enumerate(_MONTHS)}),
    ("day of week", 0, 6, {name: index for index, name in enumerate(_WEEKDAYS)}),
)


_CRON_PART = re.compile(r"^(\*|\?|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/([0-9]+))?$")


def cron_problems(expression: str) -> list[str]:
    """Why a schedule is not a valid six-field cron expression (empty when it is)."""
    fields = expression.split()
    if expression.strip().startswith("@"):
        return [f"{expression!r} is a descriptor; write the six fields, e.g. '0 0 3 * * *' for 03:00 every day"]
    if len(fields) == 5:
        return [
            f"{expression!r} has 5 fields, but CloudNativePG schedules have 6 with seconds first "
            f"('0 {expression.strip()}' is the same time)"
        ]
    if len(fields) != 6:
        return [f"{expression!r} has {len(fields)} fields; CloudNativePG schedules have 6 (seconds minutes hours day month weekday)"]
    problems = []
    for text, (name, low, high, names) in zip(fields, _CRON_FIELDS, strict=True):
        for part in text.split(","):
            problem = _cron_part_problem(part, name, low, high, names)
            if problem:
                problems.append(problem)
    return problems


def _cron_part_problem(part: str, name: str, low: int, high: int, names: dict[str, int]) -> str | None:
    match = _CRON_PART.match(part)
    if not match:
        return f"{name}: {part!r} is not a value, range, list or step"
    if match.group(1) == "?" and name not in ("day of month", "day of week"):
        return f"{name}: '?' is only allowed for the day of month or the day of week"
    if match.group(4) is not None and int(match.group(4)) == 0:
        return f"{name}: a step of 0 never fires"
    if match.group(1) in ("*", "?"):
        return None
    bounds = match.group(1).split("-")
    for bound in bounds:
        value = names.get(bound.upper()) if not bound.isdigit() else int(bound)
        if value is None or not low <= value <= high:
            return f"{name}: {bound!r} is outside {low}-{high}"
    return None


def cron_fires_daily(expression: str) -> bool:
    """True when a valid six-field schedule fires on every day (day of month, month and
    weekday unrestricted)."""
    fields = expression.split()
    return len(fields) == 6 and all(field in ("*", "?") for field in fields[3:])
