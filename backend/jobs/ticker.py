"""Periodic work: every domain's ``periodic.tick(now)``, each in its own transaction.

A domain joins by having ``backend/<domain>/periodic.py`` with ``tick(now) -> dict``
(deadline escalation, auto-close, outbox redelivery …). ``flask --app wsgi jobs
tick`` runs it once (cron, a systemd timer) or with ``--every``; on the embedded
default (no ``REDIS_URL``) a thread in the web process runs it every
``JOBS_TICK_SECONDS`` so ``make run`` needs nothing else.
"""
from __future__ import annotations

import logging
import threading

from flask import Flask

from backend.core.db import db, utcnow
from backend.core.domains import domain_modules

log = logging.getLogger(__name__)

DEFAULT_TICK_SECONDS = 60


def run_tick(now=None) -> dict[str, int]:
    """One round of every domain's periodic work; a failing domain does not stop the others."""
    now = now or utcnow()
    results: dict[str, int] = {}
    for module in domain_modules("periodic"):
        try:
            results.update(module.tick(now))
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("periodic work of %s failed", module.__name__)
    return results


def start_in_process_ticker(app: Flask) -> None:
    """Start the ticker thread once per process, on the embedded default only."""
    if "jobs_ticker" in app.extensions:  # every request passes here: the common case first
        return
    seconds = app.config.get("JOBS_TICK_SECONDS", DEFAULT_TICK_SECONDS)
    if app.config.get("REDIS_URL") or app.config.get("TESTING") or not seconds:
        app.extensions["jobs_ticker"] = None
        return
    with _lock:
        if "jobs_ticker" in app.extensions:
            return
        app.extensions["jobs_ticker"] = thread = threading.Thread(
            target=_tick_forever, args=(app, seconds), daemon=True, name="jobs-ticker")
    thread.start()


def _tick_forever(app: Flask, seconds: float) -> None:
    stop = threading.Event()
    while not stop.wait(seconds):
        with app.app_context():
            run_tick()


_lock = threading.Lock()
