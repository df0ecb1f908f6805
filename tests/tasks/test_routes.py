"""The micro-task API over HTTP: shapes, rules, and who may do what across grids."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from PIL import Image
from sqlalchemy import func, select, update

from backend.core.db import db, utcnow
from backend.core.idempotency import RETENTION, IdempotencyRecord
from backend.jobs.ticker import run_tick
from backend.points.models import PointEntry
from backend.reports.models import Report
from backend.tasks.models import CatalogueItem, Task, TaskClaim
from backend.uploads.models import Upload
from backend.uploads.services import can_view, store_photo


def later(**delta) -> str:
    return (utcnow() + timedelta(**delta)).isoformat()


def upload_photo(person) -> int:
    """A processed photo owned by ``person``, stored as POST /uploads would (setup, not under test)."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "green").save(out, "JPEG")
    upload = store_photo(person, out.getvalue())
    db.session.commit()
    return upload.id


def claim(client, task) -> dict:
    response = client.post(f"/tasks/{task.id}/claims")
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def soon(minutes=30):
    """A deadline close enough that travelling past it keeps access tokens (2 h) valid."""
    return utcnow() + timedelta(minutes=minutes)


def past_it():
    return time_machine.travel(utcnow() + timedelta(hours=1), tick=False)


def ledger_total(user) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(PointEntry.points), 0)).where(PointEntry.user_id == user.id))


# --- publishing ----------------------------------------------------------------

def test_task_text_refuses_control_characters_and_blank_titles(login_as, leader, tree):
    client = login_as(leader(tree["a"]))
    base = {"grid_id": tree["a1"].id, "title": "换灯泡", "slots": 1, "deadline": later(days=2), "points": 2}
    for bad in ({"title": "换\x07灯泡"}, {"title": "换\n灯泡"}, {"description": "周六\x00上午"}, {"title": "   "}):
        response = client.post("/tasks", json={**base, **bad})
        assert response.status_code == 422, bad
    assert db.session.scalar(select(func.count()).select_from(Task)) == 0
    assert client.post("/tasks", json={**base, "description": "周六上午\n两人一组"}).status_code == 201

def test_leader_publishes_a_task_written_freely(login_as, leader, tree):
    client = login_as(leader(tree["a"]))
    response = client.post("/tasks", json={
        "grid_id": tree["a1"].id, "title": "帮 3 号楼独居老人换灯泡", "description": "周六上午", "slots": 2,
        "deadline": later(days=2), "points": 4, "proof_required": ["photo", "note"],
    })
    assert response.status_code == 201
    body = response.get_json()
    assert body["grid"] == {"id": tree["a1"].id, "name": "甲一微网格", "level": 3}
    assert (body["slots"], body["taken"], body["remaining"], body["points"]) == (2, 0, 2, 4)
    assert body["status"] == "open" and body["proof_required"] == ["photo", "note"]
    assert body["catalogue_item"] is None and body["my_claim"] is None and body["claims"] == []


def test_publishing_from_the_catalogue_fills_what_is_not_given(login_as, leader, tree):
    item = CatalogueItem(code="PA-04", group="平安", title="独居老人安全探访", description="上门探望", points=5,
                         proof_photo=False, proof_note=True)
    db.session.add(item)
    db.session.commit()
    client = login_as(leader(tree["a"]))
    body = client.post("/tasks", json={"grid_id": tree["a"].id, "catalogue_item_id": item.id, "slots": 3,
                                       "deadline": later(days=7)}).get_json()
    assert (body["title"], body["description"], body["points"]) == ("独居老人安全探访", "上门探望", 5)
    assert body["proof_required"] == ["note"]
    assert body["catalogue_item"] == {"id": item.id, "code": "PA-04", "group": "平安"}
    own = client.post("/tasks", json={"grid_id": tree["a"].id, "catalogue_item_id": item.id, "slots": 1,
                                      "deadline": later(days=7), "title": "探访 5 号楼王阿姨", "points": 8}).get_json()
    assert (own["title"], own["points"], own["proof_required"]) == ("探访 5 号楼王阿姨", 8, ["note"])


@pytest.mark.parametrize("change, status, code", [
    ({"deadline": "2000-01-01T00:00:00+08:00"}, 422, "deadline_past"),
    ({"deadline": "2099-01-01T00:00:00"}, 422, "validation_error"),  # no offset
    ({"title": ""}, 422, "title_required"),
    ({"points": None}, 422, "validation_error"),
    ({"slots": 0}, 422, "validation_error"),
    ({"proof_required": ["video"]}, 422, "validation_error"),
    ({"catalogue_item_id": 4242}, 422, "catalogue_item_not_found"),
    ({"grid_id": 4242}, 404, "not_found"),
])
def test_bad_task_input_is_refused_clearly(login_as, leader, tree, change, status, code):
    body = {"grid_id": tree["a"].id, "title": "巡查", "slots": 1, "deadline": later(days=1), "points": 2} | change
    response = login_as(leader(tree["a"])).post("/tasks", json=body)
    assert (response.status_code, response.get_json()["code"]) == (status, code)
    assert response.get_json()["message"]
    assert db.session.scalar(select(func.count()).select_from(Task)) == 0


def test_publishing_needs_a_leader_over_the_grid(api, login_as, leader, member, tree):
    body = {"grid_id": tree["b1"].id, "title": "巡查", "slots": 1, "deadline": later(days=1), "points": 2}
    assert login_as(leader(tree["a"])).post("/tasks", json=body).status_code == 403
    assert login_as(member(tree["b1"])).post("/tasks", json=body).status_code == 403
    assert api.post("/tasks", json=body).status_code == 401
    assert login_as(leader(tree["b"])).post("/tasks", json=body).status_code == 201


def test_publishing_with_a_retried_idempotency_key_creates_one_task(login_as, leader, tree):
    client = login_as(leader(tree["a"]))
    body = {"grid_id": tree["a"].id, "title": "巡查", "slots": 1, "deadline": later(days=1), "points": 2}
    first = client.post("/tasks", json=body, headers={"Idempotency-Key": "k1"})
    again = client.post("/tasks", json=body, headers={"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 201 and first.get_json()["id"] == again.get_json()["id"]
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert db.session.scalar(select(func.count()).select_from(Task)) == 1
    changed = client.post("/tasks", json={**body, "title": "另一项"}, headers={"Idempotency-Key": "k1"})
    assert (changed.status_code, changed.get_json()["code"]) == (422, "idempotency_key_reused")


def test_a_key_kept_past_its_retention_is_refused_and_publishes_nothing(login_as, leader, tree):
    client = login_as(leader(tree["a"]))
    body = {"grid_id": tree["a"].id, "title": "巡查", "slots": 1, "deadline": later(days=1), "points": 2}
    assert client.post("/tasks", json=body, headers={"Idempotency-Key": "old"}).status_code == 201
    db.session.execute(update(IdempotencyRecord).values(created_at=utcnow() - RETENTION - timedelta(minutes=1)))
    db.session.commit()
    again = client.post("/tasks", json=body, headers={"Idempotency-Key": "old"})
    assert (again.status_code, again.get_json()["code"]) == (422, "idempotency_key_expired")
    assert db.session.scalar(select(func.count()).select_from(Task)) == 1


# --- seeing tasks ----------------------------------------------------------------

def test_members_see_their_grid_and_the_grids_above_nearest_deadline_first(login_as, member, make_task, tree):
    street = make_task(tree["street"], title="街道", days=5)
    a = make_task(tree["a"], title="居民区", days=2)
    a1 = make_task(tree["a1"], title="本微网格", days=9)
    make_task(tree["a2"], title="隔壁微网格", days=1)
    make_task(tree["b1"], title="乙", days=1)
    closed = make_task(tree["a1"], title="已截止", deadline=utcnow() - timedelta(hours=1))
    client = login_as(member(tree["a1"]))
    body = client.get("/tasks").get_json()
    assert [t["id"] for t in body["items"]] == [a.id, street.id, a1.id, closed.id]
    assert body["total"] == 4 and body["items"][-1]["status"] == "closed"
    assert [t["id"] for t in client.get("/tasks?status=open").get_json()["items"]] == [a.id, street.id, a1.id]
    assert [t["id"] for t in client.get(f"/tasks?grid_id={tree['a1'].id}").get_json()["items"]] == [a1.id, closed.id]


def test_leaders_see_their_subtree_only(login_as, leader, make_task, tree):
    make_task(tree["street"], title="街道")
    a, a2 = make_task(tree["a"], title="甲", days=1), make_task(tree["a2"], title="甲二", days=2)
    make_task(tree["b1"], title="乙一")
    body = login_as(leader(tree["a"])).get("/tasks").get_json()
    assert [t["id"] for t in body["items"]] == [a.id, a2.id]


def test_residents_see_no_tasks_and_anonymous_must_log_in(api, login_as, make_user, make_task, tree):
    task = make_task(tree["a1"])
    resident = login_as(make_user(grid_id=tree["a1"].id))
    assert resident.get("/tasks").get_json()["total"] == 0
    assert resident.get(f"/tasks/{task.id}").status_code == 404
    assert api.get("/tasks").status_code == 401


def test_full_tasks_show_as_full_and_the_list_marks_my_claim(login_as, member, make_task, tree):
    task = make_task(tree["a1"], slots=1)
    me = login_as(member(tree["a1"]))
    mine = claim(me, task)
    item = me.get("/tasks").get_json()["items"][0]
    assert item["status"] == "full" and item["my_claim"] == {"id": mine["id"], "status": "claimed", "reject_reason": ""}
    other = login_as(member(tree["a1"])).get("/tasks?status=open").get_json()
    assert other["total"] == 0
    assert [t["id"] for t in me.get("/tasks?mine=1").get_json()["items"]] == [task.id]


def test_task_detail_hides_other_grids_tasks(login_as, member, leader, make_task, tree):
    task = make_task(tree["b1"])
    assert login_as(member(tree["a1"])).get(f"/tasks/{task.id}").status_code == 404
    assert login_as(leader(tree["a"])).get(f"/tasks/{task.id}").status_code == 404
    assert login_as(leader(tree["b"])).get(f"/tasks/{task.id}").status_code == 200
    assert login_as(member(tree["b1"])).get("/tasks/4242").status_code == 404


def test_leaders_see_claims_and_proof_in_the_task_detail(login_as, member, leader, make_task, tree):
    task = make_task(tree["a1"], slots=3)
    alice = member(tree["a1"], real_name="王建华")
    client = login_as(alice)
    mine = claim(client, task)
    photo = upload_photo(alice)
    client.post(f"/tasks/{task.id}/claims/{mine['id']}/submit", json={"note": "清理好了", "photo_ids": [photo]})
    boss = leader(tree["a"])
    body = login_as(boss).get(f"/tasks/{task.id}").get_json()
    [seen] = body["claims"]
    assert (seen["member_name"], seen["status"], seen["note"]) == ("王建华", "submitted", "清理好了")
    assert seen["photos"][0]["id"] == photo and login_as(boss).get(seen["photos"][0]["url"]).status_code == 200
    assert login_as(member(tree["a1"])).get(f"/tasks/{task.id}").get_json()["claims"] == []


# --- claiming ----------------------------------------------------------------

def test_claim_then_a_second_claim_by_the_same_member_is_409(login_as, member, make_task, tree):
    task = make_task(tree["a"], slots=3)
    client = login_as(member(tree["a1"]))
    body = claim(client, task)
    assert body["status"] == "claimed" and body["task"]["id"] == task.id and body["photos"] == []
    again = client.post(f"/tasks/{task.id}/claims")
    assert (again.status_code, again.get_json()["code"]) == (409, "already_claimed")
    assert db.session.get(Task, task.id).taken == 1


def test_last_slot_gone_is_409_task_full_with_a_clear_message(login_as, member, make_task, tree):
    task = make_task(tree["a1"], slots=1)
    claim(login_as(member(tree["a1"])), task)
    response = login_as(member(tree["a1"])).post(f"/tasks/{task.id}/claims")
    assert response.status_code == 409
    body = response.get_json()
    assert body["code"] == "task_full" and "名额" in body["message"] and body["details"] == {"slots": 1}


def test_claiming_after_the_deadline_is_409_task_closed(login_as, member, make_task, tree):
    task = make_task(tree["a1"], deadline=soon())
    client = login_as(member(tree["a1"]))
    with past_it():
        response = client.post(f"/tasks/{task.id}/claims")
    assert (response.status_code, response.get_json()["code"]) == (409, "task_closed")


def test_who_may_claim(api, login_as, member, leader, make_user, make_task, tree):
    task = make_task(tree["a"], slots=10)
    assert login_as(member(tree["b1"])).post(f"/tasks/{task.id}/claims").status_code == 404
    assert login_as(member(tree["a2"])).post(f"/tasks/{task.id}/claims").status_code == 201  # a居民区 task
    assert login_as(member(tree["street"])).post(f"/tasks/{task.id}/claims").status_code == 201  # a street-level member
    assert login_as(leader(tree["a"])).post(f"/tasks/{task.id}/claims").status_code == 403  # leaders don't claim
    assert login_as(make_user(grid_id=tree["a1"].id)).post(f"/tasks/{task.id}/claims").status_code == 403
    assert api.post(f"/tasks/{task.id}/claims").status_code == 401
    assert login_as(member(tree["a1"])).post("/tasks/4242/claims").status_code == 404
    sub_task = make_task(tree["a1"])
    assert login_as(member(tree["a2"])).post(f"/tasks/{sub_task.id}/claims").status_code == 404


def test_a_token_given_up_claims_nothing(login_as, member, make_task, tree):
    """The claim's statement checks the token as the login lookup does elsewhere: after 退出所有设备
    a claim is a 401 that takes no slot, whether or not its task exists."""
    task = make_task(tree["a1"])
    client = login_as(member(tree["a1"]))
    assert client.post("/auth/logout").status_code < 300
    for path in (f"/tasks/{task.id}/claims", "/tasks/4242/claims"):
        refused = client.post(path)
        assert refused.status_code == 401 and refused.get_json()["code"] == "token_revoked"
    db.session.expire_all()
    assert db.session.get(Task, task.id).taken == 0 and db.session.query(TaskClaim).count() == 0


def test_a_member_leading_elsewhere_sees_but_cannot_claim_outside_their_grid(login_as, make_user, make_task, tree):
    task = make_task(tree["a"])
    person = make_user(roles=[("grid_leader", tree["a"]), ("party_member", tree["b1"])])
    response = login_as(person).post(f"/tasks/{task.id}/claims")
    assert (response.status_code, response.get_json()["code"]) == (403, "not_in_grid")


def test_retried_claim_with_the_same_idempotency_key_replays_the_first(login_as, member, make_task, tree):
    task = make_task(tree["a1"], slots=5)
    client = login_as(member(tree["a1"]))
    first = client.post(f"/tasks/{task.id}/claims", headers={"Idempotency-Key": "tap-1"})
    again = client.post(f"/tasks/{task.id}/claims", headers={"Idempotency-Key": "tap-1"})
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert db.session.get(Task, task.id).taken == 1


def test_a_retry_arriving_after_the_proof_replays_the_claim_with_its_photos(login_as, member, make_task, tree):
    task = make_task(tree["a1"], proof_photo=True, proof_note=True)
    person = member(tree["a1"])
    client, key = login_as(person), {"Idempotency-Key": "tap-1"}
    first = client.post(f"/tasks/{task.id}/claims", headers=key).get_json()
    photo = upload_photo(person)
    assert client.post(f"/tasks/{task.id}/claims/{first['id']}/submit",
                       json={"note": "好了", "photo_ids": [photo]}).status_code == 200
    late = client.post(f"/tasks/{task.id}/claims", headers=key)
    assert late.status_code == 201 and late.headers["Idempotent-Replayed"] == "true"
    assert late.get_json()["status"] == "submitted" and [p["id"] for p in late.get_json()["photos"]] == [photo]
    assert "sig=" in late.get_json()["photos"][0]["url"]


def test_a_retry_arriving_after_the_claim_was_given_back_takes_no_new_slot(login_as, member, make_task, tree):
    task = make_task(tree["a1"], slots=1)
    client = login_as(member(tree["a1"]))
    first = client.post(f"/tasks/{task.id}/claims", headers={"Idempotency-Key": "tap-1"}).get_json()
    client.post(f"/tasks/{task.id}/claims/{first['id']}/release")
    late = client.post(f"/tasks/{task.id}/claims", headers={"Idempotency-Key": "tap-1"})
    assert (late.status_code, late.get_json()["id"], late.get_json()["status"]) == (201, first["id"], "released")
    assert db.session.get(Task, task.id).taken == 0
    assert client.post(f"/tasks/{task.id}/claims", headers={"Idempotency-Key": "tap-2"}).status_code == 201


def test_an_idempotency_key_used_for_one_task_is_refused_for_another(login_as, member, make_task, tree):
    one, other = make_task(tree["a1"]), make_task(tree["a1"])
    client = login_as(member(tree["a1"]))
    assert client.post(f"/tasks/{one.id}/claims", headers={"Idempotency-Key": "tap-1"}).status_code == 201
    reused = client.post(f"/tasks/{other.id}/claims", headers={"Idempotency-Key": "tap-1"})
    assert (reused.status_code, reused.get_json()["code"]) == (422, "idempotency_key_reused")
    assert db.session.get(Task, other.id).taken == 0
    too_long = client.post(f"/tasks/{other.id}/claims", headers={"Idempotency-Key": "k" * 65})
    assert (too_long.status_code, too_long.get_json()["code"]) == (400, "idempotency_key_invalid")


def test_members_may_use_the_same_idempotency_key(login_as, member, make_task, tree):
    task = make_task(tree["a1"], slots=2)
    answers = [login_as(member(tree["a1"])).post(f"/tasks/{task.id}/claims", headers={"Idempotency-Key": "tap-1"})
               for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 201] and answers[0].get_json()["id"] != answers[1].get_json()["id"]
    assert db.session.get(Task, task.id).taken == 2


# --- giving back ----------------------------------------------------------------

def test_giving_back_reopens_the_slot_and_the_member_may_claim_again(login_as, member, make_task, tree):
    task = make_task(tree["a1"], slots=1)
    alice, bob = login_as(member(tree["a1"])), login_as(member(tree["a1"]))
    first = claim(alice, task)
    assert bob.post(f"/tasks/{task.id}/claims").get_json()["code"] == "task_full"
    released = alice.post(f"/tasks/{task.id}/claims/{first['id']}/release")
    assert released.status_code == 200 and released.get_json()["status"] == "released"
    assert alice.post(f"/tasks/{task.id}/claims/{first['id']}/release").get_json()["status"] == "released"
    assert db.session.get(Task, task.id).taken == 0
    second = claim(alice, task)
    assert second["id"] != first["id"]
    assert alice.get(f"/tasks/{task.id}").get_json()["my_claim"]["id"] == second["id"]
    alice.post(f"/tasks/{task.id}/claims/{second['id']}/release")
    claim(bob, task)
    assert db.session.get(Task, task.id).taken == 1
    statuses = sorted(db.session.scalars(select(TaskClaim.status).where(TaskClaim.task_id == task.id)))
    assert statuses == ["claimed", "released", "released"]


def test_giving_back_is_for_the_claimant_before_the_deadline(login_as, member, leader, make_task, tree):
    task = make_task(tree["a1"], slots=2, deadline=soon())
    alice = login_as(member(tree["a1"]))
    mine = claim(alice, task)
    path = f"/tasks/{task.id}/claims/{mine['id']}/release"
    assert login_as(member(tree["a1"])).post(path).status_code == 404
    assert login_as(leader(tree["a"])).post(path).status_code == 403
    assert alice.post(f"/tasks/{task.id + 1}/claims/{mine['id']}/release").status_code == 404
    with past_it():
        late = alice.post(path)
    assert (late.status_code, late.get_json()["code"]) == (409, "task_closed")
    assert db.session.get(Task, task.id).taken == 1


# --- proof and verification ------------------------------------------------------

def test_submit_needs_the_required_proof_and_the_claimants_own_photos(login_as, member, make_task, tree):
    task = make_task(tree["a1"], slots=2, proof_photo=True, proof_note=True)
    alice_person, bob_person = member(tree["a1"]), member(tree["a1"])
    alice, bob = login_as(alice_person), login_as(bob_person)
    mine = claim(alice, task)
    path = f"/tasks/{task.id}/claims/{mine['id']}/submit"
    assert alice.post(path, json={"note": "好了"}).get_json()["code"] == "proof_photo_required"
    own, foreign = upload_photo(alice_person), upload_photo(bob_person)
    assert alice.post(path, json={"note": " ", "photo_ids": [own]}).get_json()["code"] == "proof_note_required"
    refused = alice.post(path, json={"note": "好了", "photo_ids": [own, foreign]})
    assert refused.status_code == 422 and refused.get_json()["code"] == "photo_not_found"
    assert alice.post(path, json={"note": "好了", "photo_ids": [own, own]}).status_code == 422
    assert bob.post(path, json={"note": "好了", "photo_ids": [foreign]}).status_code == 404
    done = alice.post(path, json={"note": "好了", "photo_ids": [own]})
    assert done.status_code == 200 and done.get_json()["status"] == "submitted"
    assert [p["id"] for p in done.get_json()["photos"]] == [own]
    assert alice.post(path, json={"note": "再交", "photo_ids": [own]}).get_json()["code"] == "already_submitted"


def test_approval_awards_the_points_once(login_as, member, leader, make_task, tree):
    task = make_task(tree["a1"], slots=2, points=7, proof_photo=False, proof_note=True)
    person = member(tree["a1"])
    client = login_as(person)
    mine = claim(client, task)
    client.post(f"/tasks/{task.id}/claims/{mine['id']}/submit", json={"note": "已完成"})
    boss = login_as(leader(tree["a"]))
    path = f"/tasks/{task.id}/claims/{mine['id']}/verify"
    first = boss.post(path, json={"approved": True})
    assert first.status_code == 200 and first.get_json()["status"] == "verified"
    assert boss.post(path, json={"approved": True}).status_code == 200
    assert login_as(leader(tree["a1"])).post(path, json={"approved": True}).status_code == 200
    [entry] = db.session.scalars(select(PointEntry).where(PointEntry.user_id == person.id)).all()
    assert (entry.points, entry.source, entry.source_id, entry.grid_path) == (7, "task", mine["id"], tree["a1"].path)
    assert client.get("/points/me").get_json()["balance"] == 7
    assert boss.post(path, json={"approved": False, "reason": "晚了"}).get_json()["code"] == "claim_not_submitted"
    assert client.post(f"/tasks/{task.id}/claims/{mine['id']}/release").get_json()["code"] == "claim_verified"
    assert client.post(f"/tasks/{task.id}/claims").get_json()["code"] == "already_claimed"


def test_sending_back_needs_a_reason_and_the_member_resubmits(login_as, member, leader, make_task, tree):
    task = make_task(tree["a1"], proof_photo=False, proof_note=True)
    person = member(tree["a1"])
    client = login_as(person)
    mine = claim(client, task)
    submit = f"/tasks/{task.id}/claims/{mine['id']}/submit"
    verify = f"/tasks/{task.id}/claims/{mine['id']}/verify"
    boss = login_as(leader(tree["a1"]))
    assert boss.post(verify, json={"approved": True}).get_json()["code"] == "claim_not_submitted"
    client.post(submit, json={"note": "做完了"})
    no_reason = boss.post(verify, json={"approved": False, "reason": "  "})
    assert (no_reason.status_code, no_reason.get_json()["code"]) == (422, "reason_required")
    back = boss.post(verify, json={"approved": False, "reason": "请补充完成时间"}).get_json()
    assert (back["status"], back["reject_reason"]) == ("claimed", "请补充完成时间")
    assert client.get(f"/tasks/{task.id}").get_json()["my_claim"]["reject_reason"] == "请补充完成时间"
    assert ledger_total(person) == 0
    assert client.post(submit, json={"note": "周六上午做完了"}).get_json()["status"] == "submitted"
    assert boss.post(verify, json={"approved": True}).get_json()["status"] == "verified"
    assert ledger_total(person) == task.points


def test_who_may_verify(login_as, member, leader, make_user, make_task, tree):
    task = make_task(tree["a1"], slots=2, proof_photo=False, proof_note=True)
    double = make_user(roles=[("grid_leader", tree["a"]), ("party_member", tree["a1"])])
    for person in (member(tree["a1"]), double):
        client = login_as(person)
        mine = claim(client, task)
        client.post(f"/tasks/{task.id}/claims/{mine['id']}/submit", json={"note": "完成"})
    path = f"/tasks/{task.id}/claims/{mine['id']}/verify"
    own = login_as(double).post(path, json={"approved": True})
    assert (own.status_code, own.get_json()["code"]) == (403, "cannot_verify_own")
    assert login_as(leader(tree["b"])).post(path, json={"approved": True}).status_code == 404
    assert login_as(leader(tree["a2"])).post(path, json={"approved": True}).status_code == 404
    onlooker = make_user(roles=[("grid_leader", tree["b"]), ("party_member", tree["a1"])])
    assert login_as(onlooker).post(path, json={"approved": True}).status_code == 403  # sees it, may not verify
    assert login_as(member(tree["a1"])).post(path, json={"approved": True}).status_code == 403
    assert login_as(leader(tree["a"])).post(f"/tasks/{task.id}/claims/4242/verify", json={"approved": True}).status_code == 404
    assert login_as(leader(tree["street"])).post(path, json={"approved": True}).status_code == 200


def test_proof_photos_are_visible_to_the_verifying_leader_only(login_as, member, leader, make_task, tree):
    task = make_task(tree["a1"])
    person = member(tree["a1"])
    client = login_as(person)
    mine = claim(client, task)
    photo = upload_photo(person)
    client.post(f"/tasks/{task.id}/claims/{mine['id']}/submit", json={"photo_ids": [photo]})
    upload = db.session.get(Upload, photo)
    assert can_view(leader(tree["a"]), upload) and can_view(leader(tree["a1"]), upload)
    assert not can_view(leader(tree["b"]), upload) and not can_view(member(tree["a1"]), upload)


# --- claim lists ----------------------------------------------------------------

def test_my_claims_with_their_status(login_as, member, make_task, tree):
    first_task, later_task = make_task(tree["a1"], deadline=soon(), title="一"), make_task(tree["a1"], days=5, title="二")
    client = login_as(member(tree["a1"]))
    first, second = claim(client, first_task), claim(client, later_task)
    login_as(member(tree["a1"]))  # someone else, with no claims
    body = client.get("/tasks/claims?mine=1").get_json()
    assert [(c["id"], c["status"]) for c in body["items"]] == [(second["id"], "claimed"), (first["id"], "claimed")]
    with past_it():
        body = client.get("/tasks/claims?mine=1").get_json()
        assert [c["status"] for c in body["items"]] == ["claimed", "expired"]
        assert client.get("/tasks/claims?mine=1&status=expired").get_json()["total"] == 1


def test_claim_lists_for_leaders(login_as, member, leader, make_task, tree):
    task_a, task_b = make_task(tree["a1"], slots=2), make_task(tree["b1"])
    alice = login_as(member(tree["a1"]))
    mine = claim(alice, task_a)
    claim(login_as(member(tree["b1"])), task_b)
    boss = login_as(leader(tree["a"]))
    assert [c["id"] for c in boss.get(f"/tasks/{task_a.id}/claims").get_json()["items"]] == [mine["id"]]
    assert [c["id"] for c in boss.get("/tasks/claims").get_json()["items"]] == [mine["id"]]
    assert boss.get("/tasks/claims?status=submitted").get_json()["total"] == 0
    assert boss.get(f"/tasks/{task_b.id}/claims").status_code == 404
    assert alice.get(f"/tasks/{task_a.id}/claims").status_code == 403
    assert alice.get("/tasks/claims").status_code == 403
    assert alice.get(f"/tasks/{task_a.id}/claims/{mine['id']}").get_json()["id"] == mine["id"]
    assert boss.get(f"/tasks/{task_a.id}/claims/{mine['id']}").status_code == 200
    assert login_as(member(tree["a1"])).get(f"/tasks/{task_a.id}/claims/{mine['id']}").status_code == 404
    assert login_as(leader(tree["b"])).get(f"/tasks/{task_a.id}/claims/{mine['id']}").status_code == 404


# --- expiry ------------------------------------------------------------------

def test_claims_not_done_by_the_deadline_expire(app, login_as, member, make_task, tree):
    task = make_task(tree["a1"], slots=3, deadline=soon(), proof_photo=False, proof_note=True)
    done, idle = login_as(member(tree["a1"])), login_as(member(tree["a1"]))
    handed_in = claim(done, task)
    done.post(f"/tasks/{task.id}/claims/{handed_in['id']}/submit", json={"note": "好了"})
    left = claim(idle, task)
    with past_it():
        assert idle.get(f"/tasks/{task.id}").get_json()["my_claim"]["status"] == "expired"
        late = idle.post(f"/tasks/{task.id}/claims/{left['id']}/submit", json={"note": "补交"})
        assert (late.status_code, late.get_json()["code"]) == (409, "claim_expired")
        result = app.test_cli_runner().invoke(args=["tasks", "expire-claims"])
    assert result.exit_code == 0 and "1" in result.output
    assert db.session.get(TaskClaim, left["id"]).status == "expired"
    assert db.session.get(TaskClaim, handed_in["id"]).status == "submitted"  # still waits for its leader
    assert db.session.get(Task, task.id).taken == 2


def test_the_periodic_tick_expires_claims_past_the_deadline(login_as, member, make_task, tree):
    task = make_task(tree["a1"], slots=2, deadline=soon())
    left = claim(login_as(member(tree["a1"])), task)
    assert run_tick()["claims_expired"] == 0
    assert run_tick(task.deadline + timedelta(minutes=1))["claims_expired"] == 1
    assert db.session.get(TaskClaim, left["id"]).status == "expired"


# --- catalogue ---------------------------------------------------------------

def test_catalogue_is_listed_by_group_for_leaders(login_as, leader, member, tree):
    db.session.add_all([CatalogueItem(code="PA-01", group="平安", title="楼道堆物巡查", points=3),
                        CatalogueItem(code="WM-01", group="文明", title="垃圾分类桶边督导", points=3)])
    db.session.commit()
    client = login_as(leader(tree["a"]))
    assert [i["code"] for i in client.get("/tasks/catalogue").get_json()["items"]] == ["PA-01", "WM-01"]
    assert [i["code"] for i in client.get("/tasks/catalogue?group=文明").get_json()["items"]] == ["WM-01"]
    assert client.get("/tasks/catalogue?q=垃圾").get_json()["total"] == 1
    assert client.get("/tasks/catalogue?group=其他").status_code == 422
    assert login_as(member(tree["a1"])).get("/tasks/catalogue").status_code == 403


def test_ids_beyond_the_column_range_are_refused_not_500(login_as, leader, tree):
    client = login_as(leader(tree["a"]))
    huge = 2**40
    assert client.get(f"/tasks?grid_id={huge}").status_code == 422
    assert client.get(f"/tasks/{huge}").status_code == 404
    assert client.post(f"/tasks/1/claims/{huge}/verify", json={"approved": True}).status_code == 404
    body = {"grid_id": tree["a"].id, "catalogue_item_id": huge, "slots": 1, "deadline": later(days=1)}
    assert client.post("/tasks", json=body).status_code == 422


# --- from a 随手拍 report ---------------------------------------------------------

def make_report(grid, reporter, status="accepted", **fields):
    report = Report(reporter_id=reporter.id, category="sanitation", description="3 号楼楼道里堆满了杂物，影响通行",
                    lat=31.23, lng=121.45, address="石门二路 100 弄 3 号", origin_grid_id=grid.id, grid_id=grid.id,
                    status=status, **fields)
    db.session.add(report)
    db.session.commit()
    return report


def test_a_leader_turns_a_report_into_a_task_on_its_grid(login_as, leader, make_user, tree):
    report = make_report(tree["a1"], make_user(grid_id=tree["a1"].id))
    client = login_as(leader(tree["a"]))
    response = client.post("/tasks", json={"report_id": report.id, "slots": 2, "points": 3, "deadline": later(days=2)})
    assert response.status_code == 201
    body = response.get_json()
    assert body["report_id"] == report.id and body["grid"]["id"] == tree["a1"].id
    assert body["title"] == "随手拍：3 号楼楼道里堆满了杂物，影响通行"
    assert body["description"] == "3 号楼楼道里堆满了杂物，影响通行（地点：石门二路 100 弄 3 号）"
    own = client.post("/tasks", json={"report_id": report.id, "grid_id": tree["a"].id, "title": "清理 3 号楼楼道",
                                      "slots": 4, "points": 3, "deadline": later(days=2)}).get_json()
    assert (own["title"], own["grid"]["id"]) == ("清理 3 号楼楼道", tree["a"].id)


def test_only_open_reports_the_leader_handles_become_tasks(login_as, leader, make_user, tree):
    resident = make_user(grid_id=tree["b1"].id)
    body = {"slots": 1, "points": 3, "deadline": later(days=1)}
    elsewhere = make_report(tree["b1"], resident)
    assert login_as(leader(tree["a"])).post("/tasks", json=body | {"report_id": elsewhere.id}).status_code == 404
    closed = make_report(tree["b1"], resident, status="closed")
    refused = login_as(leader(tree["b"])).post("/tasks", json=body | {"report_id": closed.id})
    assert (refused.status_code, refused.get_json()["code"]) == (409, "report_not_open")
    missing = login_as(leader(tree["b"])).post("/tasks", json=body)
    assert (missing.status_code, missing.get_json()["code"]) == (422, "grid_required")
    assert login_as(leader(tree["b"])).post("/tasks", json=body | {"report_id": 4242}).status_code == 404
