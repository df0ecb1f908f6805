"""Rules without HTTP where we can: the state machine, deadlines with a frozen clock,
auto-close, the inbox and the statistics (recounted from scratch)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from backend.core.db import db
from backend.jobs.ticker import run_tick
from backend.inbox.services import inbox_page
from backend.reports.models import STATUS_NAMES, TRANSITIONS, InvalidTransition, Report, ReportEvent
from backend.reports.stats import grid_stats

START = datetime(2025, 3, 3, 1, 0, tzinfo=timezone.utc)  # a Monday, 09:00 in Shanghai


def fresh(report_id: int) -> Report:
    db.session.expire_all()
    return db.session.get(Report, report_id)


def timeline(report_id: int) -> list[tuple[str, int | None, str]]:
    rows = db.session.scalars(select(ReportEvent).where(ReportEvent.report_id == report_id).order_by(ReportEvent.id))
    return [(row.action, row.actor_id, row.note) for row in rows]


# --- the state machine ----------------------------------------------------------------------


@pytest.mark.parametrize("status", list(STATUS_NAMES))
@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_every_action_from_every_state_follows_the_table(status, action):
    report = Report(status=status)
    sources, target = TRANSITIONS[action]
    assert report.allows(action) == (status in sources)
    if status in sources:
        assert report._move(action) == status and report.status == target
    else:
        with pytest.raises(InvalidTransition) as refused:
            report._move(action)
        assert refused.value.status == 409 and refused.value.code == "invalid_transition"
        assert STATUS_NAMES[status] in refused.value.message and report.status == status


def test_final_states_lead_nowhere():
    for status in ("closed", "rejected"):
        assert not any(status in sources for sources, _ in TRANSITIONS.values())


# --- deadlines --------------------------------------------------------------------------------


def test_a_report_nobody_accepts_climbs_the_tree_one_level_per_missed_deadline(filed, people, area, login_as, settle,
                                                                               standin):
    with time_machine.travel(START, tick=False) as clock:
        report_id = filed()  # 环境卫生: 24 h to accept
        clock.shift(timedelta(hours=23, minutes=59))
        assert run_tick()["reports_escalated"] == 0
        report = fresh(report_id)
        assert (report.grid_id, report.status, report.overdue) == (area["a1"].id, "submitted", False)

        clock.shift(timedelta(minutes=2))
        assert run_tick()["reports_escalated"] == 1
        report = fresh(report_id)
        assert (report.grid_id, report.status, report.overdue, report.escalations) == (area["a"].id, "escalated",
                                                                                       True, 1)
        assert report.deadline_at == START + timedelta(hours=48, minutes=1)
        action, actor, note = timeline(report_id)[-1]
        assert (action, actor) == ("escalate", None) and "自动上报至甲居民区" in note
        waiting = [item for item in inbox_items(people["leader_a"]) if item.id == report_id]
        assert waiting and waiting[0].overdue is True, "it shows as overdue where it waits now"
        assert not [item for item in inbox_items(people["leader_a1"]) if item.id == report_id]
        seen = login_as(people["resident"]).get(f"/reports/{report_id}").get_json()
        assert seen["overdue"] is True and seen["timeline"][-1]["actor_name"] == "系统"

        clock.shift(timedelta(hours=24))
        assert run_tick()["reports_escalated"] == 1
        assert fresh(report_id).grid_id == area["street"].id

        clock.shift(timedelta(hours=24))
        assert run_tick()["reports_escalated"] == 0, "there is no level above the street"
        report = fresh(report_id)
        assert (report.grid_id, report.status, report.escalations) == (area["street"].id, "escalated", 2)
        assert report.overdue_at(START + timedelta(days=5))
        assert [a for a, _, _ in timeline(report_id)] == ["submit", "escalate", "escalate"]
        settle()
    sent = standin.requests("/cgi-bin/message/subscribe/send")
    assert [m["json"]["data"]["phrase3"]["value"] for m in sent] == ["已上报", "已上报"]


def test_at_the_top_a_missed_deadline_is_marked_overdue_once(filed, act, people, settle, standin):
    with time_machine.travel(START, tick=False) as clock:
        report_id = filed()
        act(people["leader_a1"], report_id, "escalate", note="需协调")
        act(people["leader_a"], report_id, "escalate", note="需街道")
        act(people["admin"], report_id, "accept")
        clock.shift(timedelta(hours=73))
        assert run_tick()["reports_escalated"] == 1
        clock.shift(timedelta(hours=73))
        assert run_tick()["reports_escalated"] == 0
        report = fresh(report_id)
        assert (report.status, report.overdue, report.escalations) == ("accepted", True, 2)
        assert timeline(report_id)[-1] == ("overdue", None, "超过办结时限，已在最高层级，请尽快处理")
        settle()
    assert [m["json"]["data"]["phrase3"]["value"] for m in standin.requests("/cgi-bin/message/subscribe/send")] == [
        "已上报", "已上报", "处理中"], "the overdue mark is the staff's business, not a message"


def test_an_accepted_report_not_resolved_in_time_is_escalated_too(filed, act, people, area):
    with time_machine.travel(START, tick=False) as clock:
        report_id = filed(category="safety")  # 安全隐患: 2 h to accept, 24 h to resolve
        act(people["leader_a1"], report_id, "accept")
        clock.shift(timedelta(hours=23))
        assert run_tick()["reports_escalated"] == 0
        clock.shift(timedelta(hours=2))
        assert run_tick()["reports_escalated"] == 1
        report = fresh(report_id)
        assert (report.status, report.grid_id, report.overdue) == ("escalated", area["a"].id, True)
        assert "超过办结时限" in timeline(report_id)[-1][2]


def test_acting_in_time_stops_the_escalation(filed, act, people):
    with time_machine.travel(START, tick=False) as clock:
        report_id = filed()
        clock.shift(timedelta(hours=20))
        act(people["leader_a1"], report_id, "accept")
        clock.shift(timedelta(hours=10))
        assert run_tick()["reports_escalated"] == 0 and fresh(report_id).status == "accepted"


def test_held_and_finished_reports_are_never_escalated(filed, submit, act, people):
    with time_machine.travel(START, tick=False) as clock:
        held = submit(people["resident"], description="内容待审").get_json()["id"]
        rejected = filed()
        act(people["leader_a1"], rejected, "reject", note="不属实")
        clock.shift(timedelta(days=30))
        assert run_tick()["reports_escalated"] == 0
        assert fresh(held).status == "held" and fresh(rejected).status == "rejected"


def test_unrated_resolved_reports_close_themselves(filed, act, people, login_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_AUTOCLOSE_DAYS", 5)
    with time_machine.travel(START, tick=False) as clock:
        report_id = filed()
        act(people["leader_a1"], report_id, "accept")
        act(people["leader_a1"], report_id, "resolve", note="已清运")
        clock.shift(timedelta(days=4, hours=23))
        assert run_tick()["reports_closed"] == 0
        clock.shift(timedelta(hours=2))
        assert run_tick()["reports_closed"] == 1
        report = fresh(report_id)
        assert report.status == "closed" and report.closed_at == START + timedelta(days=5, hours=1)
        assert timeline(report_id)[-1] == ("close", None, "5天内未评价，系统自动办结")
        late = login_as(people["resident"]).post(f"/reports/{report_id}/rating", json={"score": 5})
        assert late.status_code == 409
        assert run_tick()["reports_closed"] == 0


# --- inbox -------------------------------------------------------------------------------------


def inbox_items(user):
    """The reports waiting for ``user``, in the inbox's order (one page holds them all here)."""
    return [item for item in inbox_page(user, 1, 100)["items"] if item.kind == "report"]


def reports_in_inbox(user) -> list[tuple[int, str]]:
    return [(item.id, item.status) for item in inbox_items(user)]


def test_inbox_soonest_deadline_first_and_scoped(filed, submit, act, people, area, login_as):
    with time_machine.travel(START, tick=False) as clock:
        slow = filed()  # 24 h
        clock.shift(timedelta(hours=1))
        urgent = filed(category="safety")  # 2 h
        held = submit(people["resident"], description="待审内容").get_json()["id"]
        elsewhere = filed("b1", user=people["stranger"])
        dispatched = filed()
        act(people["leader_a1"], dispatched, "dispatch", member_unit_id=area["street"].member_units[0].id)
        assert reports_in_inbox(people["leader_a1"]) == [(urgent, "submitted"), (slow, "submitted"),
                                                         (held, "held")]
        assert (elsewhere, "submitted") in reports_in_inbox(people["admin"])
        assert reports_in_inbox(people["chengguan"]) == [(dispatched, "dispatched")]
        assert reports_in_inbox(people["wuye"]) == [] and reports_in_inbox(people["resident"]) == []
        item = inbox_items(people["leader_a1"])[0]
        assert item.kind == "report" and item.path == f"/reports/{urgent}" and item.title.startswith("安全隐患：")
        assert item.grid_name == "甲一微网格" and item.overdue is False
        clock.shift(timedelta(hours=3))
        assert [i.overdue for i in inbox_items(people["leader_a1"])] == [True, False, False]
        body = login_as(people["leader_a1"]).get("/inbox").get_json()
        assert [i["id"] for i in body["items"] if i["kind"] == "report"] == [urgent, slow, held]


def test_inbox_of_an_assignee(filed, act, people):
    report_id = filed()
    act(people["leader_a1"], report_id, "dispatch", assignee_id=people["wuye"].id)
    assert reports_in_inbox(people["wuye"]) == [(report_id, "dispatched")]
    act(people["wuye"], report_id, "resolve", note="好了")
    assert reports_in_inbox(people["wuye"]) == []


# --- statistics ----------------------------------------------------------------------------------


def recount(grid) -> dict:
    """The statistics computed the slow way, report by report."""
    reports = [r for r in db.session.scalars(select(Report)) if r.origin_grid.path.startswith(grid.path)]
    now = datetime.now(timezone.utc)
    solved = [r for r in reports if r.status in ("resolved", "closed")]
    counted = [r for r in reports if r.status not in ("rejected", "held")]
    ratings = [r.rating.score for r in reports if r.rating]
    hours = lambda pairs: round(sum((b - a).total_seconds() / 3600 for a, b in pairs) / len(pairs), 1) if pairs else None  # noqa: E731
    share = lambda part, whole: round(len(part) / len(whole), 4) if whole else None  # noqa: E731
    return {
        "total": len(reports),
        "by_status": {s: sum(r.status == s for r in reports) for s in STATUS_NAMES},
        "resolved_rate": share(solved, counted),
        "avg_hours_to_accept": hours([(r.created_at, r.accepted_at) for r in reports if r.accepted_at]),
        "avg_hours_to_resolve": hours([(r.created_at, r.resolved_at) for r in reports if r.resolved_at]),
        "overdue": sum(1 for r in reports if r.overdue_at(now)),
        "rated": len(ratings),
        "satisfaction_rate": share([s for s in ratings if s >= 4], ratings),
        "solved_in_grid_rate": share([r for r in solved if r.escalations == 0], solved),
    }


def test_statistics_match_a_recount_from_scratch(filed, submit, act, people, area, login_as):
    with time_machine.travel(START, tick=False) as clock:
        def resolved(spot="a1", user=None, leader="leader_a1", escalate_to=None):
            report_id = filed(spot, user=user)
            clock.shift(timedelta(hours=2))
            if escalate_to:
                assert act(people[leader], report_id, "escalate", note="需协调").status_code == 200
                leader = escalate_to
            act(people[leader], report_id, "accept")
            clock.shift(timedelta(hours=5))
            act(people[leader], report_id, "resolve", note="好了")
            return report_id

        for score in (5, 4, 3, 1):
            report_id = resolved()
            login_as(people["resident"]).post(f"/reports/{report_id}/rating", json={"score": score})
        resolved(escalate_to="leader_a")
        rated_after_escalation = resolved("a2", leader="leader_a2", escalate_to="leader_a")
        login_as(people["resident"]).post(f"/reports/{rated_after_escalation}/rating", json={"score": 4})
        resolved("b1", user=people["stranger"], leader="leader_b")
        act(people["leader_a1"], filed(), "reject", note="不属实")
        submit(people["resident"], description="待审的描述")
        filed("a2")
        late = filed()
        clock.shift(timedelta(hours=30))
        act(people["leader_a1"], filed(), "accept")
        assert fresh(late).overdue_at(datetime.now(timezone.utc))
        for grid in ("street", "a", "a1", "a2", "b", "b1"):
            assert grid_stats(area[grid]) == recount(area[grid]), grid
        figures = grid_stats(area["a"])
    assert figures["total"] == 11 and figures["by_status"]["closed"] == 5 and figures["rated"] == 5
    assert figures["satisfaction_rate"] == 0.6 and figures["solved_in_grid_rate"] == round(4 / 6, 4)
    assert figures["avg_hours_to_accept"] == round(6 * 2 / 7, 1) and figures["avg_hours_to_resolve"] == 7.0
    assert figures["overdue"] == 3 and figures["resolved_rate"] == round(6 / 9, 4)


def test_statistics_of_an_empty_grid(area):
    figures = grid_stats(area["b"])
    assert figures["total"] == 0 and figures["resolved_rate"] is None and figures["satisfaction_rate"] is None
    assert figures["avg_hours_to_accept"] is None and set(figures["by_status"]) == set(STATUS_NAMES)
