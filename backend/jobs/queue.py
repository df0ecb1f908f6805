"""The job queue: work that must not hold up a request (WeChat calls, periodic sweeps).

``enqueue(func, *args, **kwargs)`` runs ``func(*args, **kwargs)`` later, in its
own app context and database session, and only once the caller's transaction
has committed (a rolled-back request enqueues nothing). A job that raises is
retried after each of ``JOBS_RETRY_INTERVALS`` seconds, then given up.

- With ``REDIS_URL`` set, jobs go to the RQ queue ``JOBS_QUEUE`` with an
  ``rq.Retry``; ``flask --app wsgi jobs worker`` runs them.
- Without it (the embedded default), one background thread per process runs
  them after the response, and retries wait on timers. Nothing else to start.

Arguments must be plain data (ids, strings, dicts): a job reloads what it needs.
"""
from __future__ import annotations

import importlib
import logging
import queue as stdlib_queue
import threading
from typing import Callable

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from backend.core.db import db
from backend.core.errors import DomainError

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "wanggetong"
DEFAULT_RETRY_INTERVALS = (60, 300, 1800)
#: session.info key holding the jobs waiting for the session's commit.
_PENDING = "jobs_after_commit"

Job = tuple[str, tuple, dict]


def job_path(func: Callable | str) -> str:
    if isinstance(func, str):
        return func
    return f"{func.__module__}.{func.__qualname__}"


def resolve(path: str) -> Callable:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def retry_intervals(app: Flask) -> list[int]:
    return [int(seconds) for seconds in app.config.get("JOBS_RETRY_INTERVALS", DEFAULT_RETRY_INTERVALS)]


def enqueue(func: Callable | str, *args, **kwargs) -> None:
    """Run ``func(*args, **kwargs)`` outside this request once the current transaction commits."""
    job = (job_path(func), args, kwargs)
    session = db.session()
    if session.in_transaction():
        session.info.setdefault(_PENDING, []).append(job)
    else:
        dispatch([job])


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the real commit is still to come
        return
    jobs = session.info.pop(_PENDING, [])
    if jobs:
        dispatch(jobs)


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


def dispatch(jobs: list[Job]) -> None:
    """Hand jobs to RQ (in one round trip) or the in-process runner. Never raises: the change
    they follow is already committed, and work that matters is swept up again by ``jobs tick``."""
    app = current_app._get_current_object()
    try:
        if app.config.get("REDIS_URL"):
            _rq_enqueue(app, jobs)
        else:
            runner = in_process_runner(app)
            for job in jobs:
                runner.submit(job)
    except Exception:
        log.exception("could not enqueue jobs %s", [job[0] for job in jobs])


def run(path: str, args, kwargs) -> None:
    """Run one job in a fresh app context: its own session, committed if it returns."""
    with _app().app_context():
        try:
            resolve(path)(*args, **kwargs)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise


_standalone_app: Flask | None = None


def _app() -> Flask:
    """The current app, or one made from the environment (a bare ``rq worker``)."""
    global _standalone_app
    if has_app_context():
        return current_app._get_current_object()
    if _standalone_app is None:
        from backend.app import create_app

        _standalone_app = create_app()
    return _standalone_app


# --- RQ -------------------------------------------------------------------------------


def redis_connection(app: Flask):
    from redis import Redis

    if "jobs_redis" not in app.extensions:
        app.extensions["jobs_redis"] = Redis.from_url(app.config["REDIS_URL"], socket_timeout=5,
                                                      socket_connect_timeout=5)
    return app.extensions["jobs_redis"]


def queue_name(app: Flask) -> str:
    return app.config.get("JOBS_QUEUE") or DEFAULT_QUEUE


def _rq_queue(app: Flask):
    from rq import Queue

    return Queue(queue_name(app), connection=redis_connection(app))


def _rq_enqueue(app: Flask, jobs: list[Job]) -> None:
    from rq import Queue

    retry = _rq_retry(app)
    _rq_queue(app).enqueue_many([Queue.prepare_data(run, job, retry=retry, description=job[0]) for job in jobs])


def _rq_retry(app: Flask):
    from rq import Retry

    intervals = retry_intervals(app)
    return Retry(max=len(intervals), interval=intervals) if intervals else None


# --- in-process ---------------------------------------------------------------------


class InProcessRunner:
    """One daemon thread running jobs in order; a failed job is put back after its interval."""

    def __init__(self, app: Flask):
        self.app = app
        self._queue: stdlib_queue.Queue[tuple[Job, int]] = stdlib_queue.Queue()
        self._timers: set[threading.Timer] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, job: Job, attempt: int = 0) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, daemon=True, name="jobs-in-process")
                self._thread.start()
        self._queue.put((job, attempt))

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Block until every submitted job has run (retries waiting on a timer excepted)."""
        with self._queue.all_tasks_done:
            if not self._queue.all_tasks_done.wait_for(lambda: not self._queue.unfinished_tasks, timeout):
                raise TimeoutError(f"{self._queue.unfinished_tasks} jobs still running")

    def cancel_retries(self) -> None:
        with self._lock:
            for timer in self._timers:
                timer.cancel()
            self._timers.clear()

    def _loop(self) -> None:
        while True:
            job, attempt = self._queue.get()
            try:
                with self.app.app_context():
                    run(*job)
            except Exception as failure:
                # A refusal from WeChat is expected now and then; anything else deserves its traceback.
                log.warning("job %s failed (attempt %s): %r", job[0], attempt + 1, failure,
                            exc_info=not isinstance(failure, DomainError))
                self._retry_later(job, attempt)
            finally:
                self._queue.task_done()

    def _retry_later(self, job: Job, attempt: int) -> None:
        intervals = retry_intervals(self.app)
        if attempt >= len(intervals):
            log.error("job %s given up after %s attempts", job[0], attempt + 1)
            return
        timer = threading.Timer(intervals[attempt], self._fire, [job, attempt + 1])
        timer.daemon = True
        with self._lock:
            self._timers.add(timer)
        timer.start()

    def _fire(self, job: Job, attempt: int) -> None:
        with self._lock:
            self._timers.discard(threading.current_thread())  # a Timer is the thread it runs in
        self.submit(job, attempt)


def in_process_runner(app: Flask) -> InProcessRunner:
    with _runner_lock:
        if "jobs_runner" not in app.extensions:
            app.extensions["jobs_runner"] = InProcessRunner(app)
        return app.extensions["jobs_runner"]


_runner_lock = threading.Lock()
