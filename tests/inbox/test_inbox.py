"""GET /inbox: every kind of waiting item in one list, soonest deadline first, a page at a time."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import time_machine
from sqlalchemy import event

from backend.core.db import db, utcnow
from backend.party.models import PartyRegistration
from backend.reports.models import Report
from backend.tasks.models import Task, TaskClaim


def waiting_report(grid, hours: float | None, status: str = "submitted") -> Report:
    report = Report(category="sanitation", description="楼道里堆满了杂物，影响通行，请尽快处理", lat=31.23, lng=121.45,
                    origin_grid_id=grid.id, grid_id=grid.id, status=status,
                    deadline_at=None if hours is None else utcnow() + timedelta(hours=hours))
    db.session.add(report)
    db.session.commit()
    return report


def submitted_proof(grid, person, hours: float) -> TaskClaim:
    task = Task(grid_id=grid.id, title="楼道杂物清理", slots=1, points=5, deadline=utcnow() + timedelta(hours=hours))
    db.session.add(task)
    db.session.flush()
    claim = TaskClaim(task_id=task.id, user_id=person.id, status="submitted")
    db.session.add(claim)
    db.session.commit()
    return claim


def pending_registration(grid, person, days_ago: float) -> PartyRegistration:
    registration = PartyRegistration(user_id=person.id, grid_id=grid.id, employer_org="市建工集团",
                                     employer_party_org="市建工集团党委", status="pending",
                                     created_at=utcnow() - timedelta(days=days_ago))
    db.session.add(registration)
    db.session.commit()
    return registration


@contextmanager
def sent_statements():
    """The SQL sent to the database meanwhile, as sent."""
    seen: list[str] = []
    record = lambda conn, cursor, statement, *args: seen.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def every_page(client, page_size: int) -> list[dict]:
    pages, number = [], 1
    while True:
        body = client.get(f"/inbox?page={number}&page_size={page_size}").get_json()
        pages.append(body)
        if not body["items"]:
            return pages
        number += 1


def test_kinds_are_merged_by_deadline_and_paged(tree, make_user, login_as):
    with time_machine.travel(utcnow(), tick=False):
        leader = make_user(roles=[("grid_leader", tree["a"])])
        soon = waiting_report(tree["a1"], hours=1)
        registration = pending_registration(tree["a2"], make_user(real_name="王建华"), days_ago=2.5)  # 12 h left
        proof = submitted_proof(tree["a1"], make_user(nickname="小李"), hours=30)
        later = waiting_report(tree["a2"], hours=48)
        no_deadline = waiting_report(tree["a1"], hours=None, status="held")
        waiting_report(tree["b1"], hours=2)  # another 居民区's
        client = login_as(leader)

        everything = client.get("/inbox").get_json()
        assert (everything["total"], everything["page"], everything["page_size"]) == (5, 1, 20)
        assert [(i["kind"], i["id"]) for i in everything["items"]] == [
            ("report", soon.id), ("registration", registration.id), ("task_proof", proof.id),
            ("report", later.id), ("report", no_deadline.id)]
        titles = [i["title"] for i in everything["items"]]
        assert titles[1] == "王建华申请双报到（市建工集团）" and titles[2] == "楼道杂物清理：小李提交了完成凭证"
        assert everything["items"][1]["deadline"] is not None and everything["items"][4]["deadline"] is None

        pages = every_page(client, page_size=2)
        assert [len(p["items"]) for p in pages] == [2, 2, 1, 0]
        assert all(p["total"] == 5 for p in pages), "a page past the end still says how many there are"
        assert [i for p in pages for i in p["items"]] == everything["items"]


def test_page_arguments_are_checked(tree, make_user, login_as):
    client = login_as(make_user(roles=[("grid_leader", tree["a"])]))
    for query in ("page=0", "page_size=0", "page_size=101", "page=x"):
        response = client.get(f"/inbox?{query}")
        assert response.status_code == 422 and response.get_json()["code"] == "validation_error", query
    assert client.get("/inbox").get_json() == {"items": [], "total": 0, "page": 1, "page_size": 20}


def test_statements_do_not_grow_with_the_items(tree, make_user, login_as):
    leader = make_user(roles=[("grid_leader", tree["a"])])
    client = login_as(leader)

    def statements() -> int:
        with sent_statements() as seen:
            assert client.get("/inbox?page_size=100").status_code == 200
        return len([s for s in seen if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))])

    waiting_report(tree["a1"], hours=1)
    one = statements()
    for n in range(30):
        waiting_report(tree["a2"], hours=n)
        submitted_proof(tree["a1"], make_user(), hours=n)
        pending_registration(tree["a1"], make_user(), days_ago=n / 10)
    assert client.get("/inbox?page_size=100").get_json()["total"] == 91
    assert statements() == one <= 3, "the login lookup, the plan's setting and one statement"


def test_items_are_sent_as_the_schema_dumps_them():
    """The inbox skips marshmallow's dump on the way out: what it sends must be what the schema would."""
    from datetime import datetime, timezone

    from backend.inbox.items import InboxItem
    from backend.inbox.schemas import InboxItemSchema

    for deadline in (datetime(2026, 5, 1, 1, 30, tzinfo=timezone.utc), None):
        item = InboxItem("report", 7, "道路：井盖缺失", 3, "第1微网格", "submitted", deadline, deadline is not None,
                         "/reports/7")
        assert item.dumped() == InboxItemSchema().dump(item)
