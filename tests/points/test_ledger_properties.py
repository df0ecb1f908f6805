"""Whatever happens, in any order, the ledger, the balance and the rankings agree.

Hypothesis draws a sequence of awards (verified tasks, some verified twice or
sent back first), manual adjustments and given-back claims for a few members of
a fresh 居民区; a simple model adds up what each member should have, and the
ledger, GET /points/me and GET /points/ranking must all say the same.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from backend.core.db import db, utcnow
from backend.points.models import PointEntry
from backend.points.services import adjust_points
from backend.tasks import services as tasks
from backend.tasks.models import Task, TaskClaim

MID_MONTH = datetime(2026, 6, 15, 4, 0, tzinfo=timezone.utc)
MEMBERS = 3

who = st.integers(0, MEMBERS - 1)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("complete"), who, st.integers(1, 20)),
        st.tuples(st.just("complete_twice"), who, st.integers(1, 20)),
        st.tuples(st.just("send_back_then_complete"), who, st.integers(1, 20)),
        st.tuples(st.just("adjust"), who, st.integers(-30, 30).filter(bool)),
        st.tuples(st.just("give_back"), who, st.integers(1, 20)),
    ),
    max_size=10,
)


def publish(boss, grid, points: int) -> Task:
    return tasks.create_task(boss, grid, {"title": "随机微事项", "slots": 2, "points": points,
                                          "deadline": utcnow() + timedelta(days=1), "proof_required": ["note"]})


def run(operation: str, person, boss, points: int) -> int:
    """Do one operation through the services; returns the points the member should gain."""
    if operation == "adjust":
        adjust_points(boss, person, person.grid, points, "随机调整")
        return points
    task = publish(boss, person.grid, points)
    claim, _ = tasks.claim_task(person, task.id)
    if operation == "give_back":
        tasks.release_claim(person, task.id, claim.id)
        return 0
    tasks.submit_proof(person, task.id, claim.id, "完成", [])
    if operation == "send_back_then_complete":
        tasks.verify_claim(boss, task.id, claim.id, approved=False, reason="请补充说明")
        tasks.submit_proof(person, task.id, claim.id, "补充：已完成", [])
    tasks.verify_claim(boss, task.id, claim.id, approved=True)
    if operation == "complete_twice":
        tasks.verify_claim(boss, task.id, claim.id, approved=True)
    return points


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=operations)
def test_ledger_balance_and_rankings_agree(login_as, make_grid, make_user, tree, steps):
    with time_machine.travel(MID_MONTH, tick=False):
        community = make_grid(tree["street"], name="随机居民区")
        micro = [make_grid(community), make_grid(community)]
        boss = make_user(roles=[("grid_leader", community)])
        people = [make_user(roles=[("party_member", micro[n % 2])], grid_id=micro[n % 2].id) for n in range(MEMBERS)]
        expected = {person.id: 0 for person in people}
        for operation, n, points in steps:
            expected[people[n].id] += run(operation, people[n], boss, points)
            db.session.commit()

        ledger = dict(db.session.execute(
            select(PointEntry.user_id, func.sum(PointEntry.points))
            .where(PointEntry.user_id.in_(expected)).group_by(PointEntry.user_id)
        ).all())
        assert {user_id: ledger.get(user_id, 0) for user_id in expected} == expected
        for person in people:
            assert login_as(person).get("/points/me").get_json()["balance"] == expected[person.id]
        viewer = login_as(boss)
        for period in ("month", "year", "all"):
            ranking = viewer.get(f"/points/ranking?grid_id={community.id}&period={period}").get_json()["items"]
            assert {r["user"]["id"]: r["points"] for r in ranking} == {k: v for k, v in expected.items() if k in ledger}
            assert [r["points"] for r in ranking] == sorted((r["points"] for r in ranking), reverse=True)
        for task in db.session.scalars(select(Task).where(Task.grid_id.in_([g.id for g in micro]))):
            held = db.session.scalar(select(func.count()).where(TaskClaim.task_id == task.id,
                                                                TaskClaim.status != "released"))
            assert task.taken == held
