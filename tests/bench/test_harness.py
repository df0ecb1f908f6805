"""A smoke run of the whole harness on a tiny city, a second a run: it ends with the table.

It needs PostgreSQL and wrk, so it runs in the suite's PostgreSQL pass (and is
skipped on SQLite, or where wrk is not installed; ``make bench`` installs it).
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys

import pytest
from sqlalchemy.engine import make_url

from bench.settings import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server_url(database_url):
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("the bench runs on PostgreSQL: this test runs in the PostgreSQL pass")
    if not shutil.which("wrk"):
        pytest.skip("wrk is not installed (make bench installs it)")
    password = f":{url.password}" if url.password else ""
    return f"postgresql://{url.username}{password}@{url.host or '127.0.0.1'}:{url.port or 5432}"


def test_smoke_run_writes_the_table_with_ratios(server_url, tmp_path):
    output = tmp_path / "results.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--scale", "0.001", "--database", "wanggetong_bench_smoke",
         "--server-url", server_url, "--port", str(free_port()), "--wechat-port", str(free_port()), "--workers", "2", "--duration", "1",
         "--warmup", "0", "--repeat", "1", "--scenarios", "me", "--output", str(output)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=180, env={**os.environ, "BENCH_MODE": ""},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = output.read_text()
    assert table in done.stdout  # printed as well as written
    lines = [line for line in table.splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in lines[0].split("|")[1:-1]]
    rows = {cells[0]: dict(zip(header, cells)) for cells in
            ([cell.strip() for cell in line.split("|")[1:-1]] for line in lines[1:])}
    write_floor, me = rows["floor: raw insert + commit"], rows["GET /me"]
    assert float(write_floor["req/s"].replace(",", "")) > 0
    assert write_floor["SQL/req"] == "1"  # one statement, counted by the app
    assert re.fullmatch(r"\d+\.\d\d", me["ratio"]), me  # a ratio to the read floor of the same round
