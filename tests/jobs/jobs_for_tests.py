"""Job functions the queue tests enqueue by path (a worker imports them like any job)."""
from __future__ import annotations

import threading

from backend.core.db import db
from backend.core.idempotency import IdempotencyRecord

calls: list[tuple[str, int]] = []
_failed = {"count": 0}
_lock = threading.Lock()


def record(label: str) -> None:
    calls.append((label, threading.get_ident()))


def fail_first(times: int, label: str) -> None:
    """Fails its first ``times`` runs (since ``reset``), then records ``label``."""
    with _lock:
        if _failed["count"] < times:
            _failed["count"] += 1
            raise RuntimeError("not yet")
    calls.append((label, threading.get_ident()))


def write_then_fail(user_id: int) -> None:
    db.session.add(IdempotencyRecord(user_id=user_id, key="job", fingerprint="x"))
    db.session.flush()
    raise RuntimeError("after writing")


def write(user_id: int) -> None:
    db.session.add(IdempotencyRecord(user_id=user_id, key="job", fingerprint="x"))


def reset() -> None:
    calls.clear()
    _failed["count"] = 0
