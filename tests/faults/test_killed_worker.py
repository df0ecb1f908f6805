"""Acknowledged writes survive a killed worker.

The app runs under real gunicorn (sync workers) on the test's PostgreSQL database,
with the WeChat stand-in over HTTP. Client threads file 随手拍 reports (photos
already uploaded), each with its own Idempotency-Key, while worker processes are
SIGKILLed under them. A request that failed at the socket is retried with the same
key, as the mini-program's request module does. Afterwards every key that was
answered 2xx has exactly one report, and no report is half-written.
"""
from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from backend.auth.services import issue_access_token
from backend.core.db import db
from backend.reports.models import Report, ReportEvent, ReportPhoto
from backend.uploads.models import Upload

pytestmark = pytest.mark.skipif("postgresql" not in os.environ.get("TEST_DATABASE_URL", ""),
                                reason="real gunicorn workers on a shared database: runs in the PostgreSQL pass")

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3
CLIENTS = 8
LOAD_SECONDS = 4.0
KILLS = 4
#: Kills go on past KILLS, up to this, until one lands on a request in flight: one that lands on an
#: idle worker, or on one still booting after an earlier kill, tests nothing.
MAX_KILLS = 12
#: Enough that the load outlasts every kill.
PHOTOS_PER_CLIENT = 200
RETRIES = 20


@dataclass
class Outcome:
    """What one Idempotency-Key went through, as its client saw it."""

    key: str
    description: str
    socket_failures: int = 0
    statuses: list[int] = field(default_factory=list)
    report_id: int | None = None
    replayed: bool = False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(self, database_url: str, wechat_url: str, upload_dir: str, log_path: Path):
        self.port, self.log_path = free_port(), log_path
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "APP_ENV": "test", "DATABASE_URL": database_url, "WECHAT_API_BASE": wechat_url,
                    "UPLOAD_DIR": upload_dir}
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--worker-class", "sync",
                   "--bind", f"127.0.0.1:{self.port}", "--timeout", "30", "--log-level", "warning", "wsgi:app"]
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log_path.read_text()[-3000:]
            if len(self.workers()) == WORKERS and self._answers():
                return
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not come up: {self.log_path.read_text()[-3000:]}")

    def _answers(self) -> bool:
        try:
            return requests.get(self.url + "/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def kill_a_worker(self, killed: list[int]) -> None:
        """SIGKILL a live worker (not one killed before and not yet reaped)."""
        deadline = time.monotonic() + 10
        while not (alive := [pid for pid in self.workers() if pid not in killed]):
            assert time.monotonic() < deadline, "gunicorn did not replace its killed workers"
            time.sleep(0.05)
        pid = random.choice(alive)
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def server(app, database_url, wechat_standin, tmp_path):
    db.session.commit()
    gunicorn = Gunicorn(database_url, wechat_standin.url, app.config["UPLOAD_DIR"], tmp_path / "gunicorn.log")
    try:
        gunicorn.start()
        yield gunicorn
    finally:
        gunicorn.stop()


@pytest.fixture
def reporters(make_user, tree):
    """One person per client thread, each with photos already uploaded (and already checked)."""
    people = [make_user(grid_id=tree["a1"].id) for _ in range(CLIENTS)]
    photos = {}
    for person in people:
        uploads = [Upload(owner_id=person.id, storage_key=f"photos/kill/{uuid.uuid4().hex}.jpg",
                          thumbnail_key="photos/kill/thumb.jpg", mime="image/jpeg", width=640, height=480,
                          size_bytes=1000, review="pass") for _ in range(PHOTOS_PER_CLIENT)]
        db.session.add_all(uploads)
        db.session.flush()
        photos[person.id] = [u.id for u in uploads]
    tokens = {person.id: issue_access_token(person)[0] for person in people}
    db.session.commit()
    return [(tokens[person.id], photos[person.id]) for person in people]


def file_reports(url: str, token: str, photo_ids: list[int], stop: threading.Event,
                 died: threading.Event) -> list[Outcome]:
    """File reports until told to stop; retry a socket failure (``died``) with the same key until it is answered."""
    session = requests.Session()
    outcomes = []
    for photo_id in photo_ids:
        if stop.is_set():
            break
        outcome = Outcome(key=uuid.uuid4().hex, description=f"楼道堆物 {uuid.uuid4().hex[:12]}")
        body = {"category": "sanitation", "description": outcome.description, "photo_ids": [photo_id],
                "location": {"lat": 31.231, "lng": 121.451, "address": "石门二路 100 弄"}}
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": outcome.key}
        for _ in range(RETRIES):
            try:
                response = session.post(url + "/api/v1/reports", json=body, headers=headers, timeout=15)
            except requests.ConnectionError:
                outcome.socket_failures += 1
                died.set()
                session = requests.Session()  # the pooled connection died with its worker
                time.sleep(0.05)
                continue
            outcome.statuses.append(response.status_code)
            if response.status_code < 500:
                outcome.report_id = response.json().get("id") if response.status_code < 300 else None
                outcome.replayed = response.headers.get("Idempotent-Replayed") == "true"
                break
        outcomes.append(outcome)
    return outcomes


def test_acknowledged_reports_survive_killed_workers(server, reporters):
    stop, died = threading.Event(), threading.Event()
    results: list[list[Outcome]] = [[] for _ in reporters]

    def client(n: int) -> None:
        results[n] = file_reports(server.url, *reporters[n], stop, died)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(len(reporters))]
    for thread in threads:
        thread.start()
    killed = []
    while len(killed) < KILLS or (not died.is_set() and len(killed) < MAX_KILLS):
        time.sleep(LOAD_SECONDS / (KILLS + 1))
        server.kill_a_worker(killed)
    time.sleep(LOAD_SECONDS / (KILLS + 1))
    stop.set()
    for thread in threads:
        thread.join(60)
    outcomes = [outcome for per_client in results for outcome in per_client]

    assert len(set(killed)) == len(killed) >= KILLS
    assert all(outcome.statuses and outcome.statuses[-1] == 201 for outcome in outcomes), \
        [o for o in outcomes if not o.statuses or o.statuses[-1] != 201][:3]
    retried = [outcome for outcome in outcomes if outcome.socket_failures]
    assert retried, "at least one request died with its worker and was retried"
    db.session.expire_all()
    reports = {r.description: r for r in db.session.scalars(select(Report))}
    assert len(reports) == db.session.scalar(select(func.count()).select_from(Report)), "one report per description"
    for outcome in outcomes:
        assert outcome.description in reports, f"an acknowledged report is missing: {outcome}"
        assert reports[outcome.description].id == outcome.report_id, "a replay names the same report"
    assert set(reports) == {outcome.description for outcome in outcomes}, "nothing the clients did not ask for"
    submits = dict(db.session.execute(select(ReportEvent.report_id, func.count()).where(ReportEvent.action == "submit")
                                      .group_by(ReportEvent.report_id)).all())
    photos = dict(db.session.execute(select(ReportPhoto.report_id, func.count()).group_by(ReportPhoto.report_id)).all())
    for report in reports.values():
        assert submits.get(report.id) == 1 and photos.get(report.id) == 1, f"half-written report {report.id}"
    print(f"\n{len(outcomes)} reports filed by {CLIENTS} clients, {KILLS} workers killed, "
          f"{sum(o.socket_failures for o in outcomes)} socket failures on {len(retried)} keys, "
          f"{sum(o.replayed for o in retried)} answered by replay, nothing lost or doubled")
