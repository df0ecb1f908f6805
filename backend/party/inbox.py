"""双报到 registrations waiting for a leader's decision."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from backend.auth.models import User
from backend.auth.permissions import capability_scopes
from backend.core.db import db, utcnow
from backend.grids.models import Grid, in_subtrees
from backend.inbox.items import InboxItem
from backend.party.models import PartyRegistration
from backend.party.services import review_deadline


def inbox_items(user: User) -> list[InboxItem]:
    scopes = capability_scopes(user, "registrations.approve")
    if not scopes:
        return []
    pending = db.session.scalars(
        select(PartyRegistration)
        .options(joinedload(PartyRegistration.user).options(lazyload(User.roles)), joinedload(PartyRegistration.grid))
        .join(Grid, Grid.id == PartyRegistration.grid_id)
        .where(PartyRegistration.status == "pending", in_subtrees(*scopes))
        .order_by(PartyRegistration.created_at)
    ).all()
    now = utcnow()
    return [
        InboxItem(
            kind="registration", id=r.id, title=f"{r.user.display_name}申请双报到（{r.employer_org}）",
            grid_id=r.grid_id, grid_name=r.grid.name, status=r.status, deadline=review_deadline(r),
            overdue=review_deadline(r) < now, path=f"/party/registrations/{r.id}",
        )
        for r in pending
    ]
