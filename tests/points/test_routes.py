"""Points over HTTP: my balance and history, rankings, leaders' adjustments, and who may see what."""
from __future__ import annotations

from datetime import datetime, timezone

import time_machine
from sqlalchemy import func, select

from backend.core.db import db
from backend.points.models import PointEntry
from backend.points.services import award_points
from tests.tasks.test_round_trips import statements

MID_MARCH = datetime(2026, 3, 15, 4, 0, tzinfo=timezone.utc)


def member_of(make_user, grid, **fields):
    return make_user(roles=[("party_member", grid)], grid_id=grid.id, **fields)


def test_my_balance_and_history_newest_first(api, login_as, make_user, tree):
    person = member_of(make_user, tree["a1"])
    boss = make_user(roles=[("grid_leader", tree["a"])], real_name="张志强")
    award_points(person, 5, "task", tree["a1"], source_id=1, granted_by=boss, note="楼道清理")
    award_points(person, 1, "checkin", tree["a1"], source_id=9, note="主题党日签到")
    award_points(person, -2, "manual", tree["a1"], granted_by=boss, note="重复登记，扣回")
    db.session.commit()
    body = login_as(person).get("/points/me").get_json()
    assert body["balance"] == 4 and body["total"] == 3
    assert [(e["points"], e["source"], e["source_name"], e["note"]) for e in body["items"]] == [
        (-2, "manual", "网格长调整", "重复登记，扣回"), (1, "checkin", "活动签到", "主题党日签到"),
        (5, "task", "完成微事项", "楼道清理")]
    granter = {"id": boss.id, "name": "张志强"}
    assert [e["granted_by"] for e in body["items"]] == [granter, None, granter]
    assert login_as(make_user()).get("/points/me").get_json() == {"balance": 0, "items": [], "total": 0,
                                                                  "page": 1, "page_size": 20}
    assert api.get("/points/me").status_code == 401


def test_ranking_masks_names_and_shares_ranks_on_ties(login_as, make_user, tree):
    wang = member_of(make_user, tree["a1"], real_name="王建华")
    li = member_of(make_user, tree["a2"], real_name="李伟")
    zhao = member_of(make_user, tree["a1"], nickname="赵")
    outside = member_of(make_user, tree["b1"], real_name="陈美玲")
    for person, points in ((wang, 8), (li, 5), (zhao, 5), (outside, 20)):
        award_points(person, points, "manual", person.grid, note="测试")
    db.session.commit()
    body = login_as(wang).get(f"/points/ranking?grid_id={tree['a'].id}&period=all").get_json()
    assert body["period"] == "all" and body["total"] == 3
    assert [(r["rank"], r["user"]["name"], r["points"]) for r in body["items"]] == [(1, "王*华", 8), (2, "李*", 5), (2, "赵*", 5)]
    assert [r["user"]["id"] for r in body["items"]] == [wang.id, li.id, zhao.id]
    street = login_as(wang).get(f"/points/ranking?grid_id={tree['street'].id}&period=all").get_json()
    assert street["items"][0] == {"rank": 1, "user": {"id": outside.id, "name": "陈*玲"}, "points": 20}


def test_rankings_by_month_and_year(login_as, make_user, tree):
    person = member_of(make_user, tree["a1"])
    with time_machine.travel(datetime(2025, 12, 20, tzinfo=timezone.utc), tick=False):
        award_points(person, 10, "manual", tree["a1"], note="去年")
    with time_machine.travel(datetime(2026, 2, 10, tzinfo=timezone.utc), tick=False):
        award_points(person, 4, "manual", tree["a1"], note="上月")
    with time_machine.travel(datetime(2026, 2, 28, 17, 0, tzinfo=timezone.utc), tick=False):
        award_points(person, 2, "manual", tree["a1"], note="上海时间 3 月 1 日凌晨")
    with time_machine.travel(MID_MARCH, tick=False):
        award_points(person, 1, "manual", tree["a1"], note="本月")
        db.session.commit()
        client = login_as(person)

        def figure(period):
            return client.get(f"/points/ranking?grid_id={tree['a1'].id}&period={period}").get_json()["items"][0]["points"]

        assert (figure("month"), figure("year"), figure("all")) == (3, 7, 17)
        assert client.get(f"/points/ranking?grid_id={tree['a1'].id}").get_json()["period"] == "month"


def test_who_may_see_a_ranking(api, login_as, make_user, tree):
    person = member_of(make_user, tree["a1"])
    client = login_as(person)
    for grid in ("a1", "a", "street"):
        assert client.get(f"/points/ranking?grid_id={tree[grid].id}").status_code == 200
    for grid in ("a2", "b", "b1"):
        response = client.get(f"/points/ranking?grid_id={tree[grid].id}")
        assert response.status_code == 403 and response.get_json()["message"]
    boss = login_as(make_user(roles=[("grid_leader", tree["a"])]))
    assert boss.get(f"/points/ranking?grid_id={tree['a2'].id}").status_code == 200
    assert boss.get(f"/points/ranking?grid_id={tree['b'].id}").status_code == 403
    assert login_as(make_user()).get(f"/points/ranking?grid_id={tree['a'].id}").status_code == 403
    assert client.get("/points/ranking?grid_id=4242").status_code == 404
    assert client.get(f"/points/ranking?grid_id={tree['a'].id}&period=week").status_code == 422
    assert client.get("/points/ranking").status_code == 422
    assert api.get(f"/points/ranking?grid_id={tree['a'].id}").status_code == 401


def test_a_leader_adjusts_points_with_a_reason(login_as, make_user, tree):
    person = member_of(make_user, tree["a1"])
    boss = make_user(roles=[("grid_leader", tree["a"])])
    client = login_as(boss)
    body = {"user_id": person.id, "grid_id": tree["a1"].id, "points": -3, "reason": " 重复记分，扣回 "}
    response = client.post("/points/adjustments", json=body)
    assert response.status_code == 201
    assert (response.get_json()["points"], response.get_json()["note"]) == (-3, "重复记分，扣回")
    entry = db.session.scalar(select(PointEntry))
    assert (entry.source, entry.source_id, entry.granted_by_id, entry.grid_path) == ("manual", None, boss.id, tree["a1"].path)
    again = client.post("/points/adjustments", json=body)
    assert again.status_code == 201  # every adjustment is its own entry
    assert login_as(person).get("/points/me").get_json()["balance"] == -6


def test_adjustments_are_refused_clearly(api, login_as, make_user, tree):
    person = member_of(make_user, tree["a1"])
    boss = login_as(make_user(roles=[("grid_leader", tree["a"])]))
    body = {"user_id": person.id, "grid_id": tree["a1"].id, "points": 2, "reason": "帮助孤老"}

    def refused(client, status, code, **change):
        response = client.post("/points/adjustments", json=body | change)
        assert (response.status_code, response.get_json()["code"]) == (status, code)

    refused(boss, 422, "reason_required", reason="   ")
    refused(boss, 422, "validation_error", reason="")
    refused(boss, 422, "points_zero", points=0)
    refused(boss, 422, "validation_error", points=5000)
    refused(boss, 404, "not_found", user_id=4242)
    refused(boss, 404, "not_found", grid_id=4242)
    refused(boss, 403, "forbidden", grid_id=tree["b1"].id)
    refused(boss, 422, "member_not_in_grid", user_id=member_of(make_user, tree["b1"]).id)
    refused(login_as(make_user(roles=[("grid_leader", tree["b"])])), 403, "forbidden")
    refused(login_as(person), 403, "forbidden")
    assert api.post("/points/adjustments", json=body).status_code == 401
    assert db.session.scalar(select(func.count()).select_from(PointEntry)) == 0


def test_history_and_ranking_take_the_same_statements_whatever_their_length(login_as, make_user, tree):
    person = member_of(make_user, tree["a1"])
    boss = make_user(roles=[("grid_leader", tree["a"])])
    award_points(person, 1, "manual", tree["a1"], granted_by=boss, note="一")
    db.session.commit()
    client = login_as(person)
    with statements() as few:
        client.get("/points/me")
        client.get(f"/points/ranking?grid_id={tree['a'].id}")
    for n in range(15):
        other = member_of(make_user, tree["a2"])
        award_points(person, 1, "manual", tree["a1"], granted_by=make_user(roles=[("grid_leader", tree["a"])]), note="多")
        award_points(other, n + 1, "manual", tree["a2"], granted_by=boss, note="多")
    db.session.commit()
    with statements() as many:
        client.get("/points/me")
        client.get(f"/points/ranking?grid_id={tree['a'].id}")
    assert len(many) == len(few), many


def test_a_members_ranking_takes_no_more_statements_than_a_leaders(login_as, make_user, tree):
    """A member is let in by the grants and home the login lookup read, not by their roles loaded again."""
    member_client = login_as(member_of(make_user, tree["a1"]))
    leader_client = login_as(make_user(roles=[("grid_leader", tree["a"])]))
    path = f"/points/ranking?grid_id={tree['a'].id}"
    db.session.commit()
    with statements() as members:
        assert member_client.get(path).status_code == 200
    with statements() as leaders:
        assert leader_client.get(path).status_code == 200
    assert len(members) == len(leaders), members
