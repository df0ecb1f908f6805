"""The job queue's own periodic work: redeliver due notifications, prune idempotency keys."""
from __future__ import annotations

from datetime import datetime

from backend.core.idempotency import prune_expired
from backend.jobs.notifications import redeliver_due


def tick(now: datetime) -> dict[str, int]:
    return {"notifications_redelivered": redeliver_due(now), "idempotency_keys_pruned": prune_expired(now)}
