"""双报到 figures for a grid's subtree."""
from __future__ import annotations

from backend.stats import figures as stat_figures


def grid_stats(grid, figures: dict | None = None) -> dict:
    figures = stat_figures.read(grid) if figures is None else figures
    return {
        "activities": figures["party.activities"],
        "checkins": figures["party.checkins"],
        "service_hours": round(figures["party.minutes"] / 60, 1),
        "registrations_pending": figures["party.registrations.pending"],
        "registrations_approved": figures["party.registrations.approved"],
    }
