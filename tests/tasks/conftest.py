"""Factories for micro-tasks: people on the ``tree`` street and tasks on its grids."""
from __future__ import annotations

from datetime import timedelta

import pytest

from backend.core.db import db, utcnow
from backend.tasks.models import Task


@pytest.fixture
def member(make_user):
    """``member(grid, **fields)``: a party member registered at ``grid``, living there."""

    def make(grid, **fields):
        return make_user(roles=[("party_member", grid)], grid_id=grid.id, **fields)

    return make


@pytest.fixture
def leader(make_user):
    """``leader(grid)``: a grid leader over ``grid``'s subtree."""

    def make(grid, **fields):
        return make_user(roles=[("grid_leader", grid)], **fields)

    return make


@pytest.fixture
def make_task():
    """``make_task(grid, slots=1, points=5, days=3, **fields)``: a committed task."""

    def make(grid, slots=1, points=5, days=3, title="楼道杂物清理", **fields) -> Task:
        task = Task(grid_id=grid.id, title=title, slots=slots, points=points,
                    deadline=fields.pop("deadline", utcnow() + timedelta(days=days)), **fields)
        db.session.add(task)
        db.session.commit()
        return task

    return make
