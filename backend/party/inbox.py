"""双报到 registrations waiting for a leader's decision."""
from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import func, select

from backend.auth.models import User
from backend.auth.permissions import capability_scopes
from backend.grids.models import Grid, in_bound_subtree_ids, subtree_values
from backend.inbox.items import InboxItem, inbox_columns, later
from backend.party.models import PartyRegistration
from backend.party.services import REVIEW_TIME

KIND = "registration"


@functools.cache
def _selects(scope_count: int) -> tuple:
    # User.display_name: the real name, else the nickname, else 用户{id} (made in inbox_item).
    name = func.coalesce(func.nullif(User.real_name, ""), User.nickname)
    pending = (select(*inbox_columns(KIND, PartyRegistration.id, Grid, PartyRegistration.status,
                                     later(PartyRegistration.created_at, REVIEW_TIME),
                                     subject=PartyRegistration.employer_org, detail=name, ref_id=User.id))
               .join(Grid, Grid.id == PartyRegistration.grid_id).join(User, User.id == PartyRegistration.user_id)
               .where(PartyRegistration.status == "pending",
                      in_bound_subtree_ids(Grid.id, "registration_scope", scope_count)))
    return (pending,)


def inbox_selects(user: User):
    scopes = capability_scopes(user, "registrations.approve")
    if not scopes:
        return None
    return _selects(len(scopes)), subtree_values("registration_scope", scopes)


def inbox_item(row, now: datetime) -> InboxItem:
    name = row.detail or f"用户{row.ref_id}"
    return InboxItem(kind=KIND, id=row.id, title=f"{name}申请双报到（{row.subject}）",
                     grid_id=row.grid_id, grid_name=row.grid_name, status=row.status, deadline=row.deadline,
                     overdue=row.deadline < now, path=f"/party/registrations/{row.id}")
