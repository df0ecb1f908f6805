"""The queue: after-commit semantics, retries, and RQ on the real Redis with a burst worker."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from sqlalchemy import func, select, text

from backend.core.db import db
from backend.core.idempotency import IdempotencyRecord
from backend.jobs.models import Notification
from backend.jobs.notifications import notify
from backend.jobs.queue import enqueue, in_process_runner
from tests.jobs import jobs_for_tests
from tests.jobs.conftest import REDIS_URL

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_calls():
    jobs_for_tests.reset()
    yield
    jobs_for_tests.reset()


def eventually(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def labels() -> list[str]:
    return [label for label, _ in jobs_for_tests.calls]


def test_a_job_runs_after_the_commit_in_another_thread(app, settle):
    db.session.execute(text("SELECT 1"))  # a transaction is open, as in a request
    enqueue(jobs_for_tests.record, "after commit")
    in_process_runner(app).wait_idle()
    assert labels() == [], "nothing runs before the commit"
    settle()
    assert labels() == ["after commit"]
    assert jobs_for_tests.calls[0][1] != threading.get_ident()


def test_a_rolled_back_transaction_queues_nothing(settle):
    db.session.execute(text("SELECT 1"))
    enqueue("tests.jobs.jobs_for_tests.record", "never")
    db.session.rollback()
    settle()
    assert labels() == []


def test_a_released_savepoint_does_not_release_the_jobs(app, settle):
    db.session.execute(text("SELECT 1"))
    with db.session.begin_nested():
        enqueue(jobs_for_tests.record, "inside a savepoint")
    in_process_runner(app).wait_idle()
    assert labels() == []
    settle()
    assert labels() == ["inside a savepoint"]


def test_outside_a_transaction_a_job_is_queued_at_once(app):
    db.session.commit()
    enqueue(jobs_for_tests.record, "now")
    in_process_runner(app).wait_idle()
    assert labels() == ["now"]


def test_a_failing_job_is_retried_after_its_intervals(app, monkeypatch, settle):
    monkeypatch.setitem(app.config, "JOBS_RETRY_INTERVALS", [0, 0, 0])
    enqueue(jobs_for_tests.fail_first, 2, "third time lucky")
    settle()
    eventually(lambda: labels() == ["third time lucky"])  # each retry waits on a (zero-second) timer


def test_a_job_is_given_up_after_its_retries(app, monkeypatch, settle):
    monkeypatch.setitem(app.config, "JOBS_RETRY_INTERVALS", [0])
    enqueue(jobs_for_tests.fail_first, 5, "never")
    settle()
    eventually(lambda: jobs_for_tests._failed["count"] == 2)
    time.sleep(0.2)
    in_process_runner(app).wait_idle()
    assert labels() == [] and jobs_for_tests._failed["count"] == 2, "no third attempt"


def test_a_job_commits_its_work_or_none_of_it(make_user, settle):
    user = make_user()
    enqueue(jobs_for_tests.write_then_fail, user.id)
    settle()
    assert db.session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0
    enqueue(jobs_for_tests.write, user.id)
    settle()
    assert db.session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 1


# --- RQ on the real Redis ---------------------------------------------------------------------


def test_rq_burst_worker_delivers_a_notification_queued_by_the_app(rq_queue, database_url, make_user, standin):
    user = make_user()
    notify(user, "tmpl_rq", {"thing2": "环境卫生"}, dedupe_key="rq-1", page="pages/x")
    db.session.commit()  # the commit hands the delivery to RQ
    queue = Queue(rq_queue, connection=Redis.from_url(REDIS_URL))
    assert queue.count == 1 and standin.requests("/cgi-bin/message/subscribe/send") == []
    env = {**os.environ, "APP_ENV": "test", "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL,
           "WECHAT_API_BASE": standin.url, "WECHAT_TIMEOUT": "2"}
    worker = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--burst",
                             "--queue", rq_queue], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert worker.returncode == 0, worker.stderr[-2000:]
    assert queue.count == 0 and queue.finished_job_registry.count == 1
    db.session.expire_all()
    notification = db.session.scalar(select(Notification))
    assert (notification.status, notification.attempts) == ("sent", 1)
    # With REDIS_URL the worker shares WeChat's access token through Redis; one left there by an
    # earlier stand-in is refused (40001) and the call is made again with a fresh one.
    sent = {(m["json"]["touser"], m["json"]["template_id"], str(m["json"]["data"]))
            for m in standin.requests("/cgi-bin/message/subscribe/send")}
    assert sent == {(user.openid, "tmpl_rq", str({"thing2": {"value": "环境卫生"}}))}


def test_rq_retries_a_failed_delivery(app, rq_queue, make_user, standin, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_RETRY_INTERVALS", [0])  # no scheduler needed in a burst
    standin.inject("/cgi-bin/message/subscribe/send", errcode=-1, times=1)
    user = make_user()
    notify(user, "tmpl_rq", {"thing2": "x"}, dedupe_key="rq-2")
    db.session.commit()
    connection = Redis.from_url(REDIS_URL)
    queue = Queue(rq_queue, connection=connection)
    job = queue.jobs[0]
    assert job.retries_left == 1
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        SimpleWorker([queue], connection=connection).work(burst=True)
    finally:  # the worker takes over SIGINT and SIGTERM; give them back to pytest
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    db.session.expire_all()
    notification = db.session.scalar(select(Notification))
    assert (notification.status, notification.attempts, notification.last_error) == ("sent", 2, "")
    job.refresh()
    assert job.get_status() == "finished" and job.retries_left == 0
    assert len(standin.requests("/cgi-bin/message/subscribe/send")) == 2


def test_the_jobs_of_one_commit_go_to_rq_together_each_with_its_retries(app, rq_queue, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_RETRY_INTERVALS", [0])
    db.session.execute(text("SELECT 1"))
    enqueue(jobs_for_tests.record, "first")
    enqueue(jobs_for_tests.fail_first, 1, "second")
    connection = Redis.from_url(REDIS_URL)
    queue = Queue(rq_queue, connection=connection)
    assert queue.count == 0, "nothing before the commit"
    db.session.commit()
    assert [job.args[0] for job in queue.jobs] == ["tests.jobs.jobs_for_tests.record",
                                                   "tests.jobs.jobs_for_tests.fail_first"]
    assert [job.retries_left for job in queue.jobs] == [1, 1]
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        SimpleWorker([queue], connection=connection).work(burst=True)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert labels() == ["first", "second"]


def test_worker_needs_redis(app):
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL" in result.output
