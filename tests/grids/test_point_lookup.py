"""Which grid a spot lies in: the deepest grid whose boundary holds it, found through an index."""
import pytest
from sqlalchemy import event, text

from backend.core.db import db
from backend.grids.services import grid_at


def square(lng, lat, size):
    return [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size]]


@pytest.fixture
def mapped(make_grid):
    street = make_grid(name="街道", boundary=square(121.40, 31.20, 0.10))
    community = make_grid(street, name="居民区", boundary=square(121.40, 31.20, 0.02))
    micro = make_grid(community, name="微网格", boundary=square(121.40, 31.20, 0.005))
    return street, community, micro


def test_the_deepest_grid_holding_the_spot_wins(mapped):
    street, community, micro = mapped
    assert grid_at(121.401, 31.201).id == micro.id
    assert grid_at(121.41, 31.21).id == community.id
    assert grid_at(121.45, 31.25).id == street.id
    assert grid_at(122.0, 32.0) is None


def test_on_postgresql_the_lookup_is_answered_from_the_bounding_box_index(mapped):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the GiST index is PostgreSQL's; SQLite scans its few grids")
    plans = []

    def explain(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith("SELECT grids.id"):
            cursor.execute("EXPLAIN " + statement, parameters)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))

    db.session.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table would be scanned anyway
    event.listen(db.engine, "before_cursor_execute", explain)
    try:
        assert grid_at(121.401, 31.201) is not None
    finally:
        event.remove(db.engine, "before_cursor_execute", explain)
    assert plans and "ix_grids_bbox" in plans[0]
