"""One bench run: database, dataset, server, interleaved rounds under wrk, checks, the table."""
from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

import psycopg
import requests

from bench import database, dataset
from bench.load import Run, ensure_wrk, run_wrk
from bench.plan import Plan
from bench.progress import Progress
from bench.report import Measured, document
from bench.scenarios import FLOORS, PHOTO, SCENARIOS, Fixtures, clear_run_rows
from bench.server import Server
from bench.settings import PROJECT_ROOT, WORK_DIR, Settings

#: Requests sampled per scenario to read X-SQL-Statements and check the answers.
SAMPLES = 5
#: Seconds a sampled request may take alone for its scenario to get a warm-up run.
SLOW = 0.5


def run(settings: Settings) -> str:
    started = time.perf_counter()
    progress = Progress()
    selected = settings.scenarios or [s.name for s in FLOORS + SCENARIOS] + [PHOTO]
    ensure_wrk()

    progress.line(f"database {settings.database} (scale {settings.scale:g})")
    database.ensure_database(settings.server_url, settings.database)
    database.migrate(settings.app_env(), str(PROJECT_ROOT))
    plan = Plan(settings.scale)
    load_started = time.perf_counter()
    conn = psycopg.connect(settings.driver_url, autocommit=True)
    try:
        # COPY fires row triggers: the grid figures' would write a delta per loaded row. The load
        # goes without them, and the rebuild below recounts the figures from what was loaded.
        conn.execute("SET session_replication_role = replica")
        notes = dataset.ensure_loaded(conn, plan, progress)
        conn.execute("SET session_replication_role = DEFAULT")
        dataset_lines = _dataset_lines(plan, conn, time.perf_counter() - load_started)
        database.prepare_floor_table(conn)
        tables = dataset.existing_tables(conn)
        clear_run_rows(conn, tables)
        dataset.mark_overdue(conn)
        database.rebuild_stats(settings.app_env(), str(PROJECT_ROOT))
        postgres = "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0].split()[0]
        os.environ.update(settings.app_env())
        fixtures = Fixtures(plan, conn, _app(), settings.base_url)
        measured = _select(selected, tables, notes)
        photo = _measure(settings, fixtures, [m for m in measured if not m.problem], progress, notes, selected)
    finally:
        conn.close()
    text = document(settings, measured, photo, dataset_lines, notes, postgres, time.perf_counter() - started)
    settings.output.parent.mkdir(parents=True, exist_ok=True)
    settings.output.write_text(text)
    return text


def _select(selected: list[str], tables: set[str], notes: list[str]) -> list[Measured]:
    """The floors (always: every ratio needs one) and the chosen scenarios; slots marked."""
    measured = [Measured(s) for s in FLOORS] + [Measured(s) for s in SCENARIOS if s.name in selected]
    for m in measured:
        s = m.scenario
        missing = [t for t in s.tables if t not in tables]
        if s.build is None or missing:
            waiting = s.waiting_for or f"tables {', '.join(missing)}"
            m.problem = f"slot, waiting for {waiting}"
            notes.append(f"{s.title}: not measured yet (waiting for {waiting}); goal {s.goal:g} of the {s.floor} floor")
    return measured


def _flush_bench_redis(settings: Settings) -> None:
    """The bench's own Redis database: rate-limit counters and queued jobs of earlier runs go."""
    import redis

    try:
        redis.Redis.from_url(settings.redis_url, socket_timeout=2).flushdb()
    except redis.RedisError:
        pass  # the app falls back to memory without Redis; nothing to clear


def _measure(settings: Settings, fixtures: Fixtures, live: list[Measured], progress: Progress,
             notes: list[str], selected: list[str]) -> dict | None:
    _flush_bench_redis(settings)
    server = Server(settings)
    progress.line(f"starting gunicorn ({settings.workers} sync workers) on {settings.base_url}")
    server.start()
    try:
        for m in live:
            _sample(settings, fixtures, m)
            if m.sample_seconds:
                progress.line(f"  sampled {m.scenario.name:<16} statements {m.statements}  "
                              f"slowest {max(m.sample_seconds) * 1000:,.0f} ms")
            if m.problem:
                notes.append(f"{m.scenario.title}: not measured: {m.problem}")
        live = [m for m in live if not m.problem]
        if settings.warmup > 0:
            progress.line(f"warming up ({settings.warmup:g} s each)")
            for m in live:
                if max(m.sample_seconds, default=0) > SLOW:
                    continue  # its samples warmed it; a warm-up would only leave a queue to drain
                run_wrk(settings, _request_file(fixtures, m), "warm" + secrets.token_hex(3), settings.warmup)
                server.drain()
        for m in live:
            _time_alone(settings, fixtures, m)
        for round_no in range(1, settings.repeat + 1):
            progress.line(f"round {round_no}/{settings.repeat}")
            _round(settings, fixtures, live, server, progress)
        for m in live:
            if m.scenario.check:
                m.check = m.scenario.check(fixtures)
                progress.line(f"  check {m.scenario.name}: {m.check}")
    finally:
        server.stop()
        _flush_bench_redis(settings)
    if PHOTO not in selected:
        return None
    progress.line("photo pipeline (in-process)")
    from bench.photo_pipeline import measure

    return measure(settings.photo_repetitions)


def _round(settings: Settings, fixtures: Fixtures, live: list[Measured], server: Server, progress: Progress) -> None:
    """Every floor and scenario once, in a fixed order; ratios against this round's floors."""
    by_name: dict[str, Run] = {}
    for m in live:
        request_file = _request_file(fixtures, m)
        server.reset_peaks()
        result = run_wrk(settings, request_file, secrets.token_hex(4), settings.duration)
        result.peak_mb = server.peak_mb()
        m.runs.append(result)
        by_name[m.scenario.name] = result
        drained = server.drain()
        progress.line(f"  {m.scenario.name:<16} {result.rate:9,.0f} req/s  p50 {result.p50_ms:7.1f} ms  "
                      f"p99 {result.p99_ms:7.1f} ms  errors {result.errors}"
                      + (f"  (queue drained in {drained:.0f} s)" if drained >= 1 else ""))
    for m in live:
        floor = m.scenario.floor or ("bare" if m.scenario.name != "bare" else None)
        if floor and floor in by_name and by_name[floor].rate:
            m.ratios.append(by_name[m.scenario.name].rate / by_name[floor].rate)


def _app():
    """The app as the server runs it, for signing tokens and check-in codes."""
    from backend.app import create_app

    return create_app()


def _request_file(fixtures: Fixtures, m: Measured) -> Path:
    """The scenario's requests for the next run, built now (codes valid now, fresh rows)."""
    fixtures.run += 1
    folder = WORK_DIR / "requests"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{m.scenario.name}.tsv"
    path.write_text("\n".join(r.line() for r in m.scenario.build(fixtures)) + "\n")
    return path


def _sample_lines(fixtures: Fixtures, m: Measured, probes: bool) -> list[str]:
    lines = _request_file(fixtures, m).read_text().splitlines()
    lines = lines[:: max(1, len(lines) // SAMPLES)][:SAMPLES]
    if probes and m.scenario.probe:
        lines += [r.line() for r in m.scenario.probe(fixtures)]
    return lines


def _send(settings: Settings, line: str) -> tuple[requests.Response, float]:
    """One request of a scenario's list, alone; with the time it took."""
    method, path, token, body, key = (line.split("\t") + ["", "", ""])[:5]
    unique = f"sample-{secrets.token_hex(6)}"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if body:
        headers["Content-Type"] = "application/json"
    if key:
        headers["Idempotency-Key"] = key.replace("{n}", unique)
    asked = time.perf_counter()
    response = requests.request(method, settings.base_url + path, headers=headers, timeout=300,
                                data=body.replace("{n}", unique).encode() or None)
    return response, time.perf_counter() - asked


def _sample(settings: Settings, fixtures: Fixtures, m: Measured) -> None:
    """Send a few of the scenario's requests: count statements, and refuse a scenario that fails."""
    for line in _sample_lines(fixtures, m, probes=True):
        response, seconds = _send(settings, line)
        m.sample_seconds.append(seconds)
        refused = response.status_code == 409 and m.scenario.refusals_expected
        if response.status_code >= 400 and not refused:
            method, path = line.split("\t")[:2]
            m.problem = f"{method} {path} answered {response.status_code}: {' '.join(response.text.split())[:200]}"
            return
        m.statements.append(int(response.headers.get("X-SQL-Statements", "-1")))


def _time_alone(settings: Settings, fixtures: Fixtures, m: Measured) -> None:
    """Time a few requests one at a time, once every worker has run the scenario (first calls are slower)."""
    m.sample_seconds = [_send(settings, line)[1] for line in _sample_lines(fixtures, m, probes=False)]


def _dataset_lines(plan: Plan, conn: psycopg.Connection, seconds: float) -> list[str]:
    figures = plan.summary()
    lines = [f"Scale {plan.scale:g}: " + ", ".join(f"{k} {v:,}" for k, v in figures.items() if k.startswith("grids")),
             f"{figures['users']:,} users ({plan.residents:,} residents, {plan.counts['party_members']:,} party members, "
             f"the rest leaders, admins and handlers).",
             "",
             "| family | rows | load time |",
             "|---|---:|---:|"]
    lines += [f"| {family} | {rows:,} | {secs:.1f} s |" for family, rows, secs in dataset.load_summary(conn)]
    lines += ["", f"Dataset step this run (load or check): {seconds:.1f} s."]
    return lines
