"""The app under gunicorn, as production runs it, and its workers' memory from /proc."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from bench.settings import PROJECT_ROOT, WECHAT_APP_ID, WECHAT_APP_SECRET, WORK_DIR, Settings

#: Seconds between folds of the grid figures' tail, as `flask stats fold --every` runs in production.
FOLD_EVERY = 5


class Server:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.process: subprocess.Popen | None = None
        self.standin: WeChatStandIn | None = None
        self.log_path = WORK_DIR / "gunicorn.log"
        self.folder: subprocess.Popen | None = None

    def command(self) -> list[str]:
        s = self.settings
        return [sys.executable, "-m", "gunicorn", "--workers", str(s.workers), "--worker-class", "sync",
                "--bind", f"127.0.0.1:{s.port}", "--backlog", "2048", "--timeout", "60",
                "--log-level", "warning", "wsgi:app"]

    def start(self) -> None:
        WORK_DIR.mkdir(parents=True, exist_ok=True)
        self.standin = WeChatStandIn(self.settings.wechat_port)
        self.standin.start()
        log = self.log_path.open("w")
        env = {**os.environ, **self.settings.app_env()}
        self.process = subprocess.Popen(self.command(), cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        # As production runs it beside the workers: the grid figures' tail folded every few seconds.
        self.folder = start_folder(env, log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}); see {self.log_path}:\n"
                                   + self.log_path.read_text()[-3000:])
            if len(self.worker_pids()) == self.settings.workers and self._answers():
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not come up in 60 s; see {self.log_path}")

    def drain(self, limit: float = 600.0) -> float:
        """Wait until the requests a run left queued are done: the bare floor answers at once again.

        wrk stops sending when its time is up, but sync workers still serve what sits in
        their backlog; the next run must not start behind a slow scenario's leftovers.
        """
        started = time.monotonic()
        quick = 0
        while quick < 2 and time.monotonic() - started < limit:
            ask = time.monotonic()
            try:
                requests.get(self.settings.base_url + "/api/v1/bench/bare", timeout=limit)
            except requests.RequestException:
                time.sleep(0.5)
                continue
            quick = quick + 1 if time.monotonic() - ask < 0.05 else 0
        return time.monotonic() - started

    def _answers(self) -> bool:
        try:
            return requests.get(self.settings.base_url + "/api/v1/bench/bare", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        terminate(self.process)
        terminate(self.folder)
        if self.standin:
            self.standin.stop()

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def reset_peaks(self) -> None:
        """Reset each worker's peak RSS (``clear_refs`` 5), so a run's peak is its own."""
        for pid in self.worker_pids():
            try:
                Path(f"/proc/{pid}/clear_refs").write_text("5")
            except OSError:
                pass  # then the peak covers the worker's whole life, which is still an upper bound

    def peak_mb(self) -> float:
        """The largest peak resident set (VmHWM) among the workers, in MB."""
        peaks = [_status_kb(pid, "VmHWM") for pid in self.worker_pids()]
        return max(peaks, default=0) / 1024


class WeChatStandIn:
    """devtools' local stand-in for WeChat's API: the text check a report submission makes goes here."""

    def __init__(self, port: int):
        self.port = port
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "devtools.wechat_standin", "--port", str(self.port), "--app-id", WECHAT_APP_ID,
             "--app-secret", WECHAT_APP_SECRET], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.process.stdout.readline()  # it prints its address once it listens

    def stop(self) -> None:
        terminate(self.process)


def start_folder(env: dict, log=subprocess.DEVNULL) -> subprocess.Popen:
    """``flask stats fold --every FOLD_EVERY``, as production runs it beside the workers."""
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "stats", "fold", "--every", str(FOLD_EVERY)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)


def terminate(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
