"""The API writes every time in the service's zone with its offset, as the contract says: here
across a task's life, from publishing to the points it earns (tasks, claims, the inbox, the ledger)."""
from __future__ import annotations

from datetime import datetime, timedelta

from backend.core.db import utcnow

SHANGHAI = "+08:00"


def test_a_task_s_times_are_written_in_shanghai_time_from_publishing_to_points(login_as, leader, member, tree):
    boss, person = login_as(leader(tree["a"])), login_as(member(tree["a1"]))
    tomorrow_ten_am_utc = (utcnow() + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    published = boss.post("/tasks", json={"grid_id": tree["a1"].id, "title": "楼道清理", "slots": 1, "points": 3,
                                          "proof_required": ["note"],
                                          "deadline": tomorrow_ten_am_utc.isoformat()}).get_json()
    assert published["deadline"] == tomorrow_ten_am_utc.replace(hour=18, tzinfo=None).isoformat() + SHANGHAI
    claim = person.post(f"/tasks/{published['id']}/claims").get_json()
    assert claim["claimed_at"].endswith(SHANGHAI)
    assert abs(datetime.fromisoformat(claim["claimed_at"]) - utcnow()) < timedelta(minutes=1)
    person.post(f"/tasks/{published['id']}/claims/{claim['id']}/submit", json={"note": "已完成"})
    waiting = boss.get("/inbox").get_json()["items"]
    assert [item["deadline"] for item in waiting] == [published["deadline"]]
    verified = boss.post(f"/tasks/{published['id']}/claims/{claim['id']}/verify", json={"approved": True}).get_json()
    assert verified["verified_at"].endswith(SHANGHAI)
    ledger = person.get("/points/me").get_json()
    assert ledger["items"] and all(entry["created_at"].endswith(SHANGHAI) for entry in ledger["items"])
