"""The reports list: the reports a person filed or handles, narrowed by the list's filters."""
from __future__ import annotations

from sqlalchemy import select, union
from sqlalchemy.orm import joinedload, lazyload, selectinload

from backend.auth.models import User
from backend.auth.permissions import capability_scopes
from backend.auth.services import require
from backend.grids.models import subtree_ids
from backend.grids.services import get_grid
from backend.reports.models import Report, ReportPhoto
from backend.reports.services import handler_unit_ids


def _visible_ids(user: User):
    """The ids of the reports ``user`` filed or handles.

    A UNION, one index-backed select per way of seeing a report: an OR of them
    in one WHERE makes PostgreSQL read every open report to test each row.
    """
    selects = [select(Report.id).where(Report.reporter_id == user.id),
               select(Report.id).where(Report.assignee_id == user.id)]
    scopes = capability_scopes(user, "reports.handle")
    if scopes:
        selects.append(select(Report.id).where(Report.origin_grid_id.in_(subtree_ids(*scopes))))
    units = handler_unit_ids(user)
    if units:
        selects.append(select(Report.id).where(Report.member_unit_id.in_(units)))
    return union(*selects)


def list_query(user: User, args: dict):
    """The reports ``user`` filed or handles, newest first, narrowed by ``mine``, ``grid_id``, ``status``."""
    # Only what a summary shows: joining every eager relation misleads PostgreSQL's plan.
    query = (select(Report)
             .options(lazyload("*"), joinedload(Report.grid), joinedload(Report.origin_grid),
                      selectinload(Report.photos).joinedload(ReportPhoto.upload))
             .order_by(Report.created_at.desc(), Report.id.desc()))
    if args.get("grid_id"):
        grid = get_grid(args["grid_id"])
        require(user, "reports.handle", grid)
        query = query.where(Report.origin_grid_id.in_(subtree_ids(grid)))
    if args.get("mine"):
        query = query.where(Report.reporter_id == user.id)
    elif not args.get("grid_id"):
        # Handling a grid covers every report filed in its subtree: only an unnarrowed list needs the test.
        query = query.where(Report.id.in_(_visible_ids(user)))
    if args.get("status"):
        query = query.where(Report.status == args["status"])
    return query
