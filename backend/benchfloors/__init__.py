"""Bench-only pieces, mounted only when the app runs with ``BENCH_MODE`` on.

The floors are endpoints of the same app, behind the same hooks and gunicorn
settings as the domain endpoints, so a scenario's speed can be read as a ratio
to the floor measured in the same run (see bench/). The statement counter puts
the number of SQL statements a request ran in ``X-SQL-Statements``.
"""
from __future__ import annotations

from flask import Flask

from backend.benchfloors import counting, routes


def init_app(app: Flask) -> None:
    app.register_blueprint(routes.blp)
    counting.init_app(app)
