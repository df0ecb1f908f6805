"""The messages queued for a person: in their data copy, and gone with their account
(a message to an erased account can never be delivered)."""
from sqlalchemy import delete, select

from backend.core.db import db
from backend.core.timeutil import local_iso
from backend.jobs.models import Notification


def export(user) -> dict:
    notifications = db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                       .order_by(Notification.id))
    return {"notifications": [{"page": n.page, "data": n.data, "status": n.status,
                               "created_at": local_iso(n.created_at)} for n in notifications]}


def erase(user) -> None:
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
