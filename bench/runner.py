"""One bench run: database, dataset, server, interleaved rounds under wrk, the table."""
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
from bench.scenarios import FLOORS, PHOTO, SCENARIOS, Fixtures, Scenario
from bench.server import Server
from bench.settings import PROJECT_ROOT, WORK_DIR, Settings

#: Requests sampled per scenario to read X-SQL-Statements and check the answers.
SAMPLES = 5


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
    with psycopg.connect(settings.driver_url, autocommit=True) as conn:
        notes = dataset.ensure_loaded(conn, plan, progress)
        database.prepare_floor_table(conn)
        postgres = "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0].split()[0]
        dataset_lines = _dataset_lines(plan, conn, time.perf_counter() - load_started)

    # Floors run always: every ratio needs its floor from the same round.
    wanted = [s for s in FLOORS] + [s for s in SCENARIOS if s.name in selected]
    measured = [Measured(s) for s in wanted]
    for m in measured:
        if m.scenario.build is None:
            m.problem = f"slot, waiting for {m.scenario.waiting_for}"
            notes.append(f"{m.scenario.title}: not measured yet (waiting for {m.scenario.waiting_for}); "
                         f"goal {m.scenario.goal:g} of the {m.scenario.floor} floor")
    live = [m for m in measured if not m.problem]
    request_files = _write_request_files(settings, plan, live)

    server = Server(settings)
    progress.line(f"starting gunicorn ({settings.workers} sync workers) on {settings.base_url}")
    server.start()
    try:
        for m in live:
            _sample(settings, m, request_files[m.scenario.name])
        live = [m for m in live if not m.problem]
        if settings.warmup > 0:
            progress.line(f"warming up ({settings.warmup:g} s each)")
            for m in live:
                run_wrk(settings, request_files[m.scenario.name], "warm" + secrets.token_hex(3), settings.warmup)
        for round_no in range(1, settings.repeat + 1):
            progress.line(f"round {round_no}/{settings.repeat}")
            by_name: dict[str, Run] = {}
            for m in live:
                server.reset_peaks()
                result = run_wrk(settings, request_files[m.scenario.name], secrets.token_hex(4), settings.duration)
                result.peak_mb = server.peak_mb()
                m.runs.append(result)
                by_name[m.scenario.name] = result
                progress.line(f"  {m.scenario.name:<16} {result.rate:9,.0f} req/s  p50 {result.p50_ms:7.1f} ms  "
                              f"p99 {result.p99_ms:7.1f} ms  errors {result.errors}")
            for m in live:
                floor = m.scenario.floor or ("bare" if m.scenario.name != "bare" else None)
                if floor and floor in by_name and by_name[floor].rate:
                    m.ratios.append(by_name[m.scenario.name].rate / by_name[floor].rate)
    finally:
        server.stop()
    for m in measured:
        if m.problem and m.scenario.build is not None:
            notes.append(f"{m.scenario.title}: not measured: {m.problem}")

    photo = None
    if PHOTO in selected:
        progress.line("photo pipeline (in-process)")
        from bench.photo_pipeline import measure

        photo = measure(settings.photo_repetitions)
    text = document(settings, measured, photo, dataset_lines, notes, postgres, time.perf_counter() - started)
    settings.output.parent.mkdir(parents=True, exist_ok=True)
    settings.output.write_text(text)
    return text


def _issue_token():
    """The app's own token signer, configured as the server is."""
    from backend.app import create_app
    from backend.auth.services import issue_access_token

    app = create_app()

    def issue(user):
        with app.app_context():
            return issue_access_token(user)

    return issue


def _write_request_files(settings: Settings, plan: Plan, live: list[Measured]) -> dict[str, Path]:
    os.environ.update(settings.app_env())
    fixtures = Fixtures(plan, _issue_token())
    folder = WORK_DIR / "requests"
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for m in live:
        path = folder / f"{m.scenario.name}.tsv"
        path.write_text("\n".join(r.line() for r in m.scenario.build(fixtures)) + "\n")
        files[m.scenario.name] = path
    return files


def _sample(settings: Settings, m: Measured, request_file: Path) -> None:
    """Send a few of the scenario's requests: count statements, and refuse a scenario that fails."""
    lines = request_file.read_text().splitlines()
    for i, line in enumerate(lines[:: max(1, len(lines) // SAMPLES)][:SAMPLES]):
        method, path, token, body = (line.split("\t") + ["", ""])[:4]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if body:
            headers["Content-Type"] = "application/json"
        response = requests.request(method, settings.base_url + path, headers=headers, timeout=30,
                                    data=body.replace("{n}", f"sample-{secrets.token_hex(4)}-{i}").encode() or None)
        if response.status_code >= 400:
            m.problem = f"{method} {path} answered {response.status_code}: {response.text[:200]}"
            return
        m.statements.append(int(response.headers.get("X-SQL-Statements", "-1")))


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

