"""Micro-task figures for a subtree: tasks, claims, verified completions, points they earned."""
from __future__ import annotations

from backend.stats import figures as stat_figures

CLAIM_PREFIX = "tasks.claims."


def grid_stats(grid, figures: dict | None = None) -> dict:
    figures = stat_figures.read(grid) if figures is None else figures
    claims = {metric.removeprefix(CLAIM_PREFIX): n for metric, n in figures.items() if metric.startswith(CLAIM_PREFIX)}
    return {
        "tasks_total": figures["tasks.total"],
        "tasks_open": figures["tasks.open"],
        "claims": sum(n for status, n in claims.items() if status != "released"),
        "claims_awaiting_verification": claims.get("submitted", 0),
        "completions_verified": claims.get("verified", 0),
        "points_awarded": figures["points.task"],
    }
