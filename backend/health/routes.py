"""Liveness and readiness for load balancers (outside /api/v1, no auth)."""
from flask import Blueprint, jsonify
from sqlalchemy import text

from backend.core.db import db
from backend.core.errors import envelope

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def liveness():
    return jsonify({"status": "ok"})


@blp.get("/readyz")
def readiness():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        return envelope("database_unavailable", "数据库暂时不可用", 503)
    return jsonify({"status": "ok", "database": "ok"})
