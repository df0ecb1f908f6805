"""The demo street's 双报到 data, and a member's copy and erasure of theirs."""
from sqlalchemy import func, select

from backend.auth.models import User
from backend.core.db import db
from backend.party.models import Activity, Checkin, PartyRegistration
from tests.party.conftest import code_of


def party_counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (PartyRegistration, Activity, Checkin))


def test_demo_seed_is_idempotent_and_usable(app, api):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    first = party_counts()
    assert first == (10, 3, 4)
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert party_counts() == first
    login = api.post("/auth/wechat-login", json={"code": "as:demo_leader_01"}).get_json()
    inbox = api.get("/inbox", headers={"Authorization": f"Bearer {login['access_token']}"}).get_json()["items"]
    assert len([i for i in inbox if i["kind"] == "registration"]) == 4
    approved = db.session.scalars(select(PartyRegistration).where(PartyRegistration.status == "approved")).first()
    today = db.session.scalar(select(Activity).where(Activity.kind == "party_day"))
    member = db.session.get(User, approved.user_id)
    token = api.post("/auth/wechat-login", json={"code": f"as:{member.openid}"}).get_json()["access_token"]
    checkin = api.post("/checkins", json={"token": code_of(today), "location": {"lat": today.lat, "lng": today.lng}},
                       headers={"Authorization": f"Bearer {token}"})
    assert checkin.status_code == 201 and checkin.get_json()["distance_band"] == "<100m"


def test_export_and_erasure(login_as, tree, member, make_activity):
    person = member(tree["a1"])
    client = login_as(person)
    client.post("/party/registrations", json={"employer_org": "甲单位", "employer_party_org": "甲单位党委",
                                              "grid_id": tree["a2"].id, "skills": ["维修技能"]})
    client.post("/checkins", json={"token": code_of(make_activity(tree["a"]))})
    sections = client.get("/me/export").get_json()["sections"]["party"]
    assert [r["employer_org"] for r in sections["registrations"]] == ["甲单位"]
    assert [c["activity"]["title"] for c in sections["checkins"]] == ["主题党日"]
    assert client.delete("/me").status_code == 204
    assert party_counts()[0] == 0  # the registration (employer, skills) is gone
    assert party_counts()[2] == 1  # attendance stays for the grid's figures, with no coordinates
