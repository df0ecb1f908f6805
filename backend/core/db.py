"""The database handle, a UTC datetime column type, and SQLite and PostgreSQL connection tuning."""
from __future__ import annotations

from datetime import datetime, timezone

import psycopg
from flask_sqlalchemy import SQLAlchemy
from psycopg.pq import TransactionStatus
from sqlalchemy import DateTime, MetaData, String, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Stable constraint names so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def dialect_insert(model, dialect_name: str | None = None):
    """An INSERT that offers ON CONFLICT (PostgreSQL's and SQLite's are alike): one round trip
    where a SELECT-then-INSERT would take two and race. ``dialect_name`` for statements built
    once per dialect, outside a session; else the session's."""
    dialect_name = dialect_name or db.session.get_bind().dialect.name
    return (postgresql if dialect_name == "postgresql" else sqlite).insert(model)


#: A materialised grid path ("/1/5/23/"). Byte-order collation on PostgreSQL, so the
#: btree index serves ``path LIKE '/1/5/%'``: under a locale collation it cannot.
GridPath = String(255).with_variant(String(255, collation="C"), "postgresql")


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (no tz support) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def single_statement_connection():
    """The connection for a request whose one statement is all it writes: in autocommit on
    PostgreSQL, as a statement is atomic by itself, so no BEGIN or COMMIT round trips. A session
    already in a transaction (a service called within a larger one) keeps it."""
    session = db.session()
    if session.in_transaction() or session.get_bind().dialect.name != "postgresql":
        return session.connection()
    return session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def force_generic_plans(connection) -> None:
    """Have PostgreSQL plan the rest of this transaction's prepared statements without their values,
    once per connection, instead of for each call.

    For statements whose generic plan was measured to be as fast as a custom one, but whose
    estimate of it PostgreSQL's own choice found too costly, so that it planned every call, which
    took longer than the run. One SET LOCAL round trip; it ends with the transaction, and a
    connection in autocommit (``single_statement_connection``) must not call it: there it would
    have no effect."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection, connection_record):
    """WAL and a busy timeout let readers and one writer share the file; we emit BEGIN ourselves."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    dbapi_connection.isolation_level = None  # pysqlite's own transaction handling is broken
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin_immediate(conn):
    # IMMEDIATE takes the write lock up front, so a read-then-write transaction
    # waits for its turn instead of failing with "database is locked".
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class _PostgresConnection(psycopg.Connection):
    """psycopg's connection, ending a transaction that wrote nothing with COMMIT instead of ROLLBACK.

    Both leave the database as it was. But psycopg forgets every statement it prepared on the
    connection at a ROLLBACK (in case it undid DDL they depend on), so each refused request
    (a full task's 409, any 404 or 422) made the next requests on that connection parse and
    plan their statements again: that planning was half of a claim's database time. A
    transaction that wrote, or failed, is rolled back as before."""

    def rollback(self) -> None:
        if self.pgconn.transaction_status == TransactionStatus.INTRANS and self._wrote_nothing():
            self.commit()
        else:
            super().rollback()

    def _wrote_nothing(self) -> bool:
        # PostgreSQL gives a transaction an id at its first write (row locks included).
        return self.execute("SELECT pg_current_xact_id_if_assigned() IS NULL").fetchone()[0]


@event.listens_for(Engine, "do_connect")
def _connect_postgres(dialect, connection_record, cargs, cparams):
    if dialect.driver == "psycopg":
        return _PostgresConnection.connect(*cargs, **cparams)
    return None  # the dialect connects as usual
