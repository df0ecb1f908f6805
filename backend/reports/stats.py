"""Report figures for a grid subtree (the reports filed there); GET /grids/{id}/stats shows
them as its ``reports`` section.

- ``resolved_rate``: resolved or closed, of the reports that were not rejected or held.
- ``avg_hours_to_accept`` / ``avg_hours_to_resolve``: from filing to first acceptance / to resolution.
- ``overdue``: open (or held) reports that missed a deadline: those marked overdue (a total)
  plus those past their deadline but not marked yet (counted live).
- ``satisfaction_rate`` (满意率): ratings of 4 or 5, of all ratings.
- ``solved_in_grid_rate`` (小事不出网格): resolved or closed reports never escalated, of all resolved or closed.
Rates are None when there is nothing to divide by.
"""
from __future__ import annotations

from backend.reports.models import STATUS_NAMES
from backend.stats import figures as stat_figures

SOLVED = ("resolved", "closed")
MS_PER_HOUR = 3_600_000


def grid_stats(grid, figures: dict | None = None) -> dict:
    figures = stat_figures.read(grid) if figures is None else figures
    by_status = {status: figures[f"reports.status.{status}"] for status in STATUS_NAMES}
    total = figures["reports.total"]
    solved_count = sum(by_status[s] for s in SOLVED)
    handled = total - by_status["rejected"] - by_status["held"]
    rated = figures["reports.rated"]
    return {
        "total": total,
        "by_status": by_status,
        "resolved_rate": _rate(solved_count, handled),
        "avg_hours_to_accept": _hours(figures["reports.accept_ms"], figures["reports.accepted"]),
        "avg_hours_to_resolve": _hours(figures["reports.resolve_ms"], figures["reports.resolved"]),
        "overdue": figures["reports.overdue_flagged"] + figures["reports.overdue_live"],
        "rated": rated,
        "satisfaction_rate": _rate(figures["reports.satisfied"], rated),
        "solved_in_grid_rate": _rate(figures["reports.solved_locally"], solved_count),
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _hours(total_ms: int, count: int) -> float | None:
    return round(total_ms / count / MS_PER_HOUR, 1) if count else None
