"""Every read of other people's personal data in bulk leaves an audit entry: who, what,
how many people, with which filters. A refused read, or one that names nobody else, leaves none."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.audit.models import AuditEntry
from backend.core.db import db, utcnow
from backend.party.models import PartyRegistration
from backend.tasks.models import Task, TaskClaim


@pytest.fixture
def street(tree, make_user):
    """Three in-service members registered in A1, one in B1; a task in A1 claimed by two of them."""
    members = [make_user(real_name=name, phone=f"1381234567{n}") for n, name in enumerate(["王秀珍", "李建国", "赵海燕"])]
    outsider = make_user(real_name="孙立", phone="13900000000")
    for member in members:
        db.session.add(PartyRegistration(user=member, grid_id=tree["a1"].id, employer_org="上海某公司",
                                         employer_party_org="某公司党委", status="approved"))
    db.session.add(PartyRegistration(user=outsider, grid_id=tree["b1"].id, employer_org="另一公司",
                                     employer_party_org="另一公司党支部", status="pending"))
    task = Task(grid_id=tree["a1"].id, title="楼道清理", slots=5, taken=2, deadline=utcnow() + timedelta(days=3), points=5)
    db.session.add(task)
    db.session.flush()
    db.session.add_all([TaskClaim(task_id=task.id, user_id=member.id) for member in members[:2]])
    db.session.commit()
    return {"members": members, "outsider": outsider, "task_id": task.id,
            "leader": make_user(roles=[("grid_leader", tree["a1"])], real_name="张志强"),
            "admin": make_user(roles=[("street_admin", tree["street"])], real_name="黄晓东")}


def bulk_reads() -> list[AuditEntry]:
    db.session.expire_all()
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == "personal_data.bulk_read")
                              .order_by(AuditEntry.id)).all()


def only_entry(actor, what: str) -> dict:
    (entry,) = bulk_reads()
    assert entry.actor_id == actor.id and entry.target_type == what and entry.ip == "127.0.0.1"
    return entry.detail


def test_the_service_report_records_its_reader_the_people_and_the_filters(street, login_as):
    response = login_as(street["leader"]).get("/party/reports?employer_party_org=某公司党委&from=2026-01-01")
    assert response.status_code == 200 and response.get_json()["total"] == 3
    detail = only_entry(street["leader"], "party.service_report")
    assert detail["people"] == 3
    assert detail["filters"]["employer_party_org"] == "某公司党委"
    assert detail["filters"]["from_"] == "2026-01-01"


def test_the_spreadsheet_export_is_recorded_as_such(street, login_as):
    response = login_as(street["admin"]).get("/party/reports.xlsx")
    assert response.status_code == 200
    assert only_entry(street["admin"], "party.service_report.xlsx") == {"people": 4, "filters": {}}


def test_a_leaders_registration_list_is_recorded_and_a_members_own_is_not(street, login_as):
    assert login_as(street["members"][0]).get("/party/registrations?mine=true").status_code == 200
    assert bulk_reads() == []
    response = login_as(street["leader"]).get("/party/registrations?status=approved&page_size=2")
    assert response.status_code == 200 and len(response.get_json()["items"]) == 2
    detail = only_entry(street["leader"], "party.registrations")
    assert detail["people"] == 2, "the people this page named"
    assert detail["filters"] == {"mine": False, "status": "approved", "page": 1, "page_size": 2}


def test_claim_lists_and_a_tasks_claims_are_recorded(street, login_as):
    leader = login_as(street["leader"])
    assert leader.get("/tasks/claims").status_code == 200
    assert leader.get(f"/tasks/{street['task_id']}/claims").status_code == 200
    assert leader.get(f"/tasks/{street['task_id']}").status_code == 200
    entries = bulk_reads()
    assert [(e.target_type, e.detail["people"]) for e in entries] == [
        ("tasks.claims", 2), ("tasks.task_claims", 2), ("tasks.task_claims", 2)]
    assert entries[2].detail["filters"] == {"task_id": street["task_id"]}


def test_reading_the_audit_log_is_recorded_too(street, login_as):
    assert login_as(street["leader"]).get("/party/reports").status_code == 200
    response = login_as(street["admin"]).get("/audit?action=personal_data.bulk_read")
    assert response.status_code == 200 and response.get_json()["total"] == 1
    entry = bulk_reads()[-1]
    assert entry.actor_id == street["admin"].id and entry.target_type == "audit.entries"
    assert entry.detail["people"] == 1 and entry.detail["filters"]["action"] == "personal_data.bulk_read"


@pytest.mark.parametrize("caller, path, status", [
    ("member", "/party/reports", 403),
    ("member", "/party/reports.xlsx", 403),
    ("leader", "/party/reports?from=2026-02-01&to=2025-01-01", 422),
    ("leader", "/audit", 403),
    ("member", "/tasks/{task_id}/claims", 403),
    ("leader", "/party/registrations?grid_id=999999", 404),
])
def test_a_refused_read_records_nothing(street, login_as, caller, path, status):
    person = street["members"][0] if caller == "member" else street["leader"]
    response = login_as(person).get(path.format(task_id=street["task_id"]))
    assert response.status_code == status, response.get_json()
    assert bulk_reads() == []


def test_a_read_that_names_nobody_else_records_nothing(street, login_as, make_user, tree):
    empty_grid_leader = make_user(roles=[("grid_leader", tree["a2"])])
    assert login_as(empty_grid_leader).get("/party/reports").get_json()["total"] == 0
    assert login_as(empty_grid_leader).get("/party/registrations").get_json()["total"] == 0
    assert bulk_reads() == []
