"""The reports list: the reports a person filed or handles, narrowed by the list's filters.

A page is one statement of exactly the summary's columns (rows, not ORM objects): the
page's report ids with the total beside every row, then, for those rows only, the
reports, their grids and the first photo this viewer may see.
"""
from __future__ import annotations

import functools

from sqlalchemy import Index, bindparam, func, or_, select, union
from sqlalchemy.orm import aliased

from backend.auth.models import User
from backend.auth.permissions import capability_scopes
from backend.auth.services import require
from backend.core.db import db, force_generic_plans
from backend.grids.models import Grid, in_bound_subtrees, subtree_values
from backend.grids.services import get_grid
from backend.reports.models import Report, ReportPhoto
from backend.reports.services import handler_unit_ids
from backend.uploads.models import Upload

#: What a summary shows of the report itself.
SUMMARY_COLUMNS = (Report.id, Report.category, Report.description, Report.status, Report.address, Report.grid_id,
                   Report.anonymous, Report.reporter_id, Report.deadline_at, Report.overdue, Report.follower_count,
                   Report.created_at)
#: The grid a report waits at and the one it was filed in, joined to a page's rows (made once: aliasing is costly).
_GRID, _ORIGIN = aliased(Grid, name="grid"), aliased(Grid, name="origin")
#: A grid's list: its reports' ids, newest first, read from the index alone (the origin_grid_id one
#: only finds the rows, and the count and the order then read every report of the subtree).
Index("ix_reports_origin_grid_created", Report.origin_grid_id, Report.created_at, Report.id)


def _visible_ids(scope_count: int, with_units: bool):
    """The ids of the reports the viewer filed or handles.

    A UNION, one index-backed select per way of seeing a report: an OR of them
    in one WHERE makes PostgreSQL read every open report to test each row.
    """
    selects = [select(Report.id).where(Report.reporter_id == bindparam("viewer")),
               select(Report.id).where(Report.assignee_id == bindparam("viewer"))]
    if scope_count:
        handled = select(Grid.id).where(in_bound_subtrees(Grid.path, "scope", scope_count))
        selects.append(select(Report.id).where(Report.origin_grid_id.in_(handled)))
    if with_units:
        selects.append(select(Report.id).where(Report.member_unit_id.in_(bindparam("units", expanding=True))))
    return union(*selects)


@functools.cache
def _statements(narrowed: bool, mine: bool, by_status: bool, scope_count: int, with_units: bool) -> tuple:
    """The page and the count for one shape of list and viewer, values bound per request (building costs more
    than running): ``narrowed`` to a grid's subtree, ``mine``, ``by_status``; the viewer's subtrees and units."""
    conditions = []
    if narrowed:
        conditions.append(Report.origin_grid_id.in_(select(Grid.id).where(in_bound_subtrees(Grid.path, "grid", 1))))
    if mine:
        conditions.append(Report.reporter_id == bindparam("viewer"))
    elif not narrowed:
        # Handling a grid covers every report filed in its subtree: only an unnarrowed list needs the test.
        conditions.append(Report.id.in_(_visible_ids(scope_count, with_units)))
    if by_status:
        conditions.append(Report.status == bindparam("status"))
    # The page's ids first, from the index alone (ix_reports_origin_grid_created for a grid's list),
    # then only those rows, their grids and photos: the total needs every match, the rest only 20.
    matching = (select(Report.id, Report.created_at, func.count().over().label("total"))
                .where(*conditions)
                .order_by(Report.created_at.desc(), Report.id.desc())
                .limit(bindparam("page_size")).offset(bindparam("page_offset"))
                .subquery("matching"))
    page = (select(matching.c.total, *SUMMARY_COLUMNS, _GRID.name.label("grid_name"), _GRID.level.label("grid_level"),
                   _thumbnail_id(narrowed, scope_count, with_units).label("thumbnail_id"))
            .select_from(matching).join(Report, Report.id == matching.c.id).join(_GRID, _GRID.id == Report.grid_id)
            .order_by(matching.c.created_at.desc(), matching.c.id.desc()))
    if not narrowed:
        page = page.join(_ORIGIN, _ORIGIN.id == Report.origin_grid_id)
    return page, select(func.count()).select_from(Report).where(*conditions)


def summary_page(user: User, args: dict) -> dict:
    """``{items, total, page, page_size}`` of the reports ``user`` filed or handles, newest first, narrowed by
    ``mine``, ``grid_id``, ``status``; the items are rows for presenters.summary."""
    page, size = args.get("page", 1), args.get("page_size", 20)
    scopes, units = capability_scopes(user, "reports.handle"), handler_unit_ids(user)
    values = {"viewer": user.id, **subtree_values("scope", scopes)}
    if units:
        values["units"] = sorted(units)
    if args.get("grid_id"):
        values.update(subtree_values("grid", [_handled_grid(user, args["grid_id"], scopes)]))
    if args.get("status"):
        values["status"] = args["status"]
    paged, count = _statements(bool(args.get("grid_id")), bool(args.get("mine")), bool(args.get("status")),
                               len(scopes), bool(units))
    connection = db.session.connection()  # plain rows: the session's ORM layer has nothing to do here
    if args.get("grid_id"):  # measured for a grid's list: its generic plan is as fast as a custom one
        force_generic_plans(connection)
    rows = connection.execute(paged, {**values, "page_size": size, "page_offset": (page - 1) * size}).all()
    # An empty page has no row to carry the total: an empty first page means none, a later one counts apart.
    total = rows[0].total if rows else 0 if page == 1 else connection.scalar(count, values)
    return {"items": rows, "total": total, "page": page, "page_size": size}


def _handled_grid(user: User, grid_id: int, scopes: list):
    """The grid a list is narrowed to, once ``user`` may handle its reports (404, 403 otherwise).

    A grid the role is held on (a leader's own list) is known from the login already: no lookup.
    """
    for scope in scopes:
        if scope.id == grid_id:
            return scope
    grid = get_grid(grid_id)
    require(user, "reports.handle", grid)
    return grid


def _thumbnail_id(narrowed: bool, scope_count: int, with_units: bool):
    """The upload id of the report's first photo (by position) the viewer may see (services.sees_photo).

    A list narrowed to a grid the viewer handles holds only reports filed in its subtree, whose
    staff they are: they see every photo.
    """
    first = (select(ReportPhoto.upload_id).where(ReportPhoto.report_id == Report.id)
             .order_by(ReportPhoto.position, ReportPhoto.id).limit(1))
    if not narrowed:
        visible = or_(_staff(scope_count, with_units), Upload.owner_id == bindparam("viewer"), Upload.review == "pass")
        first = first.join(Upload, Upload.id == ReportPhoto.upload_id).where(visible)
    return first.scalar_subquery()


def _staff(scope_count: int, with_units: bool):
    """services.is_staff in SQL: the viewer handles where the report was filed, or it was dispatched
    to them or their unit."""
    dispatched = [Report.member_unit_id.in_(bindparam("units", expanding=True))] if with_units else []
    return or_(in_bound_subtrees(_ORIGIN.path, "scope", scope_count),
               Report.assignee_id == bindparam("viewer"), *dispatched)
