"""The database core: statements planned per call on PostgreSQL."""
import pytest
from sqlalchemy import bindparam, select, text

from backend.core.db import PLANNED_PER_CALL, db
from backend.grids.models import Grid

PREPARED = text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%AS per_call_probe%'")


def test_a_statement_planned_per_call_is_never_prepared(app, tree):
    """psycopg prepares a statement on its fifth call, and PostgreSQL may then give it a generic
    plan; PLANNED_PER_CALL keeps it unprepared, so each call is planned for its own values."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("prepared statements and their plans are PostgreSQL's")
    in_subtree = select(Grid.id.label("per_call_probe")).where(Grid.path >= bindparam("start"))
    connection = db.session.connection()
    for _ in range(8):
        assert connection.execute(in_subtree.execution_options(**PLANNED_PER_CALL), {"start": tree["a"].path}).all()
    assert connection.scalar(PREPARED) == 0
    for _ in range(8):
        connection.execute(in_subtree, {"start": tree["a"].path}).all()
    assert connection.scalar(PREPARED) == 1, "the same statement without the option is prepared"
