"""Shared fixtures: the app on SQLite or PostgreSQL, clean tables, factories, clients.

``TEST_DATABASE_URL`` picks the database (SQLite in a temp dir when unset); the
suite runs once per database. Tests commit for real (as requests do) and every
table is emptied after each test, so race tests see what production would.
"""
from __future__ import annotations

import contextvars
import itertools
import os

import pytest
from flask import has_app_context
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from backend.app import create_app
from backend.auth.models import User
from backend.auth.roles import grant_role
from backend.auth.services import issue_access_token
from backend.core.db import db
from backend.grids.models import Grid, MemberUnit

pytest_plugins = ["tests.wechat_fixtures"]


def _ensure_postgres_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}):
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    _ensure_postgres_database(url)
    return url


@pytest.fixture(scope="session")
def app(database_url, wechat_standin, tmp_path_factory):
    app = create_app(
        "test",
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WECHAT_API_BASE": wechat_standin.url,
            "WECHAT_TIMEOUT": 2.0,
            "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
        },
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _app_context(app):
    with app.app_context():
        yield
        db.session.remove()
        _empty_tables()


def _empty_tables() -> None:
    # DELETE, children first: on tables this small it takes milliseconds where
    # PostgreSQL's TRUNCATE takes half a second (it swaps every table's files).
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


_codes = itertools.count(1)


@pytest.fixture
def make_grid():
    """``make_grid(parent=None, **fields)``: a committed grid under ``parent``."""

    def make(parent: Grid | None = None, name: str | None = None, boundary=None, units=(), **fields) -> Grid:
        n = next(_codes)
        grid = Grid(
            code=fields.pop("code", f"G{n:04d}"), name=name or f"网格{n}",
            level=parent.level + 1 if parent else 1, parent=parent, **fields,
        )
        grid.set_boundary(boundary)
        grid.member_units = [MemberUnit(kind=kind, name=unit_name) for kind, unit_name in units]
        db.session.add(grid)
        db.session.flush()
        grid.path = (parent.path if parent else "/") + f"{grid.id}/"
        db.session.commit()
        return grid

    return make


@pytest.fixture
def tree(make_grid):
    """A small street: S → A (A1, A2) and B (B1)."""
    street = make_grid(name="测试街道")
    a, b = make_grid(street, name="甲居民区"), make_grid(street, name="乙居民区")
    return {
        "street": street, "a": a, "b": b,
        "a1": make_grid(a, name="甲一微网格"), "a2": make_grid(a, name="甲二微网格"), "b1": make_grid(b, name="乙一微网格"),
    }


@pytest.fixture
def make_user():
    """``make_user(roles=[(role, grid), ...], **fields)``: a committed person."""

    def make(roles=(), **fields) -> User:
        n = next(_codes)
        user = User(openid=fields.pop("openid", f"test_openid_{n}"), nickname=fields.pop("nickname", f"用户{n}"), **fields)
        db.session.add(user)
        for role, grid, *extra in roles:
            grant_role(user, role, grid, **(extra[0] if extra else {}))
        db.session.commit()
        return user

    return make


class ApiClient:
    """The Flask test client with the /api/v1 prefix and, optionally, a bearer token.

    Each request runs in an empty context, so it gets its own app context, ``g``
    and database session, as in production; the test's own session is committed
    first so the request sees what the test made, and reloads afterwards.
    """

    def __init__(self, client, token: str | None = None):
        self.client, self.token = client, token

    def request(self, method: str, path: str, headers=None, **kwargs):
        headers = dict(headers or {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        url = path if path.startswith("/api/") or path.startswith("/healthz") or path.startswith("/readyz") else "/api/v1" + path
        if has_app_context():  # threads of a race test have none, and nothing to commit
            db.session.commit()
        return contextvars.Context().run(self.client.open, url, method=method, headers=headers, **kwargs)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


@pytest.fixture
def api(app):
    return ApiClient(app.test_client())


@pytest.fixture
def login_as(app):
    def login(user: User) -> ApiClient:
        token, _ = issue_access_token(user)
        return ApiClient(app.test_client(), token)

    return login
