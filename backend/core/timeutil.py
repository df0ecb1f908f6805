"""Local time for the people using the service (Asia/Shanghai by default)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import current_app

from backend.core.db import utcnow


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_iso(moment: datetime | None) -> str | None:
    """``moment`` as the API writes times: ISO 8601 in the service's zone, with its offset."""
    return None if moment is None else moment.astimezone(local_zone()).isoformat()


class LocalDateTime(ma.fields.DateTime):
    """A time as the API writes and reads it: out in the service's zone with its offset
    (2024-05-01T09:00:00+08:00); in, a time without an offset is taken as local time."""

    def _serialize(self, value, attr, obj, **kwargs):
        return local_iso(value)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        return moment if moment.tzinfo else moment.replace(tzinfo=local_zone())


def period_start(period: str, now: datetime | None = None) -> datetime | None:
    """Start of this month or year in local time; None for all time."""
    local = (now or utcnow()).astimezone(local_zone())
    if period == "month":
        return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if period == "year":
        return local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    return None
