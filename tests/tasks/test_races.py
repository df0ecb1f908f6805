"""Real races: many threads, each its own HTTP request and database session, released together.

On PostgreSQL the requests truly run at once and queue on the task's row lock;
on SQLite writers take turns. Either way the counts must be exact.
"""
from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from backend.core.db import db
from backend.points.models import PointEntry
from backend.tasks.models import Task, TaskClaim


def race(app, requests) -> list[tuple[int, str | None, int | None]]:
    """Send each ``(client, path, json, headers)`` POST from its own thread, all released by one barrier.

    Paths are built before the race and the test's own transaction is ended, so
    the test's session holds no lock (on SQLite, a lock held here would stall everyone).
    """
    db.session.commit()
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def run(n, client, path, body, headers):
        with app.app_context():
            barrier.wait()
            response = client.post(path, json=body, headers=headers)
            answer = response.get_json() or {}
            results[n] = (response.status_code, answer.get("code"), answer.get("id"))

    threads = [threading.Thread(target=run, args=(n, *request)) for n, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(result is not None for result in results), "a racing request did not finish"
    return results


def held_slots(task_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(TaskClaim.task_id == task_id, TaskClaim.status != "released")
    )


def taken(task_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Task, task_id).taken


@pytest.mark.parametrize("members, slots", [(50, 1), (40, 5)])
def test_many_members_race_for_few_slots_and_exactly_slots_win(app, login_as, member, make_task, tree, members, slots):
    task = make_task(tree["a"], slots=slots)
    clients = [login_as(member(tree["a1"] if n % 2 else tree["a2"])) for n in range(members)]
    results = race(app, [(client, f"/tasks/{task.id}/claims", None, None) for client in clients])
    outcomes = Counter((status, code) for status, code, _ in results)
    assert outcomes == {(201, None): slots, (409, "task_full"): members - slots}
    assert taken(task.id) == held_slots(task.id) == slots


def test_one_member_tapping_many_times_at_once_gets_one_slot(app, login_as, member, make_task, tree):
    task = make_task(tree["a1"], slots=5)
    person = member(tree["a1"])
    results = race(app, [(login_as(person), f"/tasks/{task.id}/claims", None, None) for _ in range(10)])
    assert Counter((status, code) for status, code, _ in results) == {(201, None): 1, (409, "already_claimed"): 9}
    assert taken(task.id) == held_slots(task.id) == 1


def test_retries_with_one_idempotency_key_at_once_make_one_claim(app, login_as, member, make_task, tree):
    task = make_task(tree["a1"], slots=5)
    person = member(tree["a1"])
    key = {"Idempotency-Key": "same-tap"}
    results = race(app, [(login_as(person), f"/tasks/{task.id}/claims", None, key) for _ in range(10)])
    assert {status for status, _, _ in results} == {201}
    assert len({claim_id for _, _, claim_id in results}) == 1
    assert taken(task.id) == held_slots(task.id) == 1


def test_giving_back_while_others_claim_keeps_the_counter_true(app, login_as, member, make_task, tree):
    task = make_task(tree["a1"], slots=3)
    holders = [login_as(member(tree["a1"])) for _ in range(3)]
    claims = [holder.post(f"/tasks/{task.id}/claims").get_json()["id"] for holder in holders]
    seekers = [login_as(member(tree["a1"])) for _ in range(12)]
    jobs = [(holder, f"/tasks/{task.id}/claims/{claim_id}/release", None, None)
            for holder, claim_id in zip(holders, claims)]
    results = race(app, jobs + [(seeker, f"/tasks/{task.id}/claims", None, None) for seeker in seekers])
    assert all(status == 200 for status, _, _ in results[:3])
    won = sum(status == 201 for status, _, _ in results[3:])
    assert {code for status, code, _ in results[3:] if status != 201} <= {"task_full"}
    assert 0 <= won <= 3
    assert taken(task.id) == held_slots(task.id) == won


def test_two_leaders_verifying_at_once_award_the_points_once(app, login_as, member, leader, make_task, tree):
    task = make_task(tree["a1"], points=6, proof_photo=False, proof_note=True)
    person = member(tree["a1"])
    client = login_as(person)
    claim_id = client.post(f"/tasks/{task.id}/claims").get_json()["id"]
    client.post(f"/tasks/{task.id}/claims/{claim_id}/submit", json={"note": "完成"})
    path = f"/tasks/{task.id}/claims/{claim_id}/verify"
    leaders = [login_as(leader(grid)) for grid in (tree["a1"], tree["a"], tree["street"]) for _ in range(4)]
    results = race(app, [(boss, path, {"approved": True}, None) for boss in leaders])
    assert {status for status, _, _ in results} == {200}
    entries = db.session.scalars(select(PointEntry).where(PointEntry.user_id == person.id)).all()
    assert [(e.points, e.source, e.source_id) for e in entries] == [(6, "task", claim_id)]
