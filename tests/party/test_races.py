"""Races with real threads, each request in its own app context and database session.
On SQLite writers take turns; on PostgreSQL these really race for the same rows."""
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from backend.auth.models import RoleAssignment
from backend.core.db import db
from backend.party.models import Activity, Checkin, PartyRegistration
from tests.party.conftest import code_of


def race(app, requests) -> list:
    """Run the callables at once (a barrier releases them together); their responses in order.
    The test's own transaction is ended first: on SQLite a lock held here would stall everyone."""
    db.session.commit()
    barrier = threading.Barrier(len(requests))
    results = [None] * len(requests)

    def run(i, request):
        with app.app_context():
            barrier.wait()
            results[i] = request()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(result is not None for result in results), "a racing request did not finish"
    return results


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_thirty_scans_of_one_member_make_one_record(app, login_as, tree, member, make_activity):
    activity = make_activity(tree["a"], capacity=5)
    person, token = member(tree["a1"]), code_of(activity)
    clients = [login_as(person) for _ in range(30)]
    responses = race(app, [lambda c=c: c.post("/checkins", json={"token": token}) for c in clients])
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 200: 29}
    assert {r.get_json()["id"] for r in responses} == {responses[0].get_json()["id"]}
    assert sum(r.get_json()["repeat"] for r in responses) == 29
    assert count(Checkin) == 1
    assert db.session.scalar(select(Activity.checked_in).where(Activity.id == activity.id)) == 1


@pytest.mark.parametrize("capacity, already_in", [(10, 0), (12, 10)])
def test_fifty_members_for_the_last_seats(app, login_as, tree, member, make_activity, capacity, already_in):
    activity = make_activity(tree["a"], capacity=capacity)
    token = code_of(activity)
    for _ in range(already_in):
        assert login_as(member(tree["a1"])).post("/checkins", json={"token": token}).status_code == 201
    left = capacity - already_in
    clients = [login_as(member(tree["a1"] if n % 2 else tree["a2"])) for n in range(50)]
    responses = race(app, [lambda c=c: c.post("/checkins", json={"token": token}) for c in clients])
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: left, 409: 50 - left}
    assert {r.get_json()["code"] for r in responses if r.status_code == 409} == {"activity_full"}
    assert count(Checkin, Checkin.activity_id == activity.id) == capacity
    assert db.session.scalar(select(Activity.checked_in).where(Activity.id == activity.id)) == capacity


def test_members_scanning_several_times_at_once_for_the_last_seats(app, login_as, tree, member, make_activity):
    """First scans, repeats and refusals at once: a member's scans either all wait for one seat
    (one 201, the rest 200 with that record) or are all refused; the seats match the records."""
    activity = make_activity(tree["a"], capacity=5)
    token = code_of(activity)
    people = [member(tree["a1"] if n % 2 else tree["a2"]) for n in range(10)]
    clients = [(person.id, login_as(person)) for person in people for _ in range(3)]
    responses = race(app, [lambda c=c: c.post("/checkins", json={"token": token}) for _, c in clients])
    by_member: dict[int, list] = {}
    for (person_id, _), response in zip(clients, responses):
        by_member.setdefault(person_id, []).append(response)
    seated = 0
    for answers in by_member.values():
        statuses = sorted(r.status_code for r in answers)
        assert statuses in ([200, 200, 201], [409, 409, 409]), statuses
        if statuses[-1] == 201:
            seated += 1
            assert len({r.get_json()["id"] for r in answers}) == 1
    assert seated == 5
    assert count(Checkin, Checkin.activity_id == activity.id) == 5
    assert db.session.scalar(select(Activity.checked_in).where(Activity.id == activity.id)) == 5


def test_retries_with_one_idempotency_key_get_the_first_answer(app, login_as, tree, member, make_activity):
    activity = make_activity(tree["a"])
    person, token = member(tree["a1"]), code_of(activity)
    clients = [login_as(person) for _ in range(20)]
    responses = race(app, [lambda c=c: c.post("/checkins", json={"token": token}, headers={"Idempotency-Key": "k1"})
                           for c in clients])
    assert {r.status_code for r in responses} == {201}
    assert len({r.get_data() for r in responses}) == 1
    assert count(Checkin) == 1


def test_approve_and_reject_at_once_end_in_one_decision(app, login_as, make_user, tree, leader):
    for _ in range(5):
        person = make_user()
        registration = login_as(person).post("/party/registrations", json={
            "employer_org": "甲单位", "employer_party_org": "甲单位党委", "grid_id": tree["a1"].id}).get_json()
        approver, rejecter = login_as(leader(tree["a"])), login_as(leader(tree["a1"]))
        path = f"/party/registrations/{registration['id']}"
        approve, reject = race(app, [lambda: approver.post(f"{path}/approve"),
                                lambda: rejecter.post(f"{path}/reject", json={"reason": "信息不符"})])
        assert sorted([approve.status_code, reject.status_code]) == [200, 409]
        winner = approve if approve.status_code == 200 else reject
        db.session.expire_all()
        final = db.session.get(PartyRegistration, registration["id"])
        assert final.status == winner.get_json()["status"]
        granted = count(RoleAssignment, RoleAssignment.user_id == person.id)
        assert granted == (1 if final.status == "approved" else 0)


def test_two_submits_of_one_person_leave_one_pending(app, login_as, make_user, tree):
    person = make_user()
    body = {"employer_org": "甲单位", "employer_party_org": "甲单位党委", "grid_id": tree["a1"].id}
    clients = [login_as(person) for _ in range(10)]
    responses = race(app, [lambda c=c: c.post("/party/registrations", json=body) for c in clients])
    assert Counter(r.status_code for r in responses) == {201: 1, 409: 9}
    assert count(PartyRegistration) == 1
