"""The bench's own PostgreSQL database: created if missing, migrated, plus the bench tables."""
from __future__ import annotations

import os
import subprocess
import sys

import psycopg
from psycopg import sql

from backend.benchfloors.routes import WRITE_TABLE

FLOOR_DDL = f"""
CREATE TABLE IF NOT EXISTS {WRITE_TABLE} (
    id bigserial PRIMARY KEY,
    key text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
)"""


def ensure_database(server_url: str, name: str) -> None:
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def migrate(env: dict[str, str], project_root: str) -> None:
    """``flask db upgrade heads``: every domain's migration, as production runs them."""
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade", "heads"],
                          cwd=project_root, env={**os.environ, **env}, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"flask db upgrade heads failed:\n{done.stderr[-3000:]}")


def rebuild_stats(env: dict[str, str], project_root: str) -> None:
    """``flask stats rebuild``: the grid figures recounted after a load and after clearing a run's rows."""
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "stats", "rebuild"],
                          cwd=project_root, env={**os.environ, **env}, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"flask stats rebuild failed:\n{done.stderr[-3000:]}")


def prepare_floor_table(conn: psycopg.Connection) -> None:
    """The write floor's table, emptied so each run inserts into the same small table."""
    conn.execute(FLOOR_DDL)
    conn.execute(f"TRUNCATE {WRITE_TABLE}")
