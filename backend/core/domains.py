"""The domain packages, and the optional per-domain modules the cross-cutting views collect.

A domain joins the inbox by having ``inbox.py`` with ``KIND``, ``inbox_selects(user)``
and ``inbox_item(row, now)`` (see ``backend.inbox.items``), the
grid statistics with ``stats.py`` with ``grid_stats(grid)``, and the demo street
with ``demo.py`` with ``seed(street, people)``, and a person's data export and
erasure with ``privacy.py`` with ``export(user)`` and ``erase(user)``.
"""
from __future__ import annotations

import importlib
from types import ModuleType

#: Domain packages under ``backend/`` whose ``routes.blp`` is mounted under /api/v1.
DOMAINS = ["auth", "grids", "uploads", "points", "inbox", "privacy", "audit", "tasks", "party", "reports", "jobs"]


def domain_modules(name: str) -> list[ModuleType]:
    """``backend.<domain>.<name>`` for every domain that has one."""
    modules = []
    for domain in DOMAINS:
        try:
            modules.append(importlib.import_module(f"backend.{domain}.{name}"))
        except ModuleNotFoundError as missing:
            if missing.name != f"backend.{domain}.{name}":
                raise
    return modules
