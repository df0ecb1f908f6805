"""Reports waiting for this person: at grids they handle, or dispatched to them or their unit."""
from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, lazyload

from backend.auth.models import User
from backend.auth.permissions import capability_scopes
from backend.core.db import db, utcnow
from backend.grids.models import Grid
from backend.inbox.items import InboxItem
from backend.reports.categories import category_of
from backend.reports.models import Report
from backend.reports.services import handler_unit_ids

#: Waiting for the grid's leaders: to accept, to finish, or to review (held).
WAITING_AT_GRID = ("submitted", "escalated", "accepted", "held")
LIMIT = 500


def inbox_items(user: User) -> list[InboxItem]:
    clauses = [and_(Report.status == "dispatched", Report.assignee_id == user.id)]
    scopes = capability_scopes(user, "reports.handle")
    if scopes:
        grids = select(Grid.id).where(or_(*[Grid.path.startswith(scope.path) for scope in scopes]))
        clauses.append(and_(Report.status.in_(WAITING_AT_GRID), Report.grid_id.in_(grids)))
    units = handler_unit_ids(user)
    if units:
        clauses.append(and_(Report.status == "dispatched", Report.member_unit_id.in_(units)))
    reports = db.session.scalars(
        select(Report).options(lazyload("*"), joinedload(Report.grid))
        .where(or_(*clauses)).order_by(Report.deadline_at, Report.id).limit(LIMIT)
    ).all()
    now = utcnow()
    return [
        InboxItem(kind="report", id=r.id, title=f"{category_of(r.category)['name']}：{r.description[:20]}",
                  grid_id=r.grid_id, grid_name=r.grid.name, status=r.status, deadline=r.deadline_at,
                  overdue=r.overdue_at(now), path=f"/reports/{r.id}")
        for r in reports
    ]
