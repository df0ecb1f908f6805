"""Reports waiting for this person: at grids they handle, or dispatched to them or their unit."""
from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import bindparam, func, or_, select

from backend.auth.models import User
from backend.auth.permissions import capability_scopes
from backend.grids.models import Grid, in_bound_subtree_ids, subtree_values
from backend.inbox.items import InboxItem, inbox_columns
from backend.reports.categories import category_of
from backend.reports.models import Report
from backend.reports.services import handler_unit_ids

KIND = "report"
#: Waiting for the grid's leaders: to accept, to finish, or to review (held).
WAITING_AT_GRID = ("submitted", "escalated", "accepted", "held")
#: How much of the description the title shows.
TITLE_CHARS = 20


@functools.cache
def _selects(scope_count: int, with_units: bool) -> tuple:
    """Dispatched to the person or their unit, or waiting at a grid they handle: a UNION ALL of the two
    (disjoint by status), each index-backed (an OR of them defeats the indexes)."""
    columns = inbox_columns(KIND, Report.id, Grid, Report.status, Report.deadline_at, subject=Report.category,
                            detail=func.substr(Report.description, 1, TITLE_CHARS), marked_overdue=Report.overdue)
    to_them = Report.assignee_id == bindparam("report_user")
    if with_units:
        to_them = or_(to_them, Report.member_unit_id.in_(bindparam("report_units", expanding=True)))
    selects = [select(*columns).join(Grid, Grid.id == Report.grid_id).where(Report.status == "dispatched", to_them)]
    if scope_count:
        selects.append(select(*columns).join(Grid, Grid.id == Report.grid_id)
                       .where(in_bound_subtree_ids(Grid.id, "report_scope", scope_count),
                              Report.status.in_(WAITING_AT_GRID)))
    return tuple(selects)


def inbox_selects(user: User):
    scopes, units = capability_scopes(user, "reports.handle"), handler_unit_ids(user)
    values = {"report_user": user.id, **subtree_values("report_scope", scopes)}
    if units:
        values["report_units"] = sorted(units)
    return _selects(len(scopes), bool(units)), values


def inbox_item(row, now: datetime) -> InboxItem:
    # Every status the inbox holds is a waiting one, so overdue is the mark or a passed deadline.
    overdue = row.marked_overdue or (row.deadline is not None and row.deadline <= now)
    return InboxItem(kind=KIND, id=row.id, title=f"{category_of(row.subject)['name']}：{row.detail}",
                     grid_id=row.grid_id, grid_name=row.grid_name, status=row.status, deadline=row.deadline,
                     overdue=bool(overdue), path=f"/reports/{row.id}")
