"""A person's rights over their data (个人信息保护法 Art. 45, 47): a copy, and erasure.

Each domain that keeps personal data has ``privacy.py`` with ``export(user) -> dict``
and ``erase(user)``. Erasure keeps what the grid's statistics need (reports,
points) but nothing that identifies the person.
"""
from __future__ import annotations

import uuid

from sqlalchemy import delete

from backend.audit.services import record
from backend.auth.models import RoleAssignment, User
from backend.auth.schemas import MeSchema
from backend.core.db import db
from backend.core.domains import domain_modules
from backend.core.idempotency import IdempotencyRecord


def export_personal_data(user: User) -> dict:
    record(user, "personal_data.export", "user", user.id)
    profile = MeSchema().dump(user) | {"phone": user.phone, "created_at": user.created_at.isoformat()}
    sections = {module.__name__.split(".")[1]: module.export(user) for module in domain_modules("privacy")}
    return {"profile": profile, "sections": sections}


def erase_account(user: User) -> None:
    for module in domain_modules("privacy"):
        module.erase(user)
    db.session.execute(delete(RoleAssignment).where(RoleAssignment.user_id == user.id))
    # Replayable answers of the last day hold what the person sent and saw.
    db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.user_id == user.id))
    user.openid = f"erased:{uuid.uuid4().hex}"
    user.unionid = None
    user.nickname = user.real_name = ""
    user.phone = None
    user.grid_id = None
    user.token_version += 1
    record(None, "account.erase", "user", user.id)
