"""The floor endpoints and the statement header exist only in bench mode."""
from __future__ import annotations

import contextvars

import pytest
from sqlalchemy import text

from backend.app import create_app
from backend.auth.services import issue_access_token
from backend.core.db import db
from bench.database import FLOOR_DDL
from config import load_config

FLOORS = (("GET", "/api/v1/bench/bare"), ("POST", "/api/v1/bench/write"), ("GET", "/api/v1/bench/read"))


@pytest.fixture
def bench_app(database_url):
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "BENCH_MODE": True})
    yield app
    with app.app_context():
        db.engine.dispose()


def call(app, method, path, **kwargs):
    """One request in its own context, as production serves it, after the test's own writes."""
    db.session.commit()
    return contextvars.Context().run(app.test_client().open, path, method=method, **kwargs)


@pytest.mark.parametrize("method, path", FLOORS)
def test_floors_are_absent_without_bench_mode(api, method, path):
    response = api.request(method, path, json={"key": "k"})
    assert response.status_code == 404


def test_no_statement_header_without_bench_mode(api, make_user, login_as):
    assert "X-SQL-Statements" not in login_as(make_user()).get("/me").headers


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("True", True), ("0", False), ("", False)])
def test_bench_mode_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("BENCH_MODE", value)
    assert load_config("test")["BENCH_MODE"] is expected


def test_bench_mode_is_off_by_default(monkeypatch):
    monkeypatch.delenv("BENCH_MODE", raising=False)
    assert not load_config("test").get("BENCH_MODE")


def test_bare_floor_runs_no_statement(bench_app):
    response = call(bench_app, "GET", "/api/v1/bench/bare")
    assert response.status_code == 200
    assert response.json == {"ok": True, "floor": "bare"}
    assert response.headers["X-SQL-Statements"] == "0"


def test_statement_header_counts_an_orm_request(bench_app, make_user, tree):
    token, _ = issue_access_token(make_user(roles=[("party_member", tree["a1"])], grid_id=tree["a1"].id))
    response = call(bench_app, "GET", "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert int(response.headers["X-SQL-Statements"]) >= 1  # at least the user behind the token


@pytest.fixture
def floor_table(bench_app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the raw-driver floors speak PostgreSQL (the bench runs on it)")
    with db.engine.begin() as conn:
        conn.execute(text(FLOOR_DDL))
    yield
    db.session.rollback()  # let go of the test's lock on the table
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE bench_floor_writes"))


def test_write_floor_inserts_once_per_key(bench_app, floor_table):
    first = call(bench_app, "POST", "/api/v1/bench/write", json={"key": "abc"})
    again = call(bench_app, "POST", "/api/v1/bench/write", json={"key": "abc"})
    assert first.status_code == 201 and first.json["id"] is not None
    assert again.status_code == 201 and again.json["id"] is None  # ON CONFLICT DO NOTHING
    assert first.headers["X-SQL-Statements"] == "1"
    assert db.session.scalar(text("SELECT count(*) FROM bench_floor_writes")) == 1


def test_write_floor_needs_a_key(bench_app, floor_table):
    response = call(bench_app, "POST", "/api/v1/bench/write", json={})
    assert response.status_code == 422
    assert response.json["code"] == "validation_error"


def test_read_floor_returns_twenty_rows_with_their_grid(bench_app, floor_table, make_user, tree):
    for _ in range(25):
        make_user(grid_id=tree["a1"].id)
    response = call(bench_app, "GET", "/api/v1/bench/read?after=0")
    assert response.status_code == 200
    assert response.json["total"] == 20
    assert response.json["items"][0]["grid"]["id"] == tree["a1"].id
    assert response.headers["X-SQL-Statements"] == "1"
