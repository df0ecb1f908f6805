"""``Idempotency-Key`` for create calls a weak mobile network may retry.

The key is stored per person in the same transaction as the work it guards, so
a retry after a lost response replays the first answer and creates nothing new.
A concurrent duplicate waits on the unique index until the first commits, then
replays it; the same key with a different body is refused.
"""
from __future__ import annotations

import copy
import functools
import hashlib
import json
from datetime import datetime, timedelta

from flask import Response, g, request
from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, bindparam, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import UTCDateTime, db, dialect_insert, utcnow
from backend.core.errors import DomainError

HEADER = "Idempotency-Key"
RETENTION = timedelta(hours=24)
#: Marks an answer given again to a retried request.
REPLAYED = {"Idempotent-Replayed": "true"}


class IdempotencyRecord(db.Model):
    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    #: Method, path and body of the first request: a reuse must match it.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None]
    body: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def key_reused() -> DomainError:
    return DomainError("idempotency_key_reused", "该请求标识已用于另一项操作，请刷新后重试", 422)


def client_key() -> str | None:
    """The request's Idempotency-Key, if it sent one."""
    key = request.headers.get(HEADER, "").strip()
    if len(key) > 64:
        raise DomainError("idempotency_key_invalid", "请求标识过长（最多 64 个字符）", 400)
    return key or None


def keyed_on_the_row(description: str) -> dict:
    """OpenAPI for a view that keeps the key on the row it creates (a check-in, a claim, a report),
    so its own statements find a retry's first record rather than going through ``idempotent``."""
    return {"parameters": [{"in": "header", "name": HEADER, "required": False,
                            "schema": {"type": "string", "maxLength": 64}, "description": description}]}


def _fingerprint() -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(request.get_data())
    return digest.hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise key_reused()
    response = Response(json.dumps(record.body, ensure_ascii=False), status=record.status_code,
                        mimetype="application/json")
    response.headers.update(REPLAYED)
    return response


_records = IdempotencyRecord.__table__


@functools.cache
def _statements(dialect_name: str):
    """(claim a key, store its answer), on the table rather than the mapped class and built once:
    they run on every keyed request, where building and ORM handling cost more than the SQL."""
    claim = (dialect_insert(_records, dialect_name)
             .values(user_id=bindparam("person"), key=bindparam("key_given"), fingerprint=bindparam("request_print"),
                     created_at=bindparam("now", type_=UTCDateTime()))
             .on_conflict_do_nothing(index_elements=["user_id", "key"])
             .returning(_records.c.id))
    store = (update(_records).where(_records.c.id == bindparam("record_id"))
             .values(status_code=bindparam("status"), body=bindparam("answer", type_=JSON())))
    return claim, store


def _find(user_id: int, key: str) -> IdempotencyRecord | None:
    return db.session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key,
            IdempotencyRecord.created_at > utcnow() - RETENTION,
        )
    )


def _claim_key(user_id: int, key: str, fingerprint: str) -> int | Response:
    """Insert our key and return its row id, or replay the earlier request that holds it.

    One statement for a new key: ON CONFLICT waits for a concurrent twin's
    transaction and inserts nothing once the twin has committed.
    """
    connection = db.session.connection()
    claim, _ = _statements(connection.dialect.name)
    claimed = connection.execute(claim, {"person": user_id, "key_given": key, "request_print": fingerprint,
                                         "now": utcnow()}).scalar()
    if claimed is not None:
        return claimed
    existing = _find(user_id, key)
    if existing is None:  # only an expired row is in the way
        raise DomainError("idempotency_key_expired", "请求标识已过期，请使用新的标识", 422)
    return _replay(existing, fingerprint)


def _store_answer(record_id: int, response: Response) -> None:
    connection = db.session.connection()
    _, store = _statements(connection.dialect.name)
    connection.execute(store, {"record_id": record_id, "status": response.status_code,
                               "answer": response.get_json(silent=True)})


def idempotent(view):
    """Place between ``@blp.route`` and ``@blp.arguments``; needs a logged-in view."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = client_key()
        if not key:
            return view(*args, **kwargs)
        from backend.auth.services import authenticate_request

        g.user = authenticate_request()
        claimed = _claim_key(g.user.id, key, _fingerprint())
        if isinstance(claimed, Response):
            return claimed
        response = view(*args, **kwargs)
        _store_answer(claimed, response)
        return response

    wrapper._apidoc = copy.deepcopy(getattr(view, "_apidoc", {}))
    wrapper._apidoc.setdefault("manual_doc", {}).setdefault("parameters", []).append(
        {"in": "header", "name": HEADER, "required": False, "schema": {"type": "string", "maxLength": 64},
         "description": "同一用户重试时使用同一标识：返回首次结果，不重复创建"}
    )
    return wrapper


def prune_expired(now: datetime | None = None) -> int:
    cutoff = (now or utcnow()) - RETENTION
    return db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at <= cutoff)).rowcount
