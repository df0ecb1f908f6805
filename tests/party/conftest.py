"""Factories for 双报到: people on the ``tree`` street, activities on its grids, check-in codes."""
from __future__ import annotations

from datetime import timedelta

import pytest

from backend.core.db import db, utcnow
from backend.party.codes import poster_scene, rotating_code
from backend.party.models import Activity

#: A point in the middle of the test activities' place, and one about 550 m north of it.
PLACE = {"lat": 31.2300, "lng": 121.4500}
FAR = {"lat": 31.2350, "lng": 121.4500}


@pytest.fixture
def member(make_user):
    """``member(grid)``: an approved in-service party member of ``grid``, living there."""

    def make(grid, **fields):
        return make_user(roles=[("party_member", grid, {"party_kind": "in_service"})], grid_id=grid.id, **fields)

    return make


@pytest.fixture
def leader(make_user):
    """``leader(grid)``: a grid leader over ``grid``'s subtree."""

    def make(grid, **fields):
        return make_user(roles=[("grid_leader", grid)], **fields)

    return make


@pytest.fixture
def make_activity():
    """``make_activity(grid, **fields)``: a committed activity running now (from an hour ago
    for three hours), capacity 50, 2 service hours, 10 points, no geofence."""

    def make(grid, title="主题党日", **fields) -> Activity:
        now = utcnow()
        values = dict(kind="party_day", starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=2),
                      capacity=50, service_minutes=120, points=10)
        values.update(fields)
        activity = Activity(grid_id=grid.id, grid_path=grid.path, title=title, **values)
        db.session.add(activity)
        db.session.commit()
        return activity

    return make


@pytest.fixture
def fenced():
    """Fields for an activity at ``PLACE`` that accepts check-ins within 300 m."""
    return {"lat": PLACE["lat"], "lng": PLACE["lng"], "checkin_radius_m": 300}


def code_of(activity) -> str:
    """The code on the leader's screen right now."""
    return rotating_code(activity.id, utcnow()).token


def poster_of(activity) -> str:
    return poster_scene(activity.id)
