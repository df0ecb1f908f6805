"""Progress lines on stderr: one every few percent, so a log stays readable."""
from __future__ import annotations

import sys
import time


class Bar:
    def __init__(self, label: str, total: int, out):
        self.label, self.total, self.out = label, max(total, 1), out
        self.started = time.perf_counter()
        self.next_mark = 0.1

    def update(self, done: int) -> None:
        if done / self.total >= self.next_mark:
            self._print(done)
            while self.next_mark <= done / self.total:
                self.next_mark += 0.1

    def finish(self, done: int) -> None:
        self._print(done)

    def _print(self, done: int) -> None:
        elapsed = time.perf_counter() - self.started
        rate = done / elapsed if elapsed else 0
        filled = int(20 * done / self.total)
        print(f"  {self.label:<18} [{'#' * filled:<20}] {done:>11,}/{self.total:,} "
              f"{elapsed:6.1f} s {rate:>10,.0f} rows/s", file=self.out, flush=True)


class Progress:
    def __init__(self, out=None):
        self.out = out or sys.stderr

    def bar(self, label: str, total: int) -> Bar:
        return Bar(label, total, self.out)

    def line(self, text: str) -> None:
        print(text, file=self.out, flush=True)
