"""双报到 registrations: submit, list, approve or reject once, the inbox."""
from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from backend.auth.models import RoleAssignment
from backend.core.db import db, utcnow
from backend.party.models import PartyRegistration

FORM = {"employer_org": "静安区卫健委", "employer_party_org": "静安区卫健委机关党委",
        "skills": ["医疗健康"], "available_times": ["周末"]}


def form(grid, **changes):
    return {**FORM, "grid_id": grid.id, **changes}


def roles_of(user):
    return db.session.scalars(select(RoleAssignment).where(RoleAssignment.user_id == user.id)).all()


def test_submit_then_leader_approves_and_the_member_becomes_in_service(login_as, make_user, tree, leader):
    person = make_user(grid_id=tree["a1"].id)
    created = login_as(person).post("/party/registrations", json=form(tree["a1"]))
    assert created.status_code == 201
    body = created.get_json()
    assert body["status"] == "pending" and body["status_name"] == "待审核"
    assert body["grid"]["id"] == tree["a1"].id and body["skills"] == ["医疗健康"]
    boss = leader(tree["a"])
    approved = login_as(boss).post(f"/party/registrations/{body['id']}/approve")
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    assert approved.get_json()["decided_by"]["id"] == boss.id
    [role] = roles_of(person)
    assert (role.role, role.grid_id, role.party_kind, role.granted_by_id) == ("party_member", tree["a1"].id, "in_service", boss.id)
    # Approving again changes nothing; rejecting afterwards is refused.
    assert login_as(boss).post(f"/party/registrations/{body['id']}/approve").status_code == 200
    late = login_as(boss).post(f"/party/registrations/{body['id']}/reject", json={"reason": "不在本小区"})
    assert late.status_code == 409 and late.get_json()["code"] == "registration_decided"
    assert late.get_json()["message"] == "该登记已通过，不能再驳回"
    assert len(roles_of(person)) == 1


def test_reject_needs_a_reason_and_grants_nothing(login_as, make_user, tree, leader):
    person = make_user()
    reg_id = login_as(person).post("/party/registrations", json=form(tree["a1"])).get_json()["id"]
    boss = login_as(leader(tree["a1"]))
    assert boss.post(f"/party/registrations/{reg_id}/reject", json={}).status_code == 422
    assert boss.post(f"/party/registrations/{reg_id}/reject", json={"reason": "   "}).get_json()["code"] == "reason_required"
    rejected = boss.post(f"/party/registrations/{reg_id}/reject", json={"reason": "地址有误"})
    assert rejected.get_json()["status"] == "rejected" and rejected.get_json()["reject_reason"] == "地址有误"
    assert roles_of(person) == []
    assert boss.post(f"/party/registrations/{reg_id}/approve").get_json()["code"] == "registration_decided"
    # After a rejection the person may register again.
    assert login_as(person).post("/party/registrations", json=form(tree["a1"])).status_code == 201


def test_only_leaders_of_that_grid_or_above_decide(login_as, make_user, tree, leader, member):
    person = make_user()
    reg_id = login_as(person).post("/party/registrations", json=form(tree["a"])).get_json()["id"]
    below = login_as(leader(tree["a1"])).post(f"/party/registrations/{reg_id}/approve")
    assert below.status_code == 404  # a micro-grid leader does not lead the 居民区
    assert login_as(leader(tree["b"])).post(f"/party/registrations/{reg_id}/approve").status_code == 404
    assert login_as(member(tree["a"])).post(f"/party/registrations/{reg_id}/approve").status_code == 403
    assert login_as(person).post(f"/party/registrations/{reg_id}/approve").status_code == 403
    assert login_as(make_user(roles=[("street_admin", tree["street"])])).post(
        f"/party/registrations/{reg_id}/approve").status_code == 200


def test_a_leader_cannot_approve_their_own(login_as, tree, leader):
    boss = leader(tree["a"])
    reg_id = login_as(boss).post("/party/registrations", json=form(tree["a1"])).get_json()["id"]
    refused = login_as(boss).post(f"/party/registrations/{reg_id}/approve")
    assert refused.status_code == 403 and refused.get_json()["code"] == "own_registration"


def test_one_pending_registration_at_a_time(login_as, make_user, tree, leader):
    client = login_as(make_user())
    first = client.post("/party/registrations", json=form(tree["a1"]))
    again = client.post("/party/registrations", json=form(tree["b1"]))
    assert again.status_code == 409 and again.get_json()["code"] == "registration_pending"
    login_as(leader(tree["a"])).post(f"/party/registrations/{first.get_json()['id']}/approve")
    same = client.post("/party/registrations", json=form(tree["a1"]))
    assert same.status_code == 409 and same.get_json()["code"] == "already_registered"
    assert client.post("/party/registrations", json=form(tree["b1"])).status_code == 201  # moved house


def test_idempotency_key_creates_one(login_as, make_user, tree):
    client = login_as(make_user())
    headers = {"Idempotency-Key": "reg-1"}
    first = client.post("/party/registrations", json=form(tree["a1"]), headers=headers)
    retry = client.post("/party/registrations", json=form(tree["a1"]), headers=headers)
    assert first.status_code == retry.status_code == 201 and retry.get_json() == first.get_json()
    assert db.session.scalar(select(func.count()).select_from(PartyRegistration)) == 1


def test_bad_input(login_as, make_user, tree, api):
    client = login_as(make_user())
    assert api.post("/party/registrations", json=form(tree["a1"])).status_code == 401
    assert client.post("/party/registrations", json={"grid_id": tree["a1"].id}).status_code == 422
    assert client.post("/party/registrations", json=form(tree["a1"], employer_org="  ")).status_code == 422
    assert client.post("/party/registrations", json=form(tree["a1"], skills=["x" * 21])).status_code == 422
    assert client.post("/party/registrations", json=form(tree["a1"], grid_id=424242)).status_code == 404
    street = client.post("/party/registrations", json=form(tree["street"]))
    assert street.status_code == 422 and street.get_json()["code"] == "grid_too_broad"


def test_lists_mine_and_the_leaders_subtree(login_as, make_user, tree, leader):
    alice, bob = make_user(), make_user()
    a_id = login_as(alice).post("/party/registrations", json=form(tree["a1"])).get_json()["id"]
    b_id = login_as(bob).post("/party/registrations", json=form(tree["b1"])).get_json()["id"]
    mine = login_as(alice).get("/party/registrations?mine=1").get_json()
    assert [r["id"] for r in mine["items"]] == [a_id] and mine["total"] == 1
    assert [r["id"] for r in login_as(alice).get("/party/registrations").get_json()["items"]] == [a_id]
    boss = login_as(leader(tree["a"]))
    listed = boss.get("/party/registrations?status=pending").get_json()
    assert [r["id"] for r in listed["items"]] == [a_id]
    assert listed["items"][0]["user"]["name"] == alice.display_name
    assert boss.get("/party/registrations?status=approved").get_json()["total"] == 0
    assert boss.get(f"/party/registrations?grid_id={tree['a2'].id}").get_json()["total"] == 0
    assert boss.get("/party/registrations?status=maybe").status_code == 422
    assert boss.get(f"/party/registrations/{a_id}").status_code == 200
    assert boss.get(f"/party/registrations/{b_id}").status_code == 404
    assert login_as(bob).get(f"/party/registrations/{a_id}").status_code == 404


def test_pending_registrations_wait_in_the_leaders_inbox(login_as, make_user, tree, leader):
    start = utcnow()
    with time_machine.travel(start, tick=False):
        reg_id = login_as(make_user(real_name="王建华")).post("/party/registrations", json=form(tree["a1"])).get_json()["id"]
    with time_machine.travel(start + timedelta(days=4), tick=False):
        items = login_as(leader(tree["a"])).get("/inbox").get_json()["items"]
        [item] = [i for i in items if i["kind"] == "registration"]
        assert item["id"] == reg_id and item["overdue"] is True and "王建华" in item["title"]
        assert item["path"] == f"/party/registrations/{reg_id}" and item["grid"]["id"] == tree["a1"].id
        assert not [i for i in login_as(leader(tree["b"])).get("/inbox").get_json()["items"] if i["kind"] == "registration"]
