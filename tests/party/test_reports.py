"""双报告: the employer party organisation's report as JSON and XLSX, and the member's own."""
import io
from datetime import datetime, timedelta

import pytest
import time_machine
from openpyxl import load_workbook

from backend.core.db import utcnow
from backend.core.timeutil import local_zone
from tests.party.conftest import code_of

ORG = "静安区卫健委机关党委"


@pytest.fixture
def served(login_as, make_user, tree, leader, make_activity):
    """Two members of ORG and one of another organisation, registered and approved in
    甲居民区, who served at two activities that have ended; one more member in 乙."""
    start = utcnow().replace(microsecond=0)
    boss = leader(tree["a"])
    people = {}
    for key, grid, org, name in (("wang", tree["a1"], ORG, "王建华"), ("li", tree["a2"], ORG, "李秀珍"),
                                 ("zhang", tree["a1"], "国网市区供电公司党委", "张志强"), ("zhao", tree["b1"], ORG, "赵丽华")):
        person = make_user(real_name=name, phone="13812345678")
        body = {"employer_org": org.removesuffix("机关党委").removesuffix("党委"), "employer_party_org": org,
                "grid_id": grid.id, "skills": ["助老助残"]}
        reg_id = login_as(person).post("/party/registrations", json=body).get_json()["id"]
        approver = boss if grid.path.startswith(tree["a"].path) else leader(tree["b"])
        assert login_as(approver).post(f"/party/registrations/{reg_id}/approve").status_code == 200
        people[key] = person
    pending = make_user(real_name="孙海燕")
    login_as(pending).post("/party/registrations", json={"employer_org": "卫健委", "employer_party_org": ORG,
                                                         "grid_id": tree["a1"].id})
    day = make_activity(tree["a"], title="主题党日", starts_at=start, ends_at=start + timedelta(hours=2),
                        service_minutes=120, points=10)
    patrol = make_activity(tree["a1"], title="网格巡查", kind="patrol", starts_at=start,
                           ends_at=start + timedelta(hours=1), service_minutes=60, points=4)
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        for key in ("wang", "li", "zhang"):
            login_as(people[key]).post("/checkins", json={"token": code_of(day)})
        login_as(people["wang"]).post("/checkins", json={"token": code_of(patrol)})
    with time_machine.travel(start + timedelta(minutes=60), tick=False):
        checkin_id = login_as(people["li"]).get(f"/activities/{day.id}").get_json()["my_checkin"]["id"]
        login_as(people["li"]).post(f"/checkins/{checkin_id}/checkout")  # 30 minutes
    people["boss"] = boss
    return people


def period_of_today():
    today = utcnow().astimezone(local_zone()).date()
    return f"from={today - timedelta(days=1)}&to={today + timedelta(days=1)}"


def test_report_for_one_employer_party_org(login_as, served):
    with time_machine.travel(utcnow() + timedelta(hours=3), tick=False):  # both windows have closed
        response = login_as(served["boss"]).get(f"/party/reports?employer_party_org={ORG}&{period_of_today()}")
    assert response.status_code == 200
    report = response.get_json()
    assert report["employer_party_org"] == ORG and report["total"] == 3
    by_name = {m["member"]["name"]: m for m in report["members"]}
    assert set(by_name) == {"王建华", "李秀珍", "孙海燕"}  # 赵 is in 乙, outside this leader's grids
    wang = by_name["王建华"]
    assert wang["member"]["phone_masked"] == "138****5678" and wang["registration"]["status"] == "approved"
    assert wang["activities"] == 2 and wang["service_hours"] == 2.0 and wang["points"] == 14
    assert [c["activity"]["title"] for c in wang["checkins"]] == ["主题党日", "网格巡查"]
    li = by_name["李秀珍"]
    assert (li["activities"], li["service_hours"], li["points"]) == (1, 0.5, 10)
    assert by_name["孙海燕"]["registration"]["status_name"] == "待审核" and by_name["孙海燕"]["activities"] == 0
    assert report["totals"] == {"activities": 3, "service_hours": 2.5, "points": 24}


def test_xlsx_has_the_same_contents_with_chinese_headers(login_as, served):
    with time_machine.travel(utcnow() + timedelta(hours=3), tick=False):
        response = login_as(served["boss"]).get(f"/party/reports.xlsx?employer_party_org={ORG}&{period_of_today()}")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["双报告汇总", "活动明细", "报表说明"]
    summary = list(book["双报告汇总"].values)
    assert summary[0] == ("姓名", "手机号", "工作单位", "单位党组织", "报到网格", "报到状态", "报到时间",
                          "参加活动（次）", "服务时长（小时）", "获得积分")
    rows = {row[0]: row for row in summary[1:-1]}
    assert rows["王建华"][1] == "138****5678" and rows["王建华"][3] == ORG and rows["王建华"][4] == "甲一微网格"
    assert rows["王建华"][5] == "已通过" and isinstance(rows["王建华"][6], datetime)
    assert rows["王建华"][7:] == (2, 2.0, 14) and rows["李秀珍"][7:] == (1, 0.5, 10)
    assert summary[-1][0] == "合计" and summary[-1][7:] == (3, 2.5, 24)
    detail = list(book["活动明细"].values)
    assert detail[0][:3] == ("姓名", "单位党组织", "活动")
    assert sorted((r[0], r[2], r[3], r[7], r[8]) for r in detail[1:]) == [
        ("李秀珍", "主题党日", "主题党日", 0.5, 10), ("王建华", "主题党日", "主题党日", 1.5, 10),
        ("王建华", "网格巡查", "网格巡查", 0.5, 4)]
    about = dict(book["报表说明"].values)
    assert about["单位党组织"] == ORG


def test_all_organisations_and_the_street_admin(login_as, make_user, tree, served):
    admin = login_as(make_user(roles=[("street_admin", tree["street"])]))
    report = admin.get(f"/party/reports?{period_of_today()}").get_json()
    assert report["employer_party_org"] is None
    assert {m["member"]["name"] for m in report["members"]} == {"王建华", "李秀珍", "张志强", "孙海燕", "赵丽华"}
    assert [m["employer_party_org"] for m in report["members"]][0] == "国网市区供电公司党委"  # sorted by organisation


def test_who_may_see_reports(api, login_as, make_user, tree, served):
    assert api.get("/party/reports").status_code == 401
    assert login_as(served["wang"]).get("/party/reports").status_code == 403
    assert login_as(served["wang"]).get("/party/reports.xlsx").status_code == 403
    handler = make_user(roles=[("handler", tree["street"])])
    assert login_as(handler).get("/party/reports").status_code == 403


def test_bad_periods(login_as, served):
    client = login_as(served["boss"])
    assert client.get("/party/reports?from=2026-02-01&to=2026-01-01").get_json()["code"] == "period_invalid"
    assert client.get("/party/reports?from=2024-01-01&to=2026-01-01").status_code == 422
    assert client.get("/party/reports?from=yesterday").status_code == 422


def test_the_member_sees_their_own(login_as, served):
    with time_machine.travel(utcnow() + timedelta(hours=3), tick=False):  # closes the windows lazily
        mine = login_as(served["wang"]).get(f"/party/me/report?{period_of_today()}").get_json()
    assert mine["activities"] == 2 and mine["service_hours"] == 2.0 and mine["points"] == 14
    assert [r["employer_party_org"] for r in mine["registrations"]] == [ORG]
    assert "user" not in mine["registrations"][0]
    empty = login_as(served["boss"]).get("/party/me/report").get_json()
    assert empty["activities"] == 0 and empty["registrations"] == []


def test_control_characters_are_refused_and_never_break_the_spreadsheet(login_as, make_user, tree, served):
    client = login_as(served["boss"])
    for org in ("\x01", "甲\n乙", "\x00"):
        assert client.get("/party/reports.xlsx", query_string={"employer_party_org": org}).status_code == 422
    refused = login_as(make_user()).post("/party/registrations", json={
        "employer_org": "甲\x07公司", "employer_party_org": "甲公司党委", "grid_id": tree["a1"].id})
    assert refused.status_code == 422 and "employer_org" in refused.get_json()["details"]["fields"]["json"]
    served["wang"].real_name = "王\x0b建华"  # a name that came from elsewhere
    response = client.get(f"/party/reports.xlsx?{period_of_today()}")
    assert response.status_code == 200
    names = [row[0] for row in load_workbook(io.BytesIO(response.data))["双报告汇总"].values]
    assert "王建华" in names
