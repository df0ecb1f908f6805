"""wrk, the load generator: installed if missing, run with the one request script, read back."""
from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.settings import LUA_DIR, Settings

SCRIPT = LUA_DIR / "requests.lua"


def ensure_wrk() -> str:
    """The wrk binary; as root, install Debian's package when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("wrk is not installed: apt-get install wrk (the bench installs it itself when run as root)")
    print("installing wrk (apt-get install -y wrk)", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env, capture_output=True).returncode:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env, capture_output=True, check=True)
    return shutil.which("wrk") or "wrk"


@dataclass
class Run:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    peak_mb: float = 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_wrk(settings: Settings, request_file: Path, nonce: str, duration: float) -> Run:
    threads = min(settings.threads, settings.connections)
    command = ["wrk", "--threads", str(threads), "--connections", str(settings.connections),
               "--duration", f"{max(1, math.ceil(duration))}s", "--timeout", "10s", "--latency",
               "--script", str(SCRIPT), settings.base_url, "--", str(request_file), nonce, str(threads)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    line = next((l for l in done.stdout.splitlines() if l.startswith("BENCH_JSON ")), None)
    if done.returncode or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    return Run(requests=data["requests"], seconds=data["duration_us"] / 1e6, errors=errors,
               p50_ms=data["p50_us"] / 1000, p99_ms=data["p99_us"] / 1000)
