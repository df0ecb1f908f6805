"""A member's claims in their data copy; on erasure their notes go and held slots reopen.

Claims themselves stay (without a name behind them) so the grid's completion
figures and the points ledger keep adding up.
"""
from sqlalchemy import select

from backend.core.db import db, utcnow
from backend.core.timeutil import local_iso
from backend.tasks.models import TaskClaim
from backend.tasks.services import release_claim


def export(user) -> dict:
    claims = db.session.scalars(select(TaskClaim).where(TaskClaim.user_id == user.id).order_by(TaskClaim.id))
    now = utcnow()
    return {"claims": [
        {"id": c.id, "task": c.task.title, "grid": c.task.grid.name, "status": c.status_at(now), "note": c.note,
         "photo_ids": [p.upload_id for p in c.photos], "claimed_at": local_iso(c.claimed_at)}
        for c in claims
    ]}


def erase(user) -> None:
    now = utcnow()
    for claim in db.session.scalars(select(TaskClaim).where(TaskClaim.user_id == user.id)).all():
        if claim.status in ("claimed", "submitted") and claim.task.deadline > now:
            release_claim(user, claim.task_id, claim.id)
        claim.note = ""
