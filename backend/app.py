"""The application factory: config, database, API, domains, one commit per request."""
from __future__ import annotations

import importlib
import logging
import uuid
from pathlib import Path

from flask import Flask, g, request
from flask_migrate import Migrate
from sqlalchemy.exc import DBAPIError, IntegrityError

from backend.core import idempotency, limits, security, storage, wechat  # noqa: F401  (idempotency: its model)
from backend.core.api import Api, IdConverter, id_param_schema
from backend.core.db import db
from backend.core.domains import DOMAINS
from backend.core.errors import envelope, register_error_handlers
from config import load_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent

migrate = Migrate()


def create_app(env: str | None = None, overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(PROJECT_ROOT / "instance"))
    app.config.update(load_config(env, overrides))
    app.json.ensure_ascii = False  # the API speaks UTF-8 Chinese, not \u escapes
    Path(app.instance_path).mkdir(exist_ok=True)
    configure_logging(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    app.url_map.converters["int"] = IdConverter
    api = Api(app)
    api.register_converter(IdConverter, id_param_schema)
    for domain in DOMAINS:
        api.register_blueprint(importlib.import_module(f"backend.{domain}.routes").blp)
    from backend.health.routes import blp as health_blp

    app.register_blueprint(health_blp)
    register_error_handlers(app)
    wechat.init_app(app)
    storage.init_app(app)
    if app.config.get("BENCH_MODE"):  # before the commit hook: its statement header counts the commit's flush
        importlib.import_module("backend.benchfloors").init_app(app)
    register_request_hooks(app)
    security.init_app(app)
    limits.init_app(app)
    register_cli(app)
    return app


def register_request_hooks(app: Flask) -> None:
    @app.before_request
    def _assign_request_id():
        g.request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex

    @app.after_request
    def _finish_transaction(response):
        """Commit what the request did if it succeeded, roll back otherwise."""
        response.headers["X-Request-Id"] = g.get("request_id", "")
        if response.status_code >= 400:
            db.session.rollback()
            return response
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return envelope("conflict", "数据已被其他操作修改，请刷新后重试", 409)
        except DBAPIError:
            db.session.rollback()
            app.logger.exception("commit failed")
            return envelope("database_unavailable", "数据库暂时不可用，请稍后重试", 503)
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        from flask import has_request_context

        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
    app.logger.handlers = [handler]
    app.logger.setLevel(logging.INFO)


def register_cli(app: Flask) -> None:
    from backend.auth.cli import roles_cli
    from backend.demo.cli import demo_cli
    from backend.grids.cli import grids_cli
    from backend.stats.cli import stats_cli

    for group in (grids_cli, roles_cli, demo_cli, stats_cli):
        app.cli.add_command(group)
