"""Kubernetes quantities the rules compare: CPU in millicores, memory in bytes."""

from __future__ import annotations

from decimal import Decimal

_MEMORY_UNITS = {"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40}


def cpu_millicores(quantity: str) -> Decimal:
    """`500m` or `0.5` (the only forms the profile schema admits) in millicores."""
    return Decimal(quantity[:-1]) if quantity.endswith("m") else Decimal(quantity) * 1000


def memory_bytes(quantity: str) -> int:
    """`512Mi` (the only form the profile schema admits) in bytes."""
    return int(quantity[:-2]) * _MEMORY_UNITS[quantity[-2:]]
