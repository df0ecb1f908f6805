"""PostgreSQL connections keep their prepared statements through a rollback that undoes nothing,
and still undo what a transaction wrote (backend/core/db.py)."""
import os

import pytest
from sqlalchemy import text

from backend.core.db import db

pytestmark = pytest.mark.skipif("postgresql" not in os.environ.get("TEST_DATABASE_URL", ""),
                                reason="psycopg's prepared statements; runs in the PostgreSQL pass")

COUNT_USERS = text("SELECT count(*) FROM users WHERE id > :after")
PREPARED = text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%FROM users WHERE id >%'")


def prepare_count_users(conn) -> None:
    for _ in range(6):  # psycopg prepares a statement at its fifth execution
        conn.execute(COUNT_USERS, {"after": 0})
    assert conn.scalar(PREPARED) == 1


def test_a_rollback_that_undoes_nothing_keeps_the_prepared_statements():
    with db.engine.connect() as conn:
        prepare_count_users(conn)
        conn.execute(text("UPDATE users SET nickname = 'x' WHERE id = -1"))  # a write that matched nothing
        conn.rollback()
        assert conn.scalar(PREPARED) == 1


def test_a_rollback_still_undoes_what_was_written(make_user):
    user_id = make_user(nickname="原名").id
    db.session.commit()
    with db.engine.connect() as conn:
        prepare_count_users(conn)
        conn.execute(text("UPDATE users SET nickname = '改名' WHERE id = :id"), {"id": user_id})
        conn.rollback()
        assert conn.scalar(text("SELECT nickname FROM users WHERE id = :id"), {"id": user_id}) == "原名"


def test_a_failed_transaction_is_rolled_back_and_the_connection_goes_on():
    with db.engine.connect() as conn:
        with pytest.raises(Exception, match="division by zero"):
            conn.execute(text("SELECT 1 / 0"))
        conn.rollback()
        assert conn.scalar(text("SELECT 1")) == 1
