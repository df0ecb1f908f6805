"""Following is open to anyone logged in, but per person it is limited (README, "Design decisions")."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backend.app import create_app
from backend.auth.services import issue_access_token
from backend.core.db import db
from backend.reports.models import Report, ReportFollower
from config import BaseConfig


@pytest.fixture
def limited_app(database_url, wechat_standin):
    """The app with the configured RATE_LIMITS switched on (the test config has them off)."""
    return create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "WECHAT_API_BASE": wechat_standin.url,
                               "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"})


def open_reports(count: int, reporter, grid) -> list[int]:
    reports = [Report(reporter=reporter, category="sanitation", description=f"楼道堆物 {n}", lat=31.231, lng=121.451,
                      origin_grid=grid, grid=grid, status="submitted") for n in range(count)]
    db.session.add_all(reports)
    db.session.commit()
    return [report.id for report in reports]


def bearer(user) -> dict:
    token, _ = issue_access_token(user)
    db.session.commit()  # on SQLite an open write would lock the request out
    return {"Authorization": f"Bearer {token}"}


def follows_of(user) -> int:
    return db.session.scalar(select(func.count()).select_from(ReportFollower).where(ReportFollower.user_id == user.id))


def test_the_configured_policy_limits_following_per_person():
    assert BaseConfig.RATE_LIMITS["reports.follow_report"] == {"user": "10 per minute;60 per day"}


def test_the_eleventh_follow_in_a_minute_is_refused_and_writes_nothing(limited_app, people, area):
    ids = open_reports(12, people["resident"], area["a1"])
    client = limited_app.test_client()
    stranger = bearer(people["stranger"])
    statuses = [client.post(f"/api/v1/reports/{report_id}/follow", headers=stranger).status_code for report_id in ids[:10]]
    assert statuses == [201] * 10
    refused = client.post(f"/api/v1/reports/{ids[10]}/follow", headers=stranger)
    assert refused.status_code == 429
    assert refused.get_json()["code"] == "too_many_requests" and refused.get_json()["message"] == "操作太频繁，请稍后再试"
    assert follows_of(people["stranger"]) == 10
    assert db.session.get(Report, ids[10]).follower_count == 0
    neighbour = bearer(people["neighbour"])
    assert client.post(f"/api/v1/reports/{ids[11]}/follow", headers=neighbour).status_code == 201, "per person"


@pytest.mark.parametrize("status", ["held", "rejected", "resolved", "closed"])
def test_a_report_that_is_not_open_cannot_be_followed(status, login_as, people, area):
    (report_id,) = open_reports(1, people["resident"], area["a1"])
    db.session.get(Report, report_id).status = status
    db.session.commit()
    refused = login_as(people["stranger"]).post(f"/reports/{report_id}/follow")
    assert refused.status_code == 404 and refused.get_json()["message"] == "反映不存在或无权查看"
    assert follows_of(people["stranger"]) == 0
    assert login_as(people["stranger"]).get(f"/reports/{report_id}").status_code == 404
