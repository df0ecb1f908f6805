"""A reporter's copy of their 随手拍 data, and what is left of it after they delete their account."""
from __future__ import annotations

import json

from sqlalchemy import select

from backend.core.db import db
from backend.reports.models import Report, ReportEvent, ReportFollower, ReportRating


def test_export_holds_my_reports_anonymous_ones_too_my_ratings_follows_and_notes(filed, act, people, login_as, settle):
    resident = people["resident"]
    named = filed(description="楼道灯坏了")
    hidden = filed(description="有人在绿地里乱倒垃圾", anonymous=True)
    neighbours = filed(user=people["neighbour"], description="车棚顶漏雨")
    client = login_as(resident)
    assert client.post(f"/reports/{neighbours}/follow").status_code == 201
    act(people["leader_a1"], named, "accept", note="已受理")
    act(people["leader_a1"], named, "resolve", note="已更换灯泡")
    assert client.post(f"/reports/{named}/rating", json={"score": 5, "comment": "修得很快"}).status_code == 201
    settle()

    sections = client.get("/me/export").get_json()["sections"]
    mine = sections["reports"]
    assert [(r["id"], r["anonymous"], r["description"]) for r in mine["reports"]] == [
        (named, False, "楼道灯坏了"), (hidden, True, "有人在绿地里乱倒垃圾")]
    assert all(len(r["photo_ids"]) == 1 and r["location"]["address"] for r in mine["reports"])
    assert [(r["report_id"], r["score"], r["comment"]) for r in mine["ratings"]] == [(named, 5, "修得很快")]
    assert [f["report_id"] for f in mine["follows"]] == [neighbours]
    assert [(e["report_id"], e["action"]) for e in mine["timeline"]] == [(named, "submit"), (hidden, "submit"),
                                                                          (named, "rate")]
    assert len(sections["uploads"]["photos"]) == 2
    assert {n["data"]["character_string1"]["value"] for n in sections["jobs"]["notifications"]} == {str(named)}
    assert set(sections) >= {"reports", "uploads", "points", "party", "tasks", "jobs"}


def test_after_erasure_the_reports_stay_for_statistics_and_name_nobody(filed, act, people, login_as, area, settle):
    resident = people["resident"]
    named = filed(description="楼道灯坏了")
    hidden = filed(description="有人在绿地里乱倒垃圾", anonymous=True)
    neighbours = filed(user=people["neighbour"], description="车棚顶漏雨")
    client = login_as(resident)
    client.post(f"/reports/{neighbours}/follow")
    act(people["leader_a1"], named, "accept", note="已受理")
    act(people["leader_a1"], named, "resolve", note="已更换灯泡")
    client.post(f"/reports/{named}/rating", json={"score": 5, "comment": "谢谢三楼王阿姨帮忙"})
    settle()
    identity = (resident.real_name, resident.phone, resident.openid, resident.phone[-4:])

    assert client.delete("/me").status_code == 204

    db.session.expire_all()
    for report_id in (named, hidden):
        report = db.session.get(Report, report_id)
        assert report is not None and report.reporter_id is None
    rating = db.session.scalar(select(ReportRating).where(ReportRating.report_id == named))
    assert (rating.score, rating.comment, rating.user_id) == (5, "", None)
    assert db.session.scalars(select(ReportFollower).where(ReportFollower.report_id == neighbours)).all() == []
    assert db.session.get(Report, neighbours).follower_count == 1, "the count is a statistic and stays"
    rate_event = db.session.scalar(select(ReportEvent).where(ReportEvent.report_id == named, ReportEvent.action == "rate"))
    assert (rate_event.actor_id, rate_event.note) == (None, "")

    for viewer in (people["admin"], people["leader_a1"]):
        for report_id in (named, hidden):
            body = login_as(viewer).get(f"/reports/{report_id}").get_json()
            assert body["reporter"] is None
            assert not any(part in json.dumps(body, ensure_ascii=False) for part in identity)
    timeline = login_as(people["admin"]).get(f"/reports/{hidden}").get_json()["timeline"]
    assert timeline[0]["actor_name"] == "匿名居民"
    timeline = login_as(people["admin"]).get(f"/reports/{named}").get_json()["timeline"]
    assert [e["actor_name"] for e in timeline][0] == "反映人" and timeline[-1]["note"] == ""

    stats = login_as(people["leader_a"]).get(f"/grids/{area['a'].id}/stats").get_json()["sections"]["reports"]
    assert stats["total"] == 3 and (stats["by_status"]["closed"], stats["by_status"]["submitted"]) == (1, 2)
