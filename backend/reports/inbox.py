"""Reports waiting for this person: at grids they handle, or dispatched to them or their unit."""
from __future__ import annotations

from sqlalchemy import select, union_all
from sqlalchemy.orm import joinedload, lazyload

from backend.auth.models import User
from backend.auth.permissions import capability_scopes
from backend.core.db import db, utcnow
from backend.grids.models import subtree_ids
from backend.inbox.items import InboxItem
from backend.reports.categories import category_of
from backend.reports.models import Report
from backend.reports.services import handler_unit_ids

#: Waiting for the grid's leaders: to accept, to finish, or to review (held).
WAITING_AT_GRID = ("submitted", "escalated", "accepted", "held")
LIMIT = 500


def _waiting_ids(user: User):
    """One index-backed select per way a report waits for ``user``, as a UNION (an OR defeats the indexes)."""
    selects = [select(Report.id).where(Report.assignee_id == user.id, Report.status == "dispatched")]
    scopes = capability_scopes(user, "reports.handle")
    if scopes:
        selects.append(select(Report.id).where(Report.grid_id.in_(subtree_ids(*scopes)),
                                               Report.status.in_(WAITING_AT_GRID)))
    units = handler_unit_ids(user)
    if units:
        selects.append(select(Report.id).where(Report.member_unit_id.in_(units), Report.status == "dispatched"))
    return union_all(*selects)


def inbox_items(user: User) -> list[InboxItem]:
    reports = db.session.scalars(
        select(Report).options(lazyload("*"), joinedload(Report.grid))
        .where(Report.id.in_(_waiting_ids(user))).order_by(Report.deadline_at, Report.id).limit(LIMIT)
    ).all()
    now = utcnow()
    return [
        InboxItem(kind="report", id=r.id, title=f"{category_of(r.category)['name']}：{r.description[:20]}",
                  grid_id=r.grid_id, grid_name=r.grid.name, status=r.status, deadline=r.deadline_at,
                  overdue=r.overdue_at(now), path=f"/reports/{r.id}")
        for r in reports
    ]
