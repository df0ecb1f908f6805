"""Count the SQL statements each request runs and report them in a response header."""
from __future__ import annotations

from flask import Flask, g, has_request_context
from sqlalchemy import event

from backend.core.db import db

HEADER = "X-SQL-Statements"


def add(statements: int = 1) -> None:
    """Count statements sent outside SQLAlchemy (the floors' raw driver calls)."""
    if has_request_context():
        g.sql_statements = g.get("sql_statements", 0) + statements


def _before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
    add()


def init_app(app: Flask) -> None:
    """Listen on this app's engines; call before the commit hook is registered.

    Flask runs after-request functions in reverse order of registration, so the
    header is set after the request's commit, counting what its flush sent.
    """
    with app.app_context():
        for engine in db.engines.values():
            event.listen(engine, "before_cursor_execute", _before_cursor_execute)

    @app.after_request
    def _statements_header(response):
        response.headers[HEADER] = str(g.get("sql_statements", 0))
        return response
