"""The results table: medians over the rounds, ratios to the floor of the same round."""
from __future__ import annotations

import os
import platform
import statistics
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from bench.load import Run
from bench.scenarios import PHOTO_GOAL, Scenario
from bench.server import FOLD_EVERY
from bench.settings import PROJECT_ROOT, Settings


@dataclass
class Measured:
    scenario: Scenario
    runs: list[Run] = field(default_factory=list)
    #: Ratio to its floor in each round (the floor run of the same round).
    ratios: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    #: How long each sampled request took alone, in seconds.
    sample_seconds: list[float] = field(default_factory=list)
    problem: str = ""
    #: The scenario's correctness check after the runs.
    check: str = ""

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.runs)

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.runs)


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def _statements(samples: list[int]) -> str:
    if not samples:
        return "—"
    low, high = min(samples), max(samples)
    return str(low) if low == high else f"{low}–{high}"


def _goal(scenario: Scenario) -> str:
    return f"≥ {scenario.goal:g}" if scenario.goal is not None else "—"


def _verdict(ratio: float | None, goal: float | None, at_least: bool = True) -> str:
    if ratio is None or goal is None:
        return ""
    met = ratio >= goal if at_least else ratio <= goal
    return " ✓" if met else " ✗"


def table(measured: list[Measured], photo: dict | None) -> list[str]:
    lines = ["| scenario | req/s | p50 ms | p99 ms | alone ms | floor | ratio | goal | SQL/req | peak MB/worker | errors "
             "| check |",
             "|---|---:|---:|---:|---:|---|---:|---|---:|---:|---:|---|"]
    for m in measured:
        s = m.scenario
        if m.problem and not m.runs:
            lines.append(f"| {s.title} | — | — | — | — | {s.floor or '—'} | — | {_goal(s)} | — | — | — | "
                         f"not measured: {m.problem[:160]} |")
            continue
        rate = _median([r.rate for r in m.runs])
        answered = [r for r in m.runs if r.requests]  # a run where nothing came back has no latency to show
        ratio = _median(m.ratios)
        floor = s.floor or ("bare" if s.name != "bare" else "—")
        error_share = f"{m.errors / m.requests:.1%}" if m.requests and m.errors else "0"
        if not m.requests:
            error_share = "none answered in time"
        elif s.refusals_expected and m.errors:
            error_share += " (refusals: full, already)"
        lines.append(
            f"| {s.title} | {_fmt(rate, ',.0f')} | {_fmt(_median([r.p50_ms for r in answered]), '.1f')} | "
            f"{_fmt(_median([r.p99_ms for r in answered]), '.1f')} | "
            f"{_fmt(_median([t * 1000 for t in m.sample_seconds]), ',.0f')} | {floor} | {_fmt(ratio, '.2f')}"
            f"{_verdict(ratio, s.goal)} | {_goal(s)} | {_statements(m.statements)} | "
            f"{_fmt(max((r.peak_mb for r in m.runs), default=None), '.0f')} | {error_share} | {m.check} |")
    if photo:
        lines.append(
            f"| photo pipeline (12 MP JPEG, in-process) | — | {photo['pipeline_ms']:.1f} | — | — | plain decode "
            f"{photo['decode_ms']:.1f} ms | {photo['ratio']:.2f}{_verdict(photo['ratio'], PHOTO_GOAL, False)} | "
            f"≤ {PHOTO_GOAL:g} | — | — | — | {photo['repetitions']} runs each, interleaved |")
    return lines


def machine() -> dict[str, str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    mem_kb = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:")), 0)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
                            text=True).stdout.strip()
    return {"cpus": str(os.cpu_count()), "cpu": cpu, "memory": f"{mem_kb / 1024 / 1024:.0f} GiB",
            "python": platform.python_version(), "commit": commit or "?"}


def document(settings: Settings, measured: list[Measured], photo: dict | None, dataset_lines: list[str],
             notes: list[str], postgres: str, elapsed: float) -> str:
    floors = {m.scenario.name: m for m in measured if m.scenario.floor is None}
    box = machine()
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        "# Bench results",
        "",
        f"Run {now} at commit {box['commit']} by `make bench` (`python -m bench --scale {settings.scale:g}`), "
        f"{elapsed / 60:.1f} min in all.",
        "",
        f"Machine: {box['cpus']} CPUs ({box['cpu']}), {box['memory']}; {postgres}; Python {box['python']}.",
        f"Server: gunicorn, {settings.workers} sync workers, APP_ENV=production, BENCH_MODE=1, and beside them "
        f"`flask stats fold --every {FOLD_EVERY}`. "
        f"Load: wrk, {settings.threads} threads, {settings.connections} connections, {settings.duration:g} s a run, "
        f"{settings.repeat} round(s) (floors and scenarios interleaved), medians shown.",
        "",
        "Floors, this run: " + ", ".join(
            f"{name} {statistics.median([r.rate for r in m.runs]):,.0f} req/s" for name, m in floors.items() if m.runs)
        + ". A ratio is the scenario's req/s over its floor's in the same round (median of the rounds); "
        "the floors' own ratio is to bare.",
        "",
        *table(measured, photo),
        "",
        "Alone: the median time of five of the scenario's requests sent one at a time to the idle, warmed-up "
        "server. "
        "SQL/req: statements the app ran per request (`X-SQL-Statements`, sampled), not counting BEGIN/COMMIT. "
        "Peak MB/worker: the largest VmHWM of a worker during the runs (reset before each run). "
        "Errors: share of requests answered ≥ 400 or failed at the socket; for the contested writes the "
        "refusals (seats or slots gone, already claimed) are part of the scenario. Check: what the database "
        "holds afterwards, against the issue's rules.",
        "",
        "## Dataset",
        "",
        *dataset_lines,
    ]
    if notes:
        out += ["", "## Not measured yet, and notes", "", *[f"- {note}" for note in notes]]
    return "\n".join(out) + "\n"
