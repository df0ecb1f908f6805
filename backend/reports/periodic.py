"""Reports' periodic work for ``jobs tick``: deadline escalation and auto-close."""
from __future__ import annotations

from datetime import datetime

from backend.reports.services import autoclose_resolved, escalate_overdue


def tick(now: datetime) -> dict[str, int]:
    return {"reports_escalated": escalate_overdue(now), "reports_closed": autoclose_resolved(now)}
