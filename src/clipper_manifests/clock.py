"""The date secret ages and rotation deadlines count to: today, or CLIPPER_TODAY for reproducible runs."""

from __future__ import annotations

import os
from datetime import date

from clipper_manifests.errors import UsageError

TODAY_VARIABLE = "CLIPPER_TODAY"


def today() -> date:
    value = os.environ.get(TODAY_VARIABLE)
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{TODAY_VARIABLE}={value!r} is not a date", hint="use the form YYYY-MM-DD, or unset it") from None
