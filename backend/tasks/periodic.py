"""Tasks' periodic work for ``jobs tick``: claims left undone past the deadline expire."""
from __future__ import annotations

from datetime import datetime

from backend.tasks.services import expire_claims


def tick(now: datetime) -> dict[str, int]:
    return {"claims_expired": expire_claims(now)}
