"""The floors: the fastest an endpoint of this app can be for its kind of work.

- bare: a small JSON response, no database.
- write: one raw-driver ``INSERT … ON CONFLICT DO NOTHING RETURNING id`` and a commit.
- read: one raw-driver query of 20 rows with a join, serialised to JSON.

They go through the app's middleware like any endpoint but skip the ORM, the
schemas and the rules, which is the work a scenario is measured for. The write
floor's table belongs to the bench (bench/database.py creates it), not to a migration.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from backend.benchfloors import counting
from backend.core.api import API_PREFIX, PUBLIC, access
from backend.core.db import db
from backend.core.errors import envelope

blp = Blueprint("benchfloors", __name__, url_prefix=API_PREFIX + "/bench")

WRITE_TABLE = "bench_floor_writes"
WRITE_SQL = f"INSERT INTO {WRITE_TABLE} (key) VALUES (%s) ON CONFLICT (key) DO NOTHING RETURNING id"
READ_SQL = """
    SELECT u.id, u.nickname, u.real_name, g.id, g.code, g.name
    FROM users u JOIN grids g ON g.id = u.grid_id
    WHERE u.id > %s ORDER BY u.id LIMIT 20
"""


@blp.route("/bare", methods=["GET"])
@access(PUBLIC)
def bare():
    return jsonify({"ok": True, "floor": "bare"})


@blp.route("/write", methods=["POST"])
@access(PUBLIC)
def write():
    key = str((request.get_json(silent=True) or {}).get("key", ""))[:64]
    if not key:
        return envelope("validation_error", "缺少 key", 422)
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(WRITE_SQL, (key,))
        row = cursor.fetchone()
        connection.commit()
    finally:
        connection.close()
    counting.add()
    return jsonify({"id": row[0] if row else None}), 201


@blp.route("/read", methods=["GET"])
@access(PUBLIC)
def read():
    after = request.args.get("after", 0, type=int)
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(READ_SQL, (after,))
        rows = cursor.fetchall()
    finally:
        connection.close()
    counting.add()
    items = [
        {"id": uid, "nickname": nickname, "real_name": real_name, "grid": {"id": gid, "code": code, "name": name}}
        for uid, nickname, real_name, gid, code, name in rows
    ]
    return jsonify({"items": items, "total": len(items)})
