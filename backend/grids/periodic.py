"""The grid figures' periodic work: fold the tail of changes into the totals, so reads stay cheap."""
from __future__ import annotations

from datetime import datetime

from backend.stats.fold import fold


def tick(now: datetime) -> dict[str, int]:
    return {"stat_deltas_folded": fold()}
