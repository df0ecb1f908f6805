"""A PostgreSQL backend killed under a request: that request fails cleanly, the next succeeds."""
import threading
import time

import pytest
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.skipif("postgresql" not in __import__("os").environ.get("TEST_DATABASE_URL", ""),
                                reason="pg_terminate_backend is a PostgreSQL fault; runs in the PostgreSQL pass")


def wait_for_blocked_backend(engine, timeout=30.0) -> int:
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            pid = conn.scalar(text(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"))
            if pid:
                return pid
            time.sleep(0.05)
    raise AssertionError("the request never blocked on the lock")


def test_killed_connection_fails_one_request_cleanly(database_url, login_as, make_user, tree):
    user = make_user()
    client, user_id, grid_id = login_as(user), user.id, tree["a1"].id
    engine = create_engine(database_url)
    responses = []
    with engine.connect() as locker:
        locker.execute(text("SELECT id FROM users WHERE id = :id FOR UPDATE"), {"id": user_id})
        request = threading.Thread(target=lambda: responses.append(client.put("/me/grid", json={"grid_id": grid_id})))
        request.start()
        pid = wait_for_blocked_backend(engine)
        with engine.connect() as killer:
            assert killer.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        request.join(10)
        locker.rollback()
    engine.dispose()
    (killed,) = responses
    assert killed.status_code == 503 and killed.get_json()["code"] == "database_unavailable"
    retried = client.put("/me/grid", json={"grid_id": grid_id})
    assert retried.status_code == 200 and retried.get_json()["grid"]["id"] == grid_id
