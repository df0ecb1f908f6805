"""Jobs fixtures: wait for the in-process runner, a dedicated RQ queue on the real Redis."""
from __future__ import annotations

import uuid

import pytest
from redis import Redis

from backend.core.db import db
from backend.jobs.queue import in_process_runner

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def settle(app):
    def wait():
        db.session.commit()  # on SQLite an open transaction holds the write lock the jobs need
        in_process_runner(app).wait_idle(timeout=15)

    return wait


@pytest.fixture(autouse=True)
def _jobs_finish_before_tables_are_emptied(app):
    yield
    db.session.commit()
    runner = in_process_runner(app)
    runner.wait_idle(timeout=15)
    runner.cancel_retries()


@pytest.fixture
def rq_queue(app, monkeypatch):
    """Jobs go to RQ on 127.0.0.1:6379, on a queue of this test's own; removed afterwards."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "JOBS_QUEUE", name)
    app.extensions.pop("jobs_redis", None)
    connection = Redis.from_url(REDIS_URL)
    yield name
    for key in connection.scan_iter(f"rq:*{name}*"):
        connection.delete(key)
    app.extensions.pop("jobs_redis", None)
