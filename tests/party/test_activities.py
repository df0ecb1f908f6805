"""Activities: creating, who sees them, the leader's code, the poster, check-out, closing, stats."""
import io
from datetime import datetime, timedelta, timezone

import time_machine
from PIL import Image
from sqlalchemy import select

from backend.core.db import db, utcnow
from backend.party.models import Checkin
from backend.party.stats import grid_stats
from backend.points.models import PointEntry
from tests.party.conftest import PLACE, code_of


def new_activity(grid, **changes):
    start = utcnow() + timedelta(days=1)
    return {"grid_id": grid.id, "kind": "volunteer", "title": "垃圾分类桶边督导", "place": "3号垃圾厢房",
            "location": PLACE, "checkin_radius_m": 200, "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(), "capacity": 10, "service_hours": 1.5,
            "points": 5, **changes}


def test_leader_creates_an_activity(login_as, tree, leader):
    response = login_as(leader(tree["a"])).post("/activities", json=new_activity(tree["a1"]))
    assert response.status_code == 201
    body = response.get_json()
    assert body["kind_name"] == "志愿服务" and body["grid"]["id"] == tree["a1"].id
    assert body["service_hours"] == 1.5 and body["capacity"] == 10 and body["checked_in"] == 0
    assert body["location"] == PLACE and body["checkin_radius_m"] == 200 and body["can_manage"] is True


def test_naive_times_are_local(login_as, tree, leader):
    body = login_as(leader(tree["a"])).post("/activities", json=new_activity(
        tree["a"], starts_at="2099-03-01T09:00:00", ends_at="2099-03-01T11:00:00")).get_json()
    assert datetime.fromisoformat(body["starts_at"]) == datetime(2099, 3, 1, 1, tzinfo=timezone.utc)


def test_creating_needs_a_leader_of_that_grid_and_sane_input(login_as, tree, leader, member, api):
    assert api.post("/activities", json=new_activity(tree["a1"])).status_code == 401
    assert login_as(member(tree["a1"])).post("/activities", json=new_activity(tree["a1"])).status_code == 403
    assert login_as(leader(tree["b"])).post("/activities", json=new_activity(tree["a1"])).status_code == 403
    client = login_as(leader(tree["a"]))
    start = utcnow() + timedelta(days=1)
    for bad in ({"kind": "party"}, {"capacity": 0}, {"title": ""}, {"title": "   "}, {"title": "甲\x07乙"},
                {"ends_at": start.isoformat()},
                {"location": None}, {"service_hours": 25}, {"starts_at": "tomorrow"}):
        assert client.post("/activities", json=new_activity(tree["a1"], **bad)).status_code == 422, bad
    past = client.post("/activities", json=new_activity(
        tree["a1"], starts_at=(start - timedelta(days=3)).isoformat(), ends_at=(start - timedelta(days=2)).isoformat()))
    assert past.status_code == 422 and past.get_json()["code"] == "activity_in_past"


def test_who_sees_which_activities(login_as, make_user, tree, leader, member, make_activity):
    now = utcnow()
    street = make_activity(tree["street"], title="街道主题党日", starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=2, hours=2))
    a = make_activity(tree["a"], title="甲议事会", starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=1, hours=2))
    a1 = make_activity(tree["a1"], title="甲一巡查")
    b1 = make_activity(tree["b1"], title="乙一志愿")
    old = make_activity(tree["a1"], title="上周活动", starts_at=now - timedelta(days=7), ends_at=now - timedelta(days=7, hours=-2))

    def titles(client, query=""):
        return [i["title"] for i in client.get(f"/activities{query}").get_json()["items"]]

    a1_member = login_as(member(tree["a1"]))
    assert titles(a1_member) == ["甲一巡查", "甲议事会", "街道主题党日"]  # running first, then by start
    assert titles(a1_member, "?when=past") == ["上周活动"]
    assert titles(a1_member, "?when=all") == ["甲一巡查", "甲议事会", "街道主题党日", "上周活动"]
    assert titles(login_as(member(tree["a"]))) == ["甲一巡查", "甲议事会", "街道主题党日"]
    assert titles(login_as(make_user(grid_id=tree["b1"].id))) == ["乙一志愿", "街道主题党日"]  # a resident
    assert titles(login_as(make_user())) == []
    assert titles(login_as(leader(tree["b"]))) == ["乙一志愿"]
    assert titles(login_as(make_user(roles=[("street_admin", tree["street"])])), f"?grid_id={tree['a2'].id}") == [
        "甲议事会", "街道主题党日"]
    assert login_as(member(tree["a1"])).get(f"/activities/{b1.id}").status_code == 404
    detail = a1_member.get(f"/activities/{a1.id}").get_json()
    assert detail["title"] == "甲一巡查" and detail["my_checkin"] is None and detail["can_manage"] is False
    assert a1_member.get("/activities?when=soon").status_code == 422
    assert {street.id, a.id, old.id}


def test_detail_shows_my_checkin(login_as, tree, member, make_activity):
    activity = make_activity(tree["a"])
    client = login_as(member(tree["a1"]))
    checkin = client.post("/checkins", json={"token": code_of(activity)}).get_json()
    mine = client.get(f"/activities/{activity.id}").get_json()["my_checkin"]
    assert mine["id"] == checkin["id"] and mine["activity"]["id"] == activity.id


def test_checkin_code_is_for_the_activitys_leaders_during_its_window(login_as, make_user, tree, leader, member, make_activity):
    activity = make_activity(tree["a1"])
    code = login_as(leader(tree["a"])).get(f"/activities/{activity.id}/checkin-code")
    assert code.status_code == 200
    body = code.get_json()
    assert body["token"].startswith(f"{activity.id}.") and 1 <= body["expires_in"] <= 30 and body["valid_for"] > 30
    assert login_as(leader(tree["a1"])).get(f"/activities/{activity.id}/checkin-code").status_code == 200
    assert login_as(leader(tree["b"])).get(f"/activities/{activity.id}/checkin-code").status_code == 404
    assert login_as(member(tree["a1"])).get(f"/activities/{activity.id}/checkin-code").status_code == 403
    later = make_activity(tree["a1"], starts_at=utcnow() + timedelta(days=1), ends_at=utcnow() + timedelta(days=1, hours=1))
    refused = login_as(leader(tree["a"])).get(f"/activities/{later.id}/checkin-code")
    assert refused.status_code == 409 and refused.get_json()["code"] == "activity_not_open"


def test_code_from_the_endpoint_checks_a_member_in(login_as, tree, leader, member, make_activity):
    activity = make_activity(tree["a"])
    token = login_as(leader(tree["a"])).get(f"/activities/{activity.id}/checkin-code").get_json()["token"]
    assert login_as(member(tree["a2"])).post("/checkins", json={"token": token}).status_code == 201


def test_poster_is_a_mini_program_code_or_a_qr_fallback(login_as, tree, leader, member, make_activity, fenced, standin):
    activity = make_activity(tree["a"], **fenced)
    client = login_as(leader(tree["a"]))
    poster = client.get(f"/activities/{activity.id}/poster")
    assert poster.status_code == 200 and poster.mimetype == "image/png" and poster.headers["X-Poster-Kind"] == "wxacode"
    [call] = standin.requests("/wxa/getwxacodeunlimit")
    assert call["json"]["scene"].startswith(f"a={activity.id}.") and len(call["json"]["scene"]) <= 32
    standin.inject("/wxa/getwxacodeunlimit", errcode=45009)
    fallback = client.get(f"/activities/{activity.id}/poster")
    assert fallback.status_code == 200 and fallback.headers["X-Poster-Kind"] == "qrcode"
    assert Image.open(io.BytesIO(fallback.data)).format == "PNG"
    # The poster's code checks a member in on the spot.
    scan = login_as(member(tree["a1"])).post("/checkins", json={"token": call["json"]["scene"], "location": PLACE})
    assert scan.status_code == 201 and scan.get_json()["via"] == "poster"
    unfenced = make_activity(tree["a"], title="无围栏")
    refused = client.get(f"/activities/{unfenced.id}/poster")
    assert refused.status_code == 409 and refused.get_json()["code"] == "poster_needs_radius"
    assert login_as(member(tree["a1"])).get(f"/activities/{activity.id}/poster").status_code == 403


def test_checkout_records_capped_hours_and_awards_points_once(login_as, tree, member, make_activity):
    start = utcnow().replace(microsecond=0)
    activity = make_activity(tree["a"], starts_at=start, ends_at=start + timedelta(hours=4), service_minutes=90, points=8)
    person = member(tree["a1"])
    client = login_as(person)
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        checkin_id = client.post("/checkins", json={"token": code_of(activity)}).get_json()["id"]
    with time_machine.travel(start + timedelta(minutes=70), tick=False):
        out = client.post(f"/checkins/{checkin_id}/checkout")
        assert out.status_code == 200 and out.get_json()["service_hours"] == 1.0
    with time_machine.travel(start + timedelta(minutes=110), tick=False):
        again = client.post(f"/checkins/{checkin_id}/checkout").get_json()
        assert again["service_hours"] == 1.0 and again["checked_out_at"] == out.get_json()["checked_out_at"]
    [entry] = db.session.scalars(select(PointEntry)).all()
    assert (entry.user_id, entry.points, entry.source, entry.source_id) == (person.id, 8, "activity", checkin_id)
    assert login_as(member(tree["a1"])).post(f"/checkins/{checkin_id}/checkout").status_code == 404


def test_long_stay_is_capped_and_early_checkout_refused(login_as, tree, member, make_activity):
    start = utcnow().replace(microsecond=0) + timedelta(minutes=20)
    activity = make_activity(tree["a"], starts_at=start, ends_at=start + timedelta(hours=4), service_minutes=90)
    client = login_as(member(tree["a1"]))
    checkin_id = client.post("/checkins", json={"token": code_of(activity)}).get_json()["id"]
    early = client.post(f"/checkins/{checkin_id}/checkout")
    assert early.status_code == 409 and early.get_json()["code"] == "activity_not_started"
    with time_machine.travel(start + timedelta(minutes=95), tick=False):
        assert client.post(f"/checkins/{checkin_id}/checkout").get_json()["service_hours"] == 1.5


def test_the_window_closing_records_hours_and_points(app, login_as, tree, member, make_activity):
    start = utcnow().replace(microsecond=0)
    activity = make_activity(tree["a"], starts_at=start, ends_at=start + timedelta(hours=1), service_minutes=120, points=6)
    people = [member(tree["a1"]) for _ in range(3)]
    with time_machine.travel(start + timedelta(minutes=15), tick=False):
        for person in people:
            login_as(person).post("/checkins", json={"token": code_of(activity)})
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        result = app.test_cli_runner().invoke(args=["party", "close-activities"])
        assert result.exit_code == 0 and "1 场" in result.output
        assert "0 场" in app.test_cli_runner().invoke(args=["party", "close-activities"]).output
    db.session.expire_all()
    rows = db.session.scalars(select(Checkin)).all()
    assert [c.service_minutes for c in rows] == [45, 45, 45]
    assert all(c.checked_out_at == activity.ends_at for c in rows)
    assert sorted(e.user_id for e in db.session.scalars(select(PointEntry))) == sorted(p.id for p in people)


def test_grid_stats_for_a_subtree(login_as, make_user, tree, member, make_activity):
    a1_day, b1_day = make_activity(tree["a1"]), make_activity(tree["b1"])
    make_activity(tree["a"], title="未开始", starts_at=utcnow() + timedelta(days=1), ends_at=utcnow() + timedelta(days=1, hours=1))
    login_as(member(tree["a1"])).post("/checkins", json={"token": code_of(a1_day)})
    login_as(member(tree["b1"])).post("/checkins", json={"token": code_of(b1_day)})
    login_as(make_user()).post("/party/registrations", json={
        "employer_org": "甲单位", "employer_party_org": "甲单位党委", "grid_id": tree["a2"].id})
    db.session.execute(Checkin.__table__.update().values(service_minutes=90))
    db.session.commit()
    assert grid_stats(tree["a"]) == {"activities": 2, "checkins": 1, "service_hours": 1.5,
                                     "registrations_pending": 1, "registrations_approved": 0}
    assert grid_stats(tree["street"])["checkins"] == 2
    merged = login_as(make_user(roles=[("grid_leader", tree["a"])])).get(f"/grids/{tree['a'].id}/stats").get_json()
    assert merged["sections"]["party"]["service_hours"] == 1.5
    assert grid_stats(tree["b1"])["registrations_pending"] == 0


def test_an_activity_without_service_hours_still_gives_its_points(login_as, tree, member, make_activity):
    start = utcnow().replace(microsecond=0) - timedelta(minutes=30)
    meeting = make_activity(tree["a"], kind="council", starts_at=start, ends_at=start + timedelta(hours=2),
                            service_minutes=0, points=3)
    client = login_as(member(tree["a1"]))
    checkin_id = client.post("/checkins", json={"token": code_of(meeting)}).get_json()["id"]
    assert client.post(f"/checkins/{checkin_id}/checkout").get_json()["service_hours"] == 0
    assert [e.points for e in db.session.scalars(select(PointEntry))] == [3]
