"""Real threads, each with its own HTTP request, racing for the same report."""
from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import func, select

from backend.core.db import db
from backend.reports.models import Report, ReportEvent, ReportFollower, ReportRating
from tests.reports.conftest import report_body, upload

THREADS = 20


def race(app, calls):
    """Run ``calls`` (client, path, body, headers) at once; returns (status, code, id) per call."""
    db.session.commit()
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(n, client, path, body, headers):
        with app.app_context():
            barrier.wait()
            response = client.post(path, json=body, headers=headers or {})
            answer = response.get_json() or {}
            results[n] = (response.status_code, answer.get("code"), answer.get("id") or answer.get("report_id"))

    threads = [threading.Thread(target=run, args=(n, *call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(result is not None for result in results), "a racing request did not finish"
    return results


def count(model, **where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def test_twenty_leaders_accepting_at_once_accept_once(app, filed, login_as, people):
    report_id = filed()
    leaders = [people[who] for who in ("leader_a1", "leader_a", "admin")]
    calls = [(login_as(leaders[n % 3]), f"/reports/{report_id}/actions", {"action": "accept"}, None)
             for n in range(THREADS)]
    outcomes = Counter((status, code) for status, code, _ in race(app, calls))
    assert outcomes == {(200, None): 1, (409, "invalid_transition"): THREADS - 1}
    assert count(ReportEvent, report_id=report_id, action="accept") == 1


def test_twenty_ratings_at_once_make_one_rating(app, filed, act, login_as, people):
    report_id = filed()
    act(people["leader_a1"], report_id, "accept")
    act(people["leader_a1"], report_id, "resolve", note="已清运")
    calls = [(login_as(people["resident"]), f"/reports/{report_id}/rating", {"score": 1 + n % 5}, None)
             for n in range(THREADS)]
    outcomes = Counter(status for status, _, _ in race(app, calls))
    assert outcomes == {201: 1, 409: THREADS - 1}
    assert count(ReportRating, report_id=report_id) == 1
    assert count(ReportEvent, report_id=report_id, action="rate") == 1
    assert db.session.get(Report, report_id).status == "closed"


def test_many_neighbours_following_at_once_count_once_each(app, filed, login_as, make_user, area, people):
    report_id = filed()
    neighbours = [make_user(grid_id=area["a1"].id) for _ in range(THREADS)]
    calls = [(login_as(person), f"/reports/{report_id}/follow", None, None) for person in neighbours]
    calls += [(login_as(people["neighbour"]), f"/reports/{report_id}/follow", None, None) for _ in range(5)]
    outcomes = Counter(status for status, _, _ in race(app, calls))
    assert outcomes == {201: THREADS + 1, 200: 4}
    assert count(ReportFollower, report_id=report_id) == THREADS + 1
    assert db.session.get(Report, report_id).follower_count == THREADS + 1


def test_retries_of_one_submission_at_once_file_one_report(app, login_as, people, area):
    client = login_as(people["resident"])
    body = report_body(area["spots"]["a1"], [upload(client)])
    key = {"Idempotency-Key": "weak-network-tap"}
    results = race(app, [(login_as(people["resident"]), "/reports", body, key) for _ in range(10)])
    assert {status for status, _, _ in results} == {201}
    assert len({report_id for _, _, report_id in results}) == 1
    assert count(Report) == 1
