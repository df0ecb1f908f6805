"""双报到 figures for a grid's subtree, in two queries."""
from __future__ import annotations

from sqlalchemy import func, select

from backend.core.db import db
from backend.grids.models import Grid
from backend.party.models import Activity, Checkin, PartyRegistration


def grid_stats(grid: Grid) -> dict:
    activities, checkins, minutes = db.session.execute(
        select(func.count(func.distinct(Activity.id)), func.count(Checkin.id),
               func.coalesce(func.sum(Checkin.service_minutes), 0))
        .select_from(Activity).outerjoin(Checkin, Checkin.activity_id == Activity.id)
        .where(Activity.grid_path.startswith(grid.path))
    ).one()
    registrations = dict(db.session.execute(
        select(PartyRegistration.status, func.count())
        .join(Grid, Grid.id == PartyRegistration.grid_id)
        .where(Grid.path.startswith(grid.path))
        .group_by(PartyRegistration.status)
    ).all())
    return {
        "activities": activities,
        "checkins": checkins,
        "service_hours": round(minutes / 60, 1),
        "registrations_pending": registrations.get("pending", 0),
        "registrations_approved": registrations.get("approved", 0),
    }
