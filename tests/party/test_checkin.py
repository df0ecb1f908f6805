"""POST /checkins end to end: the approval gate, codes on a frozen clock, window, capacity, geofence, repeats."""
from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from backend.core.db import db, utcnow
from backend.party.models import Activity, Checkin
from tests.party.conftest import FAR, PLACE, code_of, poster_of


def checkins() -> int:
    return db.session.scalar(select(func.count()).select_from(Checkin))


def seats(activity) -> int:
    return db.session.scalar(select(Activity.checked_in).where(Activity.id == activity.id))


def test_first_scan_201_repeat_200_with_the_same_record(login_as, tree, member, make_activity):
    activity = make_activity(tree["a"])
    client = login_as(member(tree["a1"]))
    first = client.post("/checkins", json={"token": code_of(activity)})
    assert first.status_code == 201
    body = first.get_json()
    assert body["repeat"] is False and body["activity"] == {"id": activity.id, "title": "主题党日"}
    assert body["checked_in_at"] and body["checked_out_at"] is None and body["via"] == "code"
    again = client.post("/checkins", json={"token": code_of(activity)})
    assert again.status_code == 200
    assert again.get_json() | {"repeat": False} == body and again.get_json()["repeat"] is True
    assert checkins() == 1 and seats(activity) == 1


def test_idempotency_key_replays_the_first_answer(login_as, tree, member, make_activity):
    activity = make_activity(tree["a"])
    client = login_as(member(tree["a1"]))
    token = code_of(activity)
    first = client.post("/checkins", json={"token": token}, headers={"Idempotency-Key": "scan-1"})
    retry = client.post("/checkins", json={"token": token}, headers={"Idempotency-Key": "scan-1"})
    assert first.status_code == retry.status_code == 201
    assert retry.get_json() == first.get_json()
    assert retry.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    repeat = client.post("/checkins", json={"token": token}, headers={"Idempotency-Key": "scan-2"})
    assert repeat.status_code == 200 and "Idempotent-Replayed" not in repeat.headers, "a new scan, not a retry"
    other = make_activity(tree["a"], title="另一场")
    reused = client.post("/checkins", json={"token": code_of(other)}, headers={"Idempotency-Key": "scan-1"})
    assert reused.status_code == 422 and reused.get_json()["code"] == "idempotency_key_reused"
    assert client.post("/checkins", json={"token": token}, headers={"Idempotency-Key": "x" * 65}).status_code == 400
    assert checkins() == 1 and seats(other) == 0


def test_only_party_members_on_the_activitys_line_may_check_in(login_as, make_user, tree, member, make_activity):
    activity = make_activity(tree["a"])
    token = code_of(activity)
    resident = make_user(grid_id=tree["a1"].id)
    refused = login_as(resident).post("/checkins", json={"token": token})
    assert refused.status_code == 403 and refused.get_json()["code"] == "not_registered"
    assert "双报到" in refused.get_json()["message"]
    neighbour = login_as(member(tree["b1"])).post("/checkins", json={"token": token})
    assert neighbour.status_code == 403 and neighbour.get_json()["code"] == "not_registered"
    # A member of the 居民区 itself, and one of a micro-grid under it, may; so may a 在册 member.
    assert login_as(member(tree["a"])).post("/checkins", json={"token": token}).status_code == 201
    registered = make_user(roles=[("party_member", tree["a2"], {"party_kind": "registered"})])
    assert login_as(registered).post("/checkins", json={"token": token}).status_code == 201
    # A street-wide activity takes members of every grid.
    street_day = make_activity(tree["street"])
    assert login_as(member(tree["b1"])).post("/checkins", json={"token": code_of(street_day)}).status_code == 201
    assert seats(activity) == 2


def test_not_logged_in_is_401(api, tree, make_activity):
    assert api.post("/checkins", json={"token": code_of(make_activity(tree["a"]))}).status_code == 401


def test_a_token_given_up_checks_nobody_in(login_as, tree, member, make_activity):
    """The scan's statement checks the token as the login lookup does elsewhere: after 退出所有设备
    a scan is a 401 that writes nothing, whether or not its activity exists."""
    activity = make_activity(tree["a"])
    client = login_as(member(tree["a1"]))
    assert client.post("/auth/logout").status_code < 300
    for token in (code_of(activity), code_of(type(activity)(id=987654))):
        refused = client.post("/checkins", json={"token": token})
        assert refused.status_code == 401 and refused.get_json()["code"] == "token_revoked"
    assert checkins() == seats(activity) == 0


def test_expired_code_and_replay_on_a_frozen_clock(login_as, tree, member, make_activity):
    # Log in first: an access token stamped a second after the frozen clock reads as not yet valid.
    first, friend = login_as(member(tree["a1"])), login_as(member(tree["a2"]))
    start = utcnow().replace(microsecond=0)
    activity = make_activity(tree["a"], starts_at=start - timedelta(hours=1), ends_at=start + timedelta(hours=2))
    with time_machine.travel(start, tick=False):
        token = code_of(activity)
        assert first.post("/checkins", json={"token": token}).status_code == 201
    with time_machine.travel(start + timedelta(seconds=90), tick=False):  # a forwarded screenshot
        late = friend.post("/checkins", json={"token": token})
        assert late.status_code == 400 and late.get_json()["code"] == "checkin_code_expired"
        assert "过期" in late.get_json()["message"]
        # A dead code is dead for everyone, even someone already checked in.
        assert first.post("/checkins", json={"token": token}).get_json()["code"] == "checkin_code_expired"
        assert friend.post("/checkins", json={"token": code_of(activity)}).status_code == 201
    assert checkins() == 2


def test_window_is_enforced(login_as, tree, member, make_activity):
    now = utcnow()
    later = make_activity(tree["a"], starts_at=now + timedelta(hours=2), ends_at=now + timedelta(hours=4))
    over = make_activity(tree["a"], title="已结束", starts_at=now - timedelta(hours=3), ends_at=now - timedelta(minutes=1))
    soon = make_activity(tree["a"], title="半小时内开始", starts_at=now + timedelta(minutes=20), ends_at=now + timedelta(hours=2))
    client = login_as(member(tree["a1"]))
    for activity in (later, over):
        refused = client.post("/checkins", json={"token": code_of(activity)})
        assert refused.status_code == 409 and refused.get_json()["code"] == "activity_not_open"
    assert "尚未开始" in client.post("/checkins", json={"token": code_of(later)}).get_json()["message"]
    assert client.post("/checkins", json={"token": code_of(soon)}).status_code == 201  # 30 minutes early is fine
    assert seats(later) == seats(over) == 0


def test_full_activity_is_refused_but_a_repeat_still_gets_its_record(login_as, tree, member, make_activity):
    activity = make_activity(tree["a"], capacity=1)
    inside = login_as(member(tree["a1"]))
    assert inside.post("/checkins", json={"token": code_of(activity)}).status_code == 201
    full = login_as(member(tree["a1"])).post("/checkins", json={"token": code_of(activity)})
    assert full.status_code == 409 and full.get_json()["code"] == "activity_full"
    # Who may not come at all is told so, full or not.
    neighbour = login_as(member(tree["b1"])).post("/checkins", json={"token": code_of(activity)})
    assert neighbour.status_code == 403 and neighbour.get_json()["code"] == "not_registered"
    repeat = inside.post("/checkins", json={"token": code_of(activity)})
    assert repeat.status_code == 200 and repeat.get_json()["repeat"] is True
    assert seats(activity) == checkins() == 1


def test_geofence_keeps_only_a_band(login_as, tree, member, make_activity, fenced):
    activity = make_activity(tree["a"], **fenced)
    client = login_as(member(tree["a1"]))
    missing = client.post("/checkins", json={"token": code_of(activity)})
    assert missing.status_code == 422 and missing.get_json()["code"] == "location_required"
    far = client.post("/checkins", json={"token": code_of(activity), "location": FAR})
    assert far.status_code == 403 and far.get_json()["code"] == "too_far"
    assert far.get_json()["details"] == {"distance_band": "300m-1km"} and "300 米–1 公里" in far.get_json()["message"]
    near = {"lat": PLACE["lat"] + 0.001, "lng": PLACE["lng"]}  # about 110 m
    ok = client.post("/checkins", json={"token": code_of(activity), "location": near})
    assert ok.status_code == 201
    assert ok.get_json()["within_radius"] is True and ok.get_json()["distance_band"] == "100-300m"
    row = db.session.scalars(select(Checkin)).one()
    assert (row.within_radius, row.distance_band) == (True, "100-300m")
    assert not hasattr(row, "lat") and seats(activity) == 1


def test_a_scan_with_a_location_leaves_the_activitys_place_alone(login_as, tree, member, make_activity, fenced):
    activity = make_activity(tree["a"], **fenced)
    near = {"lat": PLACE["lat"] + 0.001, "lng": PLACE["lng"] + 0.001}
    assert login_as(member(tree["a1"])).post("/checkins", json={"token": code_of(activity), "location": near}).status_code == 201
    db.session.expire_all()
    assert (db.session.get(Activity, activity.id).lat, db.session.get(Activity, activity.id).lng) == (PLACE["lat"], PLACE["lng"])


def test_location_without_a_fence_is_banded_not_judged(login_as, tree, member, make_activity):
    activity = make_activity(tree["a"], lat=PLACE["lat"], lng=PLACE["lng"])
    body = login_as(member(tree["a1"])).post("/checkins", json={"token": code_of(activity), "location": FAR}).get_json()
    assert body["within_radius"] is None and body["distance_band"] == "300m-1km"


def test_wrong_activity_and_junk_codes(login_as, tree, member, make_activity):
    one, two = make_activity(tree["a"]), make_activity(tree["a"], title="另一场")
    client = login_as(member(tree["a1"]))
    wrong = client.post("/checkins", json={"token": code_of(one), "activity_id": two.id})
    assert wrong.status_code == 400 and wrong.get_json()["code"] == "checkin_wrong_activity"
    junk = client.post("/checkins", json={"token": "https://example.com/not-ours"})
    assert junk.status_code == 400 and junk.get_json()["code"] == "checkin_code_invalid"
    assert client.post("/checkins", json={}).status_code == 422
    assert client.post("/checkins", json={"token": "x", "location": {"lat": 999, "lng": 0}}).status_code == 422
    gone = client.post("/checkins", json={"token": code_of(type(one)(id=987654))})
    assert gone.status_code == 400 and gone.get_json()["code"] == "checkin_code_invalid"


def test_poster_code_needs_a_fence(login_as, tree, member, make_activity, fenced):
    fenced_day = make_activity(tree["a"], **fenced)
    open_day = make_activity(tree["a"], title="无围栏")
    client = login_as(member(tree["a1"]))
    assert client.post("/checkins", json={"token": poster_of(fenced_day), "location": PLACE}).get_json()["via"] == "poster"
    refused = client.post("/checkins", json={"token": poster_of(open_day)})
    assert refused.status_code == 409 and refused.get_json()["code"] == "poster_checkin_disabled"
