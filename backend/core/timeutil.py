"""Local time for the people using the service (Asia/Shanghai by default)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

from backend.core.db import utcnow


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_iso(moment: datetime | None) -> str | None:
    """``moment`` as the API writes times: ISO 8601 in the service's zone, with its offset."""
    return None if moment is None else moment.astimezone(local_zone()).isoformat()


def period_start(period: str, now: datetime | None = None) -> datetime | None:
    """Start of this month or year in local time; None for all time."""
    local = (now or utcnow()).astimezone(local_zone())
    if period == "month":
        return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if period == "year":
        return local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    return None
