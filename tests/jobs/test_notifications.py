"""Subscribe messages through the outbox: delivered once, retried when WeChat fails, never lost,
and not retried when the person has not subscribed."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import time_machine
from sqlalchemy import func, select

from backend.core.db import db
from backend.jobs.models import Notification
from backend.jobs.notifications import _claim, deliver_notification, notify
from backend.jobs.ticker import run_tick

START = datetime(2025, 3, 3, 1, 0, tzinfo=timezone.utc)
SEND = "/cgi-bin/message/subscribe/send"


def eventually(condition, timeout: float = 10.0) -> None:
    """Poll ``condition`` (ending our transaction each time) until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        db.session.commit()
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def the_notification() -> Notification:
    db.session.expire_all()
    return db.session.scalar(select(Notification))


def test_a_notification_is_delivered_once_after_the_commit(make_user, settle, standin):
    user = make_user()
    notify(user, "tmpl_1", {"thing2": "环境卫生", "phrase3": "处理中"}, dedupe_key="e:1", page="pages/r?id=1")
    assert standin.requests(SEND) == []
    settle()
    notification = the_notification()
    assert (notification.status, notification.attempts, notification.sent_at is not None) == ("sent", 1, True)
    [message] = standin.requests(SEND)
    assert message["json"] == {"touser": user.openid, "template_id": "tmpl_1", "page": "pages/r?id=1",
                               "data": {"thing2": {"value": "环境卫生"}, "phrase3": {"value": "处理中"}}}
    assert deliver_notification(notification.id) == "skipped", "a second delivery of the same row sends nothing"
    assert len(standin.requests(SEND)) == 1


def test_the_same_event_is_queued_once(make_user, settle, standin):
    user = make_user()
    first = notify(user, "tmpl_1", {"thing2": "a"}, dedupe_key="e:2")
    assert notify(user, "tmpl_1", {"thing2": "a"}, dedupe_key="e:2") is first
    settle()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 1
    assert len(standin.requests(SEND)) == 1


def test_no_template_means_no_message(make_user, settle):
    assert notify(make_user(), "", {"thing2": "a"}, dedupe_key="e:3") is None
    settle()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_a_notification_failing_with_minus_one_is_retried_later_and_not_lost(make_user, settle, standin):
    standin.inject(SEND, errcode=-1, times=1)
    with time_machine.travel(START, tick=False) as clock:
        notify(make_user(), "tmpl_1", {"thing2": "a"}, dedupe_key="e:4")
        settle()
        notification = the_notification()
        assert (notification.status, notification.attempts, notification.last_error) == ("pending", 1,
                                                                                          "wechat_unavailable")
        assert notification.next_attempt_at == START + timedelta(seconds=60)
        clock.shift(timedelta(seconds=30))
        assert run_tick()["notifications_redelivered"] == 0, "not before its backoff"
        clock.shift(timedelta(seconds=31))
        assert run_tick()["notifications_redelivered"] == 1
        settle()
        notification = the_notification()
        assert (notification.status, notification.attempts, notification.last_error) == ("sent", 2, "")
        assert run_tick()["notifications_redelivered"] == 0
    assert len(standin.requests(SEND)) == 2


def test_a_delivery_that_died_after_claiming_is_picked_up_again_after_its_lease(make_user, settle, standin):
    with time_machine.travel(START, tick=False) as clock:
        notification = Notification(user_id=make_user().id, template_id="tmpl_1", data={}, dedupe_key="e:5")
        db.session.add(notification)
        db.session.commit()
        assert _claim(notification.id, START), "a worker claims the row, then dies before sending"
        clock.shift(timedelta(minutes=1))
        assert run_tick()["notifications_redelivered"] == 0, "the lease still holds"
        clock.shift(timedelta(minutes=1, seconds=1))
        assert run_tick()["notifications_redelivered"] == 1
        settle()
    assert (the_notification().status, the_notification().attempts) == ("sent", 2)
    assert len(standin.requests(SEND)) == 1


def test_43101_not_subscribed_is_final(make_user, settle, standin):
    with time_machine.travel(START, tick=False) as clock:
        notify(make_user(openid="o_refuse_everything"), "tmpl_1", {"thing2": "a"}, dedupe_key="e:6")
        settle()
        notification = the_notification()
        assert (notification.status, notification.attempts, notification.last_error) == (
            "refused", 1, "wechat_subscribe_refused")
        clock.shift(timedelta(days=1))
        assert run_tick()["notifications_redelivered"] == 0
    assert len(standin.requests(SEND)) == 1


def test_retries_run_out_and_the_row_says_so(app, make_user, settle, standin, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_RETRY_INTERVALS", [0])
    standin.inject(SEND, errcode=45009)
    notify(make_user(), "tmpl_1", {"thing2": "a"}, dedupe_key="e:7")
    settle()
    eventually(lambda: the_notification().status == "failed")
    notification = the_notification()
    assert (notification.status, notification.attempts, notification.last_error) == ("failed", 2,
                                                                                      "wechat_rate_limited")


def test_jobs_tick_command_runs_every_domains_periodic_work(app):
    result = app.test_cli_runner().invoke(args=["jobs", "tick"])
    assert result.exit_code == 0, result.output
    assert "notifications_redelivered=0" in result.output and "reports_escalated=0" in result.output
    assert "idempotency_keys_pruned=0" in result.output
