"""``python -m bench.profile``: the scenarios' requests in-process, one at a time, beside the floors.

The full bench takes ten minutes and needs the machine to itself; this takes seconds
and is for working on one scenario. It sends each scenario's requests through the
app's test client (same app, settings, dataset and stats folder as ``make bench``), one at
a time, interleaved with the floors, and prints per request: wall time, this
process's CPU time (the app's own cost, without PostgreSQL's), statements, and the
ratio of the floor's wall time to the scenario's. A single client queues on no lock,
so the ratio is an upper bound on what wrk will see; the CPU column is what
concurrency multiplies. ``--profile NAME`` adds a pyinstrument profile of that scenario.

Needs the dataset ``make bench`` loaded (it is kept between runs).
"""
from __future__ import annotations

import argparse
import os
import secrets
import statistics
import time
from dataclasses import dataclass, field

import psycopg

from bench import database
from bench.plan import Plan
from bench.scenarios import FLOORS, SCENARIOS, Fixtures
from bench.server import WeChatStandIn, start_folder, terminate
from bench.settings import PROJECT_ROOT, Settings


@dataclass
class Timing:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    failures: int = 0

    def median_ms(self, values: list[float]) -> float:
        return statistics.median(values) * 1000 if values else float("nan")


def _send(client, line: str, timing: Timing) -> None:
    method, path, token, body, key = (line.split("\t") + ["", "", ""])[:5]
    unique = f"profile-{secrets.token_hex(6)}"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if key:
        headers["Idempotency-Key"] = key.replace("{n}", unique)
    data = body.replace("{n}", unique).encode() if body else None
    wall, cpu = time.perf_counter(), time.process_time()
    response = client.open(path, method=method, headers=headers, data=data,
                           content_type="application/json" if body else None)
    timing.wall.append(time.perf_counter() - wall)
    timing.cpu.append(time.process_time() - cpu)
    timing.statements.append(int(response.headers.get("X-SQL-Statements", "-1")))
    if response.status_code >= 400 and response.status_code != 409:
        timing.failures += 1
        if timing.failures == 1:
            print(f"  {method} {path} -> {response.status_code} {response.get_data(as_text=True)[:200]}")


def parse(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="*", help="scenario names (default: all)")
    parser.add_argument("--requests", type=int, default=200, help="requests per scenario after warm-up")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--database", default="")
    parser.add_argument("--wechat-port", type=int, default=8866)
    parser.add_argument("--profile", default="", help="a scenario to profile with pyinstrument")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse(argv)
    settings = Settings(scale=args.scale, database=args.database, wechat_port=args.wechat_port)
    os.environ.update(settings.app_env())
    database.migrate(settings.app_env(), str(PROJECT_ROOT))  # the working tree's schema, as make bench would
    chosen = [s for s in SCENARIOS if not args.scenarios or s.name in args.scenarios]
    standin = WeChatStandIn(settings.wechat_port)
    standin.start()
    # As beside the bench's server: without it, stats read a tail that grows with every write measured.
    folder = start_folder({**os.environ, **settings.app_env()})
    conn = psycopg.connect(settings.driver_url, autocommit=True)
    try:
        database.prepare_floor_table(conn)
        from backend.app import create_app

        app = create_app()
        fixtures = Fixtures(Plan(settings.scale), conn, app, settings.base_url)
        _run(app, fixtures, chosen, args)
    finally:
        conn.close()
        terminate(folder)
        standin.stop()


def _lines(fixtures: Fixtures, scenario, count: int) -> list[str]:
    fixtures.run += 1
    lines = [r.line() for r in scenario.build(fixtures)]
    return (lines * (count // len(lines) + 1))[:count]


def _run(app, fixtures: Fixtures, chosen, args) -> None:
    client = app.test_client()
    floors = {s.name: s for s in FLOORS}
    timings: dict[str, Timing] = {s.name: Timing() for s in list(FLOORS) + chosen}
    for scenario in list(FLOORS) + chosen:  # warm-up: first calls compile statements and fill caches
        for line in _lines(fixtures, scenario, 20):
            _send(client, line, Timing())
    batches = {s.name: _lines(fixtures, s, args.requests) for s in list(FLOORS) + chosen}
    for i in range(0, args.requests, 10):  # interleaved, ten requests at a time
        for name, lines in batches.items():
            for line in lines[i:i + 10]:
                _send(client, line, timings[name])
    print(f"{'scenario':<18}{'wall ms':>9}{'cpu ms':>9}{'SQL':>5}{'ratio':>7}{'goal':>6}  failures")
    for scenario in list(FLOORS) + chosen:
        t = timings[scenario.name]
        floor = timings[scenario.floor] if scenario.floor in floors else None
        ratio = floor.median_ms(floor.wall) / t.median_ms(t.wall) if floor else float("nan")
        goal = f"{scenario.goal:g}" if scenario.goal else ""
        print(f"{scenario.name:<18}{t.median_ms(t.wall):9.2f}{t.median_ms(t.cpu):9.2f}"
              f"{statistics.median(t.statements):5.0f}{ratio:7.2f}{goal:>6}  {t.failures}")
    if args.profile:
        _pyinstrument(client, fixtures, next(s for s in chosen if s.name == args.profile), args.requests)


def _pyinstrument(client, fixtures: Fixtures, scenario, count: int) -> None:
    from pyinstrument import Profiler

    lines = _lines(fixtures, scenario, count)
    profiler = Profiler(interval=0.0002)
    with profiler:
        for line in lines:
            _send(client, line, Timing())
    print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    os.chdir(PROJECT_ROOT)
    main()
