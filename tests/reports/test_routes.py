"""随手拍 over HTTP: submission, every action and every refusal, rating, follow, nearby, lists."""
from __future__ import annotations

import json
import re
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, func, select, update

from backend.core.db import db, utcnow
from backend.jobs.ticker import run_tick
from backend.reports.models import Report, ReportEvent, ReportFollower
from backend.reports.periodic import CHECK_REQUEUE_AFTER
from backend.reports.services import TEXT_REVIEW_REASON, check_report_text
from backend.uploads.models import Upload
from tests.reports.conftest import report_body, upload


def detail(client, report_id):
    response = client.get(f"/reports/{report_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- submission ----------------------------------------------------------------------------


def test_report_is_routed_to_the_micro_grid_containing_the_spot(submit, people, area, login_as):
    response = submit(people["resident"], "a2", photos=2, anonymous=False)
    assert response.status_code == 201
    body = response.get_json()
    assert body["grid"] == {"id": area["a2"].id, "name": "甲二微网格", "level": 3}
    assert body["origin_grid"]["id"] == area["a2"].id
    assert body["status"] == "submitted" and body["status_name"] == "待受理"
    assert body["category_name"] == "环境卫生" and body["location"]["address"] == "石门二路 100 弄"
    assert at(body["deadline_at"]) - at(body["created_at"]) == timedelta(hours=24)
    assert body["created_at"].endswith("+08:00")
    assert body["reporter"] == {"name": "王秀珍", "phone_masked": "138****5678"}
    assert [row["action"] for row in body["timeline"]] == ["submit"]
    assert body["timeline"][0]["actor_name"] == "王秀珍" and len(body["timeline"][0]["photos"]) == 2
    assert len(body["photos"]) == 2 and all("sig=" in p["url"] for p in body["photos"])
    assert body["allowed_actions"] == []


def test_the_answer_to_a_submission_is_the_report_as_its_reporter_reads_it(submit, people, login_as):
    for anonymous, photos in ((False, 1), (True, 3)):
        answer = submit(people["resident"], photos=photos, anonymous=anonymous).get_json()
        read = detail(login_as(people["resident"]), answer["id"])
        assert unsigned(answer) == unsigned(read)


def unsigned(body: dict) -> str:
    """The body with its photo links' signatures (which carry the second they were made) left out."""
    return re.sub(r"sig=[^\"']+", "sig=", json.dumps(body, sort_keys=True))


def test_spot_outside_every_grid_goes_to_the_reporters_home_grid(submit, people, area):
    body = submit(people["resident"], "nowhere").get_json()
    assert body["grid"]["id"] == area["a1"].id


def test_spot_outside_every_grid_without_a_home_grid_asks_to_bind_one(submit, people):
    response = submit(people["leader_a"], "nowhere")
    assert response.status_code == 422 and response.get_json()["code"] == "grid_required"
    assert "绑定" in response.get_json()["message"]
    assert db.session.scalar(select(func.count()).select_from(Report)) == 0


@pytest.mark.parametrize("change, code", [
    ({"category": "ufo"}, "unknown_category"),
    ({"photo_ids": []}, "validation_error"),
    ({"photo_ids": list(range(1, 11))}, "validation_error"),
    ({"description": "   "}, "validation_error"),
    ({"description": "长" * 501}, "validation_error"),
    ({"location": {"lat": 91, "lng": 121.45}}, "validation_error"),
    ({"location": {"lat": 31.2}}, "validation_error"),
    ({"photo_ids": [2**31]}, "validation_error"),
    ({"anonymous": "perhaps"}, "validation_error"),
])
def test_bad_submissions_are_422(login_as, people, area, change, code):
    client = login_as(people["resident"])
    body = {**report_body(area["spots"]["a1"], [upload(client)]), **change}
    response = client.post("/reports", json=body)
    assert response.status_code == 422 and response.get_json()["code"] == code
    assert db.session.scalar(select(func.count()).select_from(Report)) == 0


def test_a_photo_whose_file_was_purged_cannot_be_filed(login_as, people, area):
    client = login_as(people["resident"])
    kept, purged = upload(client), upload(client)
    db.session.execute(update(Upload).where(Upload.id == purged).values(purged_at=utcnow()))
    db.session.commit()
    response = client.post("/reports", json=report_body(area["spots"]["a1"], [kept, purged]))
    assert (response.status_code, response.get_json()["details"]) == (422, {"photo_ids": [purged]})
    assert db.session.scalar(select(func.count()).select_from(Report)) == 0
    assert client.post("/reports", json=report_body(area["spots"]["a1"], [kept])).status_code == 201


def test_photos_must_be_ones_own_distinct_and_unused(login_as, people, area, filed):
    client = login_as(people["resident"])
    mine = upload(client)
    theirs = upload(login_as(people["neighbour"]))
    spot = area["spots"]["a1"]
    response = client.post("/reports", json=report_body(spot, [mine, theirs]))
    assert response.status_code == 422 and response.get_json()["code"] == "photo_not_found"
    assert response.get_json()["details"] == {"photo_ids": [theirs]}
    assert client.post("/reports", json=report_body(spot, [mine, mine])).status_code == 422
    assert client.post("/reports", json=report_body(spot, [mine])).status_code == 201
    response = client.post("/reports", json=report_body(spot, [mine]))
    assert response.status_code == 422 and response.get_json()["code"] == "photo_already_used"


def test_submission_needs_login(api, area):
    assert api.post("/reports", json=report_body(area["spots"]["a1"], [1])).status_code == 401
    assert api.get("/reports").status_code == 401
    assert api.get("/reports/categories").status_code == 401


def without_links(answer: dict) -> dict:
    """A report's answer without its photo links, which are signed afresh each time."""
    def strip(photos):
        return [{k: v for k, v in photo.items() if not k.endswith("url")} for photo in photos]

    return {**answer, "thumbnail_url": None, "photos": strip(answer["photos"]),
            "timeline": [{**event, "photos": strip(event["photos"])} for event in answer["timeline"]]}


def test_same_idempotency_key_creates_one_report_and_replays_the_answer(login_as, people, area):
    client = login_as(people["resident"])
    body = report_body(area["spots"]["a1"], [upload(client)])
    headers = {"Idempotency-Key": "report-7f3a"}
    first = client.post("/reports", json=body, headers=headers)
    again = client.post("/reports", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert without_links(again.get_json()) == without_links(first.get_json())
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert db.session.scalar(select(func.count()).select_from(Report)) == 1
    changed = client.post("/reports", json={**body, "description": "换了一个问题"}, headers=headers)
    assert changed.status_code == 422 and changed.get_json()["code"] == "idempotency_key_reused"
    other_photos = client.post("/reports", json=report_body(area["spots"]["a1"], [upload(client)]), headers=headers)
    assert other_photos.status_code == 422 and other_photos.get_json()["code"] == "idempotency_key_reused"
    assert db.session.scalar(select(func.count()).select_from(Report)) == 1


def test_a_keyed_submission_spends_no_statement_on_its_key(login_as, people, area):
    """The key rides on the report's INSERT: PostgreSQL files a keyed report in the person, their
    photos, the grid at the spot and one INSERT; SQLite takes the INSERTs one by one."""
    client = login_as(people["resident"])
    body = report_body(area["spots"]["a1"], [upload(client)])
    seen: list[str] = []
    request_thread = threading.get_ident()  # not the text check the submission queues, run by a thread

    def record(conn, cursor, statement, *args):
        if threading.get_ident() == request_thread and not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.post("/reports", json=body, headers={"Idempotency-Key": "tap-1"}).status_code == 201
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert not [statement for statement in seen if "idempotency_records" in statement]
    assert len(seen) == (4 if db.engine.dialect.name == "postgresql" else 6), seen


def test_photos_used_by_another_report_are_refused_even_with_a_new_key(login_as, people, area):
    client = login_as(people["resident"])
    body = report_body(area["spots"]["a1"], [upload(client)])
    assert client.post("/reports", json=body, headers={"Idempotency-Key": "first"}).status_code == 201
    again = client.post("/reports", json=body, headers={"Idempotency-Key": "second"})
    assert (again.status_code, again.get_json()["code"]) == (422, "photo_already_used")
    assert db.session.scalar(select(func.count()).select_from(Report)) == 1


def test_reporters_may_use_the_same_idempotency_key(login_as, people, make_user, area):
    answers = []
    for person in (people["resident"], make_user()):
        client = login_as(person)
        answers.append(client.post("/reports", json=report_body(area["spots"]["a1"], [upload(client)]),
                                   headers={"Idempotency-Key": "tap-1"}))
    assert [a.status_code for a in answers] == [201, 201] and answers[0].get_json()["id"] != answers[1].get_json()["id"]


def test_categories_come_from_config_with_deadlines(login_as, people, app, monkeypatch):
    client = login_as(people["resident"])
    items = client.get("/reports/categories").get_json()["items"]
    assert [c["name"] for c in items][:7] == ["环境卫生", "违章搭建", "占道停车", "设施损坏", "噪音油烟", "安全隐患", "其他"]
    assert all(c["accept_hours"] > 0 and c["resolve_hours"] > c["accept_hours"] for c in items)
    custom = [{"code": "shed", "name": "非机动车棚", "accept_hours": 12, "resolve_hours": 48}]
    monkeypatch.setitem(app.config, "REPORT_CATEGORIES", custom)
    assert client.get("/reports/categories").get_json() == {"items": custom, "total": 1}


def test_category_deadlines_set_the_accept_deadline(submit, people):
    body = submit(people["resident"], category="safety").get_json()
    assert at(body["deadline_at"]) - at(body["created_at"]) == timedelta(hours=2)


# --- content safety of the text -------------------------------------------------------------
# The text is checked by a job after the commit; until its verdict the report is the reporter's
# and the staff's only, and any verdict but pass holds it for review.


def hidden_beyond_staff(report_id, login_as, people, area) -> bool:
    """Neither shown to a neighbour, nor found nearby, nor open to following; the reporter and staff see it."""
    neighbour = login_as(people["neighbour"])
    lat, lng = area["spots"]["a1"]
    nearby = neighbour.get(f"/reports/nearby?lat={lat}&lng={lng}&category=sanitation").get_json()["items"]
    assert login_as(people["resident"]).get(f"/reports/{report_id}").status_code == 200
    assert login_as(people["leader_a1"]).get(f"/reports/{report_id}").status_code == 200
    return (neighbour.get(f"/reports/{report_id}").status_code == 404
            and report_id not in [item["id"] for item in nearby]
            and neighbour.post(f"/reports/{report_id}/follow").status_code == 404)


@pytest.mark.parametrize("description", ["楼下有人聚众赌博", "这段内容待审"])
def test_text_failing_the_check_holds_the_report_for_review_and_tells_the_reporter(
        submit, people, login_as, area, act, settle, standin, description):
    response = submit(people["resident"], description=description)
    assert response.status_code == 201 and response.get_json()["status"] == "submitted", "the reporter sees it at once"
    report_id = response.get_json()["id"]
    settle()
    checked = standin.requests("/wxa/msg_sec_check")[-1]["json"]
    assert checked["openid"] == people["resident"].openid and checked["version"] == 2 and checked["scene"] == 3
    assert checked["content"] == f"{description}\n石门二路 100 弄"
    body = detail(login_as(people["resident"]), report_id)
    assert body["status"] == "held" and body["status_name"] == "审核中" and body["hold_reason"] == TEXT_REVIEW_REASON
    assert [(row["action"], row["actor_name"]) for row in body["timeline"]] == [("submit", "王秀珍"), ("hold", "系统")]
    sent = standin.requests("/cgi-bin/message/subscribe/send")
    assert [(m["json"]["touser"], m["json"]["data"]["phrase3"]["value"]) for m in sent] == [
        (people["resident"].openid, "审核中")]
    assert hidden_beyond_staff(report_id, login_as, people, area)
    assert act(people["leader_a1"], report_id, "escalate", note="上报").status_code == 409
    released = act(people["leader_a1"], report_id, "accept", note="内容核实无问题")
    assert released.status_code == 200 and released.get_json()["status"] == "accepted"
    assert released.get_json()["hold_reason"] == ""
    assert not hidden_beyond_staff(report_id, login_as, people, area), "a person's release clears the text"


def test_text_failing_the_check_stays_hidden_when_the_report_is_rejected(submit, people, login_as, area, act,
                                                                         settle):
    report_id = submit(people["resident"], description="楼下有人聚众赌博").get_json()["id"]
    settle()
    assert act(people["leader_a1"], report_id, "reject", note="内容不当").get_json()["status"] == "rejected"
    assert login_as(people["neighbour"]).get(f"/reports/{report_id}").status_code == 404


def test_a_passing_text_shows_the_report_to_its_neighbours(submit, people, login_as, area, settle):
    report_id = submit(people["resident"]).get_json()["id"]
    settle()
    assert db.session.get(Report, report_id).text_review == "pass"
    assert not hidden_beyond_staff(report_id, login_as, people, area)


def test_wechat_failing_the_text_check_keeps_the_report_hidden_until_a_check_succeeds(
        submit, people, login_as, area, settle, standin):
    standin.inject("/wxa/msg_sec_check", errcode=-1, times=1)
    response = submit(people["resident"], headers={"Idempotency-Key": "wechat-down"})
    assert response.status_code == 201, "WeChat's failure is the job's, not the reporter's"
    report_id = response.get_json()["id"]
    settle()  # the job failed; its queue retries it later
    assert len(standin.requests("/wxa/msg_sec_check")) == 1
    assert len(standin.requests("/wxa/media_check_async")) == 1, "the photos are checked all the same"
    assert db.session.get(Report, report_id).text_review == "pending"
    assert hidden_beyond_staff(report_id, login_as, people, area)
    assert run_tick(utcnow())["text_checks_requeued"] == 0  # the queue's own retry may yet come
    assert run_tick(utcnow() + CHECK_REQUEUE_AFTER + timedelta(minutes=1))["text_checks_requeued"] == 1
    settle()
    assert db.session.get(Report, report_id).text_review == "pass"
    assert not hidden_beyond_staff(report_id, login_as, people, area)


def test_a_text_check_lost_with_its_queue_is_asked_again_by_the_tick(resident_without_queue, people, area, standin,
                                                                     login_as, settle):
    # The report is filed while the job queue's Redis is unreachable: the check job is lost.
    client = resident_without_queue
    response = client.post("/reports", json=report_body(area["spots"]["a1"], [upload(client)], description="这段内容待审"))
    assert response.status_code == 201
    report_id = response.get_json()["id"]
    settle()
    assert standin.requests("/wxa/msg_sec_check") == []
    assert hidden_beyond_staff(report_id, login_as, people, area)
    assert run_tick(utcnow() + CHECK_REQUEUE_AFTER + timedelta(minutes=1))["text_checks_requeued"] == 1
    settle()
    assert len(standin.requests("/wxa/msg_sec_check")) == 1
    assert db.session.get(Report, report_id).status == "held"
    assert run_tick(utcnow() + CHECK_REQUEUE_AFTER + timedelta(minutes=1))["text_checks_requeued"] == 0


def test_a_text_whose_reporter_left_before_the_check_is_held_for_a_person(submit, people, standin, settle,
                                                                          monkeypatch):
    monkeypatch.setattr("backend.reports.services.enqueue", lambda *job: None)  # the job comes later
    report_id = submit(people["resident"]).get_json()["id"]
    db.session.execute(update(Report).where(Report.id == report_id).values(reporter_id=None))
    db.session.commit()
    check_report_text(report_id)
    db.session.commit()
    report = db.session.get(Report, report_id)
    assert (report.text_review, report.status, report.hold_reason) == ("review", "held", TEXT_REVIEW_REASON)
    assert standin.requests("/wxa/msg_sec_check") == [], "WeChat checks a text for a named person only"


# --- the handler's actions --------------------------------------------------------------------


def test_accept_starts_the_resolve_deadline_and_shows_in_the_timeline(filed, act, people, login_as):
    report_id = filed()
    response = act(people["leader_a1"], report_id, "accept", note="马上安排")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "accepted" and body["accepted_at"]
    assert at(body["deadline_at"]) - at(body["accepted_at"]) == timedelta(hours=72)
    assert body["allowed_actions"] == ["dispatch", "escalate", "resolve", "reject"]
    seen_by_reporter = detail(login_as(people["resident"]), report_id)
    row = seen_by_reporter["timeline"][-1]
    assert (row["action"], row["actor_name"], row["note"]) == ("accept", "张*强", "马上安排")
    assert seen_by_reporter["reporter"]["name"] == "王秀珍"
    assert detail(login_as(people["leader_a1"]), report_id)["timeline"][-1]["actor_name"] == "张志强"


def test_dispatch_to_a_member_unit_whose_handler_resolves_it(filed, act, people, area, login_as):
    report_id = filed()
    unit = area["street"].member_units[0]
    assert login_as(people["chengguan"]).get(f"/reports/{report_id}").status_code == 404
    response = act(people["leader_a1"], report_id, "dispatch", member_unit_id=unit.id, note="请城管处理")
    body = response.get_json()
    assert body["status"] == "dispatched" and body["member_unit"] == {"id": unit.id, "kind": "城管", "name": "城管中队"}
    assert body["accepted_at"], "dispatching accepts it"
    handler = login_as(people["chengguan"])
    assert detail(handler, report_id)["allowed_actions"] == ["resolve"]
    assert act(people["chengguan"], report_id, "accept").status_code == 403
    assert act(people["wuye"], report_id, "resolve", note="x").status_code == 404
    after = upload(handler)
    resolved = act(people["chengguan"], report_id, "resolve", note="已清理", photo_ids=[after])
    assert resolved.status_code == 200 and resolved.get_json()["status"] == "resolved"
    row = resolved.get_json()["timeline"][-1]
    assert row["action"] == "resolve" and [p["id"] for p in row["photos"]] == [after]
    assert after not in [p["id"] for p in resolved.get_json()["photos"]], "after-photos are not the problem's"


def test_dispatch_to_a_person(filed, act, people):
    report_id = filed()
    act(people["leader_a1"], report_id, "accept")
    body = act(people["leader_a1"], report_id, "dispatch", assignee_id=people["wuye"].id).get_json()
    assert body["status"] == "dispatched" and body["assignee"] == {"name": "周*敏"}
    assert act(people["wuye"], report_id, "resolve", note="已处理").get_json()["status"] == "resolved"


@pytest.mark.parametrize("target, code", [
    ({}, "dispatch_target_required"),
    ({"member_unit_id": "unit", "assignee_id": "wuye"}, "dispatch_target_required"),
    ({"member_unit_id": "other_unit"}, "member_unit_invalid"),
    ({"member_unit_id": 999_999}, "member_unit_invalid"),
    ({"assignee_id": "member"}, "assignee_invalid"),
    ({"assignee_id": 999_999}, "assignee_invalid"),
])
def test_dispatch_needs_one_valid_target(filed, act, people, area, make_grid, target, code):
    other = make_grid(area["b"], name="乙二微网格", units=[("物业", "乙物业")])
    ids = {"unit": area["street"].member_units[0].id, "other_unit": other.member_units[0].id,
           "wuye": people["wuye"].id, "member": people["member"].id}
    report_id = filed()
    body = {key: ids.get(value, value) for key, value in target.items()}
    response = act(people["leader_a1"], report_id, "dispatch", **body)
    assert response.status_code == 422 and response.get_json()["code"] == code


def test_escalation_goes_up_the_tree_level_by_level(filed, act, people, area, login_as):
    report_id = filed()
    missing = act(people["leader_a1"], report_id, "escalate")
    assert missing.status_code == 422 and missing.get_json()["code"] == "reason_required"
    body = act(people["leader_a1"], report_id, "escalate", note="涉及多户，需居民区协调").get_json()
    assert body["status"] == "escalated" and body["grid"]["id"] == area["a"].id and body["escalations"] == 1
    assert body["timeline"][-1]["grid"]["name"] == "甲居民区"
    assert at(body["deadline_at"]) - at(body["timeline"][-1]["at"]) == timedelta(hours=24)
    lower = login_as(people["leader_a1"])
    assert detail(lower, report_id)["allowed_actions"] == [], "the micro-grid still sees what it escalated"
    refused = act(people["leader_a1"], report_id, "accept")
    assert refused.status_code == 403 and refused.get_json()["code"] == "not_handler"
    body = act(people["leader_a"], report_id, "escalate", note="需街道城管执法").get_json()
    assert body["grid"]["id"] == area["street"].id and body["escalations"] == 2
    top = act(people["admin"], report_id, "escalate", note="再上报")
    assert top.status_code == 409 and top.get_json()["code"] == "already_top_grid"
    accepted = act(people["admin"], report_id, "accept").get_json()
    assert accepted["status"] == "accepted" and accepted["grid"]["id"] == area["street"].id
    assert [r["action"] for r in accepted["timeline"]] == ["submit", "escalate", "escalate", "accept"]


def test_reject_needs_a_reason_and_ends_the_report(filed, act, people, login_as):
    report_id = filed()
    assert act(people["leader_a1"], report_id, "reject").get_json()["code"] == "reason_required"
    body = act(people["leader_a1"], report_id, "reject", note="属于私人纠纷，请走调解").get_json()
    assert body["status"] == "rejected" and body["closed_at"]
    for action in ("accept", "dispatch", "escalate", "resolve", "reject"):
        response = act(people["leader_a1"], report_id, action, note="再试")
        assert response.status_code == 409 and response.get_json()["code"] == "invalid_transition"
        assert "已驳回" in response.get_json()["message"]
    assert detail(login_as(people["resident"]), report_id)["timeline"][-1]["note"] == "属于私人纠纷，请走调解"


def test_resolve_needs_acceptance_and_a_note_or_photo(filed, act, people):
    report_id = filed()
    early = act(people["leader_a1"], report_id, "resolve", note="已处理")
    assert early.status_code == 409 and early.get_json()["details"] == {"status": "submitted", "action": "resolve"}
    act(people["leader_a1"], report_id, "accept")
    empty = act(people["leader_a1"], report_id, "resolve")
    assert empty.status_code == 422 and empty.get_json()["code"] == "resolution_required"
    assert act(people["leader_a1"], report_id, "resolve", note="已处理").get_json()["status"] == "resolved"


def resolved_report(filed, act, people, **body):
    report_id = filed(**body)
    act(people["leader_a1"], report_id, "accept")
    act(people["leader_a1"], report_id, "resolve", note="已清运")
    return report_id


def test_reopen_by_the_reporter_sends_it_back_to_work(filed, act, people, login_as):
    report_id = filed()
    early = act(people["resident"], report_id, "reopen", note="还没好")
    assert early.status_code == 409
    act(people["leader_a1"], report_id, "accept")
    act(people["leader_a1"], report_id, "resolve", note="已清运")
    assert detail(login_as(people["resident"]), report_id)["allowed_actions"] == ["reopen", "rate"]
    assert act(people["leader_a1"], report_id, "reopen", note="x").get_json()["code"] == "not_reporter"
    assert act(people["resident"], report_id, "reopen").get_json()["code"] == "reason_required"
    body = act(people["resident"], report_id, "reopen", note="垃圾又堆起来了").get_json()
    assert body["status"] == "accepted" and body["timeline"][-1]["actor_name"] == "王秀珍"
    assert act(people["leader_a1"], report_id, "resolve", note="彻底清运").get_json()["status"] == "resolved"


@pytest.mark.parametrize("score, level", [(5, "satisfied"), (4, "satisfied"), (3, "basically_satisfied"),
                                          (2, "dissatisfied"), (1, "dissatisfied")])
def test_rating_closes_the_report_with_its_level(filed, act, people, login_as, score, level):
    report_id = resolved_report(filed, act, people)
    response = login_as(people["resident"]).post(f"/reports/{report_id}/rating", json={"score": score, "comment": "谢谢"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "closed" and body["rating"]["level"] == level and body["rating"]["comment"] == "谢谢"
    assert body["rating"]["level_name"] == {"satisfied": "满意", "basically_satisfied": "基本满意",
                                            "dissatisfied": "不满意"}[level]
    assert body["timeline"][-1]["action"] == "rate"


def test_rating_refusals(filed, act, people, login_as):
    report_id = filed()
    rate = lambda who, **body: login_as(people[who]).post(f"/reports/{report_id}/rating",  # noqa: E731
                                                          json={"score": 5, **body})
    assert rate("resident").get_json()["code"] == "invalid_transition"
    act(people["leader_a1"], report_id, "accept")
    act(people["leader_a1"], report_id, "resolve", note="已清运")
    assert rate("leader_a1").status_code == 403
    assert rate("stranger").status_code == 404
    assert rate("resident", score=0).status_code == 422 and rate("resident", score=6).status_code == 422
    assert rate("resident", score="5").status_code == 422
    assert rate("resident", comment="赌博").get_json()["code"] == "content_risky"
    assert rate("resident").status_code == 201
    again = rate("resident", score=1)
    assert again.status_code == 409 and again.get_json()["code"] == "already_rated"
    assert act(people["resident"], report_id, "reopen", note="还是不行").status_code == 409


# --- who may see and do what -----------------------------------------------------------------


@pytest.mark.parametrize("who, status", [
    ("resident", 200), ("leader_a1", 200), ("leader_a", 200), ("admin", 200), ("neighbour", 200),
    ("leader_a2", 404), ("leader_b", 404), ("stranger", 404), ("chengguan", 404), ("member", 404),
])
def test_who_may_see_a_report(filed, login_as, people, who, status):
    report_id = filed()
    assert login_as(people[who]).get(f"/reports/{report_id}").status_code == status


@pytest.mark.parametrize("who, status", [
    ("resident", 403), ("neighbour", 403), ("leader_a1", 200), ("leader_a", 200), ("admin", 200),
    ("leader_a2", 404), ("leader_b", 404), ("stranger", 404), ("wuye", 404),
])
def test_who_may_accept(filed, act, people, who, status):
    report_id = filed()
    assert act(people[who], report_id, "accept").status_code == status


def test_actions_need_login_and_a_known_action(filed, api, act, people):
    report_id = filed()
    assert api.post(f"/reports/{report_id}/actions", json={"action": "accept"}).status_code == 401
    assert api.get(f"/reports/{report_id}").status_code == 401
    assert act(people["leader_a1"], report_id, "rate").status_code == 422
    assert act(people["leader_a1"], report_id, "close").status_code == 422
    assert act(people["leader_a1"], 424242, "accept").status_code == 404


def test_anonymous_reporter_is_shown_to_nobody_but_street_admins(filed, act, people, login_as):
    report_id = resolved_report(filed, act, people, anonymous=True)
    act(people["resident"], report_id, "reopen", note="没有解决")
    for who in ("leader_a1", "leader_a", "neighbour"):
        body = detail(login_as(people[who]), report_id)
        assert body["reporter"] is None and body["anonymous"] is True
        assert {row["actor_name"] for row in body["timeline"] if row["action"] in ("submit", "reopen")} == {"匿名居民"}
    admin = detail(login_as(people["admin"]), report_id)
    assert admin["reporter"]["name"] == "王*珍" and admin["timeline"][0]["actor_name"] == "王*珍"
    mine = detail(login_as(people["resident"]), report_id)
    assert mine["reporter"]["name"] == "王秀珍" and mine["timeline"][0]["actor_name"] == "王秀珍"
    items = login_as(people["leader_a1"]).get("/reports").get_json()["items"]
    assert items[0]["anonymous"] is True and "reporter" not in items[0]


def test_non_anonymous_reporter_is_masked_for_staff_and_hidden_from_neighbours(filed, people, login_as):
    report_id = filed()
    assert detail(login_as(people["leader_a1"]), report_id)["reporter"] == {"name": "王*珍",
                                                                           "phone_masked": "138****5678"}
    neighbour_view = detail(login_as(people["neighbour"]), report_id)
    assert neighbour_view["reporter"] is None and neighbour_view["timeline"][0]["actor_name"] == "反映人"
    assert neighbour_view["allowed_actions"] == []


# --- lists ------------------------------------------------------------------------------------------


def test_lists_are_scoped_to_the_reporter_and_the_handlers_subtree(filed, people, login_as, area):
    in_a1, in_a2, in_b1 = filed("a1"), filed("a2"), filed("b1", user=people["stranger"])
    ids = lambda who, query="": [r["id"] for r in login_as(people[who]).get(f"/reports{query}").get_json()["items"]]  # noqa: E731
    assert ids("resident") == [in_a2, in_a1]
    assert ids("stranger") == [in_b1]
    assert ids("neighbour") == []
    assert ids("leader_a1") == [in_a1]
    assert ids("leader_a") == [in_a2, in_a1]
    assert ids("admin") == [in_b1, in_a2, in_a1]
    assert ids("admin", f"?grid_id={area['a'].id}") == [in_a2, in_a1]
    assert ids("leader_a", f"?grid_id={area['a'].id}") == ids("leader_a", f"?grid_id={area['a2'].id}") + [in_a1]
    assert ids("admin", "?mine=1") == []
    assert ids("leader_a", "?status=accepted") == []
    assert login_as(people["leader_a"]).get(f"/reports?grid_id={area['b'].id}").status_code == 403
    assert login_as(people["resident"]).get(f"/reports?grid_id={area['a1'].id}").status_code == 403
    assert login_as(people["admin"]).get("/reports?grid_id=424242").status_code == 404
    assert login_as(people["admin"]).get("/reports?status=lost").status_code == 422


def test_list_shape_and_paging(filed, people, login_as):
    for _ in range(3):
        filed()
    page = login_as(people["resident"]).get("/reports?mine=1&page=2&page_size=2").get_json()
    assert page["total"] == 3 and page["page"] == 2 and len(page["items"]) == 1
    item = page["items"][0]
    assert item["mine"] is True and item["thumbnail_url"] and item["status_name"] == "待受理"
    assert item["overdue"] is False and item["follower_count"] == 0
    thumbnail = login_as(people["resident"]).get(item["thumbnail_url"].removeprefix("/api/v1"))
    assert thumbnail.status_code == 200 and thumbnail.mimetype == "image/jpeg"


def test_list_summaries_say_what_the_detail_says(filed, submit, people, login_as, act, area, settle):
    """The list reads rows, the detail the report with its relations: each viewer sees the same summary."""
    plain, anonymous = filed(), filed(anonymous=True)
    escalated, elsewhere = filed("a2"), filed("b1", user=people["stranger"])
    held = submit(people["resident"], description="待审内容").get_json()["id"]
    act(people["leader_a1"], plain, "dispatch", assignee_id=people["wuye"].id)
    act(people["leader_a2"], escalated, "escalate", note="需要居民区协调")
    act(people["leader_a"], anonymous, "dispatch", member_unit_id=area["street"].member_units[0].id)
    settle()  # content checks still running would change what a neighbour sees between list and detail
    unlinked = lambda url: url and url.split("?")[0]  # noqa: E731 (signed links carry the second they were made)
    lists = [(who, "") for who in ("resident", "stranger", "wuye", "leader_a1", "leader_a", "admin", "chengguan")]
    lists += [("leader_a", f"&grid_id={area['a'].id}"), ("admin", f"&grid_id={area['a2'].id}")]
    for who, narrowed in lists:
        client = login_as(people[who])
        items = client.get(f"/reports?page_size=100{narrowed}").get_json()["items"]
        assert items, who
        for item in items:
            detail = client.get(f"/reports/{item['id']}").get_json()
            assert {**item, "thumbnail_url": unlinked(item["thumbnail_url"])} == {
                **{field: detail[field] for field in item}, "thumbnail_url": unlinked(detail["thumbnail_url"])}, who
    seen_by_admin = {i["id"] for i in login_as(people["admin"]).get("/reports?page_size=100").get_json()["items"]}
    assert seen_by_admin == {plain, anonymous, escalated, elsewhere, held}


def test_list_statements_do_not_grow_with_the_page_size(filed, people, login_as, act, settle):
    for n in range(12):
        report_id = filed(anonymous=n % 2 == 0)
        if n % 3 == 0:
            act(people["leader_a1"], report_id, "dispatch", assignee_id=people["wuye"].id)
    client = login_as(people["admin"])
    settle()  # the photo checks' statements would count too

    def statements(size: int) -> int:
        count = [0]

        def counter(conn, cursor, statement, *args):
            count[0] += not statement.startswith("BEGIN")  # SQLite's BEGIN IMMEDIATE is ours, not a query

        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            assert len(client.get(f"/reports?page_size={size}").get_json()["items"]) == size
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
        return count[0]

    assert statements(4) == statements(12) <= 7


# --- follow and nearby -------------------------------------------------------------------------------


def test_follow_adds_one_voice_per_person(filed, people, login_as, act, settle, standin):
    report_id = filed()
    neighbour = login_as(people["neighbour"])
    first = neighbour.post(f"/reports/{report_id}/follow")
    assert first.status_code == 201 and first.get_json() == {"report_id": report_id, "follower_count": 1,
                                                             "following": True}
    again = neighbour.post(f"/reports/{report_id}/follow")
    assert again.status_code == 200 and again.get_json()["follower_count"] == 1
    assert login_as(people["stranger"]).post(f"/reports/{report_id}/follow").get_json()["follower_count"] == 2
    own = login_as(people["resident"]).post(f"/reports/{report_id}/follow")
    assert own.status_code == 409 and own.get_json()["code"] == "own_report"
    assert login_as(people["stranger"]).get(f"/reports/{report_id}").status_code == 200, "followers follow it"
    act(people["leader_a1"], report_id, "accept", note="已受理")
    settle()
    told = {m["json"]["touser"] for m in standin.requests("/cgi-bin/message/subscribe/send")}
    assert told == {people["resident"].openid, people["neighbour"].openid, people["stranger"].openid}
    assert db.session.scalar(select(func.count()).select_from(ReportFollower)) == 2


def test_only_open_reports_can_be_followed(filed, people, login_as, act, submit):
    closed = filed()
    act(people["leader_a1"], closed, "reject", note="不属实")
    held = submit(people["resident"], description="待审的内容").get_json()["id"]
    for report_id in (closed, held, 424242):
        assert login_as(people["neighbour"]).post(f"/reports/{report_id}/follow").status_code == 404
    assert login_as(people["neighbour"]).post("/reports/0/follow").status_code == 404


def test_nearby_lists_open_reports_of_the_category_within_250_metres(filed, people, login_as, area, act, submit):
    lat, lng = area["spots"]["a1"]
    near = filed((lat + 0.001, lng))  # about 111 m north
    far = filed((lat + 0.003, lng))  # about 333 m
    other_kind = filed((lat, lng + 0.0005), category="parking")
    done = filed((lat, lng))
    act(people["leader_a1"], done, "reject", note="重复")
    held = submit(people["resident"], (lat, lng), description="待审").get_json()["id"]
    client = login_as(people["stranger"])
    client.post(f"/reports/{near}/follow")
    body = client.get(f"/reports/nearby?lat={lat}&lng={lng}&category=sanitation").get_json()
    assert [item["id"] for item in body["items"]] == [near]
    item = body["items"][0]
    assert 100 < item["distance_m"] < 125 and item["following"] is True and item["mine"] is False
    assert item["follower_count"] == 1 and "reporter" not in item and "lat" not in item
    assert {far, other_kind, done, held}.isdisjoint(i["id"] for i in body["items"])
    parking = client.get(f"/reports/nearby?lat={lat}&lng={lng}&category=parking").get_json()
    assert [i["id"] for i in parking["items"]] == [other_kind]


@pytest.mark.parametrize("query", ["lat=31.2&lng=121.4", "lat=91&lng=121.4&category=parking",
                                   "lat=x&lng=121.4&category=parking"])
def test_nearby_needs_a_place_and_a_category(login_as, people, query):
    assert login_as(people["resident"]).get(f"/reports/nearby?{query}").status_code == 422


def test_nearby_unknown_category_is_422(login_as, people):
    response = login_as(people["resident"]).get("/reports/nearby?lat=31.2&lng=121.4&category=ufo")
    assert response.status_code == 422 and response.get_json()["code"] == "unknown_category"


def test_every_step_writes_one_timeline_row(filed, act, people, login_as):
    report_id = filed()
    steps = [("leader_a1", "accept", {}), ("leader_a1", "dispatch", {"assignee_id": people["wuye"].id}),
             ("wuye", "resolve", {"note": "处理完"}), ("resident", "reopen", {"note": "没好"}),
             ("leader_a1", "escalate", {"note": "上报"}), ("leader_a", "accept", {}),
             ("leader_a", "resolve", {"note": "好了"})]
    for who, action, body in steps:
        assert act(people[who], report_id, action, **body).status_code == 200, action
    login_as(people["resident"]).post(f"/reports/{report_id}/rating", json={"score": 4})
    rows = db.session.scalars(select(ReportEvent).where(ReportEvent.report_id == report_id).order_by(ReportEvent.id))
    assert [(r.action, r.from_status, r.status) for r in rows] == [
        ("submit", None, "submitted"), ("accept", "submitted", "accepted"), ("dispatch", "accepted", "dispatched"),
        ("resolve", "dispatched", "resolved"), ("reopen", "resolved", "accepted"),
        ("escalate", "accepted", "escalated"), ("accept", "escalated", "accepted"),
        ("resolve", "accepted", "resolved"), ("rate", "resolved", "closed")]
